// Chain-wide idempotency at HQ: the same tab, refund or payment reference
// recorded at two nodes counts once whichever arrives first; with other
// content both stand and the conflict is recorded.
#include "consumers/duplicates.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "consumers/overdraft.h"
#include "domain/customer.h"
#include "domain/event_codec.h"
#include "eventstore/atomic_file.h"
#include "tests/consumers/signed_events.h"
#include "tests/test_util.h"
#include "tests/test_util_process.h"

namespace clientele::testing {
namespace {

class DuplicatesTest : public ::testing::Test {
 protected:
  void SetUp() override { log_ = Open(dir_); }

  static std::unique_ptr<EventStore> Open(TempDir& dir) {
    auto log = EventStore::Open({.path = dir.path(), .origin = "hq", .sync = false});
    EXPECT_TRUE(log) << log.error().ToString();
    return log ? std::move(*log) : nullptr;
  }

  // What one command at `origin` appends: its events share a correlation id.
  std::vector<RecordedEvent> Command(const std::string& origin, std::vector<CustomerEvent> events) {
    std::vector<RecordedEvent> out;
    const std::string correlation = NewUuid();
    for (const CustomerEvent& e : events) {
      RecordedEvent r = origins_.Customer(origin, customer_, e);
      r.correlation_id = correlation;
      out.push_back(std::move(r));
    }
    return out;
  }

  // The reference index kept beside `log`.
  ReferenceIndex* IndexOf(EventStore* log) {
    auto& index = indexes_[log];
    if (!index) {
      auto opened = ReferenceIndex::Open(index_dir_.sub(std::to_string(indexes_.size())));
      EXPECT_TRUE(opened) << opened.error().ToString();
      if (opened) index = std::move(*opened);
    }
    return index.get();
  }

  // Runs the check on `events`, already in `log`.
  Result<DuplicateCounts> Check(EventStore* log, const std::vector<RecordedEvent>& events) {
    return RecordDuplicates(log, IndexOf(log), events);
  }

  // Appends `events` as replicated and runs the check on them.
  DuplicateCounts Arrive(EventStore* log, const std::vector<RecordedEvent>& events) {
    EXPECT_TRUE(log->AppendReplicated(events));
    auto counts = Check(log, events);
    EXPECT_TRUE(counts) << counts.error().ToString();
    return counts ? *counts : DuplicateCounts{};
  }

  CustomerState State(EventStore* log) {
    CustomerState s;
    const auto events = log->ReadStream(CustomerStream(customer_), 1, SIZE_MAX);
    for (const RecordedEvent& e : *events) {
      auto decoded = DecodeCustomerEvent(e.type, e.schema, e.data);
      EXPECT_TRUE(decoded) << e.type;
      if (decoded) s = Evolve(std::move(s), *decoded);
    }
    return s;
  }

  std::vector<RecordedEvent> OfType(EventStore* log, const std::string& type) {
    std::vector<RecordedEvent> out;
    const auto events = log->ReadStream(CustomerStream(customer_), 1, SIZE_MAX);
    for (const RecordedEvent& e : *events) {
      if (e.type == type) out.push_back(e);
    }
    return out;
  }

  TempDir dir_;
  TempDir index_dir_;
  std::map<EventStore*, std::unique_ptr<ReferenceIndex>> indexes_;
  Origins origins_;
  std::unique_ptr<EventStore> log_;
  const std::string customer_ = NewUuid();
  const CustomerEvent registered_ =
      CustomerRegistered{customer_, "CUST-00001", CustomerDetails{}, "hq"};
};

TEST_F(DuplicatesTest, ATopUpRecordedAtTwoStoresCountsOnce) {
  Arrive(log_.get(), Command("hq", {registered_}));
  auto a = Command("s01", {CreditToppedUp{1000, "pay-1", ""}});
  auto b = Command("s02", {CreditToppedUp{1000, "pay-1", "at the other till"}});
  EXPECT_EQ(Arrive(log_.get(), a).reversed, 0);
  EXPECT_EQ(Arrive(log_.get(), b).reversed, 1);
  EXPECT_EQ(State(log_.get()).credit, 1000);
  auto reversals = OfType(log_.get(), "ledger.duplicate_reversed");
  ASSERT_EQ(reversals.size(), 1u);
  const auto decoded =
      DecodeCustomerEvent(reversals[0].type, reversals[0].schema, reversals[0].data);
  const auto& back = std::get<DuplicateReversed>(*decoded);
  const std::string larger = std::max(a[0].id, b[0].id), smaller = std::min(a[0].id, b[0].id);
  EXPECT_EQ(back.duplicate_id, larger);
  EXPECT_EQ(back.kept_id, smaller);
  EXPECT_EQ(back.credit, -1000);
  EXPECT_EQ(back.store, larger == a[0].id ? "s01" : "s02");
  // Seen again (a redelivery, a re-check after a crash): nothing more.
  EXPECT_EQ(Check(log_.get(), b)->reversed, 0);
  EXPECT_EQ(Check(log_.get(), a)->reversed, 0);
  EXPECT_EQ(OfType(log_.get(), "ledger.duplicate_reversed").size(), 1u);
}

TEST_F(DuplicatesTest, WhicheverArrivesFirstTheSameRecordIsTakenBack) {
  Arrive(log_.get(), Command("hq", {registered_}));
  auto a = Command("s01", {PurchaseRecorded{"tab-7", 5000, 1}, PointsEarned{"tab-7", 50}});
  auto b = Command("s02", {PurchaseRecorded{"tab-7", 5000, 2}, PointsEarned{"tab-7", 40}});
  TempDir other_dir;
  auto other = Open(other_dir);
  Arrive(other.get(), Command("hq", {registered_}));
  Arrive(log_.get(), a);
  Arrive(log_.get(), b);
  Arrive(other.get(), b);
  Arrive(other.get(), a);
  for (EventStore* log : {log_.get(), other.get()}) {
    const CustomerState s = State(log);
    EXPECT_EQ(s.total_spent, 5000);
    // The points of the record that counts (the smaller id) stay.
    EXPECT_EQ(s.points, a[0].id < b[0].id ? 50 : 40);
    EXPECT_EQ(s.purchases.at("tab-7").points_earned, s.points);
  }
  // The purchase and its points, each taken back once, the same on both.
  auto one = OfType(log_.get(), "ledger.duplicate_reversed");
  auto two = OfType(other.get(), "ledger.duplicate_reversed");
  ASSERT_EQ(one.size(), 2u);
  ASSERT_EQ(two.size(), 2u);
  std::map<std::string, std::string> by_id;
  for (const RecordedEvent& e : one) by_id[e.id] = e.data;
  for (const RecordedEvent& e : two) EXPECT_EQ(by_id[e.id], e.data);
}

TEST_F(DuplicatesTest, PointsArrivingAfterTheirPurchaseAreTakenBackWhenTheyCome) {
  Arrive(log_.get(), Command("hq", {registered_}));
  auto a = Command("s01", {PurchaseRecorded{"tab-3", 2000, 1}, PointsEarned{"tab-3", 20}});
  auto b = Command("s02", {PurchaseRecorded{"tab-3", 2000, 2}, PointsEarned{"tab-3", 20}});
  if (b[0].id < a[0].id) std::swap(a, b);  // b is the duplicate (the larger id)
  Arrive(log_.get(), a);
  // The duplicate's purchase comes in one batch, its points in the next.
  EXPECT_EQ(Arrive(log_.get(), {b[0]}).reversed, 1);
  EXPECT_EQ(Arrive(log_.get(), {b[1]}).reversed, 1);
  const CustomerState s = State(log_.get());
  EXPECT_EQ(s.total_spent, 2000);
  EXPECT_EQ(s.points, 20);
  EXPECT_EQ(s.purchases.at("tab-3").points_earned, 20);
  EXPECT_EQ(Check(log_.get(), b)->reversed, 0) << "each once";
}

TEST_F(DuplicatesTest, ARefundRecordedTwiceGivesBackOnce) {
  Arrive(log_.get(), Command("hq", {registered_}));
  Arrive(log_.get(),
         Command("s01", {PurchaseRecorded{"tab-1", 10000, 1}, PointsEarned{"tab-1", 100}}));
  auto a = Command(
      "s01", {PurchaseRefunded{"ref-1", "tab-1", 4000}, PointsReversed{"ref-1", "tab-1", 40}});
  auto b = Command(
      "s02", {PurchaseRefunded{"ref-1", "tab-1", 4000}, PointsReversed{"ref-1", "tab-1", 40}});
  Arrive(log_.get(), a);
  EXPECT_EQ(Arrive(log_.get(), b).reversed, 2);  // the refund and the points it reversed
  const CustomerState s = State(log_.get());
  EXPECT_EQ(s.total_spent, 6000);
  EXPECT_EQ(s.points, 60);
  EXPECT_EQ(s.purchases.at("tab-1").refunded_amount, 4000);
  EXPECT_EQ(s.purchases.at("tab-1").reversed_points, 40);
}

TEST_F(DuplicatesTest, OtherContentIsAConflictAndBothStand) {
  Arrive(log_.get(), Command("hq", {registered_}));
  auto a = Command("s01", {CreditToppedUp{1000, "pay-9", ""}});
  auto b = Command("s02", {CreditToppedUp{2500, "pay-9", ""}});
  Arrive(log_.get(), a);
  const DuplicateCounts counts = Arrive(log_.get(), b);
  EXPECT_EQ(counts.reversed, 0);
  EXPECT_EQ(counts.conflicts, 1);
  EXPECT_EQ(State(log_.get()).credit, 3500);
  auto conflicts = OfType(log_.get(), "ledger.conflict_recorded");
  ASSERT_EQ(conflicts.size(), 1u);
  const auto decoded =
      DecodeCustomerEvent(conflicts[0].type, conflicts[0].schema, conflicts[0].data);
  const auto& c = std::get<ConflictRecorded>(*decoded);
  EXPECT_EQ(c.event_id, std::max(a[0].id, b[0].id));
  EXPECT_EQ(c.other_id, std::min(a[0].id, b[0].id));
  EXPECT_EQ(c.kind, "top_up");
  EXPECT_EQ(Check(log_.get(), b)->conflicts, 0) << "recorded once";
}

// The check finds a reference's records through its index, not the stream:
// an index lost (deleted, not in a backup) or left behind by a crash is made
// again from the log before the watch goes on, and what it missed is found.
TEST_F(DuplicatesTest, AnIndexLostOrBehindIsMadeAgainFromTheLog) {
  const std::string checkpoint = dir_.sub("overdraft-checkpoint");
  const std::string index = dir_.sub("references");
  auto a = Command("s01", {PurchaseRecorded{"tab-5", 3000, 1}, PointsEarned{"tab-5", 30}});
  auto b = Command("s02", {PurchaseRecorded{"tab-5", 3000, 2}, PointsEarned{"tab-5", 30}});
  auto c = Command("s03", {CreditToppedUp{700, "pay-5", ""}});
  auto d = Command("s01", {CreditToppedUp{700, "pay-5", ""}});
  ASSERT_TRUE(log_->AppendReplicated(Command("hq", {registered_})));
  ASSERT_TRUE(log_->AppendReplicated(a));
  ASSERT_TRUE(log_->AppendReplicated(c));
  {
    auto watch = OverdraftWatch::Start(log_.get(), checkpoint, index, [](std::string_view) {});
    ASSERT_TRUE(watch) << watch.error().ToString();
    ASSERT_TRUE(Eventually([&] { return (*watch)->checked() == log_->Head(); }));
    EXPECT_EQ((*watch)->duplicates(), 0u);
  }
  std::filesystem::remove_all(index);
  {
    auto watch = OverdraftWatch::Start(log_.get(), checkpoint, index, [](std::string_view) {});
    ASSERT_TRUE(watch) << watch.error().ToString();
    ASSERT_TRUE(log_->AppendReplicated(b));
    ASSERT_TRUE(Eventually([&] { return (*watch)->duplicates() == 2; }))
        << "the purchase and its points, against records indexed again";
  }
  // A crash after the index moved but before the checkpoint did: the batch
  // is checked again, and nothing is taken back twice.
  ASSERT_TRUE(WriteFileAtomically(checkpoint, "0\n").ok());
  {
    auto watch = OverdraftWatch::Start(log_.get(), checkpoint, index, [](std::string_view) {});
    ASSERT_TRUE(watch) << watch.error().ToString();
    ASSERT_TRUE(log_->AppendReplicated(d));
    ASSERT_TRUE(Eventually([&] { return (*watch)->checked() == log_->Head(); }));
    EXPECT_EQ((*watch)->duplicates(), 1u) << "only the second payment";
  }
  const CustomerState s = State(log_.get());
  EXPECT_EQ(s.total_spent, 3000);
  EXPECT_EQ(s.points, 30);
  EXPECT_EQ(s.credit, 700);
  EXPECT_EQ(OfType(log_.get(), "ledger.duplicate_reversed").size(), 3u);
}

}  // namespace
}  // namespace clientele::testing
