// The API's promises: idempotent retries, modules switching fields and
// operations off, and an OpenAPI document that lists exactly the routes the
// server knows. (A stale If-Match: tests/api/service_test.cc.)
#include <set>

#include "tests/api/api_fixture.h"

namespace clientele::testing {
namespace {

TEST_F(ApiTest, AnIdempotencyKeyReplaysTheFirstAnswer) {
  const std::string id(Create("Ada", "Lovelace").at("id").as_string());
  const std::string path = "/v1/customers/" + id + "/credit/top-up";
  const std::string body = R"({"amount":700,"payment_ref":"pay-9"})";
  Reply first = Call("POST", path, body, "admin", {{"Idempotency-Key", "retry-1"}});
  ASSERT_EQ(first.status, 200) << first.body;
  const std::uint64_t head = Head();
  Reply again = Call("POST", path, body, "admin", {{"Idempotency-Key", "retry-1"}});
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.header("idempotent-replayed"), "true");
  EXPECT_EQ(Head(), head) << "the replay wrote nothing";
  Reply other = Call("POST", path, R"({"amount":701,"payment_ref":"pay-9"})", "admin",
                     {{"Idempotency-Key", "retry-1"}});
  EXPECT_EQ(other.status, 422);
  EXPECT_EQ(other.reason(), "idempotency_key_reused");
  // A creation retried with its key makes one customer, not two.
  Reply created = Call("POST", "/v1/customers", R"({"first_name":"Bo","last_name":"Li"})", "admin",
                       {{"Idempotency-Key", "new-customer"}});
  Reply created_again = Call("POST", "/v1/customers", R"({"first_name":"Bo","last_name":"Li"})",
                             "admin", {{"Idempotency-Key", "new-customer"}});
  EXPECT_EQ(created.status, 201);
  EXPECT_EQ(created_again.json().at("id"), created.json().at("id")) << "one customer, not two";
  EXPECT_EQ(Head(), head + 1);
}

TEST_F(ApiTest, SwitchingModulesHidesFieldsAndRefusesOperations) {
  const std::string id(Create("Ada", "Lovelace").at("id").as_string());
  ASSERT_EQ(Call("PUT", "/v1/settings/modules/loyalty_points", R"({"enabled":false})").status, 200);
  auto row = Call("GET", "/v1/customers/" + id).json().as_object();
  EXPECT_FALSE(row.contains("points"));
  EXPECT_TRUE(row.contains("credit"));
  const std::uint64_t head = Head();
  Reply redeem = Call("POST", "/v1/customers/" + id + "/points/redeem", R"({"points":1})");
  EXPECT_EQ(redeem.status, 409);
  EXPECT_EQ(redeem.reason(), "module_disabled");
  EXPECT_EQ(Head(), head);
  Reply parent = Call("PUT", "/v1/settings/modules/customers", R"({"enabled":false})");
  EXPECT_EQ(parent.status, 409) << "customer_credits still depends on it";
  ASSERT_EQ(Call("PUT", "/v1/settings/modules/loyalty_points", R"({"enabled":true})").status, 200);
  EXPECT_TRUE(Call("GET", "/v1/customers/" + id).json().as_object().contains("points"));
}

TEST_F(ApiTest, TheOpenApiDocumentListsExactlyTheRoutes) {
  Reply doc = Call("GET", "/v1/openapi.json", "", "");
  ASSERT_EQ(doc.status, 200);
  auto json = doc.json();
  EXPECT_EQ(json.at("openapi").as_string().subview().substr(0, 2), "3.");
  std::set<std::string> documented, served;
  for (const auto& [path, ops] : json.at("paths").as_object()) {
    for (const auto& [method, op] : ops.as_object()) {
      std::string m(method);
      for (char& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      documented.insert(m + " " + std::string(path));
    }
  }
  for (const auto& r : service_->Routes()) served.insert(r.method + " " + r.pattern);
  EXPECT_EQ(documented, served);

  // Each operation names the permissions the server checks, its answers and
  // its errors as problems.
  for (const auto& r : service_->Routes()) {
    std::string method = r.method;
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const auto* op = json.at("paths").at(r.pattern).as_object().if_contains(method);
    ASSERT_NE(op, nullptr) << r.pattern;
    SCOPED_TRACE(r.method + " " + r.pattern);
    std::set<std::string> said, checked;
    if (const auto* perms = op->as_object().if_contains("x-permissions")) {
      for (const auto& p : perms->as_array()) said.insert(std::string(p.as_string()));
    }
    for (api::Permission p : r.any_of) checked.insert(std::string(api::PermissionName(p)));
    EXPECT_EQ(said, checked);
    const auto& responses = op->at("responses").as_object();
    EXPECT_TRUE(responses.contains("200") || responses.contains("201") ||
                responses.contains("204"));
    if (!r.any_of.empty()) {
      for (const char* code : {"401", "403"}) {
        ASSERT_TRUE(responses.contains(code)) << code;
        EXPECT_TRUE(
            responses.at(code).at("content").as_object().contains("application/problem+json"));
      }
    }
    if (r.write && r.pattern.find("{ref}") != std::string::npos) {
      EXPECT_TRUE(responses.contains("412")) << "writes honour If-Match";
    }
  }
}

}  // namespace
}  // namespace clientele::testing
