#include "api/http_server.h"

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <type_traits>
#include <vector>

#include "api/problem.h"
#include "api/tls.h"

namespace clientele::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

using BeastRequest = http::request<http::string_body>;
using BeastResponse = http::response<http::string_body>;

// Now, as HTTP writes dates (RFC 9110 IMF-fixdate).
std::string HttpDate() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

std::string NextRequestId() {
  static std::atomic<std::uint64_t> counter{0};
  static const std::uint64_t boot =
      static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%08llx-%llu", static_cast<unsigned long long>(boot & 0xffffffff),
                static_cast<unsigned long long>(++counter));
  return buf;
}

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  ServerOptions options;
  Handler handler;
  asio::io_context ioc;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  tcp::acceptor acceptor{ioc};
  std::unique_ptr<asio::thread_pool> workers;
  std::vector<std::thread> threads;
  std::atomic<bool> stopping{false};
  std::atomic<bool> stopped{false};
  std::mutex busy_mu;
  std::condition_variable busy_cv;
  int busy = 0;  // requests being answered

  // HTTPS when set (ServerOptions::tls_cert_file): every connection is TLS.
  std::unique_ptr<asio::ssl::context> tls;

  // A connection, plain or TLS: what the server holds of it.
  struct Connection {
    virtual ~Connection() = default;
    virtual void Start() = 0;
    virtual void Refuse() = 0;
    virtual void Close() = 0;
  };
  template <class Stream>
  class Session;
  std::mutex sessions_mu;
  std::set<std::shared_ptr<Connection>> sessions;
  asio::steady_timer accept_retry{ioc};

  std::mutex uploads_mu;
  int uploads = 0;                 // arriving now
  std::uint64_t upload_bytes = 0;  // reserved by them

  void Accept();
  void LimitHit(std::string_view limit) {
    if (options.on_limit) options.on_limit(limit);
  }
};

// One connection's requests, one after the other. `Stream` is
// beast::tcp_stream (HTTP) or beast::ssl_stream<beast::tcp_stream> (HTTPS:
// the TLS handshake comes first, under the read deadline, and a closing
// connection says close_notify before its TCP shutdown).
template <class Stream>
class HttpServer::Impl::Session : public Connection,
                                  public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  template <class... StreamArgs>
  explicit Session(Impl* server, StreamArgs&&... stream_args)
      : server_(server),
        stream_(std::forward<StreamArgs>(stream_args)...),
        timer_(stream_.get_executor()) {}

  void Start() override {
    if constexpr (kTls) {
      Deadline(server_->options.read_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              beast::bind_front_handler(&Session::OnHandshake, shared_from_this()));
    } else {
      Read();
    }
  }

  // Answers 503 without reading the request, then closes: the server holds
  // as many connections as it may. One small write that never waits. Over
  // TLS there is no handshake to answer in: the connection is just closed.
  void Refuse() override {
    static const std::string kAnswer = [] {
      HttpResponse r = Problem(503, "too_many_connections",
                               "this server holds as many connections as it may "
                               "(http.max_connections); retry in a moment");
      return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: " + r.content_type +
             "\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: " +
             std::to_string(r.body.size()) + "\r\n\r\n" + r.body;
    }();
    beast::error_code ec;
    tcp::socket& socket = Tcp().socket();
    socket.non_blocking(true, ec);
    if (!ec && !kTls) socket.write_some(asio::buffer(kAnswer), ec);
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
  }

  void Close() override {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->timer_.cancel();
      self->Tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
      self->Tcp().close();
    });
  }

 private:
  using std::enable_shared_from_this<Session<Stream>>::shared_from_this;

  // The TCP layer under the stream (the stream itself for plain HTTP).
  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }

  void OnHandshake(beast::error_code ec) {
    timer_.cancel();
    // Not TLS, an old protocol version, a cipher in common missing, too
    // slow: nothing can be answered, the connection is closed.
    if (ec) return Finish();
    Read();
  }

  // Ends the sending side: for TLS, close_notify (within the write timeout)
  // then the TCP shutdown; `then` runs once it is done, ok or not.
  template <class Then>
  void ShutdownSend(Then then) {
    if constexpr (kTls) {
      Tcp().expires_after(std::chrono::milliseconds(
          std::min<std::int64_t>(2000, server_->options.write_timeout.count())));
      stream_.async_shutdown([self = shared_from_this(), then](beast::error_code) mutable {
        self->Tcp().expires_never();
        beast::error_code ignored;
        self->Tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
        then();
      });
    } else {
      beast::error_code ignored;
      Tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
      then();
    }
  }
  void Read() {
    parser_.emplace();
    // The header is read under the larger limit: an upload's length is
    // checked against its own limit once its route is known (OnHeader).
    parser_->body_limit(std::max<std::uint64_t>(
        server_->options.max_body_bytes,
        server_->options.spool_to ? server_->options.max_spooled_bytes : 0));
    parser_->header_limit(static_cast<std::uint32_t>(server_->options.max_header_bytes));
    // A kept-alive connection may wait idle_timeout for its next request;
    // once a request starts, all of it must arrive within read_timeout.
    Tcp().expires_never();
    Deadline(first_ ? server_->options.read_timeout : server_->options.idle_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  // Cancels the read in progress when `timeout` passes.
  void Deadline(std::chrono::milliseconds timeout) {
    timer_.expires_after(timeout);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return;  // cancelled: the read finished in time
      self->timed_out_ = true;
      beast::error_code ignored;
      self->Tcp().socket().cancel(ignored);
    });
  }

  void OnHeader(beast::error_code ec, std::size_t) {
    if (ec) return OnReadError(ec);
    if (!first_) Deadline(server_->options.read_timeout);  // the idle wait is over
    // Chunked is the only transfer coding a body may come in (RFC 9112 6.1).
    if (auto te = parser_->get()[http::field::transfer_encoding]; !te.empty()) {
      std::string coding(te);
      for (char& c : coding) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      while (!coding.empty() && (coding.back() == ' ' || coding.back() == '\t')) coding.pop_back();
      while (!coding.empty() && (coding.front() == ' ' || coding.front() == '\t')) {
        coding.erase(0, 1);
      }
      if (coding != "chunked") {
        timer_.cancel();
        HttpResponse r = Problem(501, "unsupported_transfer_coding",
                                 "only the chunked transfer coding is supported; send the body "
                                 "as is or chunked");
        return Write(ToBeast(std::move(r), 11, false), false);
      }
    }
    HttpRequest head;
    const bool target_ok = FillHead(parser_->get(), &head);
    const bool has_body = parser_->chunked() || parser_->content_length().value_or(0) > 0;
    if (target_ok && has_body && server_->options.admit) {
      // The route and the token are checked before any of the body is read
      // (a request without a body has nothing to hold back: it is checked
      // once, when handled).
      head.request_id = NextRequestId();
      if (std::optional<HttpResponse> refusal = server_->options.admit(head)) {
        timer_.cancel();
        const bool keep_alive =
            parser_->is_done() && parser_->get().keep_alive() && !server_->stopping.load();
        return Write(ToBeast(std::move(*refusal), parser_->get().version(), keep_alive),
                     keep_alive);
      }
    }
    if (target_ok && server_->options.spool_to) {
      std::string path = server_->options.spool_to(head);
      if (!path.empty()) return Spool(std::move(path));
    }
    parser_->body_limit(server_->options.max_body_bytes);
    if (parser_->content_length().value_or(0) > server_->options.max_body_bytes) {
      return OnReadError(http::error::body_limit);
    }
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  // Reads the body into the file at `path` (an upload).
  void Spool(std::string path) {
    file_parser_.emplace(std::move(*parser_));
    file_parser_->body_limit(server_->options.max_spooled_bytes);
    const std::uint64_t size =
        file_parser_->content_length().value_or(server_->options.max_spooled_bytes);
    if (size <= server_->options.max_spooled_bytes && !ReserveUpload(size)) {
      timer_.cancel();
      HttpResponse r = Problem(503, "too_many_uploads",
                               "too many customer files are arriving at once (http.max_uploads " +
                                   std::to_string(server_->options.max_uploads) +
                                   ", http.max_upload_spool_bytes " +
                                   std::to_string(server_->options.max_upload_spool_bytes) +
                                   "); send it again in a moment");
      r.headers.emplace_back("Retry-After", "30");
      return Write(ToBeast(std::move(r), 11, false), false);
    }
    beast::error_code ec;
    file_parser_->get().body().open(path.c_str(), beast::file_mode::write, ec);
    if (ec) {
      timer_.cancel();
      HttpResponse r = Problem(503, "unavailable", "the upload cannot be stored: " + ec.message());
      return Write(ToBeast(std::move(r), 11, false), false);
    }
    spool_path_ = std::move(path);
    if (file_parser_->content_length().value_or(0) > server_->options.max_spooled_bytes) {
      return OnSpooled(http::error::body_limit, 0);
    }
    timer_.cancel();
    Deadline(server_->options.upload_timeout);
    http::async_read(stream_, buffer_, *file_parser_,
                     beast::bind_front_handler(&Session::OnSpooled, shared_from_this()));
  }

  // Counts an upload of `size` bytes against the server's upload limits;
  // false (and counted as a limit hit) if it does not fit.
  bool ReserveUpload(std::uint64_t size) {
    std::lock_guard lock(server_->uploads_mu);
    const ServerOptions& o = server_->options;
    if (server_->uploads >= o.max_uploads) {
      server_->LimitHit("uploads");
      return false;
    }
    if (server_->upload_bytes + size > o.max_upload_spool_bytes) {
      server_->LimitHit("spool_bytes");
      return false;
    }
    ++server_->uploads;
    server_->upload_bytes += size;
    upload_reserved_ = size;
    uploading_ = true;
    return true;
  }

  void ReleaseUpload() {
    if (!uploading_) return;
    std::lock_guard lock(server_->uploads_mu);
    --server_->uploads;
    server_->upload_bytes -= upload_reserved_;
    uploading_ = false;
  }

  void OnSpooled(beast::error_code ec, std::size_t) {
    ReleaseUpload();
    if (ec) {
      file_parser_.reset();  // closes the file
      RemoveSpool();
      if (ec == http::error::body_limit) {
        server_->LimitHit("upload_bytes");
        timer_.cancel();
        HttpResponse r = Problem(413, "body_too_large",
                                 "the file is larger than the upload limit, " +
                                     std::to_string(server_->options.max_spooled_bytes) +
                                     " bytes (http.max_upload_bytes)");
        return Write(ToBeast(std::move(r), 11, false), false);
      }
      return OnReadError(ec, /*got_some=*/true);
    }
    timer_.cancel();
    http::request<http::file_body> req = file_parser_->release();
    file_parser_.reset();
    req.body().close();
    HttpRequest request;
    const bool target_ok = FillHead(req, &request);
    request.body_file = spool_path_;
    spool_path_.clear();
    Dispatch(std::move(request), target_ok, req.version(), req.keep_alive());
  }

  void RemoveSpool() {
    if (spool_path_.empty()) return;
    std::remove(spool_path_.c_str());
    spool_path_.clear();
  }

  // Method, path, query, headers, the client's address and whether it came
  // over TLS; false if its target is malformed.
  template <class Message>
  bool FillHead(const Message& m, HttpRequest* request) {
    if (peer_.empty()) {
      beast::error_code ec;
      const auto endpoint = Tcp().socket().remote_endpoint(ec);
      if (!ec) peer_ = endpoint.address().to_string();
    }
    request->peer = peer_;
    request->secure = kTls;
    request->method = std::string(m.method_string());
    for (const auto& field : m) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      request->headers[name] = std::string(field.value());
    }
    return ParseTarget(m.target(), &request->path, &request->query);
  }

  void OnReadError(beast::error_code ec) { OnReadError(ec, parser_->got_some()); }

  void OnReadError(beast::error_code ec, bool got_some) {
    timer_.cancel();
    if (timed_out_ && got_some) {  // a request too slow to arrive: say so, then close
      HttpResponse r = Problem(408, "request_timeout",
                               "the request did not arrive within " +
                                   std::to_string(server_->options.read_timeout.count()) + " ms");
      return Write(ToBeast(std::move(r), 11, false), false);
    }
    if (timed_out_ || ec == http::error::end_of_stream || ec == asio::error::operation_aborted ||
        ec == asio::error::eof || ec == asio::error::connection_reset) {
      return Finish();
    }
    int status = 400;
    std::string reason = "malformed_request",
                detail = "the request is not valid HTTP/1.1: " + ec.message();
    if (ec == http::error::body_limit) {
      server_->LimitHit("body_bytes");
      status = 413, reason = "body_too_large";
      detail = "the body is larger than the request limit, " +
               std::to_string(server_->options.max_body_bytes) +
               " bytes (http.max_body_bytes; a customer file goes to POST /v1/customers/imports, "
               "whose limit is http.max_upload_bytes)";
    } else if (ec == http::error::header_limit) {
      server_->LimitHit("header_bytes");
      status = 431, reason = "headers_too_large";
      detail = "the headers are larger than " + std::to_string(server_->options.max_header_bytes) +
               " bytes (http.max_header_bytes)";
    }
    HttpResponse r = Problem(status, reason, detail);
    Write(ToBeast(std::move(r), 11, false), false);
  }

  void OnRead(beast::error_code ec, std::size_t) {
    if (ec) return OnReadError(ec);
    timer_.cancel();
    BeastRequest req = parser_->release();
    HttpRequest request;
    const bool target_ok = FillHead(req, &request);
    request.body = std::move(req.body());
    Dispatch(std::move(request), target_ok, req.version(), req.keep_alive());
  }

  // Answers a request that has arrived whole.
  void Dispatch(HttpRequest request, bool target_ok, unsigned version, bool keep_alive) {
    keep_alive = keep_alive && !server_->stopping.load();
    request.request_id = NextRequestId();
    if (!target_ok || (version >= 11 && !request.Header("host"))) {
      if (!request.body_file.empty()) std::remove(request.body_file.c_str());
      HttpResponse r =
          !target_ok ? Problem(400, "malformed_target", "the request target is not a valid path")
                     : Problem(400, "missing_host", "an HTTP/1.1 request must have a Host header");
      r.headers.emplace_back("X-Request-Id", request.request_id);
      return Write(ToBeast(std::move(r), version, keep_alive), keep_alive);
    }
    {  // busy until the answer is written: a graceful stop waits for it
      std::lock_guard lock(server_->busy_mu);
      ++server_->busy;
    }
    if (request.body_file.empty() && server_->options.answer_inline &&
        server_->options.answer_inline(request)) {
      HttpResponse r = server_->handler(request);
      return Answer(std::move(r), version, keep_alive);
    }
    Tcp().expires_never();  // the worker's time is not the client's
    asio::post(*server_->workers, [self = shared_from_this(), request = std::move(request), version,
                                   keep_alive]() mutable {
      HttpResponse r = self->server_->handler(request);
      if (!request.body_file.empty()) std::remove(request.body_file.c_str());
      asio::post(self->stream_.get_executor(),
                 [self, r = std::move(r), version, keep_alive]() mutable {
                   self->Answer(std::move(r), version, keep_alive);
                 });
    });
  }

  // Writes the answer to a request counted busy.
  void Answer(HttpResponse r, unsigned version, bool keep_alive) {
    if (r.stream && !r.head_only) return WriteStream(std::move(r), version, keep_alive);
    Write(ToBeast(std::move(r), version, keep_alive), keep_alive, /*counted=*/true);
  }

  // Sends a streamed answer: the head, then each piece as a chunk as soon as
  // a worker has made it, then the last chunk.
  void WriteStream(HttpResponse r, unsigned version, bool keep_alive) {
    auto head = std::make_shared<http::response<http::empty_body>>(
        static_cast<http::status>(r.status), version);
    head->set(http::field::server, "clientele");
    head->set(http::field::date, HttpDate());
    if (!r.content_type.empty()) head->set(http::field::content_type, r.content_type);
    for (const auto& [name, value] : r.headers) head->insert(name, value);
    head->keep_alive(keep_alive);
    head->chunked(true);
    auto serializer = std::make_shared<http::response_serializer<http::empty_body>>(*head);
    auto body = std::make_shared<BodyStream>(std::move(r.stream));
    Tcp().expires_after(server_->options.write_timeout);
    http::async_write_header(stream_, *serializer,
                             [self = shared_from_this(), head, serializer, body, keep_alive](
                                 beast::error_code ec, std::size_t) {
                               if (ec) return self->EndStream(false, keep_alive);
                               self->NextChunk(body, keep_alive);
                             });
  }

  void NextChunk(const std::shared_ptr<BodyStream>& body, bool keep_alive) {
    asio::post(*server_->workers, [self = shared_from_this(), body, keep_alive] {
      auto piece = std::make_shared<std::string>();
      bool more = false, failed = false;
      try {
        more = (*body)(piece.get());
      } catch (const std::exception&) {
        failed = true;  // the client sees the answer cut short: no last chunk
      }
      asio::post(self->stream_.get_executor(), [self, body, piece, more, failed, keep_alive] {
        if (failed) return self->EndStream(false, keep_alive);
        self->Tcp().expires_after(self->server_->options.write_timeout);
        auto then = [self, body, piece, more, keep_alive](beast::error_code ec, std::size_t) {
          if (ec) return self->EndStream(false, keep_alive);
          if (more) return self->NextChunk(body, keep_alive);
          asio::async_write(self->stream_, http::make_chunk_last(),
                            [self, keep_alive](beast::error_code ec, std::size_t) {
                              self->EndStream(!ec, keep_alive);
                            });
        };
        if (piece->empty()) return then({}, 0);
        asio::async_write(self->stream_, http::make_chunk(asio::buffer(*piece)), then);
      });
    });
  }

  void EndStream(bool ok, bool keep_alive) {
    Done();
    if (!ok) return Finish();
    if (!keep_alive || server_->stopping.load()) {
      return ShutdownSend([self = shared_from_this()] { self->Drain(); });
    }
    first_ = false;
    Read();
  }

  void Done() {
    std::lock_guard lock(server_->busy_mu);
    --server_->busy;
    server_->busy_cv.notify_all();
  }

  BeastResponse ToBeast(HttpResponse&& r, unsigned version, bool keep_alive) {
    BeastResponse res{static_cast<http::status>(r.status), version};
    res.set(http::field::server, "clientele");
    res.set(http::field::date, HttpDate());
    if (!r.content_type.empty()) res.set(http::field::content_type, r.content_type);
    for (const auto& [name, value] : r.headers) res.insert(name, value);
    res.keep_alive(keep_alive);
    if (r.head_only) {
      // The GET answer's length, no body (a streamed one's length is unknown).
      if (!r.stream) res.content_length(r.body.size());
      return res;
    }
    res.body() = std::move(r.body);
    res.prepare_payload();
    return res;
  }

  // Writes an answer; `counted`: it was counted busy, and is done once written.
  void Write(BeastResponse res, bool keep_alive, bool counted = false) {
    response_ = std::make_shared<BeastResponse>(std::move(res));
    Tcp().expires_after(server_->options.write_timeout);
    http::async_write(
        stream_, *response_,
        [self = shared_from_this(), keep_alive, counted](beast::error_code ec, std::size_t) {
          self->response_.reset();
          if (counted) self->Done();
          if (ec) return self->Finish();
          if (!keep_alive || self->server_->stopping.load()) {
            return self->ShutdownSend([self] { self->Drain(); });
          }
          self->first_ = false;
          self->Read();
        });
  }

  // Reads and drops what the client still sends (the rest of a refused
  // body) for a moment before closing: closing with unread data would reset
  // the connection and the client might never see the answer.
  void Drain() {
    constexpr std::size_t kMaxDrain = 64 << 20;
    if (drained_ == 0) {
      timer_.expires_after(std::chrono::seconds(2));
      timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
        if (ec) return;
        beast::error_code ignored;
        self->Tcp().socket().cancel(ignored);
      });
    }
    drain_buffer_.resize(64 << 10);
    // What arrives is dropped unread, so TLS records are read as bytes too.
    Tcp().socket().async_read_some(
        asio::buffer(drain_buffer_),
        [self = shared_from_this()](beast::error_code ec, std::size_t n) {
          self->drained_ += n + 1;
          if (ec || self->drained_ > kMaxDrain) return self->Finish();
          self->Drain();
        });
  }

  void Finish() {
    ReleaseUpload();
    file_parser_.reset();
    RemoveSpool();
    timer_.cancel();
    beast::error_code ignored;
    Tcp().socket().close(ignored);
    std::lock_guard lock(server_->sessions_mu);
    server_->sessions.erase(shared_from_this());
  }

  Impl* server_;
  Stream stream_;
  asio::steady_timer timer_;
  bool timed_out_ = false;
  std::vector<char> drain_buffer_;
  std::size_t drained_ = 0;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::request_parser<http::file_body>> file_parser_;
  std::string spool_path_;  // the upload being written
  bool uploading_ = false;  // counted in the server's uploads
  std::uint64_t upload_reserved_ = 0;
  std::shared_ptr<BeastResponse> response_;
  bool first_ = true;
  std::string peer_;  // the client's address, once known
};

void HttpServer::Impl::Accept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (stopping.load() || ec == asio::error::operation_aborted) return;
      // Out of file descriptors, most likely: try again in a moment rather
      // than spin.
      accept_retry.expires_after(std::chrono::milliseconds(50));
      accept_retry.async_wait([this](beast::error_code e) {
        if (!e && !stopping.load()) Accept();
      });
      return;
    }
    std::shared_ptr<Connection> session;
    if (tls) {
      session = std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
          this, std::move(socket), *tls);
    } else {
      session = std::make_shared<Session<beast::tcp_stream>>(this, std::move(socket));
    }
    bool full = false;
    {
      std::lock_guard lock(sessions_mu);
      full = static_cast<int>(sessions.size()) >= options.max_connections;
      if (!full) sessions.insert(session);
    }
    if (full) {
      LimitHit("connections");
      session->Refuse();
    } else {
      session->Start();
    }
    Accept();
  });
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Stop(); }  // NOLINT(bugprone-exception-escape)

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const ServerOptions& options,
                                                      Handler handler) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->handler = std::move(handler);
  if (!options.tls_cert_file.empty() || !options.tls_key_file.empty()) {
    auto tls = ServerTlsContext(options.tls_cert_file, options.tls_key_file);
    if (!tls) return Error(tls.error());
    impl->tls = std::move(*tls);
  }
  beast::error_code ec;
  auto address = asio::ip::make_address(options.address, ec);
  if (ec) {
    return Error(
        Status::InvalidArgument("listen", "invalid_address",
                                "cannot listen on '" + options.address + "': " + ec.message()));
  }
  tcp::endpoint endpoint(address, options.port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Error(Status::Unavailable("cannot listen on " + options.address + ":" +
                                     std::to_string(options.port) + ": " + ec.message()));
  }
  impl->workers = std::make_unique<asio::thread_pool>(
      static_cast<std::size_t>(std::max(1, options.worker_threads)));
  impl->work.emplace(asio::make_work_guard(impl->ioc));
  impl->Accept();
  int n = options.network_threads > 0
              ? options.network_threads
              : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 0; i < n; ++i) impl->threads.emplace_back([p = impl.get()] { p->ioc.run(); });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

std::uint16_t HttpServer::port() const { return impl_->acceptor.local_endpoint().port(); }

void HttpServer::Stop(std::chrono::milliseconds grace) {
  Impl& s = *impl_;
  if (s.stopped.exchange(true)) return;
  s.stopping = true;
  asio::post(s.ioc, [&s] {
    beast::error_code ignored;
    s.acceptor.close(ignored);
  });
  {
    std::unique_lock lock(s.busy_mu);
    s.busy_cv.wait_for(lock, grace, [&] { return s.busy == 0; });
  }
  {
    std::lock_guard lock(s.sessions_mu);
    for (const auto& session : s.sessions) session->Close();
  }
  s.work.reset();
  s.workers->join();
  s.ioc.stop();
  for (std::thread& t : s.threads) t.join();
  std::lock_guard lock(s.sessions_mu);
  s.sessions.clear();
}

}  // namespace clientele::api
