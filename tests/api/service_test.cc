// The service without a network: Service::Handle called with plain requests.
// Routing, how each refusal maps to a status and a problem, the whole route x
// permission matrix, node scope, points and credit hidden from those who may
// not see them, and idempotency keys kept for their lifetime by the clock.
#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <vector>

#include "tests/api/service_fixture.h"

namespace clientele::testing {
namespace {

// The problem document's promises (api/problem.h) for an answer refused with
// `status` and `reason`.
void ExpectProblem(const Reply& r, int status, const std::string& reason) {
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
       {"/v1/shoes", "/v2/customers", "/v1/customers/", "/v1/customers/x/y", "/healthz/x"}) {
    SCOPED_TRACE(path);
    Reply r = Call("GET", path, "", "");
    ExpectProblem(r, 404, "no_such_route");
    EXPECT_TRUE(r.header("x-request-id").starts_with("test-"));
  }
  // Known paths with another method: 405 and the methods the path has.
  Reply put = Call("PUT", "/v1/customers", "{}", "");
  ExpectProblem(put, 405, "method_not_allowed");
  EXPECT_EQ(put.header("allow"), "POST, GET, HEAD");
  Reply post = Call("POST", "/v1/customers/" + id, "{}");
  ExpectProblem(post, 405, "method_not_allowed");
  EXPECT_EQ(post.header("allow"), "GET, HEAD, PATCH, DELETE");
  Reply health = Call("DELETE", "/healthz", "", "");
  ExpectProblem(health, 405, "method_not_allowed");
  EXPECT_EQ(health.header("allow"), "GET, HEAD");

  // Path parameters: {ref} is an id or a code in any case; a fixed segment
  // is a route of its own.
  Reply by_id = Call("GET", "/v1/customers/" + id);
  ASSERT_EQ(by_id.status, 200) << by_id.body;
  EXPECT_EQ(by_id.header("etag"), "\"1\"");
  EXPECT_EQ(Call("GET", "/v1/customers/cust-00001").json().at("id").as_string(), id);
  EXPECT_EQ(Call("GET", "/v1/customers/CUST-00001/history").status, 200);
  Reply other = Call("GET", "/v1/customers/CUST-00002");
  ExpectProblem(other, 404, "customer_not_found");
  EXPECT_NE(other.json().at("detail").as_string().find("CUST-00002"), std::string::npos);
  Reply csv = Call("GET", "/v1/customers/export.csv");
  EXPECT_EQ(csv.status, 200);
  EXPECT_EQ(csv.header("content-type"), "text/csv; charset=utf-8");
  Reply module = Call("PUT", "/v1/settings/modules/customer_credits", R"({"enabled":false})");
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
    Reply r = Call(c.method, path, c.body, c.token, c.headers);
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
  if (auto at = out.find("{node}"); at != std::string::npos) out.replace(at, 6, "s01");
  if (auto at = out.find("{file}"); at != std::string::npos) out.replace(at, 6, "app.js");
  return out;
}

// The permissions each route needs, as api/service.h lists them; any one of
// a route's permissions lets a principal in.
TEST_F(ServiceTest, EachRouteNeedsThePermissionsItsContractLists) {
  using Names = std::set<std::string>;
  const std::map<std::string, Names> listed = {
      {"GET /healthz", {}},
      {"GET /readyz", {}},
      {"GET /metrics", {}},
      {"GET /v1/openapi.json", {}},
      {"GET /", {}},
      {"GET /console/{file}", {}},
      {"POST /v1/customers", {"customers.create"}},
      {"GET /v1/customers", {"customers.view"}},
      {"GET /v1/customers/export.csv", {"customers.view"}},
      {"POST /v1/customers/imports", {"customers.manage"}},
      {"GET /v1/customers/imports/{id}", {"customers.manage"}},
      {"POST /v1/customers/imports/{id}/confirm", {"customers.manage"}},
      {"GET /v1/customers/{ref}", {"customers.view"}},
      {"PATCH /v1/customers/{ref}", {"customers.edit"}},
      {"PUT /v1/customers/{ref}/consent", {"customers.edit"}},
      {"GET /v1/customers/{ref}/personal-data", {"customers.export_personal"}},
      {"DELETE /v1/customers/{ref}", {"customers.manage"}},
      {"POST /v1/customers/{ref}/deactivate", {"customers.manage"}},
      {"POST /v1/customers/{ref}/reactivate", {"customers.manage"}},
      {"POST /v1/customers/{ref}/erase", {"customers.erase"}},
      {"POST /v1/customers/{ref}/purchases", {"customers.edit"}},
      {"POST /v1/customers/{ref}/refunds", {"customers.edit"}},
      {"POST /v1/customers/{ref}/points/redeem", {"customers.manage_loyalty"}},
      {"POST /v1/customers/{ref}/points/adjust", {"customers.manage_loyalty"}},
      {"POST /v1/customers/{ref}/credit/top-up", {"customers.manage_credit"}},
      {"POST /v1/customers/{ref}/credit/deduct", {"customers.manage_credit"}},
      {"POST /v1/customers/{ref}/credit/adjust", {"customers.manage_credit"}},
      {"POST /v1/customers/{ref}/merge", {"customers.manage"}},
      {"POST /v1/batch",
       {"customers.edit", "customers.manage", "customers.manage_loyalty",
        "customers.manage_credit"}},
      {"GET /v1/customers/duplicates", {"customers.view"}},
      {"GET /v1/customers/{ref}/history", {"customers.manage_loyalty", "customers.manage_credit"}},
      {"GET /v1/customers/{ref}/audit", {"audit.read"}},
      {"GET /v1/settings", {"customers.view", "settings.manage"}},
      {"PUT /v1/settings/loyalty-program", {"settings.manage"}},
      {"PUT /v1/settings/modules/{module}", {"settings.manage"}},
      {"GET /v1/events", {"audit.read", "sync"}},
      {"GET /v1/sync/identity", {"sync", "nodes.manage"}},
      {"GET /v1/sync/chain-key", {"sync"}},
      {"GET /v1/sync/status", {"sync", "nodes.manage", "audit.read"}},
      {"GET /v1/sync/holdings", {"sync", "nodes.manage", "audit.read"}},
      {"POST /v1/sync/holdings", {"sync"}},
      {"GET /v1/sync/origins/{origin}/events", {"sync", "audit.read"}},
      {"GET /v1/nodes", {"sync", "nodes.manage"}},
      {"POST /v1/nodes", {"nodes.manage"}},
      {"POST /v1/nodes/{node}/revoke", {"nodes.manage"}},
      {"POST /v1/admin/backups", {"backups.create"}},
      {"GET /v1/reports/{report}", {"reports.view"}},
      {"POST /v1/session", {}},
      {"GET /v1/session", {}},
      {"DELETE /v1/session", {}},
      {"PUT /v1/principals/{name}/password", {"principals.manage"}},
  };
  std::map<std::string, Names> served;
  for (const auto& route : service_->Routes()) {
    Names& names = served[route.method + " " + route.pattern];
    for (api::Permission p : route.any_of) names.emplace(api::PermissionName(p));
  }
  EXPECT_EQ(served, listed);

  const std::string ref(Create("Ada", "Lovelace").at("code").as_string());
  for (const auto& route : service_->Routes()) {
    for (api::Permission p : route.any_of) {
      const std::string token = "only-" + std::string(api::PermissionName(p));
      SCOPED_TRACE(route.method + " " + route.pattern + " as " + token);
      Reply r = Call(route.method, PathFor(route.pattern, ref), "{}", token);
      EXPECT_NE(r.status, 401) << r.body;
      EXPECT_NE(r.status, 403) << r.body;
    }
  }
}

TEST_F(ServiceTest, EveryRouteRefusesEachMissingPermissionAndBadTokens) {
  const std::string ref(Create("Ada", "Lovelace").at("code").as_string());
  const std::uint64_t head = Head();
  int checked_403 = 0, checked_401 = 0;
  for (const auto& route : service_->Routes()) {
    const std::string path = PathFor(route.pattern, ref);
    SCOPED_TRACE(route.method + " " + path);
    if (route.any_of.empty()) {
      // Signing in needs a name and a password, and who is signed in a
      // session (tests/api/session_test.cc): no token either way.
      if (route.pattern == "/v1/session" && route.method != "DELETE") continue;
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

TEST_F(ServiceTest, PointsAndCreditAreAbsentForThoseWhoMayNotSeeThem) {
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

struct BadCase {
  const char* name;
  const char* method;
  std::string path;  // "{id}": an existing customer
  std::string body;
  int status;
  const char* reason;
};

TEST_F(ServiceTest, BadInputGetsAClearProblemAndChangesNothing) {
  const std::string id(Create("Ada", "Lovelace").at("id").as_string());
  ASSERT_EQ(
      Call("POST", "/v1/customers/" + id + "/credit/top-up", R"({"amount":500,"payment_ref":"p0"})")
          .status,
      200);
  std::string deep = std::string(40, '[') + std::string(40, ']');
  const std::vector<BadCase> cases = {
      {"invalid JSON", "POST", "/v1/customers", R"({"first_name":"Ada",)", 400, "invalid_json"},
      {"empty body", "POST", "/v1/customers", "", 400, "invalid_json"},
      {"not an object", "POST", "/v1/customers", R"(["Ada"])", 400, "not_an_object"},
      {"invalid UTF-8", "POST", "/v1/customers",
       "{\"first_name\":\"\xff\xfe\",\"last_name\":\"X\"}", 400, "invalid_utf8"},
      {"deep nesting", "POST", "/v1/customers", R"({"first_name":)" + deep + "}", 400, "too_deep"},
      {"wrong type", "POST", "/v1/customers", R"({"first_name":1,"last_name":"X"})", 422,
       "wrong_type"},
      {"missing required", "POST", "/v1/customers", R"({"first_name":"Ada"})", 422, "required"},
      {"blank required", "POST", "/v1/customers", R"({"first_name":"  ","last_name":"X"})", 422,
       "required"},
      {"unknown field", "POST", "/v1/customers", R"({"first_name":"A","last_name":"B","shoe":1})",
       422, "unknown_field"},
      {"bad email", "POST", "/v1/customers", R"({"first_name":"A","last_name":"B","email":"nope"})",
       422, "invalid_email"},
      {"negative amount", "POST", "/v1/customers/{id}/credit/top-up",
       R"({"amount":-5,"payment_ref":"p1"})", 422, "not_positive"},
      {"zero amount", "POST", "/v1/customers/{id}/credit/deduct", R"({"amount":0})", 422,
       "not_positive"},
      {"huge amount", "POST", "/v1/customers/{id}/credit/top-up",
       R"({"amount":99999999999999999,"payment_ref":"p2"})", 422, "too_large"},
      {"overflowing amount", "POST", "/v1/customers/{id}/purchases",
       R"({"tab_id":"t","amount":99999999999999999999999})", 422, "too_large"},
      {"fractional amount", "POST", "/v1/customers/{id}/credit/top-up",
       R"({"amount":12.5,"payment_ref":"p3"})", 422, "wrong_type"},
      {"amount as text", "POST", "/v1/customers/{id}/credit/top-up",
       R"({"amount":"12","payment_ref":"p4"})", 422, "wrong_type"},
      {"beyond the balance", "POST", "/v1/customers/{id}/credit/deduct", R"({"amount":501})", 409,
       "insufficient_credit"},
      {"bad time", "POST", "/v1/customers/{id}/purchases",
       R"({"tab_id":"t","amount":5,"paid_at":"soon"})", 422, "invalid_time"},
      {"unknown customer id", "POST",
       "/v1/customers/0b8a7c1e-4f3d-4c2a-9e1f-2d3c4b5a6978/credit/deduct", R"({"amount":1})", 404,
       "customer_not_found"},
      {"unknown code", "GET", "/v1/customers/CUST-99999", "", 404, "customer_not_found"},
      {"bad sort", "GET", "/v1/customers?sort=shoe_size", "", 422, "invalid_value"},
      {"bad limit", "GET", "/v1/customers?limit=0", "", 422, "invalid_limit"},
      {"unknown route", "GET", "/v1/shoes", "", 404, "no_such_route"},
      {"wrong method", "PUT", "/v1/customers", "{}", 405, "method_not_allowed"},
      {"empty patch", "PATCH", "/v1/customers/{id}", "{}", 422, "empty_patch"},
      {"bad module", "PUT", "/v1/settings/modules/shoes", R"({"enabled":true})", 404,
       "no_such_module"},
      {"bad program", "PUT", "/v1/settings/loyalty-program",
       R"({"points":-1,"per_amount":100,"rounding":"floor"})", 422, "out_of_range"},
  };
  const std::uint64_t head = Head();
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.name);
    std::string path = c.path;
    if (auto at = path.find("{id}"); at != std::string::npos) path.replace(at, 4, id);
    Reply r = Call(c.method, path, c.body);
    EXPECT_EQ(r.status, c.status) << r.body;
    EXPECT_EQ(r.reason(), c.reason) << r.body;
    EXPECT_EQ(r.header("content-type"), "application/problem+json");
    auto json = r.json();
    ASSERT_TRUE(json.is_object()) << r.body;
    EXPECT_TRUE(json.as_object().contains("type"));
    EXPECT_TRUE(json.as_object().contains("title"));
    EXPECT_FALSE(json.at("detail").as_string().empty());
    EXPECT_EQ(Head(), head) << "the log did not move";
  }
}

TEST_F(ServiceTest, AStaleIfMatchIsRefusedWith412) {
  const std::string id(Create("Ada", "Lovelace").at("id").as_string());
  ASSERT_EQ(Call("PATCH", "/v1/customers/" + id, R"({"email":"a@example.com"})", "admin",
                 {{"If-Match", "\"1\""}})
                .status,
            200);
  const std::uint64_t head = Head();
  Reply stale = Call("PATCH", "/v1/customers/" + id, R"({"email":"b@example.com"})", "admin",
                     {{"If-Match", "\"1\""}});
  EXPECT_EQ(stale.status, 412) << stale.body;
  EXPECT_EQ(stale.reason(), "version_mismatch");
  EXPECT_EQ(Head(), head);
  Reply bad = Call("PATCH", "/v1/customers/" + id, R"({"email":"b@example.com"})", "admin",
                   {{"If-Match", "yesterday"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Call("GET", "/v1/customers/" + id).json().at("email").as_string(), "a@example.com");
}

TEST_F(ServiceTest, ImportsNeedCustomersManage) {
  const std::string file = "First Name,Last Name\nAda,Lovelace\n";
  for (const char* token : {"cashier", "viewer", "no-customers.manage"}) {
    Reply r = Call("POST", "/v1/customers/imports", file, token);
    EXPECT_EQ(r.status, 403) << token;
    EXPECT_EQ(r.reason(), "permission_denied");
  }
  EXPECT_EQ(Call("POST", "/v1/customers/imports", file, "").status, 401);
  Reply analysed = Call("POST", "/v1/customers/imports", file);
  ASSERT_EQ(analysed.status, 201);
  const std::string id(analysed.json().at("id").as_string());
  EXPECT_EQ(Call("POST", "/v1/customers/imports/" + id + "/confirm", "", "cashier").status, 403);
  EXPECT_EQ(Call("GET", "/v1/customers/imports/" + id, "", "cashier").status, 403);
  EXPECT_EQ(Head(), 0u);
}

TEST_F(ServiceTest, BadImportsGetSpecificErrors) {
  Reply mode = Call("POST", "/v1/customers/imports?mode=wipe", "First Name,Last Name\n");
  EXPECT_EQ(mode.status, 422);
  EXPECT_EQ(mode.reason(), "invalid_value");
  Reply header = Call("POST", "/v1/customers/imports", "Name,Mail\nAda,a@b.c\n");
  EXPECT_EQ(header.status, 422) << header.body;
  EXPECT_EQ(header.reason(), "invalid_header");
  Reply csv = Call("POST", "/v1/customers/imports", "First Name,Last \"Name\nA,B\n");
  EXPECT_EQ(csv.status, 422) << csv.body;
  EXPECT_EQ(csv.reason(), "invalid_csv");
  EXPECT_NE(csv.json().at("detail").as_string().find("line 1"), std::string::npos) << csv.body;
  Reply encoding = Call("POST", "/v1/customers/imports", "First Name,Last Name\nA,\x81\n");
  EXPECT_EQ(encoding.status, 422) << encoding.body;
  EXPECT_EQ(encoding.reason(), "invalid_encoding");
  // A malformed record is a row error; the records after it are analysed.
  Reply record = Call("POST", "/v1/customers/imports", "First Name,Last Name\nA,\"B\nC,D\n");
  ASSERT_EQ(record.status, 201) << record.body;
  EXPECT_EQ(record.json().at("errors").at(0).at("line"), 2);
  EXPECT_EQ(record.json().at("errors").at(0).at("reason"), "invalid_csv");
  EXPECT_EQ(record.json().at("counts").at("new"), 1);
  Reply rows = Call("POST", "/v1/customers/imports", "First Name,Last Name,Email\nA,B,nope\n");
  ASSERT_EQ(rows.status, 201);
  auto errors = rows.json().at("errors").as_array();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].at("line").as_int64(), 2);
  EXPECT_EQ(errors[0].at("column").as_string(), "Email");
  EXPECT_EQ(errors[0].at("reason").as_string(), "invalid_email");
  const std::string id(rows.json().at("id").as_string());
  Reply refused = Call("POST", "/v1/customers/imports/" + id + "/confirm");
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_EQ(refused.reason(), "import_has_errors");
  EXPECT_EQ(
      Call("POST", "/v1/customers/imports/00000000-0000-4000-8000-000000000000/confirm").status,
      404);
  EXPECT_EQ(Head(), 0u);
}

TEST_F(ServiceTest, AnIdempotencyKeyIsKeptForItsLifetimeByTheClock) {
  const std::string id(Create("Ada", "Lovelace").at("id").as_string());
  const std::string path = "/v1/customers/" + id + "/points/adjust";
  const std::string body = R"({"delta":5,"note":"goodwill"})";
  const std::string other_body = R"({"delta":6,"note":"goodwill"})";
  const std::map<std::string, std::string> key = {{"Idempotency-Key", "retry-1"}};
  const std::int64_t lifetime_ms = api::IdempotencyOptions{}.lifetime.count();
  auto points = [](const Reply& a) { return a.json().at("points").to_number<std::int64_t>(); };

  Reply first = Call("POST", path, body, "admin", key);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(points(first), 5);
  const std::uint64_t head = Head();

  clock_.Advance(lifetime_ms - 1);  // the key's last moments
  Reply replay = Call("POST", path, body, "admin", key);
  EXPECT_EQ(replay.status, 200);
  EXPECT_EQ(replay.body, first.body);
  EXPECT_EQ(replay.header("idempotent-replayed"), "true");
  EXPECT_EQ(Head(), head) << "the replay wrote nothing";
  Reply reused = Call("POST", path, other_body, "admin", key);
  ExpectProblem(reused, 422, "idempotency_key_reused");

  clock_.Advance(2);  // 1 ms past its lifetime: the same request runs again
  Reply again = Call("POST", path, body, "admin", key);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.header("idempotent-replayed"), "");
  EXPECT_EQ(points(again), 10);
  EXPECT_EQ(Head(), head + 1);

  clock_.Advance(lifetime_ms + 1);  // forgotten again: another body is a new request too
  Reply changed = Call("POST", path, other_body, "admin", key);
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(changed.header("idempotent-replayed"), "");
  EXPECT_EQ(points(changed), 16);
  EXPECT_EQ(Head(), head + 2);
}

}  // namespace
}  // namespace clientele::testing
