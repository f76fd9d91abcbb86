// The service without a network: Service::Handle called with plain requests.
// Routing, how each refusal maps to a status and a problem, the whole route x
// permission matrix and node scope.
#include <cstdio>
#include <vector>

#include "tests/api/service_fixture.h"

namespace clientele::testing {
namespace {

// The problem document's promises (api/problem.h) for an answer refused with
// `status` and `reason`.
void ExpectProblem(const Answer& r, int status, const std::string& reason) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(r.reason(), reason) << r.body;
  EXPECT_EQ(r.header("content-type"), "application/problem+json");
  auto json = r.json();
  ASSERT_TRUE(json.is_object()) << r.body;
  EXPECT_EQ(json.at("type").as_string(), "urn:clientele:problem:" + reason);
  EXPECT_EQ(json.at("status").to_number<int>(), status);
  EXPECT_FALSE(json.at("title").as_string().empty());
  EXPECT_FALSE(json.at("detail").as_string().empty());
}

TEST_F(ServiceTest, RequestsFindTheirRouteOrA404OrA405) {
  const std::string id(Create("Ada", "Lovelace").at("id").as_string());
  // Unknown paths, before any token is asked for.
  for (const char* path :
       {"/v1/shoes", "/", "/v2/customers", "/v1/customers/", "/v1/customers/x/y", "/healthz/x"}) {
    SCOPED_TRACE(path);
    Answer r = Call("GET", path, "", "");
    ExpectProblem(r, 404, "no_such_route");
    EXPECT_TRUE(r.header("x-request-id").starts_with("test-"));
  }
  // Known paths with another method: 405 and the methods the path has.
  Answer put = Call("PUT", "/v1/customers", "{}", "");
  ExpectProblem(put, 405, "method_not_allowed");
  EXPECT_EQ(put.header("allow"), "POST, GET");
  Answer post = Call("POST", "/v1/customers/" + id, "{}");
  ExpectProblem(post, 405, "method_not_allowed");
  EXPECT_EQ(post.header("allow"), "GET, PATCH, DELETE");
  Answer health = Call("DELETE", "/healthz", "", "");
  ExpectProblem(health, 405, "method_not_allowed");
  EXPECT_EQ(health.header("allow"), "GET");

  // Path parameters: {ref} is an id or a code in any case; a fixed segment
  // is a route of its own.
  Answer by_id = Call("GET", "/v1/customers/" + id);
  ASSERT_EQ(by_id.status, 200) << by_id.body;
  EXPECT_EQ(by_id.header("etag"), "\"1\"");
  EXPECT_EQ(Call("GET", "/v1/customers/cust-00001").json().at("id").as_string(), id);
  EXPECT_EQ(Call("GET", "/v1/customers/CUST-00001/history").status, 200);
  Answer other = Call("GET", "/v1/customers/CUST-00002");
  ExpectProblem(other, 404, "customer_not_found");
  EXPECT_NE(other.json().at("detail").as_string().find("CUST-00002"), std::string::npos);
  Answer csv = Call("GET", "/v1/customers/export.csv");
  EXPECT_EQ(csv.status, 200);
  EXPECT_EQ(csv.header("content-type"), "text/csv; charset=utf-8");
  Answer module = Call("PUT", "/v1/settings/modules/customer_credits", R"({"enabled":false})");
  ASSERT_EQ(module.status, 200) << module.body;
  EXPECT_FALSE(module.json().at("modules").at("customer_credits").as_bool());
  ExpectProblem(Call("PUT", "/v1/settings/modules/shoes", R"({"enabled":true})"), 404,
                "no_such_module");
  ExpectProblem(Call("GET", "/v1/customers/imports/00000000-0000-4000-8000-000000000000"), 404,
                "import_not_found");
}

struct Refusal {
  const char* name;
  const char* method;
  std::string path;  // "{id}": an existing customer
  std::string body;
  std::string token;
  std::map<std::string, std::string> headers;
  int status;
  const char* reason;
  std::vector<std::string> fields;  // of the problem's "errors"
};

TEST_F(ServiceTest, EachRefusalHasItsStatusAndProblem) {
  const std::string id(Create("Ada", "Lovelace").at("id").as_string());
  ASSERT_EQ(
      Call("POST", "/v1/customers/" + id + "/purchases", R"({"tab_id":"tab-1","amount":4250})")
          .status,
      200);
  const std::string edit = R"({"email":"b@example.com"})";
  const std::vector<Refusal> cases = {
      {"malformed body",
       "POST",
       "/v1/customers",
       R"({"first_name":)",
       "admin",
       {},
       400,
       "invalid_json"},
      {"malformed If-Match",
       "PATCH",
       "/v1/customers/{id}",
       edit,
       "admin",
       {{"If-Match", "yesterday"}},
       400,
       "invalid_if_match"},
      {"invalid field (the domain's InvalidArgument)",
       "POST",
       "/v1/customers",
       R"({"first_name":"A","last_name":"B","email":"nope"})",
       "admin",
       {},
       422,
       "invalid_email",
       {"email"}},
      {"several invalid fields",
       "POST",
       "/v1/customers",
       "{}",
       "admin",
       {},
       422,
       "validation_failed",
       {"first_name", "last_name"}},
      {"unknown customer (NotFound)",
       "GET",
       "/v1/customers/CUST-99999",
       "",
       "admin",
       {},
       404,
       "customer_not_found"},
      {"unknown cursor (NotFound)",
       "GET",
       "/v1/customers?cursor=0123456789abcdef01234567:2",
       "",
       "admin",
       {},
       404,
       "cursor_expired"},
      {"a tab recorded with another amount (Conflict)",
       "POST",
       "/v1/customers/{id}/purchases",
       R"({"tab_id":"tab-1","amount":1})",
       "admin",
       {},
       409,
       "tab_already_recorded"},
      {"beyond the balance (FailedPrecondition)",
       "POST",
       "/v1/customers/{id}/credit/deduct",
       R"({"amount":1})",
       "admin",
       {},
       409,
       "insufficient_credit"},
      {"stale If-Match",
       "PATCH",
       "/v1/customers/{id}",
       edit,
       "admin",
       {{"If-Match", "\"9\""}},
       412,
       "version_mismatch"},
      {"no token", "GET", "/v1/customers", "", "", {}, 401, "missing_token"},
      {"unknown token", "GET", "/v1/customers", "", "not-a-token", {}, 401, "invalid_token"},
      {"missing permission",
       "POST",
       "/v1/customers",
       R"({"first_name":"A","last_name":"B"})",
       "viewer",
       {},
       403,
       "permission_denied"},
      {"another node's token", "GET", "/v1/customers", "", "store", {}, 403, "wrong_node"},
  };
  const std::uint64_t head = Head();
  for (const Refusal& c : cases) {
    SCOPED_TRACE(c.name);
    std::string path = c.path;
    if (auto at = path.find("{id}"); at != std::string::npos) path.replace(at, 4, id);
    Answer r = Call(c.method, path, c.body, c.token, c.headers);
    ExpectProblem(r, c.status, c.reason);
    std::vector<std::string> fields;
    if (auto json = r.json(); json.is_object() && json.as_object().contains("errors")) {
      for (const auto& e : json.at("errors").as_array()) {
        fields.emplace_back(e.at("field").as_string());
      }
    }
    EXPECT_EQ(fields, c.fields);
    EXPECT_EQ(r.header("www-authenticate").empty(), c.status != 401);
    EXPECT_EQ(Head(), head) << "the log did not move";
  }
  // Unavailable: a service without imports.
  auto no_imports = NewService(nullptr);
  ExpectProblem(Call("GET", "/v1/customers/imports/x", "", "admin", {}, no_imports.get()), 503,
                "imports_unavailable");
}

// A concrete path for a route pattern.
std::string PathFor(const std::string& pattern, const std::string& ref) {
  std::string out = pattern;
  if (auto at = out.find("{ref}"); at != std::string::npos) out.replace(at, 5, ref);
  if (auto at = out.find("{module}"); at != std::string::npos) out.replace(at, 8, "loyalty_points");
  return out;
}

TEST_F(ServiceTest, EveryRouteRefusesEachMissingPermissionAndBadTokens) {
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
    Answer none = Call(route.method, path, "{}", "");
    EXPECT_EQ(none.status, 401);
    EXPECT_EQ(none.reason(), "missing_token");
    EXPECT_EQ(none.header("content-type"), "application/problem+json");
    Answer bad = Call(route.method, path, "{}", "not-a-token");
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
      Answer denied =
          Call(route.method, path, "{}", "no-" + std::string(api::PermissionName(missing)));
      EXPECT_EQ(denied.status, 403) << denied.body;
      EXPECT_EQ(denied.reason(), "permission_denied");
      ++checked_403;
    }
    Answer other_node = Call(route.method, path, "{}", "store");
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

}  // namespace
}  // namespace clientele::testing
