// HTTP and JSON as the RFCs say, over a real socket: HEAD wherever GET is
// served, a Date on every answer, Host required on HTTP/1.1, chunked the only
// transfer coding, strong If-Match, JSON without duplicate keys or foreign
// numbers, and answers that stay valid UTF-8 JSON whatever the target held.
#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <regex>

#include "tests/api/api_fixture.h"

namespace clientele::testing {
namespace {

class HttpRulesTest : public ApiTest {
 protected:
  // Sends `request` as is on a connection of its own and reads until the
  // server closes it (or 10 s pass).
  std::string Raw(const std::string& request) {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::socket socket(ioc);
    socket.connect({boost::asio::ip::make_address("127.0.0.1"), server_->port()});
    boost::asio::write(socket, boost::asio::buffer(request));
    std::string answer;
    char buf[4096];
    boost::system::error_code ec;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!ec && std::chrono::steady_clock::now() < deadline) {
      const std::size_t n = socket.read_some(boost::asio::buffer(buf), ec);
      answer.append(buf, n);
    }
    return answer;
  }
  static int Status(const std::string& answer) {
    return answer.size() > 12 ? std::stoi(answer.substr(9, 3)) : 0;
  }
  static std::string Body(const std::string& answer) {
    const std::size_t end = answer.find("\r\n\r\n");
    return end == std::string::npos ? "" : answer.substr(end + 4);
  }
  static std::string Header(const std::string& answer, const std::string& name) {
    std::smatch m;
    const std::regex re("\r\n" + name + ": ([^\r]*)\r\n", std::regex::icase);
    const std::string head = answer.substr(0, answer.find("\r\n\r\n") + 2);
    return std::regex_search(head, m, re) ? m[1].str() : "";
  }
};

TEST_F(HttpRulesTest, HeadAnswersLikeGetWithoutTheBody) {
  const std::string ref(Create("Ada", "Lovelace").at("code").as_string());
  for (const std::string& target :
       std::vector<std::string>{"/healthz", "/v1/customers/" + ref, "/v1/customers"}) {
    const std::string get = Raw("GET " + target +
                                " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer admin\r\n"
                                "Connection: close\r\n\r\n");
    const std::string head = Raw("HEAD " + target +
                                 " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer admin\r\n"
                                 "Connection: close\r\n\r\n");
    EXPECT_EQ(Status(head), 200) << head;
    EXPECT_EQ(Body(head), "") << target;
    EXPECT_EQ(Header(head, "Content-Length"), std::to_string(Body(get).size())) << target;
    EXPECT_EQ(Header(head, "ETag"), Header(get, "ETag")) << target;
  }
  // A streamed answer (the export) has no length ahead: its head alone.
  const std::string csv =
      Raw("HEAD /v1/customers/export.csv HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer admin\r\n"
          "Connection: close\r\n\r\n");
  EXPECT_EQ(Status(csv), 200);
  EXPECT_EQ(Body(csv), "");
  // 405 names HEAD among what a GET route allows.
  Reply wrong = Call("PUT", "/healthz");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.headers["allow"], "GET, HEAD");
}

TEST_F(HttpRulesTest, EveryAnswerHasADate) {
  const std::regex imf(R"([A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT)");
  for (const std::string& request :
       {std::string("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
        std::string("GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
        std::string("GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n")}) {
    const std::string answer = Raw(request);
    EXPECT_TRUE(std::regex_match(Header(answer, "Date"), imf)) << answer;
  }
}

TEST_F(HttpRulesTest, AnHttp11RequestWithoutHostIsRefused) {
  const std::uint64_t head = Head();
  const std::string answer =
      Raw("POST /v1/customers HTTP/1.1\r\nAuthorization: Bearer admin\r\nContent-Length: 34\r\n"
          "Connection: close\r\n\r\n{\"first_name\":\"A\",\"last_name\":\"B\"}");
  EXPECT_EQ(Status(answer), 400) << answer;
  EXPECT_NE(Body(answer).find("missing_host"), std::string::npos);
  EXPECT_EQ(Head(), head);
  // HTTP/1.0 has no Host requirement.
  EXPECT_EQ(Status(Raw("GET /healthz HTTP/1.0\r\n\r\n")), 200);
}

TEST_F(HttpRulesTest, ABodyInAnotherTransferCodingIsNotTakenAsPlain) {
  const std::uint64_t head = Head();
  const std::string answer =
      Raw("POST /v1/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer admin\r\n"
          "Transfer-Encoding: gzip\r\nContent-Type: application/json\r\n\r\n"
          "{\"first_name\":\"A\",\"last_name\":\"B\"}");
  EXPECT_EQ(Status(answer), 501) << answer;
  EXPECT_NE(Body(answer).find("unsupported_transfer_coding"), std::string::npos);
  EXPECT_EQ(Head(), head);
  // Chunked is fine.
  const std::string chunked =
      Raw("POST /v1/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer admin\r\n"
          "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
          "22\r\n{\"first_name\":\"A\",\"last_name\":\"B\"}\r\n0\r\n\r\n");
  EXPECT_EQ(Status(chunked), 201) << chunked;
}

TEST_F(HttpRulesTest, IfMatchComparesStrongly) {
  const std::string ref(Create("Ada", "Lovelace").at("code").as_string());
  const std::uint64_t head = Head();
  Reply weak = Call("PATCH", "/v1/customers/" + ref, R"({"email":"a@example.com"})", "admin",
                    {{"If-Match", "W/\"1\""}});
  EXPECT_EQ(weak.status, 412) << weak.body;
  EXPECT_EQ(weak.reason(), "weak_etag");
  EXPECT_EQ(Head(), head);
  Reply strong = Call("PATCH", "/v1/customers/" + ref, R"({"email":"a@example.com"})", "admin",
                      {{"If-Match", "\"1\""}});
  EXPECT_EQ(strong.status, 200) << strong.body;
}

TEST_F(HttpRulesTest, JsonWithDuplicateKeysOrForeignNumbersIsInvalid) {
  const std::string ref(Create("Ada", "Lovelace").at("code").as_string());
  const std::uint64_t head = Head();
  const std::string credit = "/v1/customers/" + ref + "/credit/top-up";
  struct Case {
    std::string body;
    int status;
    std::string reason;
  };
  const Case cases[] = {
      {R"({"first_name":"A","last_name":"B","first_name":"C"})", 400, "invalid_json"},
      {R"({"amount":100,"payment_ref":"p","amount":200})", 400, "invalid_json"},
      {R"({"amount":01,"payment_ref":"p"})", 400, "invalid_json"},
      {R"({"amount":0x10,"payment_ref":"p"})", 400, "invalid_json"},
      {R"({"amount":1.5.1,"payment_ref":"p"})", 400, "invalid_json"},
      {R"({"amount":99999999999999999999999,"payment_ref":"p"})", 422, "too_large"},
  };
  for (const Case& c : cases) {
    const bool create = c.body.find("first_name") != std::string::npos;
    Reply r = Call("POST", create ? "/v1/customers" : credit, c.body);
    EXPECT_EQ(r.status, c.status) << c.body << " -> " << r.body;
    EXPECT_EQ(r.reason(), c.reason) << c.body;
  }
  EXPECT_EQ(Head(), head);
}

TEST_F(HttpRulesTest, ATargetThatIsNotUtf8GetsValidJsonThatDoesNotEchoIt) {
  for (const char* target :
       {"/v1/customers/%FF%FE", "/v1/no%C3where%FF", "/v1/customers?search=%FF"}) {
    const std::string answer = Raw(std::string("GET ") + target +
                                   " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer admin\r\n"
                                   "Connection: close\r\n\r\n");
    EXPECT_EQ(Status(answer), 400) << target;
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(Body(answer), ec);
    ASSERT_FALSE(ec) << "not JSON: " << Body(answer);
    EXPECT_EQ(v.at("reason"), "invalid_utf8") << Body(answer);
  }
}

TEST_F(HttpRulesTest, ABodyDeclaredAsSomethingElseThanJsonIsRefused) {
  const std::uint64_t head = Head();
  const std::string body = R"({"first_name":"Ada","last_name":"Lovelace"})";
  for (const char* type :
       {"application/xml", "multipart/form-data; boundary=x", "application/json; charset=latin1",
        "text/plain", "application/x-www-form-urlencoded"}) {
    Reply r = Call("POST", "/v1/customers", body, "admin", {{"Content-Type", type}});
    EXPECT_EQ(r.status, 415) << type << ": " << r.body;
    EXPECT_EQ(r.reason(), "unsupported_media_type") << type;
  }
  EXPECT_EQ(Head(), head);
  for (const char* type : {"application/json", "Application/JSON; charset=\"UTF-8\"",
                           "application/merge-patch+json"}) {
    Reply r = Call("POST", "/v1/customers", body, "admin", {{"Content-Type", type}});
    EXPECT_EQ(r.status, 201) << type << ": " << r.body;
  }
  EXPECT_EQ(Call("POST", "/v1/customers", body).status, 201) << "no type: taken as JSON";
}

TEST_F(HttpRulesTest, MadeUpMethodsDoNotGrowTheMetrics) {
  const std::size_t before = Call("GET", "/metrics", "", "").body.size();
  for (int i = 0; i < 50; ++i) {
    const std::string method = "FROB" + std::string(1, static_cast<char>('A' + i % 26)) +
                               std::string(1, static_cast<char>('A' + i / 26));
    Raw(method + " /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  }
  const std::string after = Call("GET", "/metrics", "", "").body;
  EXPECT_EQ(after.find("FROB"), std::string::npos);
  EXPECT_NE(after.find(R"(method="OTHER")"), std::string::npos);
  EXPECT_LT(after.size(), before + 4096) << "one OTHER series, not fifty";
}

}  // namespace
}  // namespace clientele::testing
