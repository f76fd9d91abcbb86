// A store joining HQ over HTTPS: HQ serves with a test CA's certificate
// (tests/test_tls.h), the store verifies it with sync.tls_ca.
#include <gtest/gtest.h>

#include <csignal>

#include "tests/consumers/sync_chain.h"
#include "tests/test_tls.h"

namespace clientele::testing {
namespace {

TEST_F(SyncTest, AStoreJoinsHqOverHttps) {
  TempDir certs_dir;
  const TestCertificates certs = MakeTestCertificates(certs_dir.path());
  hq().tls_ca = certs.ca;
  Start("hq", {"--tls-cert", certs.server_cert, "--tls-key", certs.server_key});
  for (int i = 0; i < 300; ++i) {
    hq().Create(R"({"first_name":"Early)" + std::to_string(i) + R"(","last_name":"Bird"})");
  }
  json::value c = hq().Create(R"({"first_name":"Late","last_name":"Comer"})");
  const std::string id = std::string(c.at("id").as_string());
  ASSERT_EQ(hq().Call("POST", "/v1/customers/" + id + "/credit/top-up",
                      R"({"amount":700,"payment_ref":"p1"})")
                .status,
            200);

  // A store that trusts another CA cannot even ask HQ for its key, and says why.
  ChildProcess stranger({CLIENTELE_BIN, "serve", "--node", "s09", "--data", dir_.sub("s09"),
                         "--listen", "127.0.0.1:0", "--kafka", bootstrap_, "--config", config_,
                         "--hq-url", HqUrl(), "--sync-token-file", hq().data + "/first-token",
                         "--tls-ca", certs.other_ca});
  EXPECT_FALSE(stranger
                   .WaitFor("cannot reach the node at 127.0.0.1:\\d+: certificate verify "
                            "failed \\(unable to get local issuer certificate\\)",
                            60s)
                   .empty())
      << stranger.output();
  EXPECT_EQ(stranger.Stop(SIGTERM), 2) << stranger.output();

  Node& s3 = Start("s03");  // https hq_url and --tls-ca from the fixture; ready once joined
  EXPECT_NE(s3.process->output().find("joining: copying HQ's log from https://"), std::string::npos)
      << s3.process->output();
  EXPECT_NE(s3.process->output().find("joined: "), std::string::npos) << s3.process->output();
  EXPECT_EQ(Int(s3.Get(id), "credit"), 700);
  hq().Call("PATCH", "/v1/customers/" + id, R"({"email":"late@example.com"})");
  EXPECT_TRUE(Eventually([&] { return s3.Get(id).at("email") == "late@example.com"; }));
  const std::string all = Converged();
  EXPECT_EQ(static_cast<int>(std::count(all.begin(), all.end(), '\n')), 301);
}

}  // namespace
}  // namespace clientele::testing
