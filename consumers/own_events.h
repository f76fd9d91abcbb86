// Own events back from a peer, after a restore. A node numbers its own
// events 1, 2, 3... (ce_sequence). A node restored from a backup knows only
// the numbers of its log as the backup had it; the events it made after the
// backup may already be held by its peers (a store's by HQ, HQ's by the
// stores). Numbering on from the backup's highest would give new events
// numbers its peers hold for other events, and they would refuse them
// (sequence_reused). So before it makes events of its own, a restored node
// takes its own newer events back from a peer: each passes Admission
// (Channel::kFeed: signed with the node's enrolled key) and is appended, and
// the log's next own number is then above the highest the peer holds.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "consumers/admission.h"
#include "domain/status.h"
#include "eventstore/event_store.h"

namespace clientele {

// Up to `limit` events of `origin` numbered `from_seq` or more, as the peer
// holds them, in number order (cli/feed_client.h: FetchOriginEvents).
using FetchOrigin = std::function<Result<std::vector<RecordedEvent>>(
    const std::string& origin, std::uint64_t from_seq, std::size_t limit)>;

struct OwnEventsRecovered {
  std::uint64_t appended = 0;  // events new to the log
  std::uint64_t highest = 0;   // the log's highest own number afterwards
};

// Appends the events of `log->origin()` numbered above the highest the log
// holds, page by page, until the peer has no more. Returns what was done;
// Unavailable if the peer or the log cannot be reached (try again); the
// refusal (a PermissionDenied naming the rule) of the first own event that
// fails Admission: its number would be reused, so the caller must not go on
// to make events before someone looks.
Result<OwnEventsRecovered> RecoverOwnEvents(EventStore* log, Admission* admission,
                                            const FetchOrigin& fetch);

}  // namespace clientele
