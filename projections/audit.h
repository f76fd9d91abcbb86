// Audit replay: a customer's points and credit history and balances as of a
// past moment, recomputed from the log alone - not from the projections - in
// one pass that checks the whole hash chain on the way.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "domain/status.h"
#include "eventstore/event_store.h"
#include "projections/customer_row.h"

namespace clientele {

// The two senses of "as of" a moment T.
enum class AsOf {
  // What had happened by T, as this log knows it now: every event whose time
  // (set where it happened) is at or before T, late arrivals included.
  kEventTime,
  // What this node's books said at T: the events it had recorded by T on its
  // own clock (EventStore::HeadAt). A closed month is reproduced as it was
  // reported, before stores that were offline delivered. Events recorded
  // before recording times were kept count as recorded at their own time.
  kRecorded,
};

// "event_time" or "recorded", as the API and CLI spell them.
std::string_view AsOfName(AsOf basis);
// The basis `name` spells, or InvalidArgument naming `field`.
Result<AsOf> ParseAsOf(std::string_view name, std::string_view field);

struct AuditReport {
  CustomerRow customer;               // as of the moment: details and balances
  std::vector<HistoryEntry> entries;  // points and credit changes up to then, in history order
  std::int64_t as_of_ms = 0;
  AsOf basis = AsOf::kEventTime;
  std::uint64_t recorded_through = 0;  // kRecorded: the last position the books held at as_of
  std::uint64_t events_checked = 0;    // links of the hash chain verified (the whole log)
};

// `customer` is a customer id or code. Events count if they were there as of
// `as_of_ms` in the sense `basis` says. NotFound if no such customer existed
// by then; Corruption, naming the position, if the hash chain is broken
// anywhere in the log; Unavailable if the recording times cannot be read.
Result<AuditReport> AuditCustomer(EventStore* log, std::string_view customer, std::int64_t as_of_ms,
                                  AsOf basis = AsOf::kEventTime);

}  // namespace clientele
