// Points expiry by policy, with a ManualClock: lots, oldest-first redemption,
// refunds, a policy change that is not retroactive, the sweep recorded once,
// and a store's offline redemption of expired points found as a shortfall.
#include "commands/points_expiry.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "commands/command_handler.h"
#include "consumers/overdraft.h"
#include "domain/event_codec.h"
#include "domain/ids.h"
#include "domain/ledger.h"
#include "projections/projector.h"
#include "tests/test_util.h"

namespace clientele {
namespace {

std::int64_t At(const char* day, int hour = 12) {
  return TimeZone().StartOfDay(*ParseDay(day)) + hour * 3'600'000LL;
}

class PointsExpiryTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void Open() {
    auto store = EventStore::Open({.path = dir_.sub("node"), .clock = &clock_});
    ASSERT_TRUE(store) << store.error().ToString();
    log_ = std::move(*store);
    handler_ = std::make_unique<CommandHandler>(log_.get(), "hq");
    ASSERT_TRUE(handler_->Init().ok());
    auto reports = Reports::Open(log_.get(), {.path = dir_.sub("node/reports")});
    ASSERT_TRUE(reports) << reports.error().ToString();
    reports_ = std::move(*reports);
    ASSERT_TRUE(reports_->CatchUp().ok());
    reports_->Start();
  }
  void Close() {
    reports_.reset();
    handler_.reset();
    log_.reset();
  }
  void Policy(ExpiryPolicy policy, int months, const char* day) {
    clock_.Set(At(day, 8));
    LoyaltyProgram p;
    p.expiry = {policy, months};
    ASSERT_TRUE(handler_->ExecuteSettings(SetLoyaltyProgram{p}, "manager"));
  }
  std::string Customer() {
    CustomerDetails d;
    d[DetailField::kFirstName] = "Ada";
    d[DetailField::kLastName] = "Lovelace";
    auto c = handler_->Register(d, "clerk");
    EXPECT_TRUE(c);
    return c->customer_id;
  }
  void Do(const std::string& id, const char* day, const CustomerCommand& cmd) {
    clock_.Set(At(day));
    auto r = handler_->Execute(id, cmd, "clerk");
    ASSERT_TRUE(r) << r.error().ToString();
  }
  void Buy(const std::string& id, const char* day, const std::string& tab, Money amount) {
    clock_.Set(At(day));
    Do(id, day, RecordPurchase{tab, amount, clock_.NowMs()});
  }
  std::optional<PointsExpiring> Next(const std::string& id) {
    EXPECT_TRUE(reports_->WaitFor(log_->Head(), std::chrono::seconds(10)));
    auto next = reports_->Expiring(id);
    EXPECT_TRUE(next);
    return next ? *next : std::nullopt;
  }
  SweepResult Sweep(const char* day, int hour = 12) {
    clock_.Set(At(day, hour));
    auto r = ExpirePoints(log_.get(), reports_.get(), &clock_);
    EXPECT_TRUE(r) << r.error().ToString();
    return r ? *r : SweepResult{};
  }
  Points PointsOf(const std::string& id) {
    auto events = log_->ReadStream(CustomerStream(id), 1, SIZE_MAX);
    Points p = 0;
    for (const RecordedEvent& e : *events) {
      p += EffectOf(*DecodeCustomerEvent(e.type, e.schema, e.data)).points;
    }
    return p;
  }
  int Count(const std::string& id, std::string_view type) {
    auto events = log_->ReadStream(CustomerStream(id), 1, SIZE_MAX);
    return static_cast<int>(std::count_if(events->begin(), events->end(),
                                          [&](const RecordedEvent& e) { return e.type == type; }));
  }

  testing::TempDir dir_;
  ManualClock clock_{At("2026-01-01")};
  std::unique_ptr<EventStore> log_;
  std::unique_ptr<CommandHandler> handler_;
  std::unique_ptr<Reports> reports_;
};

TEST_F(PointsExpiryTest, MonthsAfterEarningExpiresEachLotAtTheEndOfItsMonthOldestRedeemedFirst) {
  Policy(ExpiryPolicy::kMonthsAfterEarning, 2, "2026-01-02");
  const std::string id = Customer();
  Buy(id, "2026-01-15", "t1", 10000);  // 100 points, a lot that expires at the end of March
  Buy(id, "2026-02-20", "t2", 5000);   // 50, the end of April
  Buy(id, "2026-03-05", "t3", 4000);   // 40, the end of May
  Do(id, "2026-03-06", RedeemPoints{30, "mug", ""});       // from t1's lot: 70 left
  Do(id, "2026-03-07", RefundPurchase{"r3", "t3", 4000});  // takes t3's 40, not t1's
  ASSERT_EQ(Next(id), (PointsExpiring{70, At("2026-04-01", 0)}));

  EXPECT_EQ(Sweep("2026-03-31", 23).expired_lots, 0u);  // the last hour of March: not yet
  SweepResult april = Sweep("2026-04-01", 0);
  EXPECT_EQ(april.expired_lots, 1u);
  EXPECT_EQ(april.expired_points, 70);
  EXPECT_EQ(PointsOf(id), 50);
  EXPECT_EQ(Next(id), (PointsExpiring{50, At("2026-05-01", 0)}));
  SweepResult june = Sweep("2026-06-15");
  EXPECT_EQ(june.expired_lots, 1u);
  EXPECT_EQ(june.expired_points, 50);
  EXPECT_EQ(PointsOf(id), 0);
  EXPECT_EQ(Next(id), std::nullopt);
  EXPECT_EQ(Count(id, "loyalty.points_expired"), 2);

  // The history shows each expiry; the roll-forward counts them.
  auto projector = Projector::Open(log_.get(), dir_.sub("node/projections"));
  ASSERT_TRUE(projector);
  ASSERT_TRUE((*projector)->CatchUp().ok());
  auto page = (*projector)->History(id, "", 100);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->entries.front().type, "loyalty.points_expired");
  EXPECT_EQ(page->entries.front().points_change, -50);
  EXPECT_EQ(page->entries.front().points_after, 0);
  RollForwardReport roll = reports_->RollForward(*ParseDay("2026-01-01"), *ParseDay("2026-06-30"));
  EXPECT_EQ(roll.chain.points.expired, 120);
  EXPECT_EQ(roll.chain.points.closing, 0);
}

TEST_F(PointsExpiryTest, AfterInactivityCountsFromTheLastPurchaseOrRedemption) {
  Policy(ExpiryPolicy::kAfterInactivity, 3, "2026-01-02");
  const std::string id = Customer();
  Buy(id, "2026-01-10", "t1", 10000);  // 100 points
  ASSERT_EQ(Next(id), (PointsExpiring{100, At("2026-04-10")}));
  Do(id, "2026-03-01", RedeemPoints{10, "coffee", ""});  // activity: three months from here
  ASSERT_EQ(Next(id), (PointsExpiring{90, At("2026-06-01")}));
  Do(id, "2026-04-01", TopUpCredit{5000, "pay-1", ""});  // not a purchase or redemption
  EXPECT_EQ(Sweep("2026-05-31").expired_lots, 0u);
  EXPECT_EQ(PointsOf(id), 90);
  SweepResult june = Sweep("2026-06-01", 13);
  EXPECT_EQ(june.expired_lots, 1u);
  EXPECT_EQ(june.expired_points, 90);
  EXPECT_EQ(PointsOf(id), 0);
}

TEST_F(PointsExpiryTest, APolicyChangeIsNeverRetroactive) {
  const std::string id = Customer();
  Buy(id, "2026-01-10", "t1", 10000);  // earned while points never expire
  Policy(ExpiryPolicy::kMonthsAfterEarning, 1, "2026-02-01");
  Buy(id, "2026-02-05", "t2", 5000);  // earned under the policy: the end of March
  ASSERT_EQ(Next(id), (PointsExpiring{50, At("2026-04-01", 0)}));
  // Redemptions take the oldest lot first: the one that never expires.
  Do(id, "2026-02-10", RedeemPoints{20, "", ""});
  Policy(ExpiryPolicy::kNever, 0, "2026-03-01");  // nor is switching it off
  SweepResult swept = Sweep("2027-01-01");
  EXPECT_EQ(swept.expired_lots, 1u);
  EXPECT_EQ(swept.expired_points, 50);
  EXPECT_EQ(PointsOf(id), 80);
  EXPECT_EQ(Next(id), std::nullopt);
}

TEST_F(PointsExpiryTest, TheSweepRecordsEachLotOnceAcrossRunsAndRestarts) {
  Policy(ExpiryPolicy::kMonthsAfterEarning, 1, "2026-01-02");
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    ids.push_back(Customer());
    Buy(ids.back(), "2026-01-10", "t" + std::to_string(i), 1000 + i * 100);
  }
  // Two sweeps at once: each lot expires once between them.
  clock_.Set(At("2026-03-01"));
  SweepResult a, b;
  std::thread other([&] { a = *ExpirePoints(log_.get(), reports_.get(), &clock_); });
  b = *ExpirePoints(log_.get(), reports_.get(), &clock_);
  other.join();
  EXPECT_EQ(a.expired_lots + b.expired_lots, 20u);
  EXPECT_EQ(Sweep("2026-03-02").expired_lots, 0u);
  // After a restart, with the reports rebuilt from the log: nothing more.
  Close();
  std::filesystem::remove_all(dir_.sub("node/reports"));  // rebuilt from the log
  Open();
  EXPECT_EQ(Sweep("2026-03-03").expired_lots, 0u);
  // Even a sweep that finds a lot due again (reports behind) appends nothing:
  // the expiry's id is the lot's.
  for (const std::string& id : ids) {
    auto events = log_->ReadStream(CustomerStream(id), 1, SIZE_MAX);
    auto of_type = [&](std::string_view type) {
      return *std::find_if(events->begin(), events->end(),
                           [&](const auto& e) { return e.type == type; });
    };
    const RecordedEvent earned = of_type("loyalty.points_earned");
    const RecordedEvent expired = of_type("loyalty.points_expired");
    EXPECT_EQ(expired.id, ExpiryEventId(id, earned.id));
    NewEvent again;
    again.id = expired.id;
    again.type = expired.type;
    again.schema = expired.schema;
    again.data = expired.data;
    again.actor = expired.actor;
    again.causation_id = expired.causation_id;
    auto r = log_->Append(CustomerStream(id), ExpectedVersion::Any(), {again});
    ASSERT_TRUE(r) << r.error().ToString();
    EXPECT_TRUE(r->duplicate);
    EXPECT_EQ(Count(id, "loyalty.points_expired"), 1);
    EXPECT_EQ(PointsOf(id), 0);
  }
}

TEST_F(PointsExpiryTest, AStoreRedeemingExpiredPointsOfflineIsAShortfallRecordedOnce) {
  Policy(ExpiryPolicy::kMonthsAfterEarning, 1, "2026-01-02");
  const std::string id = Customer();
  Buy(id, "2026-01-10", "t1", 10000);  // 100 points until the end of February
  EXPECT_EQ(Sweep("2026-03-01").expired_points, 100);
  // s01 was offline: it redeemed 30 on 20 February, and delivers it now.
  RecordedEvent redeemed;
  redeemed.id = DerivedUuid("offline redemption");
  redeemed.stream = CustomerStream(id);
  redeemed.type = "loyalty.points_redeemed";
  redeemed.data = EncodePayload(CustomerEvent(PointsRedeemed{30, "offline", ""}));
  redeemed.time_ms = At("2026-02-20");
  redeemed.origin = "s01";
  clock_.Set(At("2026-03-02"));
  auto appended = log_->AppendReplicated({redeemed});
  ASSERT_TRUE(appended);
  auto events = log_->ReadAll(appended->positions[0], 1);
  ASSERT_TRUE(events);
  auto found = RecordOverdrafts(log_.get(), *events);
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, 1);
  EXPECT_EQ(*RecordOverdrafts(log_.get(), *events), 0);  // seen again: recorded once
  EXPECT_EQ(Count(id, "loyalty.points_shortfall_detected"), 1);
  EXPECT_EQ(PointsOf(id), -30);
  ASSERT_TRUE(reports_->WaitFor(log_->Head(), std::chrono::seconds(10)));
  RollForwardReport roll = reports_->RollForward(*ParseDay("2026-01-01"), *ParseDay("2026-03-31"));
  EXPECT_EQ(roll.chain.points.shortfalls, 1);
  EXPECT_EQ(roll.chain.points.shortfall_points, 30);
  EXPECT_EQ(roll.chain.points.closing, -30);
}

}  // namespace
}  // namespace clientele
