// `clientele serve` as a real process: it starts, answers, stops cleanly on
// SIGTERM, and loses no acknowledged write to kill -9.
#include "tests/cli/serve_process.h"

#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "tests/api/http_client.h"
#include "tests/test_util.h"
#include "tests/test_util_process.h"

namespace clientele::testing {
namespace {

TEST(ServeProcess, StartsAnswersAndStopsCleanlyOnSigterm) {
  TempDir dir;
  ServeProcess node(dir.path());
  ASSERT_NE(node.port(), 0);
  const std::string auth = "Bearer " + Token(dir);
  ASSERT_EQ(auth.size(), 7u + 64u) << "the first token was written";
  HttpClient client(node.port());
  Reply created =
      client.Call("POST", "/v1/customers", R"({"first_name":"Ada","last_name":"Lovelace"})",
                  {{"Authorization", auth}});
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(node.StopWith(SIGTERM), 0) << node.output();
  EXPECT_NE(node.output().find("stopped cleanly"), std::string::npos) << node.output();
  auto verify = RunCommand(std::string(CLIENTELE_BIN) + " verify --data " + dir.path());
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  // HQ's enrolment of its own signing key, the day's checkpoint of its log
  // (recorded at start), then the customer.
  EXPECT_NE(verify.output.find("ok: 3 events"), std::string::npos) << verify.output;
}

TEST(ServeProcess, SigtermMidTrafficAnswersWhatItAcceptedAndLosesNothing) {
  TempDir dir;
  std::string auth, id;
  std::atomic<int> acknowledged{0};
  {
    ServeProcess node(dir.path());
    auth = "Bearer " + Token(dir);
    HttpClient setup(node.port());
    Reply created = setup.Call("POST", "/v1/customers", R"({"first_name":"Ada","last_name":"L"})",
                               {{"Authorization", auth}});
    ASSERT_EQ(created.status, 201);
    id = std::string(created.json().at("id").as_string());
    std::atomic<bool> stop{false};
    std::vector<std::thread> writers;
    for (int w = 0; w < 8; ++w) {
      writers.emplace_back([&, w] {
        HttpClient client(node.port());
        for (int i = 0; !stop.load(); ++i) {
          Reply r = client.Call("POST", "/v1/customers/" + id + "/purchases",
                                R"({"tab_id":"t-)" + std::to_string(w) + "-" + std::to_string(i) +
                                    R"(","amount":100})",
                                {{"Authorization", auth}});
          if (r.status != 200) return;  // stopped: refused or closed
          ++acknowledged;
        }
      });
    }
    EXPECT_TRUE(Eventually([&] { return acknowledged.load() >= 100; }, std::chrono::seconds(120)))
        << acknowledged.load() << " purchases acknowledged";
    EXPECT_EQ(node.StopWith(SIGTERM), 0) << node.output();
    stop = true;
    for (auto& t : writers) t.join();
    EXPECT_NE(node.output().find("stopped cleanly"), std::string::npos) << node.output();
  }
  ASSERT_GE(acknowledged.load(), 100);
  ServeProcess again(dir.path());
  HttpClient client(again.port());
  Reply row = client.Call("GET", "/v1/customers/" + id, "", {{"Authorization", auth}});
  ASSERT_EQ(row.status, 200);
  EXPECT_GE(row.json().at("total_spent").to_number<std::int64_t>(), 100 * acknowledged.load())
      << "every acknowledged purchase is there";
}

TEST(ServeProcess, KillNineLosesNoAcknowledgedWrite) {
  TempDir dir;
  std::vector<std::string> acknowledged;
  std::string auth;
  {
    ServeProcess node(dir.path());
    auth = "Bearer " + Token(dir);
    std::atomic<bool> stop{false};
    std::mutex mu;
    std::vector<std::thread> writers;
    for (int w = 0; w < 4; ++w) {
      writers.emplace_back([&, w] {
        HttpClient client(node.port());
        for (int i = 0; !stop.load(); ++i) {
          Reply r = client.Call("POST", "/v1/customers",
                                R"({"first_name":"W)" + std::to_string(w) + R"(","last_name":"N)" +
                                    std::to_string(i) + "\"}",
                                {{"Authorization", auth}});
          if (r.status != 201) return;  // the process is gone
          std::lock_guard lock(mu);
          acknowledged.push_back(std::string(r.json().at("id").as_string()));
        }
      });
    }
    EXPECT_TRUE(Eventually(
        [&] {
          std::lock_guard lock(mu);
          return acknowledged.size() >= 200;
        },
        std::chrono::seconds(120)));
    EXPECT_EQ(node.StopWith(SIGKILL), -SIGKILL);
    stop = true;
    for (auto& t : writers) t.join();
  }
  ASSERT_GE(acknowledged.size(), 50u);
  ServeProcess again(dir.path());
  HttpClient client(again.port());
  for (const std::string& id : acknowledged) {
    ASSERT_EQ(client.Call("GET", "/v1/customers/" + id, "", {{"Authorization", auth}}).status, 200)
        << "acknowledged customer " << id << " is missing after kill -9";
  }
}

// Keyed deductions and creates from four clients while the node is killed
// with kill -9; after the restart every request is retried with its key and
// body until it is answered. Each is then applied exactly once: an answer the
// client saw is replayed as it was, and a request cut short by the kill is
// found in the log (or run) instead of being applied a second time.
TEST(ServeProcess, RetriesWithAnIdempotencyKeyAfterKillNineApplyOnce) {
  TempDir dir;
  constexpr int kCustomers = 8;
  constexpr std::int64_t kTopUp = 100000;
  std::vector<std::string> customers;
  struct Sent {
    std::string key, path, body;
    int customer = -1;  // -1: a create
    Reply first;        // status 0 if no answer came
  };
  std::vector<Sent> sent;
  std::mutex mu;
  std::string auth;
  {
    ServeProcess node(dir.path());
    auth = "Bearer " + Token(dir);
    HttpClient setup(node.port());
    for (int c = 0; c < kCustomers; ++c) {
      Reply r = setup.Call("POST", "/v1/customers",
                           R"({"first_name":"Ada","last_name":"C)" + std::to_string(c) + "\"}",
                           {{"Authorization", auth}});
      ASSERT_EQ(r.status, 201) << r.body;
      customers.push_back(std::string(r.json().at("id").as_string()));
      ASSERT_EQ(setup
                    .Call("POST", "/v1/customers/" + customers.back() + "/credit/top-up",
                          R"({"amount":)" + std::to_string(kTopUp) + R"(,"payment_ref":"t)" +
                              std::to_string(c) + "\"}",
                          {{"Authorization", auth}})
                    .status,
                200);
    }
    std::atomic<bool> stop{false};
    std::atomic<int> answered{0};
    std::vector<std::thread> writers;
    for (int w = 0; w < 4; ++w) {
      writers.emplace_back([&, w] {
        HttpClient client(node.port());
        for (int i = 0; !stop.load(); ++i) {
          Sent s;
          s.key = "w" + std::to_string(w) + "-" + std::to_string(i);
          if (i % 5 == 4) {
            s.path = "/v1/customers";
            s.body = R"({"first_name":"Key","last_name":")" + s.key + "\"}";
          } else {
            s.customer = (w * 7 + i) % kCustomers;
            s.path = "/v1/customers/" + customers[s.customer] + "/credit/deduct";
            s.body = R"({"amount":)" + std::to_string(1 + i % 9) + "}";
          }
          std::size_t at = 0;
          {
            std::lock_guard lock(mu);
            sent.push_back(s);
            at = sent.size() - 1;
          }
          Reply r = client.Call("POST", s.path, s.body,
                                {{"Authorization", auth}, {"Idempotency-Key", s.key}});
          if (r.status == 0) return;  // the process is gone
          ++answered;
          std::lock_guard lock(mu);
          sent[at].first = r;
        }
      });
    }
    EXPECT_TRUE(Eventually([&] { return answered.load() >= 400; }, std::chrono::seconds(120)));
    EXPECT_EQ(node.StopWith(SIGKILL), -SIGKILL);
    stop = true;
    for (auto& t : writers) t.join();
  }
  ServeProcess again(dir.path());
  HttpClient client(again.port());
  std::vector<std::int64_t> deducted(kCustomers, 0);
  std::set<std::string> created;
  int replayed = 0;
  for (const Sent& s : sent) {
    Reply r;
    ASSERT_TRUE(Eventually(
        [&] {
          r = client.Call("POST", s.path, s.body,
                          {{"Authorization", auth}, {"Idempotency-Key", s.key}});
          return r.status != 0 && r.status < 500;
        },
        std::chrono::seconds(30)))
        << s.key << ": " << r.status << " " << r.body;
    ASSERT_EQ(r.status, s.customer < 0 ? 201 : 200) << s.key << ": " << r.body;
    if (s.first.status != 0) {  // the client saw an answer: it is replayed as it was
      EXPECT_EQ(r.header("idempotent-replayed"), "true") << s.key;
      EXPECT_EQ(r.status, s.first.status) << s.key;
      EXPECT_EQ(r.body, s.first.body) << s.key;
      ++replayed;
    }
    if (s.customer < 0) {
      created.insert(std::string(r.json().at("id").as_string()));
    } else {
      deducted[s.customer] += std::stoi(s.body.substr(10));
    }
  }
  EXPECT_GE(replayed, 400);
  for (int c = 0; c < kCustomers; ++c) {
    Reply r = client.Call("GET", "/v1/customers/" + customers[c], "", {{"Authorization", auth}});
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.json().at("credit").to_number<std::int64_t>(), kTopUp - deducted[c])
        << "customer " << c << ": every deduction applied exactly once";
  }
  Reply all = client.Call("GET", "/v1/customers?search=Key&limit=1", "", {{"Authorization", auth}});
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(all.json().at("total").to_number<std::size_t>(), created.size())
      << "one customer per create key";
}
}  // namespace
}  // namespace clientele::testing

namespace clientele::testing {
namespace {

// The log's head, as the events feed says.
std::uint64_t LogHead(HttpClient& client, const std::string& token) {
  Reply r =
      client.Call("GET", "/v1/events?after=0&limit=1", "", {{"Authorization", "Bearer " + token}});
  return r.json().at("head").to_number<std::uint64_t>();
}

TEST(ServeProcess, ImportAndExportFromTheCommandLine) {
  TempDir dir;
  ServeProcess node(dir.path());
  ASSERT_NE(node.port(), 0);
  const std::string token = Token(dir);
  HttpClient client(node.port());
  auto run = [&](const std::string& args) {
    return RunCommand(std::string(CLIENTELE_BIN) + " " + args + " --url http://127.0.0.1:" +
                      std::to_string(node.port()) + " --token-file " + dir.sub("first-token"));
  };
  {
    std::ofstream f(dir.sub("in.csv"));
    f << "First Name,Last Name,E-mail,Phone Number\n";
    for (int i = 0; i < 500; ++i) {
      f << "Name" << i << ",Last,n" << i << "@example.com,+1 555 " << 10000 + i << "\n";
    }
  }
  const std::uint64_t start = LogHead(client, token);  // HQ's key enrolment
  CommandResult dry = run("import " + dir.sub("in.csv") + " --dry-run");
  EXPECT_EQ(dry.exit_code, 0) << dry.output;
  EXPECT_NE(dry.output.find("new                   500"), std::string::npos) << dry.output;
  EXPECT_NE(dry.output.find("rows/s"), std::string::npos) << "a progress bar";
  EXPECT_NE(dry.output.find("dry run: nothing was applied"), std::string::npos);
  EXPECT_EQ(LogHead(client, token), start) << "a dry run wrote to the log";

  CommandResult applied = run("import " + dir.sub("in.csv"));
  EXPECT_EQ(applied.exit_code, 0) << applied.output;
  EXPECT_NE(applied.output.find("applied in"), std::string::npos) << applied.output;
  EXPECT_EQ(LogHead(client, token), start + 500u);

  CommandResult exported = run("export --out " + dir.sub("out.csv"));
  ASSERT_EQ(exported.exit_code, 0) << exported.output;
  CommandResult back = run("import " + dir.sub("out.csv") + " --mode replace --dry-run");
  EXPECT_EQ(back.exit_code, 0) << back.output;
  EXPECT_NE(back.output.find("unchanged             500"), std::string::npos) << back.output;
  EXPECT_NE(back.output.find("deleted                 0"), std::string::npos) << back.output;
  CommandResult found = run("export --search n42@example.com");
  EXPECT_NE(found.output.find("Name42,Last,n42@example.com"), std::string::npos) << found.output;

  {
    std::ofstream f(dir.sub("bad.csv"));
    f << "First Name,Last Name,Email\nAda,Lovelace,not-an-email\n";
  }
  CommandResult bad = run("import " + dir.sub("bad.csv"));
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_NE(bad.output.find("invalid_email"), std::string::npos) << bad.output;
  EXPECT_NE(bad.output.find("nothing was applied"), std::string::npos);
  EXPECT_EQ(LogHead(client, token), start + 500u);
  EXPECT_EQ(node.StopWith(SIGTERM), 0);
}

// Customer data at rest is the node's alone, and a lost principals file never
// turns into a new all-powerful admin.
TEST(ServeProcess, DataIsPrivateAndAMissingPrincipalsFileIsNotReplaced) {
  TempDir dir;
  const std::string data = dir.path() + "/node";  // made by the node itself
  {
    ServeProcess node(data);
    ASSERT_NE(node.port(), 0);
    HttpClient client(node.port());
    std::ifstream in(data + "/first-token");
    std::string token;
    in >> token;
    ASSERT_EQ(client
                  .Call("POST", "/v1/customers", R"({"first_name":"Ada","last_name":"Lovelace"})",
                        {{"Authorization", "Bearer " + token}})
                  .status,
              201);
    EXPECT_EQ(node.StopWith(SIGTERM), 0);
  }
  namespace fs = std::filesystem;
  const auto shared = fs::perms::group_all | fs::perms::others_all;
  EXPECT_EQ(fs::status(data).permissions() & shared, fs::perms::none);
  int files = 0;
  for (const auto& e : fs::recursive_directory_iterator(data)) {
    ++files;
    EXPECT_EQ(e.status().permissions() & shared, fs::perms::none) << e.path();
  }
  EXPECT_GT(files, 5);
  // principals.json removed: the node refuses to start rather than make a new admin.
  fs::remove(data + "/principals.json");
  fs::remove(data + "/first-token");
  auto run =
      RunCommand(std::string(CLIENTELE_BIN) + " serve --data " + data + " --listen 127.0.0.1:0");
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("principals.json is missing"), std::string::npos) << run.output;
  EXPECT_FALSE(fs::exists(data + "/principals.json"));
  EXPECT_FALSE(fs::exists(data + "/first-token"));
}

// An operator's mistake is named in the operator's words.
TEST(CommandLine, NamesAnUnknownCommandAndAnUnreadableTokenFile) {
  auto unknown = RunCommand(std::string(CLIENTELE_BIN) + " frobnicate");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.output.find("unknown command 'frobnicate'"), std::string::npos)
      << unknown.output;
  EXPECT_NE(unknown.output.find("serve"), std::string::npos) << "lists the commands";
  TempDir dir;
  const std::string missing = dir.path() + "/no-such-token";
  auto token = RunCommand(std::string(CLIENTELE_BIN) +
                          " export --url http://127.0.0.1:1 --token-file " + missing);
  EXPECT_EQ(token.exit_code, 2);
  EXPECT_NE(token.output.find("cannot read the token file " + missing), std::string::npos)
      << token.output;
  // A node that is not there: said plainly, without the library's internals.
  std::ofstream(dir.path() + "/token") << "abc\n";
  auto away = RunCommand(std::string(CLIENTELE_BIN) +
                         " export --url http://127.0.0.1:1 --token-file " + dir.path() + "/token");
  EXPECT_EQ(away.exit_code, 2) << away.output;
  EXPECT_NE(away.output.find("cannot reach the node at 127.0.0.1:1: Connection refused"),
            std::string::npos)
      << away.output;
  EXPECT_EQ(away.output.find(".hpp"), std::string::npos) << away.output;
}

}  // namespace
}  // namespace clientele::testing
