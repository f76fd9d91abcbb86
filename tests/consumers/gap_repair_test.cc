// Gap repair without Kafka or HTTP: HQ is a second log, its ports are plain
// calls. A store fetches what HQ held a round ago and it lacks, publishes
// again what HQ lacks of its own, backs off when HQ keeps refusing, and
// counts what it found, repaired and could not repair.
#include "consumers/gap_repair.h"

#include <gtest/gtest.h>

#include <optional>

#include "tests/consumers/signed_events.h"
#include "tests/test_util.h"

namespace clientele::testing {
namespace {

TEST(RangesTest, SubtractAndLacking) {
  EXPECT_TRUE(Subtract({{1, 10}}, {{3, 4}, {8, 12}}) == std::vector<SeqRange>({{1, 2}, {5, 7}}));
  EXPECT_TRUE(Subtract({{1, 2}, {5, 9}}, {{1, 2}, {6, 6}}) ==
              std::vector<SeqRange>({{5, 5}, {7, 9}}));
  EXPECT_TRUE(Subtract({{4, 4}}, {}) == std::vector<SeqRange>({{4, 4}}));
  OriginHolding h;
  h.through = 3;
  h.highest = 8;
  h.missing = {{4, 5}};
  EXPECT_TRUE(Lacking(h, 12) == std::vector<SeqRange>({{4, 5}, {9, 12}}));
  EXPECT_TRUE(Lacking(h, 4) == std::vector<SeqRange>({{4, 4}}));
  EXPECT_TRUE(Lacking(h, 3).empty());
}

class GapRepairTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hq_ = Open(hq_dir_, "hq");
    store_ = Open(store_dir_, "s01");
    admission_ = std::make_unique<Admission>(
        store_.get(),
        AdmissionOptions{
            .node = "s01", .hq_key = origins_.Key("hq").public_key(), .clock = &clock_});
    for (const char* node : {"s01", "s02"}) {
      RecordedEvent e =
          origins_.Signed(origins_.Node(NodeKeyEnrolled{node, origins_.KeyText(node)}));
      ASSERT_TRUE(hq_->AppendReplicated({e}));
      ASSERT_TRUE(store_->AppendReplicated({e}));
    }
    GapRepairPorts ports;
    ports.peer_holdings =
        [this](const std::vector<OriginHolding>&) -> Result<std::vector<OriginHolding>> {
      if (!hq_reachable_) return Error(Status::Unavailable("HQ is unreachable"));
      return hq_->Holdings();
    };
    ports.fetch = [this](const std::string& origin, std::uint64_t from, std::size_t limit) {
      return hq_->ReadOrigin(origin, from, limit);
    };
    ports.republish = [this](std::vector<RecordedEvent> events) {
      republished_ += events.size();
      if (!hq_takes_republished_) return Status::OK();  // HQ refuses them
      auto r = hq_->AppendReplicated(std::move(events));
      return r ? Status::OK() : r.error();
    };
    repair_ = std::make_unique<GapRepair>(
        store_.get(), admission_.get(),
        GapRepairOptions{.node = "s01", .interval = std::chrono::hours(1), .log = [](auto) {}},
        std::move(ports));
  }

  std::unique_ptr<EventStore> Open(TempDir& dir, const std::string& node) {
    auto log = EventStore::Open({.path = dir.path(), .origin = node, .sync = false});
    EXPECT_TRUE(log) << log.error().ToString();
    return log ? std::move(*log) : nullptr;
  }
  RecordedEvent S02TopUp() {
    return origins_.Signed(
        origins_.Customer("s02", customer_, CreditToppedUp{100, "pay-" + NewUuid(), ""}));
  }
  // A copy: the status it comes from may be a temporary.
  static std::optional<OriginSync> Row(const GapRepairStatus& st, const std::string& origin) {
    for (const OriginSync& o : st.origins) {
      if (o.here.origin == origin) return o;
    }
    return std::nullopt;
  }
  std::uint64_t Through(EventStore* log, const std::string& origin) {
    auto h = log->Holdings();
    for (const OriginHolding& o : *h) {
      if (o.origin == origin) return o.through;
    }
    return 0;
  }

  TempDir hq_dir_, store_dir_;
  Origins origins_;
  ManualClock clock_;
  std::unique_ptr<EventStore> hq_, store_;
  std::unique_ptr<Admission> admission_;
  std::unique_ptr<GapRepair> repair_;
  bool hq_reachable_ = true;
  bool hq_takes_republished_ = true;
  std::size_t republished_ = 0;
  const std::string customer_ = NewUuid();
};

TEST_F(GapRepairTest, WhatHqHeldARoundAgoAndTheStoreLacksIsFetched) {
  std::vector<RecordedEvent> s02;
  for (int i = 0; i < 10; ++i) s02.push_back(S02TopUp());
  ASSERT_TRUE(hq_->AppendReplicated(s02));
  ASSERT_TRUE(store_->AppendReplicated({s02[0], s02[1], s02[2], s02[5]}));
  ASSERT_TRUE(repair_->RunOnce().ok());
  EXPECT_EQ(Through(store_.get(), "s02"), 3u) << "Kafka gets a round to bring them";
  ASSERT_TRUE(repair_->RunOnce().ok());
  EXPECT_EQ(Through(store_.get(), "s02"), 10u);
  const GapRepairStatus st = repair_->status();
  const std::optional<OriginSync> row = Row(st, "s02");
  ASSERT_TRUE(row);
  EXPECT_EQ(row->gaps_found, 2u);  // 4-5 and 7-10
  EXPECT_EQ(row->gaps_repaired, 2u);
  EXPECT_EQ(row->events_fetched, 6u);
  EXPECT_EQ(row->open_events, 0u);
  EXPECT_EQ(row->peer.highest, 10u);
  EXPECT_EQ(st.open_events, 0u);
  EXPECT_TRUE(st.peer_reachable);
  ASSERT_TRUE(repair_->RunOnce().ok());
  EXPECT_EQ(repair_->status().gaps_found, 2u) << "nothing new to find";
}

TEST_F(GapRepairTest, AnEventHqHoldsButTheStoreRefusesStaysOpen) {
  RecordedEvent good = S02TopUp(), forged = S02TopUp();
  forged.data[forged.data.find("100")] = '9';  // signature no longer holds
  ASSERT_TRUE(hq_->AppendReplicated({good, forged}));
  ASSERT_TRUE(repair_->RunOnce().ok());
  ASSERT_TRUE(repair_->RunOnce().ok());
  const GapRepairStatus st = repair_->status();
  const std::optional<OriginSync> row = Row(st, "s02");
  ASSERT_TRUE(row);
  EXPECT_EQ(row->events_fetched, 1u);
  EXPECT_EQ(row->events_refused, 1u);
  EXPECT_EQ(row->open_events, 1u);
  ASSERT_EQ(row->open.size(), 1u);
  EXPECT_EQ(row->open[0].first, 2u);
  EXPECT_EQ(st.open_events, 1u);
  EXPECT_FALSE(store_->FindById(forged.id));
  // Refused once, it is tried again later, not at every round; still open.
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(repair_->RunOnce().ok());
  EXPECT_EQ(Row(repair_->status(), "s02")->events_refused, 1u);
  EXPECT_EQ(repair_->status().open_events, 1u);
}

TEST_F(GapRepairTest, AnEventRefusedForWantOfAKeyIsFetchedOnceTheKeyIsHere) {
  // s03 enrolled at HQ; the store missed the enrolment and s03's events.
  RecordedEvent enrolled =
      origins_.Signed(origins_.Node(NodeKeyEnrolled{"s03", origins_.KeyText("s03")}));
  RecordedEvent topup = origins_.Signed(
      origins_.Customer("s03", customer_, CreditToppedUp{100, "pay-" + NewUuid(), ""}));
  ASSERT_TRUE(hq_->AppendReplicated({enrolled, topup}));
  // Kafka brought s03's event before the registry's: refused (unknown_key).
  ASSERT_TRUE(admission_->BeginBatch().ok());
  EXPECT_EQ(admission_->Check(topup, Channel::kEvents).error().reason(), "unknown_key");
  ASSERT_TRUE(repair_->RunOnce().ok());
  ASSERT_TRUE(repair_->RunOnce().ok());
  EXPECT_TRUE(store_->FindById(enrolled.id));
  EXPECT_TRUE(store_->FindById(topup.id)) << "HQ's events come first, then s03's";
  EXPECT_EQ(repair_->status().open_events, 0u);
}

TEST_F(GapRepairTest, OwnEventsHqLacksArePublishedAgainUntilHqHoldsThem) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(store_->Append("customer-" + customer_, ExpectedVersion::Any(), {MakeEvent()}));
  }
  ASSERT_TRUE(repair_->RunOnce().ok());
  EXPECT_EQ(republished_, 0u) << "the outbox gets a round to publish them";
  ASSERT_TRUE(repair_->RunOnce().ok());
  EXPECT_EQ(republished_, 5u);
  EXPECT_EQ(Through(hq_.get(), "s01"), 5u);
  EXPECT_EQ(Row(repair_->status(), "s01")->open_events, 5u) << "until HQ says it holds them";
  ASSERT_TRUE(repair_->RunOnce().ok());
  const std::optional<OriginSync> row = Row(repair_->status(), "s01");
  EXPECT_EQ(row->open_events, 0u);
  EXPECT_EQ(row->gaps_found, 1u);
  EXPECT_EQ(row->gaps_repaired, 1u);
  EXPECT_EQ(row->events_republished, 5u);
  EXPECT_EQ(republished_, 5u);
}

TEST_F(GapRepairTest, WhatHqKeepsRefusingIsPublishedAgainOnlyAfterABackoff) {
  hq_takes_republished_ = false;
  ASSERT_TRUE(store_->Append("customer-" + customer_, ExpectedVersion::Any(), {MakeEvent()}));
  ASSERT_TRUE(repair_->RunOnce().ok());
  ASSERT_TRUE(repair_->RunOnce().ok());
  EXPECT_EQ(republished_, 1u);
  ASSERT_TRUE(repair_->RunOnce().ok());
  EXPECT_EQ(republished_, 2u) << "a second try at once";
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(repair_->RunOnce().ok());
  EXPECT_EQ(republished_, 2u) << "then it waits (an hour here)";
  EXPECT_EQ(repair_->status().open_events, 1u);
}

TEST_F(GapRepairTest, AnUnreachableHqIsReportedAndNothingChanges) {
  hq_reachable_ = false;
  Status s = repair_->RunOnce();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  const GapRepairStatus st = repair_->status();
  EXPECT_FALSE(st.peer_reachable);
  EXPECT_NE(st.last_error.find("unreachable"), std::string::npos);
  EXPECT_EQ(st.rounds, 1u);
}

}  // namespace
}  // namespace clientele::testing
