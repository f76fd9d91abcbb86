// Overdraft detection, done by HQ as it merges what stores did offline (and,
// in the same pass, chain-wide duplicates: consumers/duplicates.h).
//
// A store deducts credit up to its own view of the balance. When two stores
// spent the same credit while apart, HQ's log ends up below zero. For each
// replicated credit.deducted after which the balance in HQ's log is below
// zero, HQ appends credit.overdraft_detected to the customer's stream: the
// deduction stands (the money left the drawer) and auditors see the shortfall.
// The event's id is derived from the deduction's, so it is appended once
// however often the deduction is seen. Points likewise: a replicated
// loyalty.points_redeemed after which the points are below zero (redeemed
// offline after HQ expired them, or twice at two stores) gets
// loyalty.points_shortfall_detected.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "consumers/merges.h"
#include "consumers/reference_index.h"
#include "domain/status.h"
#include "eventstore/event_store.h"

namespace clientele {

// Checks the credit.deducted events among `appended` (events just appended
// to `log`) and appends an overdraft event for each that took the balance
// below zero. Returns how many it appended.
Result<int> RecordOverdrafts(EventStore* log, const std::vector<RecordedEvent>& appended);

// HQ's overdraft check, following its own log from a durable checkpoint (a
// file holding the last position checked, saved once a second while events
// come and at once when they stop): the checkpoint moves only after the
// overdrafts found up to it are durable, so a crash at any moment re-checks
// what was not yet saved as checked, and the derived ids record each
// overdraft once. A storage failure is retried. Thread-safe.
// It checks for duplicates in the same pass, with a ReferenceIndex it keeps
// in `index_path`: an index behind the checkpoint (new, deleted, restored)
// is first brought up to it from the log. It settles merges in the same pass
// too (consumers/merges.h), keeping the merged customers in
// `<checkpoint_path>.merged`.
class OverdraftWatch {
 public:
  // Starts following `log` on a background thread from the checkpoint in
  // `checkpoint_path` (0 if there is none). `log` must outlive the watch.
  // `report` is told how many overdrafts each pass recorded, or of a failure.
  static Result<std::unique_ptr<OverdraftWatch>> Start(
      EventStore* log, std::string checkpoint_path, const std::string& index_path,
      std::function<void(std::string_view line)> report = {});
  ~OverdraftWatch();
  OverdraftWatch(const OverdraftWatch&) = delete;
  OverdraftWatch& operator=(const OverdraftWatch&) = delete;

  // The last log position checked (durably).
  std::uint64_t checked() const { return checked_.load(); }
  // Overdrafts recorded since Start.
  std::uint64_t recorded() const { return recorded_.load(); }
  // Duplicate records taken back, and conflicts recorded, since Start.
  std::uint64_t duplicates() const { return duplicates_.load(); }
  std::uint64_t conflicts() const { return conflicts_.load(); }
  // Merge settlements appended (consumers/merges.h) since Start.
  std::uint64_t merge_settlements() const { return settlements_.load(); }

 private:
  OverdraftWatch(EventStore* log, std::string path, std::unique_ptr<ReferenceIndex> index,
                 std::function<void(std::string_view)> report, std::uint64_t from,
                 std::unique_ptr<MergeSettler> merges);
  std::unique_ptr<MergeSettler> merges_;
  void Run();
  bool CatchUpIndex();  // false once stopping

  EventStore* log_;
  std::unique_ptr<ReferenceIndex> index_;
  std::string path_;
  std::function<void(std::string_view)> report_;
  std::atomic<std::uint64_t> checked_;
  std::atomic<std::uint64_t> recorded_{0};
  std::atomic<std::uint64_t> duplicates_{0};
  std::atomic<std::uint64_t> conflicts_{0};
  std::atomic<std::uint64_t> settlements_{0};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace clientele
