// Bad input of every kind gets a clear 4xx problem and writes nothing; a
// slow client is cut off without holding anyone else up.
#include <boost/asio.hpp>
#include <thread>

#include "tests/api/api_fixture.h"

namespace clientele::testing {
namespace {

struct BadCase {
  const char* name;
  const char* method;
  std::string path;  // "{id}": an existing customer
  std::string body;
  int status;
  const char* reason;
};

TEST_F(ApiTest, BadInputGetsAClearProblemAndChangesNothing) {
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

TEST_F(ApiTest, OversizeBodiesAndHeadersAreRefused) {
  const std::uint64_t head = Head();
  std::string big = R"({"first_name":")" + std::string(2 << 20, 'a') + R"(","last_name":"X"})";
  Reply body = Call("POST", "/v1/customers", big);
  EXPECT_EQ(body.status, 413);
  EXPECT_EQ(body.reason(), "body_too_large");
  Reply header =
      Call("GET", "/v1/customers", "", "admin", {{"X-Padding", std::string(32 << 10, 'p')}});
  EXPECT_EQ(header.status, 431);
  EXPECT_EQ(header.reason(), "headers_too_large");
  EXPECT_EQ(Head(), head);
  EXPECT_EQ(Call("GET", "/healthz", "", "").status, 200) << "the server is fine afterwards";
}

TEST_F(ApiTest, ASlowClientIsCutOffWithoutHoldingUpOthers) {
  Shutdown();
  api::ServerOptions options;
  options.read_timeout = std::chrono::milliseconds(1500);
  Boot(options);
  const std::uint64_t head = Head();
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket slow(ioc);
  slow.connect({boost::asio::ip::make_address("127.0.0.1"), server_->port()});
  const std::string request =
      "POST /v1/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer admin\r\n"
      "Content-Length: 40\r\n\r\n{\"first_name\":\"A\",\"last_name\":\"B\"}    ";
  std::thread dribble([&] {  // one byte every 200 ms: the request would take 40 s
    for (char c : request) {
      boost::system::error_code ec;
      boost::asio::write(slow, boost::asio::buffer(&c, 1), ec);
      if (ec) return;
      // Not a wait: this slowness is what the server's read deadline must cut off.
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  });
  // Meanwhile others are served at once.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Call("GET", "/healthz", "", "").status, 200);
  // The slow one is answered 408 and closed once its time is up.
  std::string answer;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  boost::system::error_code ec;
  char buf[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    const std::size_t n = slow.read_some(boost::asio::buffer(buf), ec);
    answer.append(buf, n);
    if (ec) break;
  }
  dribble.join();
  slow.close();
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 408")) << answer;
  EXPECT_NE(answer.find("request_timeout"), std::string::npos);
  EXPECT_EQ(Head(), head);
}

}  // namespace
}  // namespace clientele::testing
