#include "cli/node_client.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fstream>

#include "api/tls.h"

namespace clientele {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

// Reads a whole answer into a reply.
template <typename Stream>
NodeReply ReadWhole(Stream& stream) {
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(1ULL << 30);
  http::read(stream, buffer, parser);
  return NodeReply{static_cast<int>(parser.get().result_int()), std::move(parser.get().body())};
}

}  // namespace

NodeClient::NodeClient(const std::string& base_url, std::string token,
                       std::chrono::seconds deadline, std::string tls_ca)
    : token_(std::move(token)), deadline_(deadline), tls_ca_(std::move(tls_ca)) {
  tls_ = base_url.starts_with("https://");
  std::string hostport =
      base_url.substr(base_url.find("://") == std::string::npos ? 0 : base_url.find("://") + 3);
  if (const std::size_t slash = hostport.find('/'); slash != std::string::npos) {
    hostport.resize(slash);
  }
  const std::size_t colon = hostport.rfind(':');
  host_ = colon == std::string::npos ? hostport : hostport.substr(0, colon);
  port_ = colon == std::string::npos ? (tls_ ? "443" : "80") : hostport.substr(colon + 1);
}

template <typename Stream, typename Exchange>
NodeReply NodeClient::Exchanged(Stream& stream, Exchange& exchange) {
  auto request = [&](http::verb verb, const std::string& target) {
    http::request<http::empty_body> req(verb, target, 11);
    req.set(http::field::host, host_);
    req.set(http::field::authorization, "Bearer " + token_);
    return req;
  };
  return exchange(stream, request);
}

template <typename Exchange>
Result<NodeReply> NodeClient::Connected(Exchange exchange) {
  const std::string where = "cannot reach the node at " + host_ + ":" + port_ + ": ";
  try {
    boost::asio::io_context io;
    tcp::resolver resolver(io);
    if (!tls_) {
      beast::tcp_stream stream(io);
      if (deadline_.count() > 0) stream.expires_after(deadline_);
      stream.connect(resolver.resolve(host_, port_));
      NodeReply reply = Exchanged(stream, exchange);
      beast::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
      return reply;
    }
    auto ctx = api::ClientTlsContext(tls_ca_, "tls_ca");
    if (!ctx) return Error(ctx.error());
    beast::ssl_stream<beast::tcp_stream> stream(io, **ctx);
    beast::tcp_stream& tcp = beast::get_lowest_layer(stream);
    if (deadline_.count() > 0) tcp.expires_after(deadline_);
    tcp.connect(resolver.resolve(host_, port_));
    if (!api::VerifyHostName(stream.native_handle(), host_)) {
      return Error(Status::Unavailable(where + "cannot check the certificate against " + host_));
    }
    beast::error_code ec;
    stream.handshake(boost::asio::ssl::stream_base::client, ec);
    if (ec) {
      std::string reason = api::TlsReason(ec);
      const long verify = SSL_get_verify_result(stream.native_handle());
      if (verify != X509_V_OK) {
        reason += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
      }
      return Error(Status::Unavailable(where + reason));
    }
    NodeReply reply = Exchanged(stream, exchange);
    stream.shutdown(ec);  // close_notify; the node's answer to it does not matter
    return reply;
  } catch (const boost::system::system_error& e) {
    // The error in words ("Connection refused"), not the library's source location.
    return Error(Status::Unavailable(where + api::TlsReason(e.code())));
  } catch (const std::exception& e) {
    return Error(Status::Unavailable(where + e.what()));
  }
}

Result<NodeReply> NodeClient::Get(const std::string& target) {
  return Connected([&](auto& stream, auto request) {
    http::write(stream, request(http::verb::get, target));
    return ReadWhole(stream);
  });
}

Result<NodeReply> NodeClient::Post(const std::string& target, const std::string& json) {
  return Connected([&](auto& stream, auto request) {
    auto req = request(http::verb::post, target);
    if (json.empty()) {
      req.content_length(0);
      http::write(stream, req);
    } else {
      http::request<http::string_body> with_body(req.base(), json);
      with_body.set(http::field::content_type, "application/json");
      with_body.prepare_payload();
      http::write(stream, with_body);
    }
    return ReadWhole(stream);
  });
}

Result<NodeReply> NodeClient::Upload(const std::string& target, const std::string& path,
                                     const std::function<void(std::string_view)>& sent) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return Error(Status::InvalidArgument("file", "unreadable_file", "cannot read " + path));
  const auto size = static_cast<std::uint64_t>(in.tellg());
  in.seekg(0);
  return Connected([&](auto& stream, auto request) {
    auto req = request(http::verb::post, target);
    req.set(http::field::content_type, "text/csv");
    req.content_length(size);
    http::request_serializer<http::empty_body> head(req);
    http::write_header(stream, head);
    std::string block(1 << 18, '\0');
    while (in) {
      in.read(block.data(), static_cast<std::streamsize>(block.size()));
      const auto n = static_cast<std::size_t>(in.gcount());
      if (n == 0) break;
      boost::asio::write(stream, boost::asio::buffer(block.data(), n));
      if (sent) sent(std::string_view(block.data(), n));
    }
    return ReadWhole(stream);
  });
}

Result<NodeReply> NodeClient::Download(const std::string& target,
                                       const std::function<void(std::string_view)>& sink) {
  return Connected([&](auto& stream, auto request) {
    http::write(stream, request(http::verb::get, target));
    beast::flat_buffer buffer;
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(boost::none);
    http::read_header(stream, buffer, parser);
    NodeReply reply{static_cast<int>(parser.get().result_int()), ""};
    std::string piece(1 << 16, '\0');
    while (!parser.is_done()) {
      parser.get().body().data = piece.data();
      parser.get().body().size = piece.size();
      beast::error_code ec;
      http::read(stream, buffer, parser, ec);
      if (ec && ec != http::error::need_buffer) throw beast::system_error(ec);
      const std::size_t n = piece.size() - parser.get().body().size;
      if (reply.status == 200) {
        sink(std::string_view(piece.data(), n));
      } else {
        reply.body.append(piece.data(), n);
      }
    }
    return reply;
  });
}

}  // namespace clientele
