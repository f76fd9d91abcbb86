// Overdraft detection, done by HQ as it merges what stores did offline.
//
// A store deducts credit up to its own view of the balance. When two stores
// spent the same credit while apart, HQ's log ends up below zero. For each
// replicated credit.deducted after which the balance in HQ's log is below
// zero, HQ appends credit.overdraft_detected to the customer's stream: the
// deduction stands (the money left the drawer) and auditors see the shortfall.
// The event's id is derived from the deduction's, so it is appended once
// however often the deduction is seen.
#pragma once

#include <vector>

#include "domain/status.h"
#include "eventstore/event_store.h"

namespace clientele {

// Checks the credit.deducted events among `appended` (events just appended
// to `log`) and appends an overdraft event for each that took the balance
// below zero. Returns how many it appended.
Result<int> RecordOverdrafts(EventStore* log, const std::vector<RecordedEvent>& appended);

}  // namespace clientele
