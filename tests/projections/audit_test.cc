#include "projections/audit.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include "commands/command_handler.h"
#include "eventstore/record_format.h"
#include "projections/projector.h"
#include "tests/test_util.h"

namespace clientele {
namespace {

class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = EventStore::Open({.path = dir_.sub("node"), .clock = &clock_});
    ASSERT_TRUE(store);
    store_ = std::move(*store);
    handler_ = std::make_unique<CommandHandler>(store_.get(), "hq");
    ASSERT_TRUE(handler_->Init().ok());
  }
  // Runs a command one second after the previous one.
  void Do(const std::string& id, const CustomerCommand& cmd) {
    clock_.Advance(1000);
    auto r = handler_->Execute(id, cmd, "auditor-test");
    ASSERT_TRUE(r) << r.error().ToString();
  }

  testing::TempDir dir_;
  ManualClock clock_{1'750'000'000'000};
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<CommandHandler> handler_;
};

TEST_F(AuditTest, HistoryBalancesMatchTheReplayAtEveryMoment) {
  CustomerDetails d;
  d[DetailField::kFirstName] = "Ada";
  d[DetailField::kLastName] = "Lovelace";
  auto c = handler_->Register(d, "clerk");
  ASSERT_TRUE(c);
  const std::string id = c->customer_id;
  Do(id, RecordPurchase{"t1", 2599, clock_.NowMs()});
  Do(id, TopUpCredit{10000, "pay-1", "gift"});
  Do(id, DeductCredit{2500, "lunch", "t2"});
  Do(id, RedeemPoints{5, "cookie", ""});
  Do(id, AdjustCredit{-500, "cash back"});
  Do(id, RefundPurchase{"r1", "t1", 2599});
  Do(id, AdjustPoints{30, "apology"});

  auto projector = Projector::Open(store_.get(), dir_.sub("node/projections"));
  ASSERT_TRUE(projector);
  ASSERT_TRUE((*projector)->CatchUp().ok());
  auto page = (*projector)->History(id, "", 100);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->entries.size(), 7u);
  for (const HistoryEntry& h : page->entries) {
    auto audit = AuditCustomer(store_.get(), id, h.time_ms);
    ASSERT_TRUE(audit) << audit.error().ToString();
    EXPECT_EQ(audit->customer.points, h.points_after) << h.type;
    EXPECT_EQ(audit->customer.credit, h.credit_after) << h.type;
    ASSERT_FALSE(audit->entries.empty());
    EXPECT_EQ(audit->entries.back(), h);
    EXPECT_EQ(audit->events_checked, store_->Head());
  }
  // Between two entries the balances are those of the earlier one.
  const HistoryEntry& topped = page->entries[page->entries.size() - 2];
  auto between = AuditCustomer(store_.get(), id, topped.time_ms + 500);
  ASSERT_TRUE(between);
  EXPECT_EQ(between->customer.credit, 10000);
  EXPECT_EQ(between->customer.points, 25);
  // By code, in any case; and the whole story as of now.
  auto by_code = AuditCustomer(store_.get(), "cust-00001", clock_.NowMs());
  ASSERT_TRUE(by_code);
  EXPECT_EQ(by_code->customer.id, id);
  EXPECT_EQ(by_code->customer.credit, 7000);
  EXPECT_EQ(by_code->customer.points, 25);  // 25 earned - 5 redeemed - 25 reversed + 30
  EXPECT_EQ(by_code->customer.total_spent, 0);
}

TEST_F(AuditTest, RefusesWhatItCannotVouchFor) {
  CustomerDetails d;
  d[DetailField::kFirstName] = "Bo";
  d[DetailField::kLastName] = "Ek";
  const std::int64_t before = clock_.NowMs() - 1;
  auto c = handler_->Register(d, "clerk");
  ASSERT_TRUE(c);
  Do(c->customer_id, TopUpCredit{500, "p", ""});
  EXPECT_EQ(AuditCustomer(store_.get(), c->customer_id, before).error().reason(),
            "customer_not_found");
  EXPECT_EQ(AuditCustomer(store_.get(), "CUST-00099", clock_.NowMs()).error().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(AuditCustomer(store_.get(), "someone", clock_.NowMs()).error().reason(),
            "invalid_customer");

  // Alter a stored event through RocksDB: the audit refuses and names the position.
  store_.reset();
  {
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {{rocksdb::kDefaultColumnFamilyName, {}},
                                                        {"log", {}}};
    std::vector<rocksdb::ColumnFamilyHandle*> h;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), dir_.sub("node/log"), cfs, &h, &db).ok());
    std::string value;
    ASSERT_TRUE(db->Get({}, h[1], record::PositionKey(2), &value).ok());
    auto at = value.find("\"amount\":500");
    ASSERT_NE(at, std::string::npos);
    value[at + 9] = '9';  // 500 -> 900
    ASSERT_TRUE(db->Put({}, h[1], record::PositionKey(2), value).ok());
    for (auto* cf : h) db->DestroyColumnFamilyHandle(cf);
    delete db;
  }
  auto store = EventStore::Open({.path = dir_.sub("node"), .read_only = true});
  ASSERT_TRUE(store);
  auto audit = AuditCustomer(store->get(), c->customer_id, clock_.NowMs());
  ASSERT_FALSE(audit);
  EXPECT_EQ(audit.error().code(), StatusCode::kCorruption);
  EXPECT_NE(audit.error().message().find("position 2"), std::string::npos)
      << audit.error().message();
}

}  // namespace
}  // namespace clientele
