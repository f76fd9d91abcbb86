// TLS contexts (OpenSSL through Boost.Asio) for the HTTPS server and for the
// clients that call a node over https://. Both speak TLS 1.2 or newer only.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "domain/status.h"

namespace clientele::api {

// A server context with the certificate chain (PEM) at `cert_file` and its
// private key (PEM, unencrypted) at `key_file`. InvalidArgument naming the
// setting (http.tls_cert or http.tls_key) and OpenSSL's reason when a file is
// missing or unreadable, is not PEM, or the key does not match the
// certificate, or when only one of the two is given.
Result<std::unique_ptr<boost::asio::ssl::context>> ServerTlsContext(const std::string& cert_file,
                                                                    const std::string& key_file);

// A client context that verifies the peer's certificate chain against the CA
// certificates (PEM) in `ca_file`, or the system's default trust store when
// `ca_file` is empty. The host name is checked per connection (see
// VerifyHostName). InvalidArgument naming `setting` if `ca_file` cannot be
// loaded.
Result<std::unique_ptr<boost::asio::ssl::context>> ClientTlsContext(const std::string& ca_file,
                                                                    const std::string& setting);

// Prepares the client side of a TLS connection (`ssl`, OpenSSL's SSL*) to
// `host`: SNI (for a name, not an address) and a check that the certificate
// names `host` (subjectAltName DNS or IP). False if OpenSSL refuses.
bool VerifyHostName(void* ssl, const std::string& host);

// The reason a TLS call failed, in words: OpenSSL's reason without its
// library's internals ("certificate verify failed", "wrong version number").
std::string TlsReason(const boost::system::error_code& ec);

}  // namespace clientele::api
