// The HTTP/1.1 server (Boost.Beast on Asio), plain or over TLS: keep-alive, a deadline on every
// read and write, limits on header and body size, and a graceful stop.
//
// Requests are read on a few network threads (one per core) and answered on
// a pool of worker threads, because answering a write waits for the log's
// fsync: many requests in flight let the log group their syncs. Large
// uploads go to files (spool_to) and large answers are sent as they are made
// (HttpResponse::stream), so neither is ever held whole in memory.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "api/http.h"
#include "domain/status.h"

namespace clientele::api {

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8080;  // 0: any free port (see HttpServer::port)
  int network_threads = 0;    // 0: one per core
  int worker_threads = 64;
  std::size_t max_body_bytes = 1 << 20;
  std::size_t max_header_bytes = 16 << 10;
  std::chrono::milliseconds read_timeout{10000};   // a whole request, headers and body
  std::chrono::milliseconds write_timeout{10000};  // a whole response
  std::chrono::milliseconds idle_timeout{60000};   // between requests on a kept-alive connection
  // Uploads: for a request whose head (method, path, query, headers; no body)
  // makes this return a path, the body is written to that file, up to
  // max_spooled_bytes and within upload_timeout, and the handler gets it as
  // HttpRequest::body_file.
  std::function<std::string(const HttpRequest&)> spool_to;
  std::uint64_t max_spooled_bytes = 1ull << 30;  // one upload
  std::chrono::milliseconds upload_timeout{600000};
  // Uploads arriving at once, and the bytes they may bring together (each
  // counted at its Content-Length, or max_spooled_bytes if chunked): beyond
  // either, an upload is refused (503 too_many_uploads) before its body is read.
  int max_uploads = 4;
  std::uint64_t max_upload_spool_bytes = 4ull << 30;
  // Open connections; the next one is answered 503 too_many_connections and
  // closed at once.
  int max_connections = 1024;
  // Called with a request's head (no body) before its body is read: an
  // answer refuses it (the body is then never read into memory); nullopt
  // lets it be read and handled.
  std::function<std::optional<HttpResponse>(const HttpRequest&)> admit;
  // Called with the name of a limit (api/metrics.h Metrics::kLimits) each
  // time a request is refused at it.
  std::function<void(std::string_view)> on_limit;
  // Requests for which this returns true are answered on the network thread
  // that read them, saving two thread hops: only for answers that never
  // block (in-memory reads).
  std::function<bool(const HttpRequest&)> answer_inline;
  // HTTPS: the certificate chain and its private key (PEM files). Both empty:
  // plain HTTP. Set, every connection on the port must be TLS 1.2 or newer;
  // a connection beyond max_connections is closed without an answer.
  std::string tls_cert_file;
  std::string tls_key_file;
};

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  // Binds and starts serving. Unavailable if the address cannot be bound;
  // InvalidArgument naming http.tls_cert or http.tls_key (with OpenSSL's
  // reason) if the TLS certificate or key cannot be used.
  static Result<std::unique_ptr<HttpServer>> Start(const ServerOptions& options, Handler handler);
  // Stops (as Stop) if still running. Stop throws only if a thread or a mutex
  // is broken, a bug: terminating then is right.
  ~HttpServer();  // NOLINT(bugprone-exception-escape)

  std::uint16_t port() const;
  // Stops accepting, lets requests in progress finish (up to `grace`), closes
  // every connection and joins the threads. Idempotent.
  void Stop(std::chrono::milliseconds grace = std::chrono::milliseconds(10000));

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace clientele::api
