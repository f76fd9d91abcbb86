// `clientele backup`, `verify --backup` and `restore` as an operator runs
// them: the running node is asked to back itself up (its data folder is its
// alone while it runs), a stopped node is backed up from its data folder,
// and a damaged backup is named and refused.
#include <signal.h>

#include <filesystem>
#include <fstream>

#include "tests/api/http_client.h"
#include "tests/test_util.h"
#include "tests/test_util_process.h"

namespace clientele::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

CommandResult Cli(const std::string& args) {
  return RunCommand(std::string(CLIENTELE_BIN) + " " + args);
}

TEST(BackupCli, RunningNodeIsAskedStoppedNodeIsReadAndDamageIsRefused) {
  TempDir dir;
  const std::string data = dir.sub("data");
  ChildProcess node({CLIENTELE_BIN, "serve", "--data", data, "--listen", "127.0.0.1:0"});
  const std::string port = node.WaitFor(R"(listening on http://127\.0\.0\.1:(\d+))", 120s);
  ASSERT_FALSE(port.empty()) << node.output();
  const std::string url = "http://127.0.0.1:" + port, token_file = data + "/first-token";
  std::string token;
  std::ifstream(token_file) >> token;
  HttpClient http(static_cast<unsigned short>(std::stoi(port)));
  Reply created = http.Call("POST", "/v1/customers", R"({"first_name":"Ada","last_name":"L"})",
                            {{"authorization", "Bearer " + token}});
  ASSERT_EQ(created.status, 201) << created.body;

  // While it runs, its data folder is its own: the node makes the backup.
  CommandResult direct = Cli("backup --data " + data + " --to " + dir.sub("direct"));
  EXPECT_EQ(direct.exit_code, 2) << direct.output;
  EXPECT_NE(direct.output.find("--url"), std::string::npos) << direct.output;
  CommandResult relative =
      Cli("backup --to relative/b --url " + url + " --token-file " + token_file);
  EXPECT_EQ(relative.exit_code, 1) << relative.output;
  EXPECT_NE(relative.output.find("absolute"), std::string::npos) << relative.output;
  CommandResult inside =
      Cli("backup --to " + data + "/b --url " + url + " --token-file " + token_file);
  EXPECT_EQ(inside.exit_code, 1) << inside.output;
  EXPECT_NE(inside.output.find("inside the data folder"), std::string::npos) << inside.output;
  const std::string online = dir.sub("online");
  CommandResult asked =
      Cli("backup --to " + online + " --url " + url + " --token-file " + token_file);
  ASSERT_EQ(asked.exit_code, 0) << asked.output;
  // With the day's checkpoint HQ recorded at start.
  EXPECT_NE(asked.output.find("3 events up to position 3"), std::string::npos) << asked.output;

  // Stopped, it is backed up from its data folder.
  ASSERT_EQ(node.Stop(SIGTERM), 0) << node.output();
  const std::string offline = dir.sub("offline");
  CommandResult read = Cli("backup --data " + data + " --to " + offline);
  ASSERT_EQ(read.exit_code, 0) << read.output;
  EXPECT_NE(read.output.find("node hq (hq)"), std::string::npos) << read.output;
  for (const std::string& b : {online, offline}) {
    CommandResult ok = Cli("verify --backup " + b);
    EXPECT_EQ(ok.exit_code, 0) << ok.output;
    EXPECT_TRUE(fs::exists(b + "/principals.json"));
    EXPECT_TRUE(fs::exists(b + "/node-key.pem"));
    EXPECT_FALSE(fs::exists(b + "/first-token")) << "a secret to delete, not to spread";
    EXPECT_FALSE(fs::exists(b + "/projections")) << "rebuilt from the log";
  }

  // A changed byte is named, and a restore refuses the backup.
  std::string key;
  {
    std::ifstream in(offline + "/node-key.pem", std::ios::binary);
    key.assign((std::istreambuf_iterator<char>(in)), {});
  }
  key[key.size() / 2] = static_cast<char>(key[key.size() / 2] ^ 1);
  std::ofstream(offline + "/node-key.pem", std::ios::binary | std::ios::trunc) << key;
  CommandResult broken = Cli("verify --backup " + offline);
  EXPECT_EQ(broken.exit_code, 3) << broken.output;
  EXPECT_NE(broken.output.find("node-key.pem"), std::string::npos) << broken.output;
  CommandResult refused = Cli("restore " + offline + " " + dir.sub("restored"));
  EXPECT_EQ(refused.exit_code, 3) << refused.output;
  EXPECT_FALSE(fs::exists(dir.sub("restored")));
  CommandResult over = Cli("restore " + online + " " + data);
  EXPECT_EQ(over.exit_code, 1) << over.output;
  EXPECT_NE(over.output.find("not empty"), std::string::npos) << over.output;

  // The good one restores. HQ refuses to start on it until someone says its
  // own newer events are back (restore --from a store) or that there are none.
  const std::string restored = dir.sub("restored");
  CommandResult back = Cli("restore " + online + " " + restored);
  ASSERT_EQ(back.exit_code, 0) << back.output;
  EXPECT_NE(back.output.find("--from"), std::string::npos) << back.output;
  CommandResult refused_start = Cli("serve --data " + restored + " --listen 127.0.0.1:0");
  EXPECT_EQ(refused_start.exit_code, 2) << refused_start.output;
  EXPECT_NE(refused_start.output.find("restored from a backup"), std::string::npos)
      << refused_start.output;
  fs::remove(restored + "/restored");
  ChildProcess again({CLIENTELE_BIN, "serve", "--data", restored, "--listen", "127.0.0.1:0"});
  const std::string port2 = again.WaitFor(R"(listening on http://127\.0\.0\.1:(\d+))", 120s);
  ASSERT_FALSE(port2.empty()) << again.output();
  HttpClient http2(static_cast<unsigned short>(std::stoi(port2)));
  const std::string id(created.json().at("id").as_string());
  Reply row = http2.Call("GET", "/v1/customers/" + id, "", {{"authorization", "Bearer " + token}});
  EXPECT_EQ(row.status, 200) << row.body;
  EXPECT_EQ(http2.Call("GET", "/readyz").status, 200);
}

}  // namespace
}  // namespace clientele::testing
