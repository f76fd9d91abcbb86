// The expiry sweep: HQ expires the lots of points that are due.
//
// Reports (projections/reports.h) know each customer's lots and when each
// expires under the policy it was earned with. The sweep appends
// loyalty.points_expired for every lot due by the clock's now, with an id
// derived from the customer and the lot: however often it runs, on however
// many threads or restarts, a lot expires once. Stores receive the events by
// sync; only HQ may record them.
#pragma once

#include <cstdint>

#include "domain/clock.h"
#include "domain/status.h"
#include "eventstore/event_store.h"
#include "projections/reports.h"

namespace clientele {

struct SweepResult {
  std::uint64_t expired_lots = 0;     // events appended by this run
  std::int64_t expired_points = 0;    // their points
  std::uint64_t already_expired = 0;  // due lots whose event was in the log already
};

// Expires every lot due at clock->NowMs(): waits for the reports to hold the
// whole log, then reads the due lots from their expiry index in one pass,
// appending many at once. `log`, `reports` and `clock` must outlive the call.
Result<SweepResult> ExpirePoints(EventStore* log, const Reports* reports, Clock* clock);

// The id of the expiry of lot `lot_id` of `customer_id`.
std::string ExpiryEventId(std::string_view customer_id, std::string_view lot_id);

}  // namespace clientele
