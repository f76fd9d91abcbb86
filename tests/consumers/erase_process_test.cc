// Erasure across a chain of real processes: personal fields reach the stores
// sealed, with their keys carried under the chain key; an erasure at HQ while
// a store is offline and sells to the customer: on reconnect the sale counts
// and the person is gone from every node's data folder, from the topics (read
// with a plain Kafka consumer) and from a store that joins afterwards.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "tests/consumers/kafka_test_util.h"
#include "tests/consumers/sync_chain.h"

namespace clientele::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

std::string RandomWord(int n) {
  static std::mt19937_64 rng(std::random_device{}());
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>('a' + rng() % 26));
  return s;
}

TEST_F(SyncTest, AnErasureAtHqHoldsEverywhereAndAnOfflineStoresSaleStillCounts) {
  StartChain();
  const std::string first = "Zq" + RandomWord(10), last = "Xv" + RandomWord(10),
                    email = RandomWord(12) + "@example.com", note = "gift " + RandomWord(12);
  const std::vector<std::string> personal = {first, last, email, note};
  auto found = [&](const std::string& bytes) {
    std::vector<std::string> out;
    for (const std::string& s : personal) {
      if (bytes.find(s) != std::string::npos) out.push_back(s);
    }
    return out;
  };
  json::value c = hq().Create(R"({"first_name":")" + first + R"(","last_name":")" + last +
                              R"(","email":")" + email + R"("})");
  const std::string id(c.at("id").as_string());
  ASSERT_EQ(hq().Call("POST", "/v1/customers/" + id + "/credit/top-up",
                      R"({"amount":2000,"payment_ref":"p1","note":")" + note + "\"}")
                .status,
            200);
  // The stores read the sealed fields: the key came with the events.
  ASSERT_TRUE(Eventually([&] {
    return s1().Get(id).is_object() && s1().Get(id).at("first_name") == first.c_str() &&
           Int(s2().Get(id), "credit") == 2000 && s2().Get(id).at("email") == email.c_str();
  })) << json::serialize(s1().Get(id));
  // Nothing in clear on the topics.
  for (const char* topic : {"clientele.events", "clientele.upstream"}) {
    for (const Received& m : Consume(bootstrap_, topic, 1, std::string("peek-") + topic)) {
      EXPECT_EQ(found(m.value), std::vector<std::string>{}) << topic << ": " << m.value;
    }
  }

  BrokerDown();
  Reply refused = hq().Call("POST", "/v1/customers/" + id + "/erase", R"({"reason":"asked"})");
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_EQ(refused.reason(), "credit_held");
  Reply erased = hq().Call("POST", "/v1/customers/" + id + "/erase",
                           R"({"reason":"asked","write_off_credit":true})");
  ASSERT_EQ(erased.status, 200) << erased.body;
  // Store 1, offline, has not heard: it sells to the customer.
  Reply sale = s1().Call("POST", "/v1/customers/" + id + "/purchases",
                         R"({"tab_id":"offline-1","amount":1500})");
  ASSERT_EQ(sale.status, 200) << sale.body;
  BrokerUp();

  const std::string all = Converged(120s);
  EXPECT_EQ(found(all), std::vector<std::string>{}) << all;
  for (Node* n : {&hq(), &s1(), &s2()}) {
    json::value got = n->Get(id);
    EXPECT_TRUE(got.at("erased").as_bool()) << n->name;
    EXPECT_TRUE(got.at("first_name").is_null()) << n->name;
    EXPECT_EQ(Int(got, "total_spent"), 1500) << n->name;
    EXPECT_EQ(Int(got, "credit"), 0) << n->name;
    EXPECT_EQ(found(AllBytes(n->data)), std::vector<std::string>{}) << n->name;
  }
  for (const char* topic : {"clientele.events", "clientele.upstream"}) {
    for (const Received& m : Consume(bootstrap_, topic, 1, std::string("after-") + topic)) {
      EXPECT_EQ(found(m.value), std::vector<std::string>{}) << topic << ": " << m.value;
    }
  }
  // A store that joins now: the customer is erased there from the start.
  Node& late = Start("s03");
  ASSERT_TRUE(Eventually([&] { return late.Get(id).is_object(); }, 120s));
  Converged(120s);
  EXPECT_TRUE(late.Get(id).at("erased").as_bool());
  EXPECT_EQ(found(AllBytes(late.data)), std::vector<std::string>{});
  // HQ's chain still verifies.
  ChildProcess verify({CLIENTELE_BIN, "verify", "--data", hq().data});
  EXPECT_FALSE(verify.WaitFor(R"((hash chain intact))", 60s).empty()) << verify.output();
}

}  // namespace
}  // namespace clientele::testing
