// Signing in (api/session_routes.cc): passwords, sessions in a cookie, the
// CSRF check of cookie-authenticated writes, the limit on failed sign-ins,
// and the password route. The service reads a principals file in the test's
// folder (every test principal of tests/api/test_principals.h, plus "clerk"
// and "ada" with passwords) and the fixture's ManualClock.
#include <boost/json.hpp>
#include <fstream>

#include "api/openapi_document.h"
#include "api/passwords.h"
#include "tests/api/service_fixture.h"

namespace clientele::testing {
namespace {

constexpr std::string_view kClerkPassword = "correct horse battery staple";
constexpr std::string_view kAdaPassword = "analytical engine 1843";

// Hashing costs ~0.1 s: each password is hashed once for all the tests.
const std::string& ClerkHash() {
  static const std::string hash = *api::HashPassword(kClerkPassword);
  return hash;
}
const std::string& AdaHash() {
  static const std::string hash = *api::HashPassword(kAdaPassword);
  return hash;
}

std::string SignInBody(std::string_view name, std::string_view password) {
  return boost::json::serialize(boost::json::object{{"name", name}, {"password", password}});
}

// The cookie's value in a Set-Cookie header ("" if none).
std::string CookieOf(const Reply& r) {
  const std::string set = r.header("set-cookie");
  const std::string prefix = "clientele_session=";
  if (!set.starts_with(prefix)) return "";
  return set.substr(prefix.size(), set.find(';') - prefix.size());
}

class SessionTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    file_ = dir_.sub("principals.json");
    WritePrincipals(true);
    service_ = NewSessionService({}, {});
  }

  // The principals file: the test principals, "clerk" (customers.view and
  // manage_credit, password kClerkPassword) and, if `with_ada`, "ada"
  // (customers.view, kAdaPassword).
  void WritePrincipals(bool with_ada,
                       std::uint32_t clerk_permissions = api::kView | api::kManageCredit) {
    boost::json::array list;
    for (const auto& e : TestPrincipals()) {
      boost::json::array perms;
      for (const auto& n : api::PermissionNames(e.principal.permissions)) perms.emplace_back(n);
      list.push_back(boost::json::object{{"name", e.principal.name},
                                         {"token_sha256", e.token_sha256},
                                         {"permissions", std::move(perms)},
                                         {"node", e.principal.node}});
    }
    boost::json::array clerk_perms;
    for (const auto& n : api::PermissionNames(clerk_permissions)) clerk_perms.emplace_back(n);
    list.push_back(boost::json::object{{"name", "clerk"},
                                       {"password_argon2id", ClerkHash()},
                                       {"permissions", std::move(clerk_perms)},
                                       {"node", "*"}});
    if (with_ada) {
      list.push_back(boost::json::object{{"name", "ada"},
                                         {"password_argon2id", AdaHash()},
                                         {"permissions", boost::json::array{"customers.view"}}});
    }
    std::ofstream(file_) << boost::json::serialize(boost::json::object{{"principals", list}});
  }

  std::unique_ptr<api::Service> NewSessionService(api::SessionOptions sessions,
                                                  api::LockoutOptions lockout) {
    auto auth = api::Authenticator::Load(file_);
    EXPECT_TRUE(auth) << auth.error().ToString();
    api::ServiceOptions options;
    options.imports = imports_.get();
    options.key = key_.get();
    options.principals_file = file_;
    options.sessions = sessions;
    options.lockout = lockout;
    return std::make_unique<api::Service>(options, store_.get(), commands_.get(), projector_.get(),
                                          std::move(*auth), &clock_);
  }

  // A request from the client address `peer`, with `headers` as they are.
  Reply Send(const std::string& method, const std::string& target, const std::string& body = "",
             std::map<std::string, std::string> headers = {},
             const std::string& peer = "192.0.2.7") {
    api::HttpRequest request;
    request.method = method;
    EXPECT_TRUE(api::ParseTarget(target, &request.path, &request.query));
    for (const auto& [name, value] : headers) request.headers[Lower(name)] = value;
    if (!body.empty()) request.headers["content-type"] = "application/json";
    request.body = body;
    request.peer = peer;
    request.request_id = "session-" + std::to_string(++requests_);
    api::HttpResponse r = service_->Handle(request);
    Reply a;
    a.status = r.status;
    for (const auto& [name, value] : r.headers) a.headers[Lower(name)] = value;
    a.body = r.body;
    return a;
  }

  Reply SignIn(std::string_view name, std::string_view password,
               const std::string& peer = "192.0.2.7") {
    return Send("POST", "/v1/session", SignInBody(name, password), {}, peer);
  }

  struct Signed {
    std::string cookie;  // "clientele_session=..."
    std::string csrf;
  };
  // Signs in as clerk (or `name`); fails the test if it does not work.
  Signed SignedIn(std::string_view name = "clerk", std::string_view password = kClerkPassword) {
    Reply r = SignIn(name, password);
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) return {};
    return {"clientele_session=" + CookieOf(r), std::string(r.json().at("csrf_token").as_string())};
  }

  Reply WithCookie(const Signed& s, const std::string& method, const std::string& target,
                   const std::string& body = "", std::map<std::string, std::string> headers = {}) {
    headers["Cookie"] = "theme=dark; " + s.cookie;
    return Send(method, target, body, headers);
  }

  std::string ReadFile() {
    std::ifstream in(file_);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

  std::string file_;
};

TEST_F(SessionTest, SignInGivesACookieThatAuthenticatesUntilSignOut) {
  Reply in = SignIn("clerk", kClerkPassword);
  ASSERT_EQ(in.status, 200) << in.body;
  const auto body = in.json().as_object();
  EXPECT_EQ(body.at("principal"), "clerk");
  EXPECT_EQ(body.at("node"), "hq");
  EXPECT_EQ(body.at("permissions"),
            (boost::json::array{"customers.view", "customers.manage_credit"}));
  const std::string csrf(body.at("csrf_token").as_string());
  EXPECT_EQ(csrf.size(), 43u) << "256 random bits, base64url";
  const std::string cookie = CookieOf(in);
  EXPECT_EQ(cookie.size(), 43u);
  EXPECT_NE(cookie, csrf);
  EXPECT_EQ(in.header("set-cookie"),
            "clientele_session=" + cookie + "; Path=/; HttpOnly; SameSite=Strict")
      << "no Secure over plain HTTP";
  EXPECT_EQ(in.header("cache-control"), "no-store");

  const Signed s{"clientele_session=" + cookie, csrf};
  Reply who = WithCookie(s, "GET", "/v1/session");
  ASSERT_EQ(who.status, 200) << who.body;
  EXPECT_EQ(who.json(), in.json()) << "the same body, csrf_token included";
  EXPECT_EQ(WithCookie(s, "GET", "/v1/customers").status, 200);
  Reply denied = WithCookie(s, "GET", "/v1/customers/x/audit");
  EXPECT_EQ(denied.status, 403) << "the session has the principal's permissions, no more";
  EXPECT_EQ(denied.reason(), "permission_denied");

  Reply out = WithCookie(s, "DELETE", "/v1/session", "", {{"X-CSRF-Token", csrf}});
  EXPECT_EQ(out.status, 204) << out.body;
  EXPECT_EQ(out.header("set-cookie"),
            "clientele_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
  Reply gone = WithCookie(s, "GET", "/v1/session");
  EXPECT_EQ(gone.status, 401);
  EXPECT_EQ(gone.reason(), "not_signed_in");
  Reply table = WithCookie(s, "GET", "/v1/customers");
  EXPECT_EQ(table.status, 401) << "the session ended on the server, not only in the browser";
  EXPECT_EQ(table.reason(), "not_signed_in");
  EXPECT_EQ(Send("GET", "/v1/session").reason(), "not_signed_in") << "no cookie at all";
  EXPECT_EQ(Send("DELETE", "/v1/session").status, 204) << "signing out twice is fine";
}

TEST_F(SessionTest, AWrongPasswordAndAnUnknownNameGetTheSameAnswer) {
  Reply wrong = SignIn("clerk", "not the password at all");
  Reply unknown = SignIn("nobody-of-that-name", "not the password at all");
  Reply token_only = SignIn("viewer", "not the password at all");
  for (const Reply* r : {&wrong, &unknown, &token_only}) {
    EXPECT_EQ(r->status, 401) << r->body;
    EXPECT_EQ(r->reason(), "invalid_credentials");
    EXPECT_EQ(r->header("set-cookie"), "");
  }
  EXPECT_EQ(wrong.body, unknown.body);
  EXPECT_EQ(wrong.body, token_only.body);
  Reply missing = Send("POST", "/v1/session", R"({"name":"clerk"})");
  EXPECT_EQ(missing.status, 422) << missing.body;
}

TEST_F(SessionTest, FiveFailuresLockTheNameThenRetryAfter) {
  for (int i = 0; i < 5; ++i) {
    Reply r = SignIn("clerk", "guess number " + std::to_string(i));
    EXPECT_EQ(r.status, 401) << "failure " << i + 1;
  }
  Reply locked = SignIn("clerk", kClerkPassword);
  EXPECT_EQ(locked.status, 429) << "locked, the right password too";
  EXPECT_EQ(locked.reason(), "too_many_attempts");
  EXPECT_EQ(locked.header("retry-after"), "900");
  EXPECT_EQ(SignIn("clerk", kClerkPassword, "198.51.100.1").status, 429)
      << "the name is locked, from any address";
  EXPECT_EQ(SignIn("ada", kAdaPassword).status, 200) << "another name is not";
  // Unknown names are locked alike: a lock tells nothing of who exists.
  for (int i = 0; i < 5; ++i) SignIn("ghost", "guess number " + std::to_string(i));
  EXPECT_EQ(SignIn("ghost", "whatever it may be").status, 429);

  clock_.Advance(10 * 60 * 1000);
  Reply later = SignIn("clerk", kClerkPassword);
  EXPECT_EQ(later.status, 429);
  EXPECT_EQ(later.header("retry-after"), "300");
  clock_.Advance(5 * 60 * 1000);
  EXPECT_EQ(SignIn("clerk", kClerkPassword).status, 200) << "15 minutes on";
}

TEST_F(SessionTest, ASuccessClearsTheNamesFailures) {
  for (int i = 0; i < 4; ++i) EXPECT_EQ(SignIn("clerk", "wrong " + std::to_string(i)).status, 401);
  EXPECT_EQ(SignIn("clerk", kClerkPassword).status, 200);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(SignIn("clerk", "wrong " + std::to_string(i)).status, 401);
  EXPECT_EQ(SignIn("clerk", kClerkPassword).status, 200) << "8 failures, never 5 in a row";
  // Failures older than the window do not count.
  for (int i = 0; i < 4; ++i) SignIn("ada", "wrong " + std::to_string(i));
  clock_.Advance(16 * 60 * 1000);
  EXPECT_EQ(SignIn("ada", "wrong again").status, 401);
  EXPECT_EQ(SignIn("ada", kAdaPassword).status, 200);
}

TEST_F(SessionTest, FailuresFromOneAddressLockThatAddress) {
  service_ = NewSessionService({}, {.name_failures = 5, .address_failures = 3});
  const std::string attacker = "203.0.113.9";
  for (const char* name : {"u1", "u2", "u3"}) {
    EXPECT_EQ(SignIn(name, "some password", attacker).status, 401);
  }
  Reply locked = SignIn("clerk", kClerkPassword, attacker);
  EXPECT_EQ(locked.status, 429);
  EXPECT_EQ(locked.reason(), "too_many_attempts");
  EXPECT_FALSE(locked.header("retry-after").empty());
  EXPECT_EQ(SignIn("clerk", kClerkPassword, "192.0.2.200").status, 200)
      << "other addresses are not locked";
}

TEST_F(SessionTest, ACookieWriteNeedsTheCsrfTokenAndChangesNothingWithout) {
  const std::string id(Create("Ada", "Lovelace").at("id").as_string());
  const Signed s = SignedIn();
  const std::string path = "/v1/customers/" + id + "/credit/top-up";
  const std::string body = R"({"amount":500,"payment_ref":"pay-1"})";
  const std::uint64_t head = Head();
  Reply none = WithCookie(s, "POST", path, body);
  EXPECT_EQ(none.status, 403) << none.body;
  EXPECT_EQ(none.reason(), "csrf_token_invalid");
  Reply wrong = WithCookie(s, "POST", path, body, {{"X-CSRF-Token", s.csrf + "x"}});
  EXPECT_EQ(wrong.status, 403);
  EXPECT_EQ(wrong.reason(), "csrf_token_invalid");
  Reply other = WithCookie(s, "POST", path, body, {{"X-CSRF-Token", SignedIn().csrf}});
  EXPECT_EQ(other.reason(), "csrf_token_invalid") << "another session's token";
  Reply empty = WithCookie(s, "POST", path, body, {{"X-CSRF-Token", ""}});
  EXPECT_EQ(empty.reason(), "csrf_token_invalid");
  // The admission of a request's head (before its body is read) refuses too.
  api::HttpRequest head_only;
  head_only.method = "POST";
  head_only.path = path;
  head_only.headers = {{"cookie", s.cookie}, {"content-length", "40"}};
  auto admitted = service_->Admit(head_only);
  ASSERT_TRUE(admitted.has_value());
  EXPECT_EQ(admitted->status, 403);
  EXPECT_EQ(Head(), head) << "nothing was written";
  EXPECT_EQ(WithCookie(s, "DELETE", "/v1/session").reason(), "csrf_token_invalid")
      << "signing out is a write too";
  EXPECT_EQ(WithCookie(s, "GET", "/v1/session").status, 200) << "still signed in";

  Reply right = WithCookie(s, "POST", path, body, {{"X-CSRF-Token", s.csrf}});
  EXPECT_EQ(right.status, 200) << right.body;
  EXPECT_EQ(right.json().at("credit"), 500);
  EXPECT_EQ(Head(), head + 1);
}

// Every write route of the API (from its OpenAPI document), sent with a valid
// session of a principal allowed everything: without the CSRF token it is
// refused and nothing is written; without a session, likewise.
TEST_F(SessionTest, NoWriteRouteChangesAnythingWithoutTheSessionAndItsCsrfToken) {
  WritePrincipals(false, api::kAllPermissions);
  service_ = NewSessionService({}, {});
  const std::string id(Create("Ada", "Lovelace").at("id").as_string());
  const Signed s = SignedIn();
  auto doc = boost::json::parse(api::OpenApiDocument()).as_object();
  int writes = 0;
  for (const auto& [pattern, operations] : doc.at("paths").as_object()) {
    for (const auto& [method_lower, operation] : operations.as_object()) {
      std::string method(method_lower);
      for (char& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (method == "GET" || method == "HEAD" || method == "PARAMETERS") continue;
      std::string path(pattern);
      if (path == "/v1/session" && method == "POST") continue;  // signing in: no session yet
      for (const auto& [param, value] : {std::pair{std::string_view("{ref}"), id},
                                         {"{name}", std::string("clerk")},
                                         {"{module}", std::string("credit")},
                                         {"{id}", std::string("i-1")},
                                         {"{node}", std::string("s01")},
                                         {"{origin}", std::string("s01")},
                                         {"{report}", std::string("liability")}}) {
        if (auto at = path.find(param); at != std::string::npos)
          path.replace(at, param.size(), value);
      }
      SCOPED_TRACE(method + " " + path);
      ++writes;
      const std::uint64_t head = Head();
      const std::string body = R"({"amount":500,"payment_ref":"p","note":"n","reason":"r"})";
      Reply no_token = WithCookie(s, method, path, body);
      EXPECT_EQ(no_token.status, 403) << no_token.body;
      EXPECT_EQ(no_token.reason(), "csrf_token_invalid");
      Reply forged = Send(method, path, body,
                          {{"Cookie", "clientele_session=forged"}, {"X-CSRF-Token", s.csrf}});
      // Signing out of a session that does not exist ends nothing: 204.
      EXPECT_EQ(forged.status, path == "/v1/session" ? 204 : 401) << forged.body;
      EXPECT_EQ(Head(), head) << "nothing was written";
    }
  }
  EXPECT_GT(writes, 20) << "the document lists the write routes";
  EXPECT_EQ(WithCookie(s, "GET", "/v1/customers/" + id).json().at("credit"), 0);
  EXPECT_EQ(WithCookie(s, "GET", "/v1/session").status, 200) << "still signed in";
}

TEST_F(SessionTest, BearerTokensWorkAsBeforeAndCountOverACookie) {
  const Signed s = SignedIn();  // clerk: no customers.create
  Reply bearer = Send("POST", "/v1/customers", R"({"first_name":"Bo","last_name":"Li"})",
                      {{"Authorization", "Bearer admin"}, {"Cookie", s.cookie}});
  EXPECT_EQ(bearer.status, 201) << "the bearer token counts, no CSRF needed: " << bearer.body;
  Reply as_clerk = WithCookie(s, "POST", "/v1/customers", R"({"first_name":"Cy","last_name":"Li"})",
                              {{"X-CSRF-Token", s.csrf}});
  EXPECT_EQ(as_clerk.status, 403) << "the cookie alone is the clerk's";
  EXPECT_EQ(as_clerk.reason(), "permission_denied");
  Reply bad =
      Send("GET", "/v1/customers", "", {{"Authorization", "Bearer nope"}, {"Cookie", s.cookie}});
  EXPECT_EQ(bad.status, 401) << "a bad bearer token is not saved by a good cookie";
  EXPECT_EQ(bad.reason(), "invalid_token");
  EXPECT_EQ(Send("GET", "/v1/customers", "", {{"Cookie", "clientele_session=forged"}}).reason(),
            "not_signed_in");
  EXPECT_EQ(Send("GET", "/v1/customers").reason(), "missing_token");
}

TEST_F(SessionTest, ASessionEndsWhenIdleAndAtItsAbsoluteLimit) {
  const Signed idle = SignedIn();
  clock_.Advance(29 * 60 * 1000);
  EXPECT_EQ(WithCookie(idle, "GET", "/v1/customers").status, 200);
  clock_.Advance(29 * 60 * 1000);
  EXPECT_EQ(WithCookie(idle, "GET", "/v1/session").status, 200) << "each use moves the idle limit";
  clock_.Advance(30 * 60 * 1000);
  EXPECT_EQ(WithCookie(idle, "GET", "/v1/session").reason(), "not_signed_in") << "30 minutes idle";

  const Signed busy = SignedIn();
  for (int minutes = 20; minutes < 12 * 60; minutes += 20) {
    clock_.Advance(20 * 60 * 1000);
    ASSERT_EQ(WithCookie(busy, "GET", "/v1/session").status, 200) << minutes << " minutes on";
  }
  clock_.Advance(20 * 60 * 1000);
  EXPECT_EQ(WithCookie(busy, "GET", "/v1/session").reason(), "not_signed_in")
      << "12 hours after signing in, however busy";

  service_ =
      NewSessionService({.idle = std::chrono::minutes(5), .max_age = std::chrono::hours(1)}, {});
  const Signed short_idle = SignedIn();
  clock_.Advance(5 * 60 * 1000);
  EXPECT_EQ(WithCookie(short_idle, "GET", "/v1/session").status, 401) << "configured: 5 minutes";
}

TEST_F(SessionTest, ARemovedOrChangedPrincipalTakesEffectAtOnce) {
  const Signed clerk = SignedIn();
  const Signed ada = SignedIn("ada", kAdaPassword);
  WritePrincipals(/*with_ada=*/false, api::kView);  // as on SIGHUP: ada gone, the clerk demoted
  service_->SetPrincipals(*api::Authenticator::Load(file_));
  EXPECT_EQ(WithCookie(ada, "GET", "/v1/customers").reason(), "not_signed_in");
  EXPECT_EQ(WithCookie(ada, "GET", "/v1/session").status, 401);
  Reply who = WithCookie(clerk, "GET", "/v1/session");
  ASSERT_EQ(who.status, 200);
  EXPECT_EQ(who.json().at("permissions"), boost::json::array{"customers.view"});
  const std::string id(Create("Ada", "Lovelace").at("id").as_string());
  Reply top_up =
      WithCookie(clerk, "POST", "/v1/customers/" + id + "/credit/top-up",
                 R"({"amount":500,"payment_ref":"pay-1"})", {{"X-CSRF-Token", clerk.csrf}});
  EXPECT_EQ(top_up.status, 403);
  EXPECT_EQ(top_up.reason(), "permission_denied");
}

TEST_F(SessionTest, ThePasswordRouteSetsAHashAndEndsTheOldSessions) {
  const Signed before = SignedIn();
  const std::string new_password = "a much better passphrase";
  const std::string body = boost::json::serialize(boost::json::object{{"password", new_password}});
  Reply set = Call("PUT", "/v1/principals/clerk/password", body, "only-principals.manage",
                   {{"Content-Type", "application/json"}});
  ASSERT_EQ(set.status, 204) << set.body;
  EXPECT_EQ(SignIn("clerk", kClerkPassword).status, 401) << "the old password is gone";
  EXPECT_EQ(SignIn("clerk", new_password).status, 200);
  EXPECT_EQ(WithCookie(before, "GET", "/v1/session").status, 401) << "its old sessions end";
  const std::string text = ReadFile();
  EXPECT_EQ(text.find(new_password), std::string::npos) << "only a hash is stored";
  EXPECT_NE(text.find("\"$argon2id$"), std::string::npos);
  EXPECT_NE(text.find(api::HashToken("admin")), std::string::npos) << "the rest is kept";

  // A token-only principal gets a password and can sign in; its token still works.
  ASSERT_EQ(Call("PUT", "/v1/principals/viewer/password", body).status, 204);
  EXPECT_EQ(SignIn("viewer", new_password).status, 200);
  EXPECT_EQ(Call("GET", "/v1/customers", "", "viewer").status, 200);

  // A principal changing its own password through the console stays signed in.
  ASSERT_EQ(Call("PUT", "/v1/principals/admin/password", body).status, 204);
  const Signed admin = SignedIn("admin", new_password);
  const Signed admin_elsewhere = SignedIn("admin", new_password);
  const std::string newer =
      boost::json::serialize(boost::json::object{{"password", "the newest passphrase"}});
  Reply own = WithCookie(admin, "PUT", "/v1/principals/admin/password", newer,
                         {{"X-CSRF-Token", admin.csrf}, {"Content-Type", "application/json"}});
  ASSERT_EQ(own.status, 204) << own.body;
  EXPECT_EQ(WithCookie(admin, "GET", "/v1/session").status, 200);
  EXPECT_EQ(WithCookie(admin_elsewhere, "GET", "/v1/session").status, 401);
}

TEST_F(SessionTest, ThePasswordRouteRefusesBadPasswordsNamesAndCallers) {
  auto put = [&](const std::string& name, const std::string& password, const std::string& token) {
    return Call("PUT", "/v1/principals/" + name + "/password",
                boost::json::serialize(boost::json::object{{"password", password}}), token,
                {{"Content-Type", "application/json"}});
  };
  const std::string before = ReadFile();
  Reply denied = put("clerk", "a long enough password", "no-principals.manage");
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.reason(), "permission_denied");
  EXPECT_EQ(put("clerk", "a long enough password", "").reason(), "missing_token");
  Reply short_one = put("clerk", "elevenchars", "admin");
  EXPECT_EQ(short_one.status, 422);
  EXPECT_EQ(short_one.reason(), "password_too_short");
  EXPECT_EQ(short_one.json().at("errors").at(0).at("field"), "password");
  Reply long_one = put("clerk", std::string(1025, 'x'), "admin");
  EXPECT_EQ(long_one.status, 422);
  EXPECT_EQ(long_one.json().at("errors").at(0).at("reason"), "password_too_long");
  Reply unknown = put("nobody", "a long enough password", "admin");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.reason(), "principal_not_found");
  Reply no_body = Call("PUT", "/v1/principals/clerk/password", R"({"pass":"x"})", "admin",
                       {{"Content-Type", "application/json"}});
  EXPECT_EQ(no_body.status, 422);
  EXPECT_EQ(ReadFile(), before) << "no refusal touched the file";
  EXPECT_EQ(SignIn("clerk", kClerkPassword).status, 200);

  EXPECT_EQ(put("clerk", "twelve chars", "admin").status, 204) << "12 is enough";
  EXPECT_EQ(put("clerk", "ünïcödé wörd", "admin").status, 204) << "characters, not bytes";
  EXPECT_EQ(SignIn("clerk", "ünïcödé wörd").status, 200);
}

TEST_F(SessionTest, APrincipalOfAnotherNodeCannotSignInHere) {
  const std::string body =
      boost::json::serialize(boost::json::object{{"password", "store s01 passphrase"}});
  ASSERT_EQ(Call("PUT", "/v1/principals/store/password", body, "admin",
                 {{"Content-Type", "application/json"}})
                .status,
            204);
  Reply r = SignIn("store", "store s01 passphrase");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.reason(), "wrong_node");
  EXPECT_EQ(r.header("set-cookie"), "");
}

TEST_F(SessionTest, SessionsAreBoundedAndKeptOnlyAsHashes) {
  service_ = NewSessionService({.max_sessions = 2}, {});
  const Signed first = SignedIn();
  const Signed second = SignedIn();
  clock_.Advance(1000);
  EXPECT_EQ(WithCookie(first, "GET", "/v1/session").status, 200);  // second is now the oldest used
  const Signed third = SignedIn();
  EXPECT_EQ(WithCookie(second, "GET", "/v1/session").status, 401) << "the least recently used went";
  EXPECT_EQ(WithCookie(first, "GET", "/v1/session").status, 200);
  EXPECT_EQ(WithCookie(third, "GET", "/v1/session").status, 200);

  Reply metrics = Call("GET", "/metrics", "", "");
  EXPECT_NE(metrics.body.find("\nclientele_sessions 2\n"), std::string::npos) << metrics.body;

  api::Sessions sessions({}, &clock_);
  auto begun = sessions.Begin("clerk", ClerkHash());
  EXPECT_EQ(api::Sessions::Key(begun.id), api::HashToken(begun.id));
  EXPECT_TRUE(sessions.Use(begun.id).has_value());
  EXPECT_FALSE(sessions.Use(api::Sessions::Key(begun.id)).has_value())
      << "what the server keeps does not open the session";
}

}  // namespace
}  // namespace clientele::testing
