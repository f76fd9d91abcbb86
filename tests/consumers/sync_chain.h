// A chain for process tests: HQ and stores as real `clientele serve`
// processes syncing through a real Kafka-protocol broker (`clientele broker`,
// the embedded one, in its own process so that a test can take it down and
// bring it back), and what a test asks of them.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/api/http_client.h"
#include "tests/test_util.h"
#include "tests/test_util_process.h"

namespace clientele::testing {

using namespace std::chrono_literals;
namespace json = boost::json;

// A number field; INT64_MIN when `v` is not an object (not there yet).
inline std::int64_t Int(const json::value& v, const char* key) {
  if (!v.is_object()) return INT64_MIN;
  const json::value* f = v.as_object().if_contains(key);
  return f == nullptr || f->is_null() ? 0 : f->to_number<std::int64_t>();
}

inline std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Node {
  std::string name, data;
  unsigned short port = 0;  // kept across restarts: stores reach HQ by its address
  std::string tls_ca;       // set: the node serves HTTPS with a certificate this CA signed
  std::unique_ptr<ChildProcess> process;
  std::unique_ptr<HttpClient> http;
  std::string token;

  Reply Call(const std::string& method, const std::string& target, const std::string& body = "") {
    return http->Call(method, target, body, {{"authorization", "Bearer " + token}});
  }
  // Creates a customer; returns its JSON.
  json::value Create(const std::string& body) {
    Reply r = Call("POST", "/v1/customers", body);
    EXPECT_EQ(r.status, 201) << name << ": " << r.body;
    return r.json();
  }
  json::value Get(const std::string& id) {
    Reply r = Call("GET", "/v1/customers/" + id);
    return r.status == 200 ? r.json() : json::value();
  }
  bool Has(const std::string& id) { return Get(id).is_object(); }

  // Every customer with its fields, balances and whole history: what must be
  // identical on every node once they have converged.
  std::string Export() {
    std::vector<std::string> ids;
    std::string cursor;
    do {
      Reply page = Call("GET", "/v1/customers?status=all&limit=200" +
                                   (cursor.empty() ? "" : "&cursor=" + cursor));
      if (page.status != 200) return "table: " + page.body;
      const json::value body = page.json();
      for (const auto& c : body.at("customers").as_array()) {
        ids.push_back(std::string(c.at("id").as_string()));
      }
      const json::value& next = body.at("next_cursor");
      cursor = next.is_null() ? "" : std::string(next.as_string());
    } while (!cursor.empty());
    std::map<std::string, std::string> by_code;
    for (const std::string& id : ids) {
      json::value c = Get(id);
      if (!c.is_object()) return "customer " + id + " vanished";
      Reply history = Call("GET", "/v1/customers/" + id + "/history?limit=500");
      c.as_object()["history"] = history.json().at("entries");
      by_code[std::string(c.at("code").as_string())] = json::serialize(c);
    }
    std::string out;
    for (const auto& [code, text] : by_code) out += text + "\n";
    return out;
  }
};

class SyncTest : public ::testing::Test {
 protected:
  explicit SyncTest(int partitions = 3) : partitions_(partitions) {}

  void SetUp() override {
    broker_ = std::make_unique<ChildProcess>(std::vector<std::string>{
        CLIENTELE_BIN, "broker", "--partitions", std::to_string(partitions_)});
    bootstrap_ = broker_->WaitFor(R"(Kafka broker at (\S+))", 30s);
    ASSERT_FALSE(bootstrap_.empty()) << broker_->output();
    // Stores compare with HQ often, so that a repaired gap shows quickly.
    config_ = dir_.path() + "/node.toml";
    std::ofstream(config_) << "[sync]\nrepair_interval_ms = 300\n";
  }

  // Starts (or restarts) a node on its data folder and, unless told not to,
  // waits until it is ready (a new store first copies HQ's log).
  Node& Start(const std::string& name, std::vector<std::string> extra = {},
              bool wait_ready = true) {
    Node& n = nodes_[name];
    n.name = name;
    n.data = dir_.sub(name);
    n.http.reset();
    n.process.reset();
    const std::string listen = "127.0.0.1:" + std::to_string(n.port);
    std::vector<std::string> argv = {CLIENTELE_BIN, "serve",    "--node",   name,
                                     "--data",      n.data,     "--listen", listen,
                                     "--kafka",     bootstrap_, "--config", config_};
    if (name != "hq") {
      // As an operator would: HQ enrols the store's key before it first
      // starts, and the store pins HQ's key from HQ's feed.
      Enroll(name, n.data);
      argv.insert(argv.end(),
                  {"--hq-url", HqUrl(), "--sync-token-file", hq().data + "/first-token"});
      if (!hq().tls_ca.empty()) argv.insert(argv.end(), {"--tls-ca", hq().tls_ca});
    }
    argv.insert(argv.end(), extra.begin(), extra.end());
    n.process = std::make_unique<ChildProcess>(argv);
    const std::string port =
        n.process->WaitFor(n.tls_ca.empty() ? R"(listening on http://127\.0\.0\.1:(\d+))"
                                            : R"(listening on https://127\.0\.0\.1:(\d+))",
                           120s);
    EXPECT_FALSE(port.empty()) << name << ": " << n.process->output();
    n.port = static_cast<unsigned short>(std::stoi(port.empty() ? "0" : port));
    n.http = std::make_unique<HttpClient>(n.port, n.tls_ca);
    std::ifstream token(n.data + "/first-token");
    token >> n.token;
    if (wait_ready) {
      EXPECT_TRUE(Eventually([&] { return n.http->Call("GET", "/readyz").status == 200; }, 120s))
          << name << ": " << n.http->Call("GET", "/readyz").body << n.process->output();
    }
    return n;
  }

  std::string HqUrl() {
    return (hq().tls_ca.empty() ? "http://127.0.0.1:" : "https://127.0.0.1:") +
           std::to_string(hq().http->port());
  }

  // The public key `clientele key` prints for a data folder.
  static std::string KeyOf(const std::string& data) {
    ChildProcess key({CLIENTELE_BIN, "key", "--data", data});
    return key.WaitFor(R"(public key:\s+(\S+))", 30s);
  }

  // Enrols the node's key at HQ (once: HQ answers 200 when it is already there).
  void Enroll(const std::string& name, const std::string& data) {
    const std::string key = KeyOf(data);
    ASSERT_FALSE(key.empty());
    // A connection of its own: another thread may be using HQ's.
    HttpClient http(hq().http->port(), hq().tls_ca);
    Reply r = http.Call("POST", "/v1/nodes",
                        R"({"node":")" + name + R"(","public_key":")" + key + R"("})",
                        {{"authorization", "Bearer " + hq().token}});
    ASSERT_TRUE(r.status == 201 || r.status == 200) << r.body;
  }

  Node& hq() { return nodes_["hq"]; }
  Node& s1() { return nodes_["s01"]; }
  Node& s2() { return nodes_["s02"]; }

  void StartChain() {
    Start("hq");
    Start("s01");
    Start("s02");
    // Each store learns the others' keys from HQ's registry events, which
    // travel on their own partition; gap repair would fetch what a store
    // refused for want of a key, but a test need not wait for it.
    for (Node* store : {&s1(), &s2()}) {
      ASSERT_TRUE(Eventually([&] {
        Reply nodes = store->Call("GET", "/v1/nodes");
        return nodes.body.find(R"("node":"s01")") != std::string::npos &&
               nodes.body.find(R"("node":"s02")") != std::string::npos;
      }));
    }
  }

  // Waits until every running node's export is the same; returns it.
  std::string Converged(std::chrono::seconds timeout = 90s) {
    std::string first;
    bool same = Eventually(
        [&] {
          first = hq().Export();
          for (auto& [name, n] : nodes_) {
            if (n.process && n.Export() != first) return false;
          }
          return true;
        },
        timeout);
    if (!same) {
      for (auto& [name, n] : nodes_) ADD_FAILURE() << name << " exports:\n" << n.Export();
    }
    return first;
  }

  void BrokerDown() {
    broker_->WriteLine("down");
    ASSERT_FALSE(broker_->WaitFor("broker down", 10s).empty());
  }
  void BrokerUp() {
    broker_->WriteLine("up");
    ASSERT_FALSE(broker_->WaitFor("broker up", 10s).empty());
  }

  int partitions_;
  TempDir dir_;
  std::string config_;
  std::unique_ptr<ChildProcess> broker_;
  std::string bootstrap_;
  std::map<std::string, Node> nodes_;
};

}  // namespace clientele::testing
