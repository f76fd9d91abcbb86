// Online backup and restore with real processes (issue 15): a backup taken
// under write load, then restored into an empty folder: every write
// acknowledged before the backup began is there, the chain verifies, and the
// restored node serves and syncs. What the node made after its backup and a
// peer already holds is taken back, so no sequence number is given twice.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include "tests/consumers/sync_chain.h"

namespace clientele::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr std::int64_t kTopUp = 250;

class BackupProcessTest : public SyncTest {
 protected:
  // A write a client heard acknowledged, and whether it heard so before the
  // backup was asked for.
  struct Acked {
    std::string customer;
    bool topped_up = false;
    bool before_backup = false;
  };

  // Writers creating customers and topping up their credit at `n` until
  // told to stop; every acknowledged write is recorded.
  void StartWriters(Node& n, int count) {
    for (int w = 0; w < count; ++w) {
      writers_.emplace_back([this, &n, w] {
        HttpClient http(n.port);
        const std::map<std::string, std::string> auth = {{"authorization", "Bearer " + n.token}};
        for (int i = 0; !stop_; ++i) {
          Reply created = http.Call("POST", "/v1/customers",
                                    R"({"first_name":"W)" + std::to_string(w) +
                                        R"(","last_name":"N)" + std::to_string(i) + R"("})",
                                    auth);
          if (created.status != 201) continue;
          const std::string id(created.json().at("id").as_string());
          Record({id, false});
          Reply topped = http.Call(
              "POST", "/v1/customers/" + id + "/credit/top-up",
              R"({"amount":)" + std::to_string(kTopUp) + R"(,"payment_ref":"pay-)" + id + R"("})",
              auth);
          if (topped.status == 200) Record({id, true});
        }
      });
    }
  }
  void Record(Acked a) {
    std::lock_guard lock(mu_);
    a.before_backup = !backup_asked_;
    acked_.push_back(std::move(a));
  }
  // From now on, acknowledgements are after the backup was asked for.
  void BackupAsked() {
    std::lock_guard lock(mu_);
    backup_asked_ = true;
  }
  std::size_t AckedCount() {
    std::lock_guard lock(mu_);
    return acked_.size();
  }
  void StopWriters() {
    stop_ = true;
    for (auto& t : writers_) t.join();
    writers_.clear();
  }

  static CommandResult Cli(const std::string& args) {
    return RunCommand(std::string(CLIENTELE_BIN) + " " + args);
  }
  std::string Url(Node& n) { return "http://127.0.0.1:" + std::to_string(n.port); }

  // "" if every acknowledged write (or every one acknowledged before the
  // backup was asked for) is at `n`; else what is not.
  std::string WritesMissingAt(Node& n, bool only_before_backup) {
    std::map<std::string, bool> customers;  // id -> topped up
    for (const Acked& a : acked_) {
      if (only_before_backup && !a.before_backup) continue;
      customers[a.customer] = customers[a.customer] || a.topped_up;
    }
    if (customers.empty()) return "no writes";
    int missing = 0, not_topped_up = 0;
    for (const auto& [id, topped_up] : customers) {
      json::value c = n.Get(id);
      if (!c.is_object()) {
        ++missing;
      } else if (topped_up && Int(c, "credit") != kTopUp) {
        ++not_topped_up;
      }
    }
    if (missing == 0 && not_topped_up == 0) return "";
    return std::to_string(missing) + " of " + std::to_string(customers.size()) +
           " customers missing at " + n.name + ", " + std::to_string(not_topped_up) +
           " without their top-up";
  }
  void ExpectWritesAt(Node& n, bool only_before_backup) {
    EXPECT_EQ(WritesMissingAt(n, only_before_backup), "");
  }
  // Waits until every acknowledged write is at `n`.
  void AwaitWritesAt(Node& n) {
    ASSERT_TRUE(Eventually([&] { return WritesMissingAt(n, false).empty(); }, 120s, 200ms))
        << WritesMissingAt(n, false);
  }

  std::vector<std::thread> writers_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  bool backup_asked_ = false;
  std::vector<Acked> acked_;
};

TEST_F(BackupProcessTest, AStoreBackedUpUnderLoadIsRestoredWholeAndSyncsWithoutReusingNumbers) {
  Start("hq");
  Node& store = Start("s01");
  StartWriters(store, 3);
  ASSERT_TRUE(Eventually([&] { return AckedCount() >= 60; }, 120s));

  // The backup, asked of the running store while the writers go on.
  const std::string backup = dir_.sub("s01-backup");
  BackupAsked();
  CommandResult made = Cli("backup --to " + backup + " --url " + Url(store) + " --token-file " +
                           store.data + "/first-token");
  ASSERT_EQ(made.exit_code, 0) << made.output;
  EXPECT_NE(made.output.find("backup made and verified"), std::string::npos) << made.output;
  const std::size_t at_backup = AckedCount();
  ASSERT_TRUE(Eventually([&] { return AckedCount() >= at_backup + 30; }, 120s))
      << "writes go on after the backup";
  StopWriters();
  // What the store made after its backup reaches HQ, then the store's disk is lost.
  ASSERT_NO_FATAL_FAILURE(AwaitWritesAt(hq()));
  store.process->Stop(SIGKILL);
  store.process.reset();

  CommandResult checked = Cli("verify --backup " + backup);
  EXPECT_EQ(checked.exit_code, 0) << checked.output;
  CommandResult over = Cli("restore " + backup + " " + store.data);
  EXPECT_EQ(over.exit_code, 1) << over.output;
  EXPECT_NE(over.output.find("not empty"), std::string::npos) << over.output;
  const std::string token = store.token;
  fs::remove_all(store.data);
  CommandResult restored = Cli("restore " + backup + " " + store.data);
  ASSERT_EQ(restored.exit_code, 0) << restored.output;
  CommandResult verified = Cli("verify --data " + store.data);
  EXPECT_EQ(verified.exit_code, 0) << verified.output;
  EXPECT_NE(verified.output.find("hash chain intact"), std::string::npos) << verified.output;
  EXPECT_TRUE(fs::exists(store.data + "/restored"));
  std::ofstream(store.data + "/first-token") << token << "\n";  // kept by the operator

  // The restored store takes its own newer events back from HQ, then serves.
  Start("s01");
  const std::string took_back = store.process->WaitFor("took back (\\d+) own event", 10s);
  EXPECT_FALSE(took_back.empty()) << store.process->output();
  std::printf(
      "%zu writes acknowledged, %zu before the backup was asked for; the restored store "
      "took back %s of its own events from HQ\n",
      acked_.size(),
      static_cast<std::size_t>(std::count_if(acked_.begin(), acked_.end(),
                                             [](const Acked& a) { return a.before_backup; })),
      took_back.c_str());
  EXPECT_FALSE(fs::exists(store.data + "/restored"));
  ExpectWritesAt(store, /*only_before_backup=*/true);
  ExpectWritesAt(store, /*only_before_backup=*/false);

  // It syncs both ways: what HQ makes now arrives; what it makes now is
  // numbered after what HQ holds of it, so HQ takes it.
  const std::string from_hq(
      hq().Create(R"({"first_name":"After","last_name":"Restore"})").at("id").as_string());
  EXPECT_TRUE(Eventually([&] { return store.Has(from_hq); }, 90s)) << store.process->output();
  const std::string from_store(
      store.Create(R"({"first_name":"Store","last_name":"Again"})").at("id").as_string());
  EXPECT_TRUE(Eventually([&] { return hq().Has(from_store); }, 90s))
      << hq().process->output().substr(0, 4000);
  EXPECT_EQ(store.http->Call("GET", "/readyz").status, 200);
  Converged();
}

TEST_F(BackupProcessTest, HqRestoredTakesItsNewerEventsBackFromAStore) {
  Node& hq_node = Start("hq");
  Start("s01");
  StartWriters(hq_node, 2);
  ASSERT_TRUE(Eventually([&] { return AckedCount() >= 30; }, 120s));
  const std::string backup = dir_.sub("hq-backup");
  BackupAsked();
  CommandResult made = Cli("backup --to " + backup + " --url " + Url(hq_node) + " --token-file " +
                           hq_node.data + "/first-token");
  ASSERT_EQ(made.exit_code, 0) << made.output;
  const std::size_t at_backup = AckedCount();
  ASSERT_TRUE(Eventually([&] { return AckedCount() >= at_backup + 20; }, 120s));
  StopWriters();
  ASSERT_NO_FATAL_FAILURE(AwaitWritesAt(s1()));
  hq_node.process->Stop(SIGKILL);
  hq_node.process.reset();

  const std::string token = hq_node.token;
  fs::remove_all(hq_node.data);
  CommandResult restored = Cli("restore " + backup + " " + hq_node.data + " --from " + Url(s1()) +
                               " --token-file " + s1().data + "/first-token");
  ASSERT_EQ(restored.exit_code, 0) << restored.output;
  EXPECT_NE(restored.output.find("took back"), std::string::npos) << restored.output;
  EXPECT_FALSE(fs::exists(hq_node.data + "/restored")) << "nothing left to warn about";
  std::ofstream(hq_node.data + "/first-token") << token << "\n";
  Start("hq");
  ExpectWritesAt(hq_node, /*only_before_backup=*/false);
  // HQ's next events are numbered after those the store holds: it takes them.
  const std::string after(
      hq_node.Create(R"({"first_name":"After","last_name":"Restore"})").at("id").as_string());
  EXPECT_TRUE(Eventually([&] { return s1().Has(after); }, 90s)) << s1().process->output();
  Converged();
}

}  // namespace
}  // namespace clientele::testing
