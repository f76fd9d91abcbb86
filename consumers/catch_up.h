// Late join: a store whose log is empty (new, or its disk was lost) first
// copies HQ's whole log through HQ's paged HTTP events feed, then follows
// Kafka from there. Kafka's retention may not reach back to the first event;
// HQ's log always does. Events already in the log are skipped by id, so a
// catch-up cut short simply runs again.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

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

// Appends every event of the feed to `log`, page by page, until a page comes
// back empty. `progress` (optional) gets the events copied and HQ's head.
// Returns the number of events copied.
Result<std::uint64_t> CatchUpFromFeed(
    EventStore* log, const FetchFeed& fetch,
    const std::function<void(std::uint64_t copied, std::uint64_t head)>& progress = {});

}  // namespace clientele
