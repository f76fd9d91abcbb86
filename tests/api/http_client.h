// A small blocking HTTP/1.1 client for the API tests: real requests over
// loopback, one kept-alive connection, reconnecting when the server closes it.
#pragma once

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <cctype>
#include <map>
#include <optional>
#include <string>

#include "tests/api/reply.h"

namespace clientele::testing {

class HttpClient {
 public:
  explicit HttpClient(unsigned short port) : port_(port) {}
  unsigned short port() const { return port_; }

  Reply Call(const std::string& method, const std::string& target, const std::string& body = "",
             const std::map<std::string, std::string>& headers = {}) {
    namespace http = boost::beast::http;
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (!stream_ && !Connect()) return Reply{};
      http::request<http::string_body> req{http::string_to_verb(method), target, 11};
      req.set(http::field::host, "127.0.0.1");
      if (!body.empty()) req.set(http::field::content_type, "application/json");
      for (const auto& [name, value] : headers) req.set(name, value);
      req.body() = body;
      req.prepare_payload();
      boost::beast::error_code ec;
      http::write(*stream_, req, ec);
      http::response<http::string_body> res;
      if (!ec) http::read(*stream_, buffer_, res, ec);
      if (ec) {  // the server closed a kept-alive connection: once more on a new one
        stream_.reset();
        continue;
      }
      Reply r;
      r.status = static_cast<int>(res.result_int());
      for (const auto& f : res) {
        std::string name(f.name_string());
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        r.headers[name] = std::string(f.value());
      }
      r.body = res.body();
      if (!res.keep_alive()) stream_.reset();
      return r;
    }
    return Reply{};
  }

 private:
  bool Connect() {
    stream_.emplace(ioc_);
    boost::beast::error_code ec;
    stream_->socket().connect(
        boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port_), ec);
    buffer_.clear();
    if (ec) stream_.reset();
    return !ec;
  }

  unsigned short port_;
  boost::asio::io_context ioc_;
  std::optional<boost::beast::tcp_stream> stream_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace clientele::testing
