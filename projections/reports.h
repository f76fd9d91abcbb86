// Reports: the chain's figures for HQ and for month-end close, kept up with
// the log like the other projections and pre-aggregated by store and day (in
// the chain's time zone), so that no report scans the log.
//
// Data: <data>/reports, a RocksDB database, rebuilt from the log when missing,
// written by another layout or kept in another time zone.
//   family default    "checkpoint" -> position:be64; "format"; "time_zone"
//   family figures    day:be32 store                  -> Figures (report_ledger.h)
//   family moves      day:be32 lp(from) to            -> amount:le64
//   family spend      day:be32 customer id            -> amount:le64
//   family customers  customer id                     -> ReportCustomer
//   family expiry     expires_at:be64 customer id     -> ""
// Each batch of events is written with its checkpoint in one WriteBatch.
//
// Events reach a node out of time order (a store offline for days): an event
// that comes before what a customer's figures already hold makes the
// customer's whole stream be folded again in history order, and the
// difference is what the batch adds. So the figures are always those of the
// events in history order, whatever order they arrived in.
//
// Every figure is also held in memory (a few hundred bytes per store and day).
//
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/status.h"
#include "domain/time_zone.h"
#include "eventstore/event_store.h"
#include "projections/report_ledger.h"

namespace clientele {

// Balances held at the end of a day, by the store they come from.
struct LiabilityLine {
  std::string store;  // "" for the chain as a whole
  std::int64_t credit = 0;
  std::int64_t credit_holders = 0;  // customers holding credit from the store
  std::int64_t points = 0;
  std::int64_t points_holders = 0;
  bool operator==(const LiabilityLine&) const = default;
};
struct LiabilityReport {
  std::int32_t day = 0;
  LiabilityLine chain;
  std::vector<LiabilityLine> stores;  // by store name
  bool operator==(const LiabilityReport&) const = default;
};

// A period's movements: opening + the movements = closing, to the unit.
struct CreditRoll {
  std::int64_t opening = 0, topped_up = 0, spent = 0, adjusted = 0, duplicates = 0, settled = 0,
               closing = 0;
  std::int64_t overdrafts = 0, overdraft_amount = 0;  // found; they move no balance
  bool operator==(const CreditRoll&) const = default;
};
struct PointsRoll {
  std::int64_t opening = 0, earned = 0, redeemed = 0, adjusted = 0, expired = 0, reversed = 0,
               duplicates = 0, settled = 0, closing = 0;
  std::int64_t shortfalls = 0, shortfall_points = 0;
  bool operator==(const PointsRoll&) const = default;
};
struct RollLine {
  std::string store;  // "" for the chain
  CreditRoll credit;
  PointsRoll points;
  bool operator==(const RollLine&) const = default;
};
struct RollForwardReport {
  std::int32_t from = 0, to = 0;  // days, both included
  RollLine chain;
  std::vector<RollLine> stores;
  bool operator==(const RollForwardReport&) const = default;
};

struct MoveLine {
  std::string from;  // where the credit was topped up ("" : spent beyond the balance)
  std::string to;    // where it was spent
  std::int64_t amount = 0;
  bool operator==(const MoveLine&) const = default;
};
struct BetweenStoresReport {
  std::int32_t from = 0, to = 0;
  std::vector<MoveLine> moves;  // by (from, to)
  std::int64_t total = 0;       // = credit spent in the period
  bool operator==(const BetweenStoresReport&) const = default;
};

struct DormantBucket {
  std::string label;          // "0-90 days", ...
  std::int32_t min_days = 0;  // days since the last activity, at least ...
  std::int32_t max_days = 0;  // ... and at most (INT32_MAX: no bound)
  std::int64_t customers = 0;
  std::int64_t credit = 0;
  bool operator==(const DormantBucket&) const = default;
};
struct DormantReport {
  std::int32_t day = 0;  // ages are counted to the end of this day
  std::vector<DormantBucket> buckets;
  bool operator==(const DormantReport&) const = default;
};

struct ActivityLine {
  std::int32_t day = 0;
  std::string store;
  std::int64_t purchases = 0, purchase_amount = 0, new_customers = 0, active_customers = 0,
               points_earned = 0, points_redeemed = 0, credit_topped_up = 0, credit_spent = 0;
  bool operator==(const ActivityLine&) const = default;
};
struct ActivityReport {
  std::int32_t from = 0, to = 0;
  std::vector<ActivityLine> lines;  // by day, then store; days without activity left out
  bool operator==(const ActivityReport&) const = default;
};

struct TopCustomer {
  std::string customer_id;
  std::int64_t spent = 0;  // purchases less refunds in the period
  bool operator==(const TopCustomer&) const = default;
};

struct ReportsOptions {
  std::string path;  // <data>/reports
  TimeZone time_zone;
};

struct ExpiringLot {
  std::string customer_id;
  std::string lot_id;
  std::int64_t points = 0;
  std::int64_t expires_at_ms = 0;
  bool operator==(const ExpiringLot&) const = default;
};

class Reports {
 public:
  // Opens (creating or rebuilding if needed) the reports at options.path.
  static Result<std::unique_ptr<Reports>> Open(EventStore* log, ReportsOptions options);
  ~Reports();
  Reports(const Reports&) = delete;
  Reports& operator=(const Reports&) = delete;

  // Follows the log on a background thread.
  void Start();
  // Applies, on this thread, every event up to the log's head.
  // REQUIRES: Start() has not been called.
  Status CatchUp();
  std::uint64_t position() const;
  bool WaitFor(std::uint64_t position, std::chrono::milliseconds timeout) const;
  const TimeZone& time_zone() const;
  // Why the reports cannot make progress, or "".
  std::string Trouble() const;

  LiabilityReport Liability(std::int32_t day) const;
  RollForwardReport RollForward(std::int32_t from, std::int32_t to) const;
  BetweenStoresReport BetweenStores(std::int32_t from, std::int32_t to) const;
  DormantReport Dormant(std::int32_t day) const;
  ActivityReport Activity(std::int32_t from, std::int32_t to) const;
  // The `limit` customers who spent most in the period, most first.
  Result<std::vector<TopCustomer>> TopCustomers(std::int32_t from, std::int32_t to,
                                                std::size_t limit) const;

  // The customer's next points to expire, if any.
  Result<std::optional<PointsExpiring>> Expiring(std::string_view customer_id) const;
  // Lots whose expiry is at or before now_ms and still hold points, earliest
  // first: about `max` of them (a customer's due lots come together), after
  // `*cursor` ("": from the first); `*cursor` is set to where the next call
  // goes on from. An empty list: none left.
  Result<std::vector<ExpiringLot>> DueToExpire(std::int64_t now_ms, std::size_t max,
                                               std::string* cursor) const;

 private:
  struct Impl;
  explicit Reports(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace clientele
