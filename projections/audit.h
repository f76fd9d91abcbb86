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

struct AuditReport {
  CustomerRow customer;               // as of the moment: details and balances
  std::vector<HistoryEntry> entries;  // points and credit changes up to then, in history order
  std::int64_t as_of_ms = 0;
  std::uint64_t events_checked = 0;  // links of the hash chain verified (the whole log)
};

// `customer` is a customer id or code. Events count if their time is at or
// before `as_of_ms`. NotFound if no such customer existed by then; Corruption,
// naming the position, if the hash chain is broken anywhere in the log.
Result<AuditReport> AuditCustomer(EventStore* log, std::string_view customer,
                                  std::int64_t as_of_ms);

}  // namespace clientele
