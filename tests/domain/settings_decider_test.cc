#include <gtest/gtest.h>

#include "domain/settings.h"

namespace clientele {
namespace {

SettingsState Given(std::vector<SettingsEvent> events) {
  SettingsState s;
  for (const auto& e : events) s = Evolve(std::move(s), e);
  return s;
}

TEST(SettingsDecider, SetsTheLoyaltyProgram) {
  LoyaltyProgram p{2, 500, Rounding::kNearest};
  auto r = Decide(SettingsState{}, SetLoyaltyProgram{p});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(*r, std::vector<SettingsEvent>{LoyaltyProgramSet{p}});
  EXPECT_EQ(Given({LoyaltyProgramSet{p}}).program, p);
}

TEST(SettingsDecider, SameProgramIsANoOp) {
  auto r = Decide(SettingsState{}, SetLoyaltyProgram{LoyaltyProgram{}});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->empty());
}

TEST(SettingsDecider, RefusesBadPrograms) {
  struct {
    LoyaltyProgram program;
    std::string field;
  } cases[] = {
      {{-1, 100, Rounding::kFloor}, "points"},
      {{1'000'001, 100, Rounding::kFloor}, "points"},
      {{1, 0, Rounding::kFloor}, "per_amount"},
      {{1, -100, Rounding::kFloor}, "per_amount"},
      {{1, kMaxAmount + 1, Rounding::kFloor}, "per_amount"},
  };
  for (const auto& c : cases) {
    auto r = Decide(SettingsState{}, SetLoyaltyProgram{c.program});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().field(), c.field);
    EXPECT_EQ(r.error().reason(), "out_of_range");
  }
}

TEST(SettingsDecider, ModulesToggle) {
  auto off = Decide(SettingsState{}, DisableModule{Module::kLoyaltyPoints});
  ASSERT_TRUE(off);
  EXPECT_EQ(*off, std::vector<SettingsEvent>{ModuleDisabled{Module::kLoyaltyPoints}});
  SettingsState s = Given({ModuleDisabled{Module::kLoyaltyPoints}});
  EXPECT_FALSE(s.modules.loyalty_points);
  auto again = Decide(s, DisableModule{Module::kLoyaltyPoints});
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->empty());
  auto on = Decide(s, EnableModule{Module::kLoyaltyPoints});
  ASSERT_TRUE(on);
  EXPECT_EQ(*on, std::vector<SettingsEvent>{ModuleEnabled{Module::kLoyaltyPoints}});
  auto on_again = Decide(SettingsState{}, EnableModule{Module::kCustomers});
  ASSERT_TRUE(on_again);
  EXPECT_TRUE(on_again->empty());
}

TEST(SettingsDecider, CustomersCannotBeDisabledUnderItsDependents) {
  auto r = Decide(SettingsState{}, DisableModule{Module::kCustomers});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason(), "module_has_dependents");
  SettingsState s = Given({ModuleDisabled{Module::kLoyaltyPoints}});
  r = Decide(s, DisableModule{Module::kCustomers});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("customer_credits"), std::string::npos);
  s = Given({ModuleDisabled{Module::kLoyaltyPoints}, ModuleDisabled{Module::kCustomerCredits}});
  r = Decide(s, DisableModule{Module::kCustomers});
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, std::vector<SettingsEvent>{ModuleDisabled{Module::kCustomers}});
}

TEST(SettingsDecider, DependentModulesNeedCustomers) {
  SettingsState s =
      Given({ModuleDisabled{Module::kLoyaltyPoints}, ModuleDisabled{Module::kCustomerCredits},
             ModuleDisabled{Module::kCustomers}});
  for (Module m : {Module::kLoyaltyPoints, Module::kCustomerCredits}) {
    auto r = Decide(s, EnableModule{m});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().reason(), "module_requires_customers");
  }
  auto r = Decide(s, EnableModule{Module::kCustomers});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->size(), 1u);
}

TEST(LoyaltyProgram, PointsForRoundsAsConfigured) {
  EXPECT_EQ(PointsFor({1, 100, Rounding::kFloor}, 1299), 12);
  EXPECT_EQ(PointsFor({1, 100, Rounding::kNearest}, 1249), 12);
  EXPECT_EQ(PointsFor({1, 100, Rounding::kNearest}, 1250), 13);
  EXPECT_EQ(PointsFor({1, 100, Rounding::kCeil}, 1201), 13);
  EXPECT_EQ(PointsFor({0, 100, Rounding::kCeil}, 1201), 0);
  EXPECT_EQ(PointsFor({1'000'000, 1, Rounding::kFloor}, kMaxAmount), kMaxAmount * 1'000'000);
}

}  // namespace
}  // namespace clientele
