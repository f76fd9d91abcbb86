// A node under hostile traffic stays within its limits: more connections
// than it may hold are refused at once, made-up methods fold into one metric
// value, oversize bodies are refused before they are read, and all the while
// legitimate requests are answered; its memory and /metrics stay bounded.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <cstdio>
#include <fstream>
#include <regex>
#include <thread>

#include "tests/api/http_client.h"
#include "tests/cli/serve_process.h"

namespace clientele::testing {
namespace {

namespace asio = boost::asio;

// Reads what the server sends on `socket` until it closes or `wait` passes.
std::string ReadAll(asio::ip::tcp::socket& socket, std::chrono::milliseconds wait) {
  socket.non_blocking(true);
  std::string out;
  char buf[4096];
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < deadline) {
    boost::system::error_code ec;
    const std::size_t n = socket.read_some(asio::buffer(buf), ec);
    if (ec == asio::error::would_block) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      continue;
    }
    out.append(buf, n);
    if (ec) break;
  }
  return out;
}

std::uint64_t LimitHits(HttpClient& client, const std::string& limit) {
  const std::string text = client.Call("GET", "/metrics").body;
  std::smatch m;
  const std::regex re("clientele_limit_hits_total\\{limit=\"" + limit + "\"\\} (\\d+)");
  return std::regex_search(text, m, re) ? std::stoull(m[1].str()) : 0;
}

TEST(LimitsProcess, HostileTrafficIsRefusedWithinBoundsWhileRealRequestsAreAnswered) {
  TempDir dir;
  {
    std::ofstream config(dir.sub("clientele.toml"));
    config << "[http]\nmax_connections = 64\nmax_body_bytes = 65536\nread_timeout_ms = 5000\n";
  }
  ServeProcess node(dir.sub("data"), {"--config", dir.sub("clientele.toml")});
  std::string token;
  std::ifstream(dir.sub("data/first-token")) >> token;
  const std::string auth = "Bearer " + token;
  HttpClient client(node.port());
  auto legit = [&](int i) {
    Reply r = client.Call("POST", "/v1/customers",
                          R"({"first_name":"Real","last_name":"N)" + std::to_string(i) + "\"}",
                          {{"Authorization", auth}});
    EXPECT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(client.Call("GET", "/healthz").status, 200);
  };
  for (int i = 0; i < 20; ++i) legit(i);
  const std::size_t rss_before = node.RssBytes();
  const std::size_t metrics_before = client.Call("GET", "/metrics").body.size();
  ASSERT_GT(rss_before, 0u);

  // 1. Three times the connections the node may hold, all left idle.
  asio::io_context ioc;
  std::vector<asio::ip::tcp::socket> held;
  int refused = 0;
  for (int i = 0; i < 192; ++i) {
    held.emplace_back(ioc);
    held.back().connect({asio::ip::make_address("127.0.0.1"), node.port()});
  }
  for (auto& socket : held) {
    const std::string answer = ReadAll(socket, std::chrono::milliseconds(20));
    if (answer.find("too_many_connections") != std::string::npos) ++refused;
  }
  // The test's own client holds one more connection.
  EXPECT_GE(refused, 192 - 64);
  EXPECT_LE(refused, 192 - 63 + 1);
  held.clear();  // the idle ones go: the node has room again
  ASSERT_TRUE(Eventually([&] { return client.Call("GET", "/healthz").status == 200; },
                         std::chrono::seconds(10)));
  EXPECT_GE(LimitHits(client, "connections"), static_cast<std::uint64_t>(refused));

  // 2. Made-up methods and oversize bodies, between real requests.
  const std::string big(1 << 20, 'x');
  for (int i = 0; i < 400; ++i) {
    const std::string method = "M" + std::to_string(i * 7919) + "X";
    asio::ip::tcp::socket raw(ioc);
    raw.connect({asio::ip::make_address("127.0.0.1"), node.port()});
    asio::write(raw, asio::buffer(method + " /v1/customers HTTP/1.1\r\nHost: x\r\nAuthorization: " +
                                  auth + "\r\nConnection: close\r\n\r\n"));
    const std::string answer = ReadAll(raw, std::chrono::seconds(5));
    EXPECT_EQ(answer.substr(0, 12), "HTTP/1.1 405") << method;
    if (i % 20 == 0) {
      // Without a token: refused before the body is read.
      Reply anon = client.Call("POST", "/v1/customers", big);
      EXPECT_EQ(anon.status, 401) << anon.body;
      // With one, over http.max_body_bytes.
      Reply over = client.Call("POST", "/v1/customers", big, {{"Authorization", auth}});
      EXPECT_EQ(over.status, 413) << over.body;
      EXPECT_NE(over.body.find("http.max_body_bytes"), std::string::npos);
      legit(1000 + i);
    }
  }
  EXPECT_GE(LimitHits(client, "body_bytes"), 20u);
  const std::size_t metrics_after = client.Call("GET", "/metrics").body.size();
  const std::size_t rss_after = node.RssBytes();
  std::printf("connections refused: %d of 192; /metrics %zu -> %zu bytes; RSS %zu -> %zu KiB\n",
              refused, metrics_before, metrics_after, rss_before >> 10, rss_after >> 10);
  // Stated bounds: the made-up methods add one label value (OTHER) and the
  // new statuses a few series; memory grows by less than 64 MiB (the bodies
  // alone were 40 MiB).
  EXPECT_LT(metrics_after, metrics_before + 8192)
      << "from " << metrics_before << " to " << metrics_after << " bytes";
  EXPECT_LT(rss_after, rss_before + (64u << 20))
      << "from " << rss_before << " to " << rss_after << " bytes";
  Reply table =
      client.Call("GET", "/v1/customers?search=Real&limit=1", "", {{"Authorization", auth}});
  ASSERT_EQ(table.status, 200);
  EXPECT_EQ(table.json().at("total").to_number<int>(), 40) << "every real request was answered";
}

}  // namespace
}  // namespace clientele::testing
