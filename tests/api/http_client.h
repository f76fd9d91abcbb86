// A small blocking HTTP/1.1 client for the API tests: real requests over
// loopback, one kept-alive connection, reconnecting when the server closes it.
// With a CA file it speaks HTTPS, verifying the server against that CA.
#pragma once

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <cctype>
#include <map>
#include <optional>
#include <string>

#include "tests/api/reply.h"

namespace clientele::testing {

class HttpClient {
 public:
  explicit HttpClient(unsigned short port, std::string tls_ca = "")
      : port_(port), tls_ca_(std::move(tls_ca)) {
    if (!tls_ca_.empty()) {
      tls_.emplace(boost::asio::ssl::context::tls_client);
      tls_->set_verify_mode(boost::asio::ssl::verify_peer);
      tls_->load_verify_file(tls_ca_);
    }
  }
  unsigned short port() const { return port_; }

  Reply Call(const std::string& method, const std::string& target, const std::string& body = "",
             const std::map<std::string, std::string>& headers = {}) {
    namespace http = boost::beast::http;
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (!stream_ && !tls_stream_ && !Connect()) return Reply{};
      http::request<http::string_body> req{http::string_to_verb(method), target, 11};
      req.set(http::field::host, "127.0.0.1");
      if (!body.empty()) req.set(http::field::content_type, "application/json");
      for (const auto& [name, value] : headers) req.set(name, value);
      req.body() = body;
      req.prepare_payload();
      boost::beast::error_code ec;
      http::response<http::string_body> res;
      auto round_trip = [&](auto& stream) {
        http::write(stream, req, ec);
        if (!ec) http::read(stream, buffer_, res, ec);
      };
      if (tls_stream_) {
        round_trip(*tls_stream_);
      } else {
        round_trip(*stream_);
      }
      if (ec) {  // the server closed a kept-alive connection: once more on a new one
        stream_.reset();
        tls_stream_.reset();
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
      if (!res.keep_alive()) stream_.reset(), tls_stream_.reset();
      return r;
    }
    return Reply{};
  }

 private:
  bool Connect() {
    const boost::asio::ip::tcp::endpoint to(boost::asio::ip::make_address("127.0.0.1"), port_);
    boost::beast::error_code ec;
    buffer_.clear();
    if (tls_) {
      tls_stream_.emplace(ioc_, *tls_);
      boost::beast::get_lowest_layer(*tls_stream_).socket().connect(to, ec);
      if (!ec) tls_stream_->handshake(boost::asio::ssl::stream_base::client, ec);
      if (ec) tls_stream_.reset();
      return !ec;
    }
    stream_.emplace(ioc_);
    stream_->socket().connect(to, ec);
    if (ec) stream_.reset();
    return !ec;
  }

  unsigned short port_;
  boost::asio::io_context ioc_;
  std::optional<boost::beast::tcp_stream> stream_;
  std::string tls_ca_;
  std::optional<boost::asio::ssl::context> tls_;
  std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> tls_stream_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace clientele::testing
