// The two senses of "as of": what had happened by then (event time) and what
// this node's books said then (recording time). A store that was offline
// delivers days late; the two differ by exactly its events.
#include <gtest/gtest.h>

#include <set>

#include "commands/command_handler.h"
#include "domain/event_codec.h"
#include "domain/ids.h"
#include "eventstore/uuid.h"
#include "projections/audit.h"
#include "tests/test_util.h"

namespace clientele {
namespace {

constexpr std::int64_t kDay = 86'400'000;

class AuditAsOfTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = EventStore::Open({.path = dir_.sub("hq"), .origin = "hq", .clock = &clock_});
    ASSERT_TRUE(store);
    hq_ = std::move(*store);
    handler_ = std::make_unique<CommandHandler>(hq_.get(), "hq");
    ASSERT_TRUE(handler_->Init().ok());
  }
  // An event the store s01 made at `time_ms` on its own clock.
  RecordedEvent AtStore(const std::string& customer, const CustomerEvent& event,
                        std::int64_t time_ms) {
    RecordedEvent e;
    e.id = NewUuid();
    e.stream = CustomerStream(customer);
    e.type = EventTypeName(event);
    e.schema = SchemaOf(event);
    e.data = EncodePayload(event);
    e.origin = "s01";
    e.actor = "till-3";
    e.time_ms = time_ms;
    e.seq = ++store_seq_;
    return e;
  }
  static std::set<std::string> Ids(const AuditReport& r) {
    std::set<std::string> ids;
    for (const HistoryEntry& h : r.entries) ids.insert(h.event_id);
    return ids;
  }

  testing::TempDir dir_;
  ManualClock clock_{1'750'000'000'000};
  std::unique_ptr<EventStore> hq_;
  std::unique_ptr<CommandHandler> handler_;
  std::uint64_t store_seq_ = 0;
};

TEST_F(AuditAsOfTest, TheSensesDifferExactlyByALateStoresEvents) {
  const std::int64_t t0 = clock_.NowMs();
  CustomerDetails d;
  d[DetailField::kFirstName] = "Ida";
  d[DetailField::kLastName] = "Noor";
  auto c = handler_->Register(d, "clerk");
  ASSERT_TRUE(c);
  const std::string id = c->customer_id;
  clock_.Advance(1000);
  ASSERT_TRUE(handler_->Execute(id, TopUpCredit{10000, "pay-1", ""}, "clerk"));
  // Meanwhile, offline, store s01 spends credit and redeems points for her.
  const RecordedEvent spent = AtStore(id, CreditDeducted{2500, "", "tab-9"}, t0 + 2000);
  const RecordedEvent earned = AtStore(id, PointsEarned{"tab-9", 40}, t0 + 2001);
  clock_.Advance(2000);
  ASSERT_TRUE(handler_->Execute(id, AdjustCredit{100, "goodwill"}, "manager"));
  // The month is closed a day later; the store delivers three days later.
  const std::int64_t closed = t0 + kDay;
  clock_.Set(t0 + 3 * kDay);
  auto late = hq_->AppendReplicated({spent, earned});
  ASSERT_TRUE(late) << late.error().ToString();
  clock_.Advance(1000);
  ASSERT_TRUE(handler_->Execute(id, AdjustCredit{-50, "fee"}, "manager"));  // after both

  auto happened = AuditCustomer(hq_.get(), id, closed, AsOf::kEventTime);
  auto booked = AuditCustomer(hq_.get(), "CUST-00001", closed, AsOf::kRecorded);
  ASSERT_TRUE(happened) << happened.error().ToString();
  ASSERT_TRUE(booked) << booked.error().ToString();
  EXPECT_EQ(happened->customer.credit, 10000 - 2500 + 100);
  EXPECT_EQ(happened->customer.points, 40);
  EXPECT_EQ(booked->customer.credit, 10000 + 100);
  EXPECT_EQ(booked->customer.points, 0);
  EXPECT_EQ(booked->basis, AsOf::kRecorded);
  EXPECT_EQ(booked->recorded_through, 3u);  // registered, topped up, adjusted

  std::set<std::string> difference;
  const std::set<std::string> booked_ids = Ids(*booked);
  for (const std::string& e : Ids(*happened)) {
    if (!booked_ids.contains(e)) difference.insert(e);
  }
  for (const std::string& e : booked_ids) EXPECT_TRUE(Ids(*happened).contains(e)) << e;
  EXPECT_EQ(difference, (std::set<std::string>{spent.id, earned.id}));

  // Once the store's events are in the books, the senses agree again.
  const std::int64_t later = t0 + 3 * kDay;
  auto happened_later = AuditCustomer(hq_.get(), id, later, AsOf::kEventTime);
  auto booked_later = AuditCustomer(hq_.get(), id, later, AsOf::kRecorded);
  ASSERT_TRUE(happened_later);
  ASSERT_TRUE(booked_later);
  EXPECT_EQ(Ids(*happened_later), Ids(*booked_later));
  EXPECT_EQ(booked_later->customer.credit, 7600);
  // Before she was registered, the books knew no such customer.
  EXPECT_EQ(AuditCustomer(hq_.get(), id, t0 - 1, AsOf::kRecorded).error().reason(),
            "customer_not_found");
}

TEST_F(AuditAsOfTest, BasisNames) {
  EXPECT_EQ(*ParseAsOf("recorded", "basis"), AsOf::kRecorded);
  EXPECT_EQ(*ParseAsOf("event_time", "basis"), AsOf::kEventTime);
  auto bad = ParseAsOf("yesterday", "basis");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().reason(), "invalid_basis");
  EXPECT_EQ(bad.error().field(), "basis");
  EXPECT_EQ(AsOfName(AsOf::kRecorded), "recorded");
}

}  // namespace
}  // namespace clientele
