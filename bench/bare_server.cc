// bare_server: the ceiling for the API benchmark. A minimal Beast HTTP/1.1
// server, one thread per core, keep-alive, answering every request with the
// same fixed JSON body of a given size. Nothing else: no routing, no auth,
// no storage.
//
//   bare_server --port P --body-bytes N [--threads T]
#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const std::string* body) : stream_(std::move(socket)), body_(body) {}
  void Read() {
    req_ = {};
    http::async_read(stream_, buffer_, req_,
                     beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

 private:
  void OnRead(beast::error_code ec, std::size_t) {
    if (ec) return;
    res_ = http::response<http::string_body>{http::status::ok, req_.version()};
    res_.set(http::field::content_type, "application/json");
    res_.keep_alive(req_.keep_alive());
    res_.body() = *body_;
    res_.prepare_payload();
    http::async_write(stream_, res_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (!ec && self->res_.keep_alive()) self->Read();
                      });
  }

  beast::tcp_stream stream_;
  const std::string* body_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
};

void Accept(tcp::acceptor& acceptor, asio::io_context& ioc, const std::string* body) {
  acceptor.async_accept(asio::make_strand(ioc),
                        [&acceptor, &ioc, body](beast::error_code ec, tcp::socket s) {
                          if (!ec) std::make_shared<Session>(std::move(s), body)->Read();
                          Accept(acceptor, ioc, body);
                        });
}

int main(int argc, char** argv) {
  CLI::App app{"A bare Beast server answering a fixed body"};
  unsigned short port = 8099;
  std::size_t body_bytes = 400;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  app.add_option("--port", port);
  app.add_option("--body-bytes", body_bytes);
  app.add_option("--threads", threads);
  CLI11_PARSE(app, argc, argv);
  std::string body =
      "{\"pad\":\"" + std::string(body_bytes > 11 ? body_bytes - 11 : 0, 'x') + "\"}";
  asio::io_context ioc{threads};
  tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), port});
  Accept(acceptor, ioc, &body);
  std::printf("bare_server on 127.0.0.1:%u, %zu-byte body, %d threads\n", port, body.size(),
              threads);
  std::fflush(stdout);
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([&] { ioc.run(); });
  ioc.run();
  return 0;
}
