// Ledger extracts: every points and credit entry of a period, with what it
// takes to check them away from the node (projections/ledger_check.h).
//
// An extract is JSON lines: a header, then one line per event in log order,
// then an end line.
//
//   header   {"extract":"clientele.ledger/1","node","from","to",["customer"],
//             "made_at","log_head":{"position","hash"},
//             "keys":[{"node","key","revoked","valid_through"}...]}
//   opening  {"opening":{"customer","code","version","points","credit"}}
//   line     {"kind":"entry"|"event","position","id","type","customer",
//             "version","origin","seq","time","recorded","in_window",
//             ["points_change","credit_change","points_after","credit_after"],
//             "prev_hash","hash","format","canonical"}
//   end      {"end":{"lines","entries","customers","digest",
//             ["key","signature"]}}
//
// - The window is [from, to) of event time (when it happened, where it
//   happened). An entry is an event that EffectOf (domain/ledger.h) says is
//   a points or credit change; the amounts are its points and credit change.
// - For each customer with an entry in the window, the extract holds every
//   event of its stream from its first such entry to its last, in log order:
//   entries (also those in between that fall outside the window:
//   in_window false) and the other events (kind "event"), so that the
//   stream's versions run without a gap. An opening line comes just before
//   the customer's first line: its balances and stream version before it,
//   from the customer's whole history in this log.
// - points_after / credit_after are the customer's balances after the entry,
//   in this log's order: opening plus every change up to it.
// - canonical is the event's canonical bytes (base64) in record `format`
//   (eventstore/record_format.h); hash = SHA-256(prev_hash || canonical) is
//   the event's link in this node's hash chain. The proof of origin, if the
//   event carries one, is inside the canonical bytes; `keys` is the node
//   registry (domain/nodes.h) that proofs are checked against.
// - time is the event time; recorded is when this node recorded it (null if
//   before recording times were kept).
// - The end line counts lines (excluding header and end), entries and
//   customers; digest is SHA-256 of every byte before the end line (hex); the
//   signature, when the node's key was at hand, is Ed25519 by that key over
//   "clientele/extract/1" 0x00 digest:32.
// Hashes are lowercase hex; keys and signatures base64; times
// "2026-11-23T10:15:00.250Z".
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "domain/status.h"
#include "eventstore/event_store.h"
#include "eventstore/signing.h"

namespace clientele {

inline constexpr std::string_view kLedgerExtractFormat = "clientele.ledger/1";
// What the end line's signature covers, before the 32-byte digest.
inline constexpr std::string_view kLedgerSignedPrefix{"clientele/extract/1\0", 20};

struct LedgerExportOptions {
  std::int64_t from_ms = 0;  // the window: from_ms <= event time < to_ms
  std::int64_t to_ms = 0;
  std::string customer;          // an id or code; "" for every customer
  const NodeKey* key = nullptr;  // signs the end line; null: unsigned
  // Whose log it is, for the header; "" to take the node whose key signs, or
  // else the origin of the log's unsigned numbered events (a node's own).
  std::string node;
  std::int64_t made_at_ms = 0;
};

struct LedgerExportStats {
  std::uint64_t lines = 0;    // opening lines not counted
  std::uint64_t entries = 0;  // entry lines (in the window or between)
  std::uint64_t customers = 0;
};

// Writes the extract of `log` to `out`. InvalidArgument for a bad window or
// customer, NotFound if a named customer is not in the log, Corruption if an
// event does not decode, Unavailable if the log cannot be read or `out`
// written. Events appended meanwhile are left out: the extract ends at the
// head as it was when the call began.
Result<LedgerExportStats> ExportLedger(EventStore* log, const LedgerExportOptions& options,
                                       std::FILE* out);

}  // namespace clientele
