// HTTPS: the server with a test CA's certificate (tests/test_tls.h), called
// by clients that trust that CA, trust another, speak an old TLS, or do not
// speak TLS at all.
#include <openssl/ssl.h>

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>

#include "api/tls.h"
#include "tests/api/api_fixture.h"
#include "tests/test_tls.h"

namespace clientele::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;

struct TlsReply {
  beast::error_code handshake;  // set: no request was sent
  long verify = X509_V_OK;      // the client's verdict on the server's certificate
  int status = 0;
  std::string body;
};

// One request over a new TLS connection to 127.0.0.1:`port`, verifying the
// server against `ca` and the name 127.0.0.1.
TlsReply CallTls(unsigned short port, const std::string& ca, const std::string& method,
                 const std::string& target, const std::string& body = "", int max_version = 0) {
  ssl::context ctx(ssl::context::tls_client);
  ctx.set_verify_mode(ssl::verify_peer);
  ctx.load_verify_file(ca);
  if (max_version != 0) {
    SSL_CTX_set_security_level(ctx.native_handle(), 0);  // let the old version be offered
    SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_VERSION);
    SSL_CTX_set_max_proto_version(ctx.native_handle(), max_version);
  }
  asio::io_context io;
  beast::ssl_stream<beast::tcp_stream> stream(io, ctx);
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
  beast::get_lowest_layer(stream).connect(
      asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  EXPECT_TRUE(api::VerifyHostName(stream.native_handle(), "127.0.0.1"));
  TlsReply reply;
  stream.handshake(ssl::stream_base::client, reply.handshake);
  reply.verify = SSL_get_verify_result(stream.native_handle());
  if (reply.handshake) return reply;
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::authorization, "Bearer admin");
  if (!body.empty()) req.set(http::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  reply.status = static_cast<int>(res.result_int());
  reply.body = res.body();
  beast::error_code ignored;
  stream.shutdown(ignored);
  return reply;
}

class HttpsTest : public ApiTest {
 protected:
  void SetUp() override {
    certs_ = MakeTestCertificates(certs_dir_.path());
    api::ServerOptions options;
    options.tls_cert_file = certs_.server_cert;
    options.tls_key_file = certs_.server_key;
    Boot(options);
  }

  TempDir certs_dir_;
  TestCertificates certs_;
};

TEST_F(HttpsTest, AnswersHealthzAndCreatesACustomerOverTls) {
  TlsReply health = CallTls(server_->port(), certs_.ca, "GET", "/healthz");
  ASSERT_FALSE(health.handshake) << health.handshake.message();
  EXPECT_EQ(health.status, 200) << health.body;
  TlsReply created = CallTls(server_->port(), certs_.ca, "POST", "/v1/customers",
                             R"({"first_name":"Ada","last_name":"Lovelace"})");
  ASSERT_FALSE(created.handshake) << created.handshake.message();
  EXPECT_EQ(created.status, 201) << created.body;
  EXPECT_NE(created.body.find("Lovelace"), std::string::npos) << created.body;
}

TEST_F(HttpsTest, PlainHttpToTheTlsPortFailsCleanlyAndTheServerKeepsServing) {
  for (int i = 0; i < 3; ++i) {
    asio::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(10));
    stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
    const std::string request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    asio::write(stream, asio::buffer(request));
    std::string got;
    beast::error_code ec;
    for (;;) {
      char buf[512];
      const std::size_t n = stream.read_some(asio::buffer(buf), ec);
      got.append(buf, n);
      if (ec) break;
    }
    EXPECT_NE(ec, beast::error::timeout) << "the server should close the connection";
    EXPECT_EQ(got.find("HTTP/1.1 200"), std::string::npos) << got;
  }
  TlsReply health = CallTls(server_->port(), certs_.ca, "GET", "/healthz");
  ASSERT_FALSE(health.handshake) << health.handshake.message();
  EXPECT_EQ(health.status, 200);
}

TEST_F(HttpsTest, AClientThatDoesNotTrustTheCaRefusesTheServer) {
  TlsReply r = CallTls(server_->port(), certs_.other_ca, "GET", "/healthz");
  EXPECT_TRUE(r.handshake);
  EXPECT_EQ(r.verify, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY)
      << X509_verify_cert_error_string(r.verify);
  EXPECT_EQ(api::TlsReason(r.handshake), "certificate verify failed");
  TlsReply health = CallTls(server_->port(), certs_.ca, "GET", "/healthz");
  EXPECT_EQ(health.status, 200);
}

TEST_F(HttpsTest, Tls11IsRefusedAndTls12Accepted) {
  TlsReply old = CallTls(server_->port(), certs_.ca, "GET", "/healthz", "", TLS1_1_VERSION);
  EXPECT_TRUE(old.handshake) << "a TLS 1.1 client was accepted";
  TlsReply v12 = CallTls(server_->port(), certs_.ca, "GET", "/healthz", "", TLS1_2_VERSION);
  ASSERT_FALSE(v12.handshake) << v12.handshake.message();
  EXPECT_EQ(v12.status, 200);
}

TEST_F(HttpsTest, ABadCertificateOrKeyIsInvalidArgumentNamingTheSetting) {
  auto start = [](const std::string& cert, const std::string& key) {
    api::ServerOptions options;
    options.port = 0;
    options.tls_cert_file = cert;
    options.tls_key_file = key;
    return api::HttpServer::Start(options,
                                  [](const api::HttpRequest&) { return api::HttpResponse{}; });
  };
  auto mismatched = start(certs_.server_cert, certs_dir_.sub("other-ca.key"));
  ASSERT_FALSE(mismatched);
  EXPECT_EQ(mismatched.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(mismatched.error().field(), "http.tls_key");
  EXPECT_NE(mismatched.error().message().find("values mismatch"), std::string::npos)
      << mismatched.error().message();
  auto no_cert = start(certs_dir_.sub("missing.pem"), certs_.server_key);
  ASSERT_FALSE(no_cert);
  EXPECT_EQ(no_cert.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(no_cert.error().field(), "http.tls_cert");
  auto not_a_key = start(certs_.server_cert, certs_.server_cert);
  ASSERT_FALSE(not_a_key);
  EXPECT_EQ(not_a_key.error().field(), "http.tls_key") << not_a_key.error().message();
  auto half = start(certs_.server_cert, "");
  ASSERT_FALSE(half);
  EXPECT_EQ(half.error().field(), "http.tls_key");
}

}  // namespace
}  // namespace clientele::testing
