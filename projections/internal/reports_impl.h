// The insides of Reports, shared by its implementation files.
//
//   reports.cc          opening, loading, applying batches, following the log
//   report_queries.cc   the reports, computed from the figures in memory
//
// The applier (CatchUp's caller, then the follower thread) alone writes the
// database and the figures; readers take `mu` shared.
#pragma once

#include <rocksdb/db.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "projections/reports.h"

namespace clientele {

// Store names as small numbers, for the figures a batch gathers.
struct StoreNumbers {
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::vector<std::string> names;
  std::unordered_map<std::string, std::uint16_t, Hash, std::equal_to<>> numbers;
  std::uint16_t Of(std::string_view name);
};

struct Reports::Impl {
  EventStore* log = nullptr;
  ReportsOptions options;
  rocksdb::DB* db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::ColumnFamilyHandle* meta_cf() const { return handles[0]; }
  rocksdb::ColumnFamilyHandle* figures_cf() const { return handles[1]; }
  rocksdb::ColumnFamilyHandle* moves_cf() const { return handles[2]; }
  rocksdb::ColumnFamilyHandle* spend_cf() const { return handles[3]; }
  rocksdb::ColumnFamilyHandle* customers_cf() const { return handles[4]; }
  rocksdb::ColumnFamilyHandle* expiry_cf() const { return handles[5]; }

  using DayStore = std::pair<std::int32_t, std::string>;
  using Move = std::tuple<std::int32_t, std::string, std::string>;
  mutable std::shared_mutex mu;
  std::map<DayStore, Figures> figures;
  std::map<Move, std::int64_t> moves;

  // The expiry policy in force from each time on (the settings stream).
  class Rules : public ExpiryRules {
   public:
    void Set(std::int64_t from_ms, PointsExpiry rule);
    PointsExpiry RuleAt(std::int64_t ms) const override;

   private:
    std::vector<std::pair<std::int64_t, PointsExpiry>> by_time_;  // sorted
  };
  Rules rules;

  StoreNumbers stores;  // applier only

  // Customers' report states as last written, kept between batches (many
  // while catching up, fewer while following; applier only; emptied when a
  // catch-up ends and after a failed write).
  bool catching_up = false;
  std::unordered_map<std::string, ReportCustomer> cache;

  std::atomic<std::uint64_t> position{0};
  mutable std::mutex position_mu;
  mutable std::condition_variable position_cv;
  std::atomic<bool> stopping{false};
  std::thread follower;
  mutable std::mutex trouble_mu;
  std::string trouble;

  ~Impl();
  Status OpenDb();
  Status Load();
  Status ApplyBatch(const std::vector<RecordedEvent>& events);
  void Follow();
  void SetTrouble(std::string what);
};

}  // namespace clientele
