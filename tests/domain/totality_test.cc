// The domain's arithmetic is total: any program, any event in a log, however
// absurd, gives a defined result (run under UBSan to see it has no undefined
// behaviour on the way).
#include <gtest/gtest.h>

#include <climits>

#include "domain/customer.h"
#include "domain/loyalty.h"
#include "domain/money.h"
#include "domain/stamp.h"

namespace clientele {
namespace {

constexpr const char* kId = "0b8a7c1e-4f3d-4c2a-9e1f-2d3c4b5a6978";

CustomerState Registered() {
  CustomerDetails d;
  d[DetailField::kFirstName] = "Ada";
  d[DetailField::kLastName] = "Lovelace";
  return Evolve({}, CustomerRegistered{kId, "CUST-00001", d, ""});
}

CustomerState Fold(std::vector<CustomerEvent> events) {
  CustomerState s = Registered();
  for (const CustomerEvent& e : events) s = Evolve(std::move(s), e);
  return s;
}

TEST(PointsForTotality, AProgramNoNodeWouldAcceptEarnsNothing) {
  for (Rounding r : {Rounding::kFloor, Rounding::kNearest, Rounding::kCeil}) {
    EXPECT_EQ(PointsFor({1, 0, r}, 1000), 0);
    EXPECT_EQ(PointsFor({1, -100, r}, 1000), 0);
    EXPECT_EQ(PointsFor({1, INT64_MIN, r}, INT64_MAX), 0);
    EXPECT_EQ(PointsFor({0, 100, r}, 1000), 0);
    EXPECT_EQ(PointsFor({-5, 100, r}, 1000), 0);
    EXPECT_EQ(PointsFor({1, 100, r}, 0), 0);
    EXPECT_EQ(PointsFor({1, 100, r}, -1000), 0);
    EXPECT_EQ(PointsFor({1, 100, r}, INT64_MIN), 0);
  }
}

TEST(PointsForTotality, ClampsAtTheLargestPointsFigure) {
  for (Rounding r : {Rounding::kFloor, Rounding::kNearest, Rounding::kCeil}) {
    EXPECT_EQ(PointsFor({INT64_MAX, 1, r}, INT64_MAX), INT64_MAX);
    EXPECT_EQ(PointsFor({1'000'000, 1, r}, INT64_MAX), INT64_MAX);
    EXPECT_EQ(PointsFor({2, 1, r}, INT64_MAX / 2 + 1), INT64_MAX);
    // Just below the clamp, exact.
    EXPECT_EQ(PointsFor({2, 1, r}, INT64_MAX / 2), INT64_MAX - 1);
    EXPECT_EQ(PointsFor({1, 1, r}, INT64_MAX), INT64_MAX);
    EXPECT_EQ(PointsFor({INT64_MAX, INT64_MAX, r}, INT64_MAX), INT64_MAX);
  }
  // Ceil of a quotient just under the limit lands on it, never past it.
  EXPECT_EQ(PointsFor({INT64_MAX, 2, Rounding::kCeil}, 2), INT64_MAX);
  EXPECT_EQ(PointsFor({INT64_MAX, 2, Rounding::kFloor}, 1), INT64_MAX / 2);
  EXPECT_EQ(PointsFor({INT64_MAX, 2, Rounding::kCeil}, 1), INT64_MAX / 2 + 1);
}

TEST(PointsForTotality, RoundsAsTheProgramSays) {
  EXPECT_EQ(PointsFor({1, 100, Rounding::kFloor}, 199), 1);
  EXPECT_EQ(PointsFor({1, 100, Rounding::kCeil}, 101), 2);
  EXPECT_EQ(PointsFor({1, 100, Rounding::kCeil}, 100), 1);
  EXPECT_EQ(PointsFor({1, 100, Rounding::kNearest}, 149), 1);
  EXPECT_EQ(PointsFor({1, 100, Rounding::kNearest}, 150), 2);
  EXPECT_EQ(PointsFor({1, kMaxAmount, Rounding::kCeil}, 1), 1);
  EXPECT_EQ(PointsFor({1'000'000, 1, Rounding::kFloor}, kMaxAmount), kMaxAmount * 1'000'000);
}

TEST(SaturatingAddTest, HoldsAtTheLimits) {
  EXPECT_EQ(SaturatingAdd(2, 3), 5);
  EXPECT_EQ(SaturatingAdd(5, -8), -3);
  EXPECT_EQ(SaturatingAdd(INT64_MAX, 0), INT64_MAX);
  EXPECT_EQ(SaturatingAdd(INT64_MAX, 1), INT64_MAX);
  EXPECT_EQ(SaturatingAdd(INT64_MAX, INT64_MAX), INT64_MAX);
  EXPECT_EQ(SaturatingAdd(INT64_MAX - 1, 1), INT64_MAX);
  EXPECT_EQ(SaturatingAdd(INT64_MIN, -1), INT64_MIN);
  EXPECT_EQ(SaturatingAdd(INT64_MIN, INT64_MIN), INT64_MIN);
  EXPECT_EQ(SaturatingAdd(INT64_MAX, INT64_MIN), -1);
  EXPECT_EQ(SaturatingAdd(INT64_MIN, INT64_MAX), -1);
  EXPECT_EQ(SaturatingAdd(INT64_MIN + 1, -1), INT64_MIN);
  EXPECT_EQ(SaturatingAdd(-1, INT64_MIN), INT64_MIN);
  // Held, then moved back by the next event.
  EXPECT_EQ(SaturatingAdd(SaturatingAdd(INT64_MAX, 10), -10), INT64_MAX - 10);
}

TEST(EvolveTotality, BalancesSaturateInsteadOfOverflowing) {
  CustomerState s = Fold({CreditToppedUp{INT64_MAX, "p1", ""}, CreditToppedUp{INT64_MAX, "p2", ""},
                          CreditToppedUp{1, "p3", ""}});
  EXPECT_EQ(s.credit, INT64_MAX);
  EXPECT_EQ(s.top_ups.at("p2"), INT64_MAX);
  s = Evolve(std::move(s), CreditDeducted{5, "", ""});
  EXPECT_EQ(s.credit, INT64_MAX - 5);

  s = Fold({PointsEarned{"t1", INT64_MAX}, PointsEarned{"t1", INT64_MAX}});
  EXPECT_EQ(s.points, INT64_MAX);
  EXPECT_EQ(s.purchases.at("t1").points_earned, INT64_MAX);

  s = Fold({PurchaseRecorded{"t1", INT64_MAX, 5}, PurchaseRecorded{"t2", INT64_MAX, 6}});
  EXPECT_EQ(s.total_spent, INT64_MAX);
  EXPECT_EQ(s.last_visit_ms, 6);

  s = Fold({PurchaseRefunded{"r1", "t1", INT64_MAX}, PurchaseRefunded{"r2", "t1", INT64_MAX}});
  EXPECT_EQ(s.total_spent, INT64_MIN);
  EXPECT_EQ(s.purchases.at("t1").refunded_amount, INT64_MAX);

  s = Fold({PointsReversed{"r1", "t1", INT64_MAX}, PointsReversed{"r2", "t1", INT64_MAX}});
  EXPECT_EQ(s.points, INT64_MIN);
  EXPECT_EQ(s.purchases.at("t1").reversed_points, INT64_MAX);

  s = Fold({PointsRedeemed{INT64_MAX, "", ""}, PointsRedeemed{INT64_MAX, "", ""}});
  EXPECT_EQ(s.points, INT64_MIN);

  s = Fold({CreditAdjusted{INT64_MIN, "x"}, CreditAdjusted{INT64_MIN, "x"}});
  EXPECT_EQ(s.credit, INT64_MIN);
  s = Fold({PointsAdjusted{INT64_MAX, "x"}, PointsAdjusted{INT64_MAX, "x"}});
  EXPECT_EQ(s.points, INT64_MAX);
  s = Fold({CreditDeducted{INT64_MAX, "", ""}, CreditDeducted{INT64_MAX, "", ""}});
  EXPECT_EQ(s.credit, INT64_MIN);
}

TEST(EvolveTotality, TheOrderOfEventsDoesNotMatterBelowTheLimits) {
  const std::vector<CustomerEvent> events = {CreditToppedUp{kMaxAmount, "p1", ""},
                                             CreditDeducted{kMaxAmount, "", ""},
                                             CreditToppedUp{kMaxAmount, "p2", ""}};
  CustomerState forward = Fold(events);
  CustomerState backward = Fold({events[2], events[1], events[0]});
  EXPECT_EQ(forward.credit, kMaxAmount);
  EXPECT_EQ(backward.credit, forward.credit);
}

// Taking away the most negative amount there is: an event no node would
// write, but one a log could hold. Its effect (+2^63) saturates like any other.
TEST(EvolveTotality, TakingAwayTheMostNegativeAmountSaturates) {
  CustomerState s = Fold({CreditDeducted{INT64_MIN, "", ""}});
  EXPECT_EQ(s.credit, INT64_MAX);
  s = Fold({PointsRedeemed{INT64_MIN, "", ""}});
  EXPECT_EQ(s.points, INT64_MAX);
  s = Fold({PointsReversed{"r1", "t1", INT64_MIN}});
  EXPECT_EQ(s.points, INT64_MAX);
  s = Fold({PurchaseRefunded{"r1", "t1", INT64_MIN}});
  EXPECT_EQ(s.total_spent, INT64_MAX);
}

TEST(NextStampTotality, NeverOverflowsAtTheLargestSeenClock) {
  EXPECT_EQ(NextStamp(INT64_MAX, 1'700'000'000'000, "hq").hlc, INT64_MAX);
  EXPECT_EQ(NextStamp(INT64_MAX - 1, 1'700'000'000'000, "hq").hlc, INT64_MAX);
  EXPECT_EQ(NextStamp(INT64_MAX, 0, "s01").node, "s01");
  EXPECT_EQ(NextStamp(5, 0, "hq").hlc, 6);
  EXPECT_EQ(NextStamp(0, 1, "hq").hlc, kHlcTicksPerMs);
}

}  // namespace
}  // namespace clientele
