// Checking a ledger extract (projections/ledger_extract.h) without the node.
//
// Each line on its own: its canonical bytes parse and are canonical; the
// line's fields (position, id, type, customer, version, origin, seq, time)
// are those of the hashed record; SHA-256(prev_hash || canonical) is its hash;
// an entry's amounts are what EffectOf says of its payload, and an "event"
// line is no entry; in_window agrees with its time; a proof of origin, where
// the event carries one, names a key the header's registry lets its origin
// sign that number with, and verifies; an unsigned event is the extracting
// node's own (or from before proofs existed, numbered 0).
//
// Across lines: positions increase; a line right after its neighbour in the
// log (position + 1) links to the neighbour's hash; every customer's first
// line follows its opening line and its stream versions then run without a
// gap; opening + changes = each balance after; the end line's counts and
// digest match the lines, and its signature, if any, verifies.
//
// What that proves and what it takes on trust: OPERATIONS.md, "Ledger
// extracts".
#pragma once

#include <cstdint>
#include <string>

#include "domain/status.h"

namespace clientele {

struct LedgerCheckReport {
  bool ok = true;
  // The first thing wrong, if !ok: the file's line number (from 1), the
  // event id on it (if the line has one) and what is wrong.
  std::uint64_t bad_line = 0;
  std::string bad_event;
  std::string problem;

  // From the header.
  std::string node, from, to, customer;
  std::uint64_t log_head = 0;
  std::string log_head_hash;  // hex

  // What was checked (up to the first problem).
  std::uint64_t lines = 0;  // event and entry lines
  std::uint64_t entries = 0;
  std::uint64_t customers = 0;
  std::uint64_t signed_events = 0;    // whose proof of origin verified
  std::uint64_t unsigned_events = 0;  // the node's own, or from before proofs
  // The end line's signer: "hq (key fingerprint 1a2b...)", or "" if unsigned.
  std::string signed_by;
};

// Checks the extract in the file at `path`, on `threads` threads (0: one per
// core). Returns the report (ok or the first problem); Unavailable only if
// the file cannot be read.
Result<LedgerCheckReport> CheckLedger(const std::string& path, int threads = 0);

}  // namespace clientele
