// Late join: a store whose log is empty (new, or its disk was lost) first
// copies HQ's whole log through HQ's paged HTTP events feed, then follows
// Kafka from there. Kafka's retention may not reach back to the first event;
// HQ's log always does. Every event passes Admission (consumers/admission.h)
// as if it came from Kafka: HQ relays events, it does not vouch for them.
// Events already in the log are skipped by id, so a catch-up cut short
// simply runs again from where it was (`after`).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "consumers/admission.h"
#include "domain/status.h"
#include "eventstore/event_store.h"

namespace clientele {

struct FeedPage {
  std::vector<RecordedEvent> events;  // in HQ's log order
  std::uint64_t next_after = 0;       // the `after` of the next page
  std::uint64_t head = 0;             // HQ's log head when the page was read
};

// Reads the page of up to `limit` events after HQ position `after`.
using FetchFeed = std::function<Result<FeedPage>(std::uint64_t after, std::size_t limit)>;

struct CatchUpProgress {
  std::uint64_t after = 0;    // HQ's position copied up to (durably)
  std::uint64_t head = 0;     // HQ's head when the last page was read
  std::uint64_t copied = 0;   // events appended
  std::uint64_t refused = 0;  // events Admission refused (logged, skipped)
};

// Appends every event of the feed after `from` to `log`, page by page, until
// a page comes back empty. `progress` (optional) is told after each page is
// durable, so a caller can save `after` and resume there. `refused` (optional)
// is told of each refused event and why. Returns the totals.
Result<CatchUpProgress> CatchUpFromFeed(
    EventStore* log, Admission* admission, const FetchFeed& fetch, std::uint64_t from = 0,
    const std::function<void(const CatchUpProgress&)>& progress = {},
    const std::function<void(const RecordedEvent&, const Status&)>& refused = {});

}  // namespace clientele
