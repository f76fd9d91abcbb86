// HQ and two stores as real `clientele serve` processes syncing through a real
// Kafka-protocol broker (`clientele broker`, the embedded one, in its own
// process so that the test can take it down and bring it back).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>

#include "domain/time.h"
#include "tests/consumers/sync_chain.h"

namespace clientele::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

TEST_F(SyncTest, CustomersEditsAndBalancesReachEveryNode) {
  StartChain();
  // Created at HQ: visible at both stores.
  json::value ada = hq().Create(R"({"first_name":"Ada","last_name":"Müller"})");
  const std::string a = std::string(ada.at("id").as_string());
  EXPECT_TRUE(Eventually([&] { return s1().Has(a) && s2().Has(a); }));
  // Created at store 1: reaches HQ, then store 2.
  json::value bob = s1().Create(R"({"first_name":"Bob","last_name":"Store"})");
  const std::string b = std::string(bob.at("id").as_string());
  EXPECT_EQ(bob.at("code").as_string(), "CUST-S01-00001");
  EXPECT_TRUE(Eventually([&] { return hq().Has(b) && s2().Has(b); }));
  EXPECT_EQ(s2().Get(b).at("origin_store").as_string(), "s01");
  // An edit at store 2 of HQ's customer flows up and across.
  EXPECT_EQ(s2().Call("PATCH", "/v1/customers/" + a, R"({"email":"ada@example.com"})").status, 200);
  EXPECT_TRUE(Eventually([&] {
    return hq().Get(a).at("email") == "ada@example.com" &&
           s1().Get(a).at("email") == "ada@example.com";
  }));
  // An edit at HQ of store 1's customer flows down to both stores.
  EXPECT_EQ(hq().Call("PATCH", "/v1/customers/" + b, R"({"phone":"+1 555 0100"})").status, 200);
  EXPECT_TRUE(Eventually([&] { return s1().Get(b).at("phone") == "+1 555 0100"; }));
  // Balances: a purchase at store 1, a top-up at HQ, a deduction at store 2.
  EXPECT_EQ(
      s1().Call("POST", "/v1/customers/" + b + "/purchases", R"({"tab_id":"t1","amount":4250})")
          .status,
      200);
  EXPECT_EQ(hq().Call("POST", "/v1/customers/" + a + "/credit/top-up",
                      R"({"amount":5000,"payment_ref":"p1"})")
                .status,
            200);
  ASSERT_TRUE(Eventually([&] { return Int(s2().Get(a), "credit") == 5000; }));
  EXPECT_EQ(s2().Call("POST", "/v1/customers/" + a + "/credit/deduct", R"({"amount":1200})").status,
            200);
  EXPECT_TRUE(Eventually([&] {
    return Int(hq().Get(a), "credit") == 3800 && Int(s1().Get(a), "credit") == 3800 &&
           Int(hq().Get(b), "points") == 42 && Int(s2().Get(b), "points") == 42;
  }));
  // Settings: HQ's to change, every store's to follow.
  const std::string program = R"({"points":2,"per_amount":100,"rounding":"floor"})";
  Reply refused = s1().Call("PUT", "/v1/settings/loyalty-program", program);
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(refused.reason(), "settings_managed_at_hq");
  EXPECT_EQ(hq().Call("PUT", "/v1/settings/loyalty-program", program).status, 200);
  EXPECT_TRUE(Eventually([&] {
    json::value settings = s2().Call("GET", "/v1/settings").json();
    return settings.is_object() && Int(settings.at("loyalty_program"), "points") == 2;
  }));
  const std::string all = Converged();
  EXPECT_NE(all.find("CUST-00001"), std::string::npos);
  EXPECT_NE(all.find("CUST-S01-00001"), std::string::npos);
}

TEST_F(SyncTest, OfflineStoresConvergeWithDistinctCodesAndAnOverdraft) {
  StartChain();
  json::value eve = hq().Create(R"({"first_name":"Eve","last_name":"Shared"})");
  const std::string e = std::string(eve.at("id").as_string());
  ASSERT_EQ(hq().Call("POST", "/v1/customers/" + e + "/credit/top-up",
                      R"({"amount":10000,"payment_ref":"p1"})")
                .status,
            200);
  ASSERT_TRUE(Eventually(
      [&] { return Int(s1().Get(e), "credit") == 10000 && Int(s2().Get(e), "credit") == 10000; }));

  BrokerDown();
  // Offline: each store creates the same person, both edit Eve, both spend her credit.
  const std::string same = R"({"first_name":"Zoë","last_name":"Twin","email":"twin@example.com"})";
  json::value t1 = s1().Create(same);
  json::value t2 = s2().Create(same);
  Reply s01_edit =
      s1().Call("PATCH", "/v1/customers/" + e, R"({"phone":"111","notes":"from s01"})");
  ASSERT_EQ(s01_edit.status, 200) << s01_edit.body;
  // The later edit of `notes` is s02's: made once the wall clock, which every
  // node here stamps its edits with, has passed the time s01 recorded its edit.
  auto s01_edited = ParseTime(std::string(s01_edit.json().at("updated_at").as_string()), 0);
  ASSERT_TRUE(s01_edited) << s01_edit.body;
  ASSERT_TRUE(Eventually([&] { return NowMs() > *s01_edited; }, 10s, 1ms));
  EXPECT_EQ(
      s2().Call("PATCH", "/v1/customers/" + e, R"({"address":"2 Road","notes":"from s02"})").status,
      200);
  EXPECT_EQ(s1().Call("POST", "/v1/customers/" + e + "/credit/deduct", R"({"amount":8000})").status,
            200);
  EXPECT_EQ(s2().Call("POST", "/v1/customers/" + e + "/credit/deduct", R"({"amount":7000})").status,
            200);
  // HQ edits too, while apart.
  EXPECT_EQ(hq().Call("PATCH", "/v1/customers/" + e, R"({"email":"eve@example.com"})").status, 200);
  BrokerUp();

  const std::string all = Converged();
  // Every balance is the sum of its ledger, on every customer.
  std::istringstream lines(all);
  int customers = 0;
  for (std::string line; std::getline(lines, line); ++customers) {
    json::value c = json::parse(line);
    std::int64_t points = 0, credit = 0;
    for (const auto& entry : c.at("history").as_array()) {
      points += Int(entry, "points_change");
      credit += Int(entry, "credit_change");
    }
    EXPECT_EQ(points, Int(c, "points")) << line;
    EXPECT_EQ(credit, Int(c, "credit")) << line;
  }
  EXPECT_EQ(customers, 3);
  // Both offline customers exist, with different codes.
  EXPECT_EQ(t1.at("code").as_string(), "CUST-S01-00001");
  EXPECT_EQ(t2.at("code").as_string(), "CUST-S02-00001");
  EXPECT_TRUE(hq().Has(std::string(t1.at("id").as_string())));
  EXPECT_TRUE(hq().Has(std::string(t2.at("id").as_string())));
  // Every field edit survived; on the field both changed, the later edit won.
  json::value merged = hq().Get(e);
  EXPECT_EQ(merged.at("phone"), "111");
  EXPECT_EQ(merged.at("address"), "2 Road");
  EXPECT_EQ(merged.at("email"), "eve@example.com");
  EXPECT_EQ(merged.at("notes"), "from s02");
  // Both deductions stand; HQ recorded the overdraft.
  EXPECT_EQ(Int(merged, "credit"), 10000 - 8000 - 7000);
  Reply history = hq().Call("GET", "/v1/customers/" + e + "/history?limit=500");
  const json::value entries = history.json().at("entries");
  int overdrafts = 0;
  std::int64_t credit_sum = 0;
  for (const auto& entry : entries.as_array()) {
    credit_sum += Int(entry, "credit_change");
    if (entry.at("type") == "credit.overdraft_detected") ++overdrafts;
  }
  EXPECT_EQ(overdrafts, 1) << history.body;
  EXPECT_EQ(credit_sum, Int(merged, "credit")) << "the balance is the sum of its ledger";
  // The newest entry's balance after is the balance.
  EXPECT_EQ(Int(entries.as_array()[0], "credit_after"), Int(merged, "credit"));
}

TEST_F(SyncTest, ABrokerOutageMidTrafficLosesNothingAndAppliesNothingTwice) {
  StartChain();
  json::value c = hq().Create(R"({"first_name":"Busy","last_name":"Buyer"})");
  const std::string id = std::string(c.at("id").as_string());
  ASSERT_TRUE(Eventually([&] { return s1().Has(id); }));
  int acknowledged = 0;
  for (int i = 0; i < 60; ++i) {
    if (i == 20) BrokerDown();
    if (i == 40) {
      // While Kafka is away the events wait in the log, and /metrics says how many.
      Reply metrics = s1().Call("GET", "/metrics");
      const std::regex lag(R"(clientele_outbox_lag_events (\d+))");
      std::smatch m;
      ASSERT_TRUE(std::regex_search(metrics.body, m, lag)) << metrics.body;
      EXPECT_GE(std::stoi(m[1]), 20) << "the 20 purchases made while the broker was down";
      BrokerUp();
    }
    Reply r = s1().Call("POST", "/v1/customers/" + id + "/purchases",
                        R"({"tab_id":"tab-)" + std::to_string(i) + R"(","amount":100})");
    if (r.status == 200) ++acknowledged;
  }
  EXPECT_EQ(acknowledged, 60) << "a store keeps selling while Kafka is down";
  EXPECT_TRUE(Eventually([&] {
    return Int(hq().Get(id), "total_spent") == 6000 && Int(s2().Get(id), "total_spent") == 6000;
  }));
  Converged();
  // Applied once each: 60 purchases, 60 points entries, nothing more.
  Reply history = s2().Call("GET", "/v1/customers/" + id + "/history?limit=500");
  EXPECT_EQ(history.json().at("entries").as_array().size(), 60u);
  EXPECT_EQ(Int(hq().Get(id), "points"), 60);
}

TEST_F(SyncTest, AStoreKilledDuringReplicationRestartsAndConverges) {
  StartChain();
  std::atomic<int> created{0};
  // HQ keeps creating customers while store 2 is killed and restarted.
  std::thread hq_writer([&] {
    Node& h = hq();
    for (int i = 0; i < 200; ++i) {
      json::value c =
          h.Create(R"({"first_name":"K)" + std::to_string(i) + R"(","last_name":"Nine"})");
      if (c.is_object()) ++created;
    }
  });
  ASSERT_TRUE(Eventually([&] { return created.load() >= 60; }));
  EXPECT_EQ(s2().process->Stop(SIGKILL), -SIGKILL);
  ASSERT_TRUE(Eventually([&] { return created.load() >= 120; }));
  Start("s02");
  hq_writer.join();
  const std::string all = Converged();
  EXPECT_EQ(static_cast<int>(std::count(all.begin(), all.end(), '\n')), created.load());
}

TEST_F(SyncTest, AStoreWithAnEmptyDataFolderJoinsFromHq) {
  Start("hq");
  for (int i = 0; i < 1500; ++i) {
    hq().Create(R"({"first_name":"Early)" + std::to_string(i) + R"(","last_name":"Bird"})");
  }
  json::value c = hq().Create(R"({"first_name":"Late","last_name":"Comer"})");
  const std::string id = std::string(c.at("id").as_string());
  ASSERT_EQ(hq().Call("POST", "/v1/customers/" + id + "/credit/top-up",
                      R"({"amount":700,"payment_ref":"p1"})")
                .status,
            200);
  Node& s3 = Start("s03");  // ready once joined
  EXPECT_NE(s3.process->output().find("joined: "), std::string::npos) << s3.process->output();
  EXPECT_EQ(Int(s3.Get(id), "credit"), 700);
  // And from then on it follows Kafka.
  hq().Call("PATCH", "/v1/customers/" + id, R"({"email":"late@example.com"})");
  EXPECT_TRUE(Eventually([&] { return s3.Get(id).at("email") == "late@example.com"; }));
  Converged();
}

}  // namespace
}  // namespace clientele::testing

namespace clientele::testing {
namespace {

TEST_F(SyncTest, EnrolmentRevocationAndRotation) {
  StartChain();
  json::value before = s2().Create(R"({"first_name":"Before","last_name":"Revocation"})");
  const std::string before_id(before.at("id").as_string());
  ASSERT_TRUE(Eventually([&] { return s1().Has(before_id); }));

  // s02 is revoked: what it made before stands, what it makes after is
  // refused everywhere.
  Reply revoked = hq().Call("POST", "/v1/nodes/s02/revoke", "{}");
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  json::value after = s2().Create(R"({"first_name":"After","last_name":"Revocation"})");
  const std::string after_id(after.at("id").as_string());
  // A customer HQ makes after the revocation reaches s01: by then s01 has had
  // every chance to receive s02's later customer, had HQ taken it.
  json::value marker = hq().Create(R"({"first_name":"Marker","last_name":"Hq"})");
  const std::string marker_id(marker.at("id").as_string());
  ASSERT_TRUE(Eventually([&] { return s1().Has(marker_id); }));
  ASSERT_TRUE(Eventually([&] {
    Reply m = hq().Call("GET", "/metrics");
    return m.body.find("clientele_dead_letters 0") == std::string::npos;
  }));
  EXPECT_FALSE(hq().Has(after_id));
  EXPECT_FALSE(s1().Has(after_id));
  EXPECT_TRUE(hq().Has(before_id));

  // s01's key is rotated: a new key enrolled, the store restarted with it,
  // the old key revoked; s01 keeps syncing.
  const std::string old_key = KeyOf(s1().data);
  EXPECT_EQ(s1().process->Stop(SIGTERM), 0);
  std::filesystem::rename(s1().data + "/node-key.pem", s1().data + "/node-key.old");
  Start("s01");  // enrols the new key, made by `clientele key`
  EXPECT_NE(KeyOf(s1().data), old_key);
  Reply rotated =
      hq().Call("POST", "/v1/nodes/s01/revoke", R"({"public_key":")" + old_key + R"("})");
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  json::value fresh = s1().Create(R"({"first_name":"Rotated","last_name":"Key"})");
  const std::string fresh_id(fresh.at("id").as_string());
  EXPECT_TRUE(Eventually([&] { return hq().Has(fresh_id); }));

  // A store enrolled now joins and converges with HQ and s01.
  s2().process->Stop(SIGTERM);
  s2().process.reset();
  Start("s03");
  Converged();
}

}  // namespace
}  // namespace clientele::testing

namespace clientele::testing {
namespace {

// The overdraft events in a node's log, by the deduction each records.
std::map<std::string, int> OverdraftsIn(Node& node) {
  std::map<std::string, int> by_deduction;
  std::uint64_t after = 0;
  for (;;) {
    Reply page = node.Call("GET", "/v1/events?after=" + std::to_string(after) + "&limit=1000");
    if (page.status != 200) break;
    const json::value body = page.json();
    const json::array& events = body.at("events").as_array();
    if (events.empty()) break;
    for (const json::value& e : events) {
      if (e.at("type") == "credit.overdraft_detected") {
        ++by_deduction[std::string(e.at("causation_id").as_string())];
      }
    }
    after = body.at("next_after").to_number<std::uint64_t>();
  }
  return by_deduction;
}

std::int64_t Metric(Node& node, const std::string& name) {
  Reply m = node.Call("GET", "/metrics");
  std::smatch match;
  const std::regex line("\n" + name + " ([0-9.e+]+)");
  if (!std::regex_search(m.body, match, line)) return -1;
  return static_cast<std::int64_t>(std::stod(match[1]));
}

TEST_F(SyncTest, HqKilledWhileRecordingOverdraftsRecordsEachOnceAfterItsRestart) {
  Start("hq");
  Start("s01");
  constexpr int kCustomers = 400;
  std::vector<std::string> ids;
  for (int i = 0; i < kCustomers; ++i) {
    json::value c =
        hq().Create(R"({"first_name":"Spent)" + std::to_string(i) + R"(","last_name":"Twice"})");
    ids.emplace_back(c.at("id").as_string());
    ASSERT_EQ(hq().Call("POST", "/v1/customers/" + ids.back() + "/credit/top-up",
                        R"({"amount":100,"payment_ref":"p)" + std::to_string(i) + R"("})")
                  .status,
              200);
  }
  // The store has every customer's credit (customers are spread over the
  // partitions, so they arrive in no particular order).
  std::size_t synced = 0;
  ASSERT_TRUE(Eventually([&] {
    while (synced < ids.size() && Int(s1().Get(ids[synced]), "credit") == 100) ++synced;
    return synced == ids.size();
  })) << synced;
  // Apart, HQ and the store each spend every customer's credit.
  BrokerDown();
  for (const std::string& id : ids) {
    ASSERT_EQ(
        hq().Call("POST", "/v1/customers/" + id + "/credit/deduct", R"({"amount":100})").status,
        200);
    ASSERT_EQ(
        s1().Call("POST", "/v1/customers/" + id + "/credit/deduct", R"({"amount":100})").status,
        200);
  }
  BrokerUp();
  // HQ is killed as soon as the store's deductions start reaching its log:
  // before, while or after it records the overdrafts they make (one append
  // per customer, each synced: a window of about a second).
  ASSERT_TRUE(
      Eventually([&] { return Metric(hq(), "clientele_replicated_appended") > 0; }, 120s, 1ms))
      << hq().process->output();
  EXPECT_EQ(hq().process->Stop(SIGKILL), -SIGKILL);
  Start("hq");
  // After its restart, every overdraft is recorded, each exactly once.
  std::map<std::string, int> found;
  ASSERT_TRUE(Eventually(
      [&] {
        found = OverdraftsIn(hq());
        return found.size() == static_cast<std::size_t>(kCustomers);
      },
      120s))
      << found.size() << " overdrafts recorded";
  for (const auto& [deduction, count] : found) EXPECT_EQ(count, 1) << deduction;
  for (const std::string& id : ids) EXPECT_EQ(Int(hq().Get(id), "credit"), -100) << id;
}

// The offline conflicts of a chain: the same payment reference and the same
// tab recorded at two stores while apart count once on every node (the
// duplicate is taken back, in the history); the same reference with another
// amount stands twice and is recorded as a conflict; a sale made at a store
// for a customer HQ deleted meanwhile is kept, with the customer deactivated.
TEST_F(SyncTest, OfflineDuplicatesCountOnceAndADeleteNeverSwallowsASale) {
  StartChain();
  const std::string c(
      hq().Create(R"({"first_name":"Twice","last_name":"Paid"})").at("id").as_string());
  const std::string d(
      hq().Create(R"({"first_name":"Gone","last_name":"Soon"})").at("id").as_string());
  ASSERT_TRUE(Eventually([&] { return s1().Has(c) && s2().Has(c) && s1().Has(d) && s2().Has(d); }));
  BrokerDown();
  for (Node* store : {&s1(), &s2()}) {
    EXPECT_EQ(store
                  ->Call("POST", "/v1/customers/" + c + "/credit/top-up",
                         R"({"amount":1000,"payment_ref":"pay-1"})")
                  .status,
              200);
    EXPECT_EQ(store
                  ->Call("POST", "/v1/customers/" + c + "/purchases",
                         R"({"tab_id":"tab-1","amount":5000})")
                  .status,
              200);
  }
  EXPECT_EQ(s1().Call("POST", "/v1/customers/" + c + "/credit/top-up",
                      R"({"amount":700,"payment_ref":"pay-2"})")
                .status,
            200);
  EXPECT_EQ(s2().Call("POST", "/v1/customers/" + c + "/credit/top-up",
                      R"({"amount":900,"payment_ref":"pay-2"})")
                .status,
            200);
  EXPECT_EQ(hq().Call("DELETE", "/v1/customers/" + d).status, 204);
  EXPECT_EQ(
      s1().Call("POST", "/v1/customers/" + d + "/purchases", R"({"tab_id":"tab-9","amount":2000})")
          .status,
      200);
  BrokerUp();
  ASSERT_TRUE(Eventually(
      [&] {
        for (Node* n : {&hq(), &s1(), &s2()}) {
          if (Int(n->Get(c), "credit") != 2600 || Int(n->Get(c), "total_spent") != 5000)
            return false;
        }
        return true;
      },
      90s))
      << json::serialize(hq().Get(c)) << json::serialize(s1().Get(c));
  Converged();
  for (Node* n : {&hq(), &s1(), &s2()}) {
    const json::value customer = n->Get(c);
    EXPECT_EQ(Int(customer, "credit"), 1000 + 700 + 900) << n->name;
    EXPECT_EQ(Int(customer, "total_spent"), 5000) << n->name;
    Reply history = n->Call("GET", "/v1/customers/" + c + "/history?limit=500");
    const json::value entries = history.json().at("entries");
    int reversed = 0, conflicts = 0;
    for (const auto& entry : entries.as_array()) {
      reversed += entry.at("type") == "ledger.duplicate_reversed";
      conflicts += entry.at("type") == "ledger.conflict_recorded";
    }
    EXPECT_EQ(reversed, 3) << n->name << history.body;   // pay-1, tab-1 and its points
    EXPECT_EQ(conflicts, 1) << n->name << history.body;  // pay-2
    const json::value kept = n->Get(d);
    ASSERT_TRUE(kept.is_object()) << n->name << ": the sale's customer vanished";
    EXPECT_EQ(kept.at("active"), false) << n->name;
    EXPECT_EQ(Int(kept, "total_spent"), 2000) << n->name;
  }
  EXPECT_NE(hq().http->Call("GET", "/metrics").body.find("clientele_duplicates_reversed 3"),
            std::string::npos);
}

}  // namespace
}  // namespace clientele::testing
