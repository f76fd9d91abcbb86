// Chain-wide idempotency, done by HQ as it merges what nodes did apart.
//
// A node refuses a second record of a tab, refund or top-up payment reference
// it already holds (or answers it as a retry), but two nodes apart can each
// record the same one. When HQ's log holds two records of one reference in
// a customer's stream:
//   - with the same content (amount; for a refund, its tab too), it is one
//     sale, refund or payment recorded twice: HQ appends
//     ledger.duplicate_reversed for every record but the one with the
//     smallest event id, taking back its effect (total spent, the credit it
//     added), and another for the points its command earned or reversed (an
//     event of its own, which may arrive later). Whichever arrived first, the
//     same record counts on every node;
//   - with other content, both stand (neither is known to be wrong) and HQ
//     appends ledger.conflict_recorded for review.
// Each appended event's id is derived from the record it is about, so it is
// appended once however often the record is seen. The records of a reference
// are found through a ReferenceIndex (consumers/reference_index.h), not by
// reading the customer's stream: a check costs what the batch holds.
#pragma once

#include <cstdint>
#include <vector>

#include "consumers/reference_index.h"
#include "domain/status.h"
#include "eventstore/event_store.h"

namespace clientele {

struct DuplicateCounts {
  int reversed = 0;   // ledger.duplicate_reversed appended
  int conflicts = 0;  // ledger.conflict_recorded appended
};

// Checks the references that `appended` (events just appended to `log`)
// record a purchase, refund, top-up or points of, appends what it finds, and
// then adds `appended` to `index` (which must cover the log up to them).
Result<DuplicateCounts> RecordDuplicates(EventStore* log, ReferenceIndex* index,
                                         const std::vector<RecordedEvent>& appended);

}  // namespace clientele
