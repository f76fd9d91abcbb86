// Merging duplicates (domain/merge.h): decide, evolve, the convergence rule.
#include <gtest/gtest.h>

#include <algorithm>

#include "domain/customer.h"
#include "domain/event_codec.h"
#include "domain/merge.h"
#include "domain/peer_rules.h"

namespace clientele {
namespace {

constexpr const char* kS = "0b8a7c1e-4f3d-4c2a-9e1f-2d3c4b5a0001";
constexpr const char* kD = "0b8a7c1e-4f3d-4c2a-9e1f-2d3c4b5a0002";
constexpr const char* kT = "0b8a7c1e-4f3d-4c2a-9e1f-2d3c4b5a0003";
constexpr const char* kM1 = "10000000-0000-4000-8000-000000000001";
constexpr const char* kM2 = "20000000-0000-4000-8000-000000000002";

CustomerState Fold(std::vector<CustomerEvent> events) {
  CustomerState s;
  for (const auto& e : events) s = Evolve(std::move(s), e);
  return s;
}

CustomerEvent Registered(const char* id, const char* code, std::string email = "",
                         std::string phone = "") {
  CustomerDetails d;
  d[DetailField::kFirstName] = "Ada";
  d[DetailField::kLastName] = "Müller";
  d[DetailField::kEmail] = std::move(email);
  d[DetailField::kPhone] = std::move(phone);
  return CustomerRegistered{id, code, d, ""};
}

MergeCustomers Merge(const char* id = kM1) { return MergeCustomers{id, {}}; }

class MergeDecide : public ::testing::Test {
 protected:
  CustomerState survivor_ =
      Fold({Registered(kS, "CUST-00001", "ada@example.com"), PurchaseRecorded{"t1", 5000, 1000},
            PointsEarned{"t1", 50}, CreditToppedUp{2000, "p1", ""}});
  CustomerState duplicate_ = Fold({Registered(kD, "CUST-S01-00001", "ada@other.example", "+1 555"),
                                   PurchaseRecorded{"t2", 3000, 9000}, PointsEarned{"t2", 30},
                                   CreditToppedUp{700, "p2", ""}});
  SettingsState settings_;
};

TEST_F(MergeDecide, MovesBalancesAndFillsMissingFields) {
  auto plan = DecideMerge(survivor_, duplicate_, settings_, Merge());
  ASSERT_TRUE(plan) << plan.error().ToString();
  ASSERT_EQ(plan->duplicate.size(), 1u);
  EXPECT_EQ(plan->duplicate[0],
            CustomerEvent(CustomerMerged{kM1, kS, "CUST-00001", 30, 700, 3000, 9000}));
  ASSERT_EQ(plan->survivor.size(), 2u);
  EXPECT_EQ(plan->survivor[0],
            CustomerEvent(MergeReceived{kM1, kD, "CUST-S01-00001", 30, 700, 3000, 9000}));
  // The phone the survivor lacks comes with the ordinary edit; the email it
  // has stays.
  const auto& fill = std::get<CustomerDetailsChanged>(plan->survivor[1]);
  EXPECT_EQ(fill.changes[DetailField::kPhone], "+1 555");
  EXPECT_FALSE(fill.changes[DetailField::kEmail]);

  CustomerState s = survivor_, d = duplicate_;
  for (const auto& e : plan->survivor) s = Evolve(std::move(s), e);
  for (const auto& e : plan->duplicate) d = Evolve(std::move(d), e);
  EXPECT_EQ(s.points, 80);
  EXPECT_EQ(s.credit, 2700);
  EXPECT_EQ(s.total_spent, 8000);
  EXPECT_EQ(s.last_visit_ms, 9000);
  EXPECT_EQ(s.details[DetailField::kPhone], "+1 555");
  EXPECT_EQ(s.merges.AliasCodes(), std::vector<std::string>{"CUST-S01-00001"});
  EXPECT_EQ(d.points, 0);
  EXPECT_EQ(d.credit, 0);
  EXPECT_EQ(d.total_spent, 0);
  EXPECT_EQ(d.merges.MergedInto(), kS);
}

TEST_F(MergeDecide, ClerkPicksTheDuplicatesValue) {
  MergeCustomers cmd = Merge();
  cmd.fields[DetailField::kEmail] = MergeSide::kDuplicate;
  cmd.fields[DetailField::kPhone] = MergeSide::kSurvivor;
  auto plan = DecideMerge(survivor_, duplicate_, settings_, cmd);
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->survivor.size(), 2u);
  const auto& fill = std::get<CustomerDetailsChanged>(plan->survivor[1]);
  EXPECT_EQ(fill.changes[DetailField::kEmail], "ada@other.example");
  EXPECT_FALSE(fill.changes[DetailField::kPhone]);
}

TEST_F(MergeDecide, Refusals) {
  auto reason = [&](const CustomerState& s, const CustomerState& d, MergeCustomers c = Merge()) {
    auto plan = DecideMerge(s, d, settings_, c);
    return plan ? std::string("ok") : plan.error().reason();
  };
  EXPECT_EQ(reason(survivor_, survivor_), "merge_into_itself");
  EXPECT_EQ(reason(survivor_, CustomerState{}), "customer_not_found");
  EXPECT_EQ(reason(survivor_, duplicate_, Merge("nope")), "invalid_uuid");
  CustomerState deleted = Fold({Registered(kT, "CUST-00003"), CustomerDeleted{}});
  EXPECT_EQ(reason(survivor_, deleted), "customer_deleted");
  EXPECT_EQ(reason(deleted, duplicate_), "customer_deleted");
  CustomerState merged = duplicate_;
  merged = Evolve(merged, CustomerMerged{kM2, kT, "CUST-00003", 30, 700, 3000, 9000});
  EXPECT_EQ(reason(survivor_, merged), "already_merged");
  EXPECT_EQ(reason(merged, survivor_), "survivor_merged");
  SettingsState off;
  off.modules.set(Module::kCustomers, false);
  EXPECT_FALSE(DecideMerge(survivor_, duplicate_, off, Merge()));
  // A merged customer takes no command; its callers resolve it first.
  auto refused = Decide(merged, settings_, RecordPurchase{"t9", 100, 1});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().reason(), "customer_merged");
}

TEST_F(MergeDecide, ConcurrentMergesOfOneDuplicateTheSmallestIdWins) {
  // D into S (merge 2) at one node, D into T (merge 1) at another: whatever
  // order they arrive in, D is merged into T.
  std::vector<CustomerEvent> events = {CustomerMerged{kM2, kS, "CUST-00001", 30, 700, 3000, 9000},
                                       CustomerMerged{kM1, kT, "CUST-00003", 30, 700, 3000, 9000}};
  for (int order = 0; order < 2; ++order) {
    CustomerState d = duplicate_;
    for (const auto& e : events) d = Evolve(std::move(d), e);
    EXPECT_EQ(d.merges.MergedInto(), kT);
    EXPECT_EQ(d.merges.WinningMerge(), kM1);
    std::reverse(events.begin(), events.end());
  }
  // HQ voids the loser: the duplicate gets its amounts back; the winner
  // stands.
  CustomerState d = duplicate_;
  for (const auto& e : events) d = Evolve(std::move(d), e);
  d = Evolve(d, MergeSettled{kM2, "void", "duplicate", kS, 30, 700, 3000, 0});
  EXPECT_EQ(d.points, 0);
  EXPECT_EQ(d.credit, 0);
  EXPECT_EQ(d.merges.MergedInto(), kT);
  // A void arriving before its merge still voids it.
  CustomerState early = Evolve(duplicate_, MergeSettled{kM1, "void", "duplicate", kT, 0, 0, 0, 0});
  early = Evolve(early, CustomerMerged{kM1, kT, "CUST-00003", 30, 700, 3000, 9000});
  EXPECT_EQ(early.merges.MergedInto(), "");
}

TEST(ResolveAlias, FollowsChainsAndBreaksCyclesAtTheLargestMerge) {
  std::map<std::string, std::pair<std::string, std::string>> into = {{"a", {"b", "m5"}},
                                                                     {"b", {"c", "m3"}}};
  auto lookup = [&](const std::string& id) {
    auto it = into.find(id);
    return it == into.end() ? std::pair<std::string, std::string>{} : it->second;
  };
  EXPECT_EQ(ResolveAlias("a", lookup), "c");
  EXPECT_EQ(ResolveAlias("c", lookup), "c");
  // a into b (m5) and b into a (m7) made apart: m7 is the one HQ voids, so
  // both resolve to b.
  into = {{"a", {"b", "m5"}}, {"b", {"a", "m7"}}};
  EXPECT_EQ(ResolveAlias("a", lookup), "b");
  EXPECT_EQ(ResolveAlias("b", lookup), "b");
}

TEST(MergeEvents, RoundTripAndPeerRules) {
  const std::vector<CustomerEvent> events = {
      CustomerMerged{kM1, kS, "CUST-00001", -3, 700, 3000, 9000},
      MergeReceived{kM1, kD, "CUST-S01-00001", -3, 700, 3000, 9000},
      MergeSettled{kM1, "forward", "survivor", kD, 5, 0, 100, 9000}};
  for (const CustomerEvent& e : events) {
    auto back = DecodeCustomerEvent(EventTypeName(e), SchemaOf(e), EncodePayload(e));
    ASSERT_TRUE(back) << back.error().ToString();
    EXPECT_EQ(*back, e);
    // No personal data in what a merge writes.
    EXPECT_EQ(EncodePayload(e).find("Ada"), std::string::npos);
  }
  PeerContext ctx{"s01", kT, 1'000'000'000'000, 60'000};
  EXPECT_TRUE(CheckPeerEvent(events[0], ctx).ok()) << CheckPeerEvent(events[0], ctx).ToString();
  ctx.customer_id = kS;
  EXPECT_EQ(CheckPeerEvent(events[0], ctx).reason(), "merge_into_itself");
  ctx.customer_id = kT;
  EXPECT_EQ(CheckPeerEvent(MergeSettled{kM1, "undo", "survivor", kD}, ctx).reason(),
            "invalid_kind");
  EXPECT_EQ(CheckPeerEvent(CustomerMerged{kM1, kS, "nope"}, ctx).field(), "code");
}

}  // namespace
}  // namespace clientele
