// The session cookie over real HTTP and HTTPS on loopback: its flags as a
// browser receives them (Secure only over HTTPS), and the cookie then
// authenticating requests on the same connection.
#include <boost/json.hpp>

#include "api/passwords.h"
#include "tests/api/api_fixture.h"
#include "tests/test_tls.h"

namespace clientele::testing {
namespace {

constexpr std::string_view kPassword = "correct horse battery staple";

class SessionHttpTest : public ApiTest {
 protected:
  // Gives the principal "clerk" (customers.view) a password.
  void AddClerk() {
    static const std::string hash = *api::HashPassword(kPassword);
    auto entries = TestPrincipals();
    entries.push_back({"", api::Principal{"clerk", api::kView, "*"}, hash});
    service_->SetPrincipals(api::Authenticator(std::move(entries)));
  }

  // Signs in through `client`; checks the cookie's flags, then uses it.
  void SignInAndUse(HttpClient& client, bool secure) {
    Reply in = client.Call(
        "POST", "/v1/session",
        boost::json::serialize(boost::json::object{{"name", "clerk"}, {"password", kPassword}}));
    ASSERT_EQ(in.status, 200) << in.body;
    const std::string set = in.header("set-cookie");
    ASSERT_TRUE(set.starts_with("clientele_session=")) << set;
    const std::string cookie = set.substr(0, set.find(';'));
    EXPECT_EQ(set, cookie + "; Path=/; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : ""));
    const std::string csrf(in.json().at("csrf_token").as_string());
    Reply who = client.Call("GET", "/v1/session", "", {{"Cookie", cookie}});
    EXPECT_EQ(who.status, 200) << who.body;
    EXPECT_EQ(who.json().at("principal"), "clerk");
    EXPECT_EQ(client.Call("GET", "/v1/customers", "", {{"Cookie", cookie}}).status, 200);
    Reply no_csrf = client.Call("POST", "/v1/customers", R"({"first_name":"A","last_name":"B"})",
                                {{"Cookie", cookie}});
    EXPECT_EQ(no_csrf.status, 403);
    EXPECT_EQ(no_csrf.reason(), "csrf_token_invalid");
    Reply out =
        client.Call("DELETE", "/v1/session", "", {{"Cookie", cookie}, {"X-CSRF-Token", csrf}});
    EXPECT_EQ(out.status, 204);
    EXPECT_EQ(out.header("set-cookie"), std::string("clientele_session=; Path=/; Max-Age=0; "
                                                    "HttpOnly; SameSite=Strict") +
                                            (secure ? "; Secure" : ""));
    EXPECT_EQ(client.Call("GET", "/v1/session", "", {{"Cookie", cookie}}).status, 401);
  }
};

TEST_F(SessionHttpTest, OverHttpTheCookieIsHttpOnlyAndStrictButNotSecure) {
  AddClerk();
  SignInAndUse(*client_, /*secure=*/false);
}

TEST_F(SessionHttpTest, OverHttpsTheCookieIsSecure) {
  TempDir certs_dir;
  const TestCertificates certs = MakeTestCertificates(certs_dir.path());
  Shutdown();
  api::ServerOptions options;
  options.tls_cert_file = certs.server_cert;
  options.tls_key_file = certs.server_key;
  Boot(options);
  AddClerk();
  HttpClient https(server_->port(), certs.ca);
  SignInAndUse(https, /*secure=*/true);
}

// The console uploads a customer file with its session: a file larger than a
// request body is written to disk like a token's, and only with the CSRF token.
TEST_F(SessionHttpTest, ASignedInUploadLargerThanABodyIsSpooledToDisk) {
  static const std::string hash = *api::HashPassword(kPassword);
  auto entries = TestPrincipals();
  entries.push_back({"", api::Principal{"manager", api::kView | api::kManage, "*"}, hash});
  service_->SetPrincipals(api::Authenticator(std::move(entries)));
  Reply in = client_->Call(
      "POST", "/v1/session",
      boost::json::serialize(boost::json::object{{"name", "manager"}, {"password", kPassword}}));
  ASSERT_EQ(in.status, 200) << in.body;
  const std::string set = in.header("set-cookie");
  const std::string cookie = set.substr(0, set.find(';'));
  const std::string csrf(in.json().at("csrf_token").as_string());
  std::string file = "First Name,Last Name,Email\r\n";
  for (int i = 0; file.size() < (std::size_t{1} << 21); ++i) {
    file += "First" + std::to_string(i) + ",Last,\"p" + std::to_string(i) + "@example.com\"\r\n";
  }
  const std::map<std::string, std::string> csv{{"Cookie", cookie}, {"Content-Type", "text/csv"}};
  Reply no_csrf = client_->Call("POST", "/v1/customers/imports", file, csv);
  EXPECT_EQ(no_csrf.status, 403) << no_csrf.body;
  auto with_csrf = csv;
  with_csrf["X-CSRF-Token"] = csrf;
  Reply r = client_->Call("POST", "/v1/customers/imports", file, with_csrf);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json().at("file").at("bytes").as_int64(), static_cast<std::int64_t>(file.size()));
  EXPECT_GT(r.json().at("counts").at("new").as_int64(), 30000);
}

// The lockout counts failures by client address: the server tells the
// service where each request came from.
TEST(HttpServerPeer, ARequestCarriesTheClientsAddress) {
  api::ServerOptions options;
  options.port = 0;
  auto server = api::HttpServer::Start(options, [](const api::HttpRequest& r) {
    api::HttpResponse answer;
    answer.content_type = "text/plain";
    answer.body = r.peer + (r.secure ? " https" : " http");
    return answer;
  });
  ASSERT_TRUE(server) << server.error().ToString();
  HttpClient client((*server)->port());
  EXPECT_EQ(client.Call("GET", "/anything").body, "127.0.0.1 http");
  (*server)->Stop();
}

}  // namespace
}  // namespace clientele::testing
