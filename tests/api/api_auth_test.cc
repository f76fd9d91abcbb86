// Points and credit hidden from those who may not see them. (The route x
// permission matrix: tests/api/service_test.cc.)
#include "tests/api/api_fixture.h"

namespace clientele::testing {
namespace {

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
