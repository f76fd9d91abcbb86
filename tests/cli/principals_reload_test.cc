// The principals file is reloaded on SIGHUP, without a restart: a token
// added works and a token removed is refused from the next request on; a file
// that does not load leaves the principals as they were.
#include <openssl/sha.h>
#include <signal.h>

#include <boost/json.hpp>
#include <cstdio>
#include <fstream>

#include "tests/api/http_client.h"
#include "tests/cli/serve_process.h"

namespace clientele::testing {
namespace {

std::string Sha256Hex(const std::string& text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  std::string hex;
  char buf[3];
  for (unsigned char b : digest) {
    std::snprintf(buf, sizeof(buf), "%02x", b);
    hex += buf;
  }
  return hex;
}

// Writes `body` to `path` through a temporary file and a rename, as an editor would.
void Replace(const std::string& path, const std::string& body) {
  {
    std::ofstream out(path + ".new");
    out << body;
  }
  ASSERT_EQ(std::rename((path + ".new").c_str(), path.c_str()), 0);
}

TEST(PrincipalsReload, SighupTakesTokensAddedAndRemovedAtOnce) {
  TempDir dir;
  ServeProcess node(dir.path());
  const std::string admin = "Bearer " + Token(dir);
  const std::string file = dir.sub("principals.json");
  boost::json::value original;
  {
    std::ifstream in(file);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    original = boost::json::parse(text);
  }
  const std::string till_token = "till-token-0123456789abcdef0123456789abcdef";
  boost::json::value with_till = original;
  with_till.at("principals")
      .as_array()
      .push_back(boost::json::object{{"name", "till-7"},
                                     {"token_sha256", Sha256Hex(till_token)},
                                     {"permissions", boost::json::array{"customers.view"}},
                                     {"node", "*"}});
  HttpClient client(node.port());
  auto status = [&](const std::string& auth) {
    return client.Call("GET", "/v1/customers", "", {{"Authorization", auth}}).status;
  };
  const std::string till = "Bearer " + till_token;
  EXPECT_EQ(status(till), 401);

  Replace(file, boost::json::serialize(with_till));
  EXPECT_EQ(status(till), 401) << "read only on SIGHUP";
  ASSERT_EQ(::kill(node.pid(), SIGHUP), 0);
  EXPECT_TRUE(Eventually([&] { return status(till) == 200; }, std::chrono::seconds(10)));
  EXPECT_EQ(status(admin), 200);

  Replace(file, boost::json::serialize(original));  // the till's token is revoked
  ASSERT_EQ(::kill(node.pid(), SIGHUP), 0);
  EXPECT_TRUE(Eventually([&] { return status(till) == 401; }, std::chrono::seconds(10)));
  EXPECT_EQ(status(admin), 200);

  Replace(file, "{\"principals\": [");  // an editor's half-saved file
  ASSERT_EQ(::kill(node.pid(), SIGHUP), 0);
  EXPECT_FALSE(node.WaitFor("principals NOT reloaded").empty()) << node.output();
  EXPECT_EQ(status(admin), 200) << "the principals it had stay";
  EXPECT_EQ(status(till), 401);
  EXPECT_EQ(node.StopWith(SIGTERM), 0) << node.output();
}

}  // namespace
}  // namespace clientele::testing
