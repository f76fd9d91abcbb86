// `clientele password`: the password read from standard input, its Argon2id
// hash written into the principals file, and a running node that reloads the
// file (SIGHUP) letting that principal sign in with it.
#include <signal.h>

#include <boost/json.hpp>
#include <fstream>

#include "tests/api/http_client.h"
#include "tests/cli/serve_process.h"

namespace clientele::testing {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

CommandResult SetPassword(const std::string& file, const std::string& name,
                          const std::string& password) {
  return RunCommand("printf '%s\\n' '" + password + "' | " + CLIENTELE_BIN +
                    " password --principals '" + file + "' --name '" + name + "'");
}

TEST(PasswordCli, WritesAHashThatSignsInOnceTheNodeReloads) {
  TempDir dir;
  ServeProcess node(dir.path());
  const std::string file = dir.sub("principals.json");
  const std::string token = Token(dir);
  const std::string password = "correct horse battery staple";
  HttpClient client(node.port());
  auto sign_in = [&] {
    return client.Call(
        "POST", "/v1/session",
        boost::json::serialize(boost::json::object{{"name", "admin"}, {"password", password}}));
  };
  EXPECT_EQ(sign_in().status, 401) << "no password yet";

  const std::string before = ReadAll(file);
  CommandResult too_short = SetPassword(file, "admin", "short");
  EXPECT_EQ(too_short.exit_code, 1) << too_short.output;
  EXPECT_NE(too_short.output.find("at least 12 characters"), std::string::npos) << too_short.output;
  CommandResult nobody = SetPassword(file, "nobody", password);
  EXPECT_EQ(nobody.exit_code, 1);
  EXPECT_NE(nobody.output.find("no principal is named nobody"), std::string::npos) << nobody.output;
  EXPECT_EQ(ReadAll(file), before) << "refusals leave the file as it was";

  CommandResult set = SetPassword(file, "admin", password);
  ASSERT_EQ(set.exit_code, 0) << set.output;
  const std::string after = ReadAll(file);
  EXPECT_NE(after.find("\"password_argon2id\":\"$argon2id$"), std::string::npos) << after;
  EXPECT_EQ(after.find(password), std::string::npos) << "never the password itself";
  auto parsed = boost::json::parse(after);
  EXPECT_EQ(parsed.at("principals").at(0).at("name"), "admin");
  EXPECT_TRUE(parsed.at("principals").at(0).as_object().contains("token_sha256"))
      << "the token stays";

  EXPECT_EQ(sign_in().status, 401) << "the node reads the file on SIGHUP";
  ASSERT_EQ(::kill(node.pid(), SIGHUP), 0);
  EXPECT_TRUE(Eventually([&] { return sign_in().status == 200; }, std::chrono::seconds(20)));
  Reply in = sign_in();
  ASSERT_EQ(in.status, 200) << in.body;
  const std::string set_cookie = in.header("set-cookie");
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
  Reply who = client.Call("GET", "/v1/session", "", {{"Cookie", cookie}});
  EXPECT_EQ(who.status, 200);
  EXPECT_EQ(who.json().at("principal"), "admin");
  EXPECT_EQ(client.Call("GET", "/v1/customers", "", {{"Authorization", "Bearer " + token}}).status,
            200)
      << "the token still works";
  EXPECT_EQ(node.StopWith(SIGTERM), 0) << node.output();
}

}  // namespace
}  // namespace clientele::testing
