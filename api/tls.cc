#include "api/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>

namespace clientele::api {

namespace ssl = boost::asio::ssl;

namespace {

constexpr auto kTlsOptions = ssl::context::default_workarounds | ssl::context::no_sslv2 |
                             ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                             ssl::context::no_tlsv1_1 | ssl::context::single_dh_use;

Status BadFile(const std::string& setting, const std::string& file, const std::string& reason) {
  return Status::InvalidArgument(setting, "invalid_tls",
                                 setting + " '" + file + "' cannot be used: " + reason);
}

}  // namespace

std::string TlsReason(const boost::system::error_code& ec) {
  if (ec.category() == boost::asio::error::get_ssl_category()) {
    if (const char* reason = ERR_reason_error_string(static_cast<unsigned long>(ec.value()))) {
      return reason;
    }
  }
  if (ec == ssl::error::stream_truncated) return "the peer closed the connection mid-handshake";
  return ec.message();
}

Result<std::unique_ptr<ssl::context>> ServerTlsContext(const std::string& cert_file,
                                                       const std::string& key_file) {
  if (cert_file.empty()) {
    return Error(Status::InvalidArgument("http.tls_cert", "invalid_tls",
                                         "http.tls_cert must be set with http.tls_key"));
  }
  if (key_file.empty()) {
    return Error(Status::InvalidArgument("http.tls_key", "invalid_tls",
                                         "http.tls_key must be set with http.tls_cert"));
  }
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  ctx->set_options(kTlsOptions, ec);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  ERR_clear_error();
  ctx->use_certificate_chain_file(cert_file, ec);
  if (ec) return Error(BadFile("http.tls_cert", cert_file, TlsReason(ec)));
  ctx->use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec) return Error(BadFile("http.tls_key", key_file, TlsReason(ec)));
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    const unsigned long err = ERR_get_error();
    const char* reason = err != 0 ? ERR_reason_error_string(err) : nullptr;
    return Error(BadFile("http.tls_key", key_file,
                         std::string(reason != nullptr ? reason : "it does not match") +
                             " (the key is not http.tls_cert's)"));
  }
  return ctx;
}

Result<std::unique_ptr<ssl::context>> ClientTlsContext(const std::string& ca_file,
                                                       const std::string& setting) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  ctx->set_options(kTlsOptions, ec);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  ctx->set_verify_mode(ssl::verify_peer, ec);
  if (ca_file.empty()) {
    ctx->set_default_verify_paths(ec);
  } else {
    ctx->load_verify_file(ca_file, ec);
    if (ec) return Error(BadFile(setting, ca_file, TlsReason(ec)));
  }
  return ctx;
}

bool VerifyHostName(void* native, const std::string& host) {
  SSL* ssl = static_cast<SSL*>(native);
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  const bool is_address = !ec;
  // SNI carries names only (RFC 6066 3).
  if (!is_address && SSL_set_tlsext_host_name(ssl, host.c_str()) != 1) return false;
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (is_address) return X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1;
  return X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size()) == 1;
}

}  // namespace clientele::api
