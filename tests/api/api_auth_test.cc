// Authentication and permissions: the whole route x permission matrix, node
// scope, and points and credit hidden from those who may not see them.
#include <cstdio>

#include "tests/api/api_fixture.h"

namespace clientele::testing {
namespace {

// A concrete path for a route pattern.
std::string PathFor(const std::string& pattern, const std::string& ref) {
  std::string out = pattern;
  if (auto at = out.find("{ref}"); at != std::string::npos) out.replace(at, 5, ref);
  if (auto at = out.find("{module}"); at != std::string::npos) out.replace(at, 8, "loyalty_points");
  return out;
}

TEST_F(ApiTest, EveryRouteRefusesEachMissingPermissionAndBadTokens) {
  const std::string ref(Create("Ada", "Lovelace").at("code").as_string());
  const std::uint64_t head = Head();
  int checked_403 = 0, checked_401 = 0;
  for (const auto& route : service_->Routes()) {
    const std::string path = PathFor(route.pattern, ref);
    SCOPED_TRACE(route.method + " " + path);
    if (route.any_of.empty()) {
      EXPECT_LT(Call(route.method, path, "", "").status, 400) << "open route";
      continue;
    }
    Reply none = Call(route.method, path, "{}", "");
    EXPECT_EQ(none.status, 401);
    EXPECT_EQ(none.reason(), "missing_token");
    EXPECT_EQ(none.header("content-type"), "application/problem+json");
    Reply bad = Call(route.method, path, "{}", "not-a-token");
    EXPECT_EQ(bad.status, 401);
    EXPECT_EQ(bad.reason(), "invalid_token");
    checked_401 += 2;
    for (std::uint32_t bit = 1; bit < api::kAllPermissions; bit <<= 1) {
      const auto missing = static_cast<api::Permission>(bit);
      // The principal lacking `missing` (and manage, when create or edit go).
      std::uint32_t held = api::kAllPermissions & ~bit;
      if (missing == api::kCreate || missing == api::kEdit) held &= ~api::kManage;
      api::Principal p{"", held, "*"};
      bool allowed = false;
      for (api::Permission need : route.any_of) allowed = allowed || p.Can(need);
      if (allowed) continue;
      Reply denied =
          Call(route.method, path, "{}", "no-" + std::string(api::PermissionName(missing)));
      EXPECT_EQ(denied.status, 403) << denied.body;
      EXPECT_EQ(denied.reason(), "permission_denied");
      ++checked_403;
    }
    Reply other_node = Call(route.method, path, "{}", "store");
    EXPECT_EQ(other_node.status, 403) << "a store's token at HQ";
    EXPECT_EQ(other_node.reason(), "wrong_node");
  }
  std::printf(
      "permission matrix: %zu routes, %d refusals for a missing permission, %d for no or "
      "a bad token\n",
      service_->Routes().size(), checked_403, checked_401);
  EXPECT_GT(checked_403, 20);
  EXPECT_GT(checked_401, 20);
  EXPECT_EQ(Head(), head) << "no refused request wrote anything";
}

TEST_F(ApiTest, PointsAndCreditAreAbsentForThoseWhoMayNotSeeThem) {
  const std::string id(Create("Ada", "Lovelace").at("id").as_string());
  ASSERT_EQ(
      Call("POST", "/v1/customers/" + id + "/credit/top-up", R"({"amount":500,"payment_ref":"p"})")
          .status,
      200);
  auto admin = Call("GET", "/v1/customers/" + id).json().as_object();
  EXPECT_TRUE(admin.contains("points"));
  EXPECT_TRUE(admin.contains("credit"));
  auto cashier = Call("GET", "/v1/customers/" + id, "", "cashier").json().as_object();
  EXPECT_FALSE(cashier.contains("points"));
  EXPECT_FALSE(cashier.contains("credit"));
  EXPECT_TRUE(cashier.contains("total_spent"));
  auto no_credit =
      Call("GET", "/v1/customers/" + id, "", "no-customers.manage_credit").json().as_object();
  EXPECT_TRUE(no_credit.contains("points"));
  EXPECT_FALSE(no_credit.contains("credit"));
  auto table = Call("GET", "/v1/customers?status=all", "", "cashier").json();
  for (const auto& row : table.at("customers").as_array()) {
    EXPECT_FALSE(row.as_object().contains("points"));
    EXPECT_FALSE(row.as_object().contains("credit"));
  }
  Reply sort_by_credit = Call("GET", "/v1/customers?sort=credit", "", "cashier");
  EXPECT_EQ(sort_by_credit.status, 422) << "sorting by a hidden field would reveal it";
  // A points-only history reader sees no credit entries or fields.
  auto history =
      Call("GET", "/v1/customers/" + id + "/history", "", "no-customers.manage_credit").json();
  for (const auto& e : history.at("entries").as_array()) {
    EXPECT_FALSE(e.as_object().contains("credit_change"));
    EXPECT_NE(e.at("type").as_string(), "credit.topped_up");
  }
}

}  // namespace
}  // namespace clientele::testing
