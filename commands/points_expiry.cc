#include "commands/points_expiry.h"

#include <condition_variable>
#include <mutex>

#include "domain/event_codec.h"
#include "domain/ids.h"

namespace clientele {

namespace {

constexpr std::size_t kRound = 4096;  // lots per round

}  // namespace

std::string ExpiryEventId(std::string_view customer_id, std::string_view lot_id) {
  return DerivedUuid("loyalty.points_expired:" + std::string(customer_id) + ":" +
                     std::string(lot_id));
}

Result<SweepResult> ExpirePoints(EventStore* log, const Reports* reports, Clock* clock) {
  SweepResult result;
  const std::int64_t now = clock->NowMs();
  for (;;) {
    // The reports must hold everything appended so far, or a lot just
    // expired would be found due again (its event is then a duplicate: safe,
    // but no progress).
    if (!reports->WaitFor(log->Head(), std::chrono::seconds(30))) {
      return Error(Status::Unavailable("the reports are behind the log; the sweep waits"));
    }
    auto due = reports->DueToExpire(now, kRound);
    if (!due) return Error(due.error());
    // Appended together, so that the log commits them in groups.
    std::mutex mu;
    std::condition_variable done;
    std::size_t pending = due->size();
    std::uint64_t appended = 0;
    Status failed;
    for (const ExpiringLot& lot : *due) {
      CustomerEvent event = PointsExpired{lot.lot_id, lot.points, lot.expires_at_ms};
      NewEvent e;
      e.id = ExpiryEventId(lot.customer_id, lot.lot_id);
      e.type = std::string(EventTypeName(event));
      e.schema = SchemaOf(event);
      e.data = EncodePayload(event);
      e.actor = "expiry-sweep";
      e.causation_id = lot.lot_id;
      const std::int64_t points = lot.points;
      log->AppendAsync(CustomerStream(lot.customer_id), ExpectedVersion::Any(), {std::move(e)},
                       [&, points](Result<AppendResult> r) {
                         std::lock_guard lock(mu);
                         if (!r) {
                           if (failed.ok()) failed = r.error();
                         } else if (r->duplicate) {
                           ++result.already_expired;
                         } else {
                           ++appended;
                           ++result.expired_lots;
                           result.expired_points += points;
                         }
                         if (--pending == 0) done.notify_all();
                       });
    }
    {
      std::unique_lock lock(mu);
      done.wait(lock, [&] { return pending == 0; });
    }
    if (!failed.ok()) return Error(failed);
    if (appended == 0) return result;  // nothing due, or all recorded already
  }
}

}  // namespace clientele
