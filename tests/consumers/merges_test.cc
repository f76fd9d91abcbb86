// HQ settling merges (consumers/merges.h): late events forwarded to the
// survivor, concurrent merges of one customer resolved by the smallest merge
// id, cycles by voiding the largest; every settlement appended once.
#include "consumers/merges.h"

#include <gtest/gtest.h>

#include "domain/customer.h"
#include "domain/event_codec.h"
#include "tests/consumers/signed_events.h"
#include "tests/test_util.h"

namespace clientele::testing {
namespace {

constexpr const char* kM1 = "10000000-0000-4000-8000-000000000001";
constexpr const char* kM2 = "20000000-0000-4000-8000-000000000002";

class MergesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto log = EventStore::Open({.path = dir_.path(), .origin = "hq", .sync = false});
    ASSERT_TRUE(log) << log.error().ToString();
    log_ = std::move(*log);
    auto settler = MergeSettler::Open(log_.get(), files_.sub("merged"), 0);
    ASSERT_TRUE(settler) << settler.error().ToString();
    settler_ = std::move(*settler);
  }

  // Appends what `origin` recorded of `customer` as replicated, then lets
  // HQ settle what its log now holds (as its watch does, batch after batch,
  // until nothing more is appended). Returns the settlements appended.
  int Arrive(const std::string& origin, const std::string& customer,
             std::vector<CustomerEvent> events) {
    std::vector<RecordedEvent> batch;
    for (const CustomerEvent& e : events) batch.push_back(origins_.Customer(origin, customer, e));
    EXPECT_TRUE(log_->AppendReplicated(batch));
    return SettleFrom(batch);
  }

  int SettleFrom(std::vector<RecordedEvent> batch) {
    int total = 0;
    for (int round = 0; round < 10 && !batch.empty(); ++round) {
      const std::uint64_t head = log_->Head();
      auto settled = settler_->Settle(batch);
      EXPECT_TRUE(settled) << settled.error().ToString();
      total += settled ? *settled : 0;
      batch.clear();
      (void)log_->ScanAll(head + 1, [&](const RecordedEvent& e) {
        batch.push_back(e);
        return true;
      });
    }
    return total;
  }

  CustomerState State(const std::string& customer) {
    CustomerState s;
    const auto events = log_->ReadStream(CustomerStream(customer), 1, SIZE_MAX);
    for (const RecordedEvent& e : *events) {
      auto decoded = DecodeCustomerEvent(e.type, e.schema, e.data);
      EXPECT_TRUE(decoded) << e.type;
      if (decoded) s = Evolve(std::move(s), *decoded);
    }
    return s;
  }

  void Register(const std::string& id, const std::string& code, const std::string& origin) {
    CustomerDetails d;
    d[DetailField::kFirstName] = "Ada";
    d[DetailField::kLastName] = "Lovelace";
    Arrive(origin, id, {CustomerRegistered{id, code, d, origin == "hq" ? "" : origin}});
  }

  // What a node records for a merge of `d` into `s` as it saw `d`.
  void Merge(const std::string& origin, const std::string& merge, const std::string& d,
             const std::string& d_code, const std::string& s, const std::string& s_code,
             Points points, Money credit, Money spent) {
    std::vector<RecordedEvent> batch = {
        origins_.Customer(origin, d, CustomerMerged{merge, s, s_code, points, credit, spent, 1000}),
        origins_.Customer(origin, s, MergeReceived{merge, d, d_code, points, credit, spent, 1000})};
    ASSERT_TRUE(log_->AppendReplicated(batch));
    SettleFrom(batch);
  }

  TempDir dir_, files_;
  Origins origins_;
  std::unique_ptr<EventStore> log_;
  std::unique_ptr<MergeSettler> settler_;
  const std::string a_ = NewUuid(), b_ = NewUuid(), c_ = NewUuid();
};

TEST_F(MergesTest, ASaleOnTheOldCodeAfterTheMergeIsForwardedToTheSurvivor) {
  Register(a_, "CUST-00001", "hq");
  Register(b_, "CUST-S01-00001", "s01");
  Arrive("s01", b_, {PurchaseRecorded{"t1", 3000, 1000}, PointsEarned{"t1", 30}});
  Merge("hq", kM1, b_, "CUST-S01-00001", a_, "CUST-00001", 30, 0, 3000);
  EXPECT_EQ(State(b_).points, 0);
  EXPECT_EQ(State(a_).points, 30);
  // s02 was offline and sold on b's code after the merge.
  EXPECT_EQ(Arrive("s02", b_, {PurchaseRecorded{"t2", 1000, 5000}, PointsEarned{"t2", 10}}), 2);
  EXPECT_EQ(State(b_).points, 0);
  EXPECT_EQ(State(b_).total_spent, 0);
  EXPECT_EQ(State(a_).points, 40);
  EXPECT_EQ(State(a_).total_spent, 4000);
  EXPECT_EQ(State(a_).last_visit_ms, 5000);
  // Seen again (a re-check after a crash): nothing more.
  auto again = log_->ReadStream(CustomerStream(b_), 1, SIZE_MAX);
  EXPECT_EQ(SettleFrom(*again), 0);
  EXPECT_EQ(State(a_).points, 40);
}

class ConcurrentMerges : public MergesTest, public ::testing::WithParamInterface<int> {};

TEST_P(ConcurrentMerges, TheSmallestIdWinsWhicheverArrivesFirst) {
  const int order = GetParam();
  Register(a_, "CUST-00001", "hq");
  Register(b_, "CUST-S01-00001", "s01");
  Register(c_, "CUST-S02-00001", "s02");
  Arrive("s01", b_, {CreditToppedUp{700, "p1", ""}});
  // b into a (m2) at s01, b into c (m1) at s02, both from b's 700.
  if (order == 0) {
    Merge("s01", kM2, b_, "CUST-S01-00001", a_, "CUST-00001", 0, 700, 0);
    Merge("s02", kM1, b_, "CUST-S01-00001", c_, "CUST-S02-00001", 0, 700, 0);
  } else {
    Merge("s02", kM1, b_, "CUST-S01-00001", c_, "CUST-S02-00001", 0, 700, 0);
    Merge("s01", kM2, b_, "CUST-S01-00001", a_, "CUST-00001", 0, 700, 0);
  }
  EXPECT_EQ(State(b_).merges.MergedInto(), c_);
  EXPECT_EQ(State(b_).credit, 0);
  EXPECT_EQ(State(c_).credit, 700);
  EXPECT_EQ(State(a_).credit, 0);
  EXPECT_TRUE(State(a_).merges.AliasCodes().empty());
}

INSTANTIATE_TEST_SUITE_P(BothOrders, ConcurrentMerges, ::testing::Values(0, 1));

TEST_F(MergesTest, MergesIntoEachOtherTheLargestIdInTheCycleIsVoided) {
  Register(a_, "CUST-00001", "hq");
  Register(b_, "CUST-S01-00001", "s01");
  Arrive("hq", a_, {CreditToppedUp{100, "p1", ""}});
  Arrive("s01", b_, {CreditToppedUp{20, "p2", ""}});
  Merge("s01", kM1, a_, "CUST-00001", b_, "CUST-S01-00001", 0, 100, 0);  // a into b
  Merge("s02", kM2, b_, "CUST-S01-00001", a_, "CUST-00001", 0, 20, 0);   // b into a
  EXPECT_EQ(State(a_).merges.MergedInto(), b_);
  EXPECT_EQ(State(b_).merges.MergedInto(), "");
  EXPECT_EQ(State(a_).credit, 0);
  EXPECT_EQ(State(b_).credit, 120);
}

}  // namespace
}  // namespace clientele::testing
