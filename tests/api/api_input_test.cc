// What only the transport refuses: bodies and headers over their limits, and a
// slow client, cut off without holding anyone else up. (Bad input the service
// refuses: tests/api/service_test.cc.)
#include <boost/asio.hpp>
#include <thread>

#include "tests/api/api_fixture.h"

namespace clientele::testing {
namespace {

TEST_F(ApiTest, OversizeBodiesAndHeadersAreRefused) {
  const std::uint64_t head = Head();
  std::string big = R"({"first_name":")" + std::string(2 << 20, 'a') + R"(","last_name":"X"})";
  Reply body = Call("POST", "/v1/customers", big);
  EXPECT_EQ(body.status, 413);
  EXPECT_EQ(body.reason(), "body_too_large");
  EXPECT_NE(body.body.find("http.max_body_bytes"), std::string::npos) << "names its setting";
  Reply header =
      Call("GET", "/v1/customers", "", "admin", {{"X-Padding", std::string(32 << 10, 'p')}});
  EXPECT_EQ(header.status, 431);
  EXPECT_EQ(header.reason(), "headers_too_large");
  EXPECT_NE(header.body.find("http.max_header_bytes"), std::string::npos);
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
