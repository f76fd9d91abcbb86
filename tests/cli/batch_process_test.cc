// POST /v1/batch against a real `clientele serve` killed with kill -9: every
// result a client was answered is durable, and retrying every batch with its
// keys after the restart applies each command exactly once.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "tests/api/http_client.h"
#include "tests/cli/serve_process.h"
#include "tests/test_util.h"
#include "tests/test_util_process.h"

namespace clientele::testing {
namespace {

TEST(BatchProcess, KillNineLosesNoAcknowledgedBatchResult) {
  TempDir dir;
  constexpr int kCustomers = 16;
  constexpr int kPerBatch = 50;
  std::vector<std::string> customers;
  struct Sent {
    std::string body;
    std::vector<std::pair<int, std::int64_t>> top_ups;  // (customer, amount) per command
    Reply first;                                        // status 0 if no answer came
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
                           R"({"first_name":"Ada","last_name":"B)" + std::to_string(c) + "\"}",
                           {{"Authorization", auth}});
      ASSERT_EQ(r.status, 201) << r.body;
      customers.push_back(std::string(r.json().at("id").as_string()));
    }
    std::atomic<bool> stop{false};
    std::atomic<int> answered{0};
    std::vector<std::thread> writers;
    for (int w = 0; w < 4; ++w) {
      writers.emplace_back([&, w] {
        HttpClient client(node.port());
        for (int i = 0; !stop.load(); ++i) {
          Sent s;
          s.body = R"({"commands":[)";
          for (int k = 0; k < kPerBatch; ++k) {
            const int c = (w * 5 + i * 3 + k) % kCustomers;
            const std::int64_t amount = 1 + (i + k) % 7;
            const std::string key =
                "w" + std::to_string(w) + "-" + std::to_string(i) + "-" + std::to_string(k);
            s.body += (k ? "," : "") + std::string(R"({"kind":"credit.top_up","customer":")") +
                      customers[c] + R"(","idempotency_key":")" + key + R"(","body":{"amount":)" +
                      std::to_string(amount) + R"(,"payment_ref":")" + key + "\"}}";
            s.top_ups.emplace_back(c, amount);
          }
          s.body += "]}";
          std::size_t at = 0;
          {
            std::lock_guard lock(mu);
            sent.push_back(s);
            at = sent.size() - 1;
          }
          Reply r = client.Call("POST", "/v1/batch", s.body, {{"Authorization", auth}});
          if (r.status == 0) return;  // the process is gone
          ++answered;
          std::lock_guard lock(mu);
          sent[at].first = r;
        }
      });
    }
    EXPECT_TRUE(Eventually([&] { return answered.load() >= 40; }, std::chrono::seconds(120)));
    EXPECT_EQ(node.StopWith(SIGKILL), -SIGKILL);
    stop = true;
    for (auto& t : writers) t.join();
  }
  ServeProcess again(dir.path());
  HttpClient client(again.port());
  auto credit = [&](int c) {
    Reply r = client.Call("GET", "/v1/customers/" + customers[c], "", {{"Authorization", auth}});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json().at("credit").to_number<std::int64_t>();
  };
  // Every command answered 200 before the kill is in the log.
  std::vector<std::int64_t> acknowledged(kCustomers, 0), all(kCustomers, 0);
  int answered_batches = 0;
  for (const Sent& s : sent) {
    for (const auto& [c, amount] : s.top_ups) all[c] += amount;
    if (s.first.status == 0) continue;
    ASSERT_EQ(s.first.status, 200) << s.first.body;
    ++answered_batches;
    const boost::json::value doc = s.first.json();
    const auto& results = doc.at("results").as_array();
    ASSERT_EQ(results.size(), s.top_ups.size());
    for (std::size_t k = 0; k < results.size(); ++k) {
      ASSERT_EQ(results[k].at("status").to_number<int>(), 200) << s.first.body.substr(0, 400);
      acknowledged[s.top_ups[k].first] += s.top_ups[k].second;
    }
  }
  EXPECT_GE(answered_batches, 40);
  for (int c = 0; c < kCustomers; ++c) {
    EXPECT_GE(credit(c), acknowledged[c]) << "customer " << c << ": an acknowledged top-up is lost";
  }
  // Retried with their keys, the answered ones replay and the rest apply once.
  for (const Sent& s : sent) {
    Reply r;
    ASSERT_TRUE(Eventually(
        [&] {
          r = client.Call("POST", "/v1/batch", s.body, {{"Authorization", auth}});
          if (r.status != 200) return false;
          const boost::json::value doc = r.json();
          for (const auto& result : doc.at("results").as_array()) {
            if (result.at("status").to_number<int>() >= 500) return false;
          }
          return true;
        },
        std::chrono::seconds(30)))
        << r.status << " " << r.body.substr(0, 400);
    const boost::json::value doc = r.json();
    const auto& results = doc.at("results").as_array();
    for (std::size_t k = 0; k < results.size(); ++k) {
      ASSERT_EQ(results[k].at("status").to_number<int>(), 200) << r.body.substr(0, 400);
      if (s.first.status != 0) {
        EXPECT_TRUE(results[k].as_object().contains("replayed"));
        EXPECT_EQ(boost::json::serialize(results[k].at("customer")),
                  boost::json::serialize(s.first.json().at("results").as_array()[k].at("customer")))
            << "replayed as it was first answered";
      }
    }
  }
  for (int c = 0; c < kCustomers; ++c) {
    EXPECT_EQ(credit(c), all[c]) << "customer " << c << ": every top-up applied exactly once";
  }
}

}  // namespace
}  // namespace clientele::testing
