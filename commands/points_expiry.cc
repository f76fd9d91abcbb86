#include "commands/points_expiry.h"

#include <condition_variable>
#include <mutex>

#include "domain/event_codec.h"
#include "domain/ids.h"

namespace clientele {

namespace {

constexpr std::size_t kPage = 4096;      // lots read from the reports at a time
constexpr std::size_t kInFlight = 8192;  // appends waiting for the log at once

}  // namespace

std::string ExpiryEventId(std::string_view customer_id, std::string_view lot_id) {
  return DerivedUuid("loyalty.points_expired:" + std::string(customer_id) + ":" +
                     std::string(lot_id));
}

Result<SweepResult> ExpirePoints(EventStore* log, const Reports* reports, Clock* clock) {
  SweepResult result;
  const std::int64_t now = clock->NowMs();
  // The reports must hold everything in the log, or a lot just expired would
  // be found due again (its event would then be a duplicate: safe, but the
  // count would be wrong).
  if (!reports->WaitFor(log->Head(), std::chrono::seconds(30))) {
    return Error(Status::Unavailable("the reports are behind the log; the sweep waits"));
  }
  std::mutex mu;
  std::condition_variable done;
  std::size_t pending = 0;
  Status failed;
  // One append per lot, many in flight, so that the log commits them in groups.
  auto expire = [&](const ExpiringLot& lot) {
    CustomerEvent event = PointsExpired{lot.lot_id, lot.points, lot.expires_at_ms};
    NewEvent e;
    e.id = ExpiryEventId(lot.customer_id, lot.lot_id);
    e.type = std::string(EventTypeName(event));
    e.schema = SchemaOf(event);
    e.data = EncodePayload(event);
    e.actor = "expiry-sweep";
    e.causation_id = lot.lot_id;
    const std::int64_t points = lot.points;
    {
      std::unique_lock lock(mu);
      done.wait(lock, [&] { return pending < kInFlight; });
      ++pending;
    }
    log->AppendAsync(CustomerStream(lot.customer_id), ExpectedVersion::Any(), {std::move(e)},
                     [&, points](Result<AppendResult> r) {
                       std::lock_guard lock(mu);
                       if (!r) {
                         if (failed.ok()) failed = r.error();
                       } else if (r->duplicate) {
                         ++result.already_expired;
                       } else {
                         ++result.expired_lots;
                         result.expired_points += points;
                       }
                       --pending;
                       done.notify_all();
                     });
  };
  std::string cursor;
  for (;;) {
    auto due = reports->DueToExpire(now, kPage, &cursor);
    if (!due) return Error(due.error());
    if (due->empty()) break;
    for (const ExpiringLot& lot : *due) expire(lot);
    std::lock_guard lock(mu);
    if (!failed.ok()) break;
  }
  std::unique_lock lock(mu);
  done.wait(lock, [&] { return pending == 0; });
  if (!failed.ok()) return Error(failed);
  return result;
}

}  // namespace clientele
