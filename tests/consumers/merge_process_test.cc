// Merges made at different nodes while apart, and a sale recorded offline on
// a merged customer's old code, converge on HQ and two stores running as real
// processes (consumers/merges.h, domain/merge.h).
#include <gtest/gtest.h>

#include "tests/consumers/sync_chain.h"

namespace clientele::testing {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

std::string Id(const json::value& v) { return std::string(v.at("id").as_string()); }
std::string Code(const json::value& v) { return std::string(v.at("code").as_string()); }

TEST_F(SyncTest, MergesMadeApartConvergeAndAnOfflineSaleOnTheOldCodeCountsForTheSurvivor) {
  StartChain();
  // a, b, c: b is merged into a at s01 and into c at s02 while apart.
  // d, e: d into e at s01 while e into d at s02 (a cycle).
  // f, g: f into g at HQ while s02, offline, sells on f's old code.
  std::map<std::string, json::value> made;
  for (const char* name : {"a", "b", "c", "d", "e", "f", "g"}) {
    made[name] = hq().Create(std::string(R"({"first_name":"Zoë","last_name":")") + name + "\"}");
  }
  auto id = [&](const char* name) { return Id(made[name]); };
  std::int64_t credit_total = 0;
  int n = 0;
  for (const char* name : {"a", "b", "c", "d", "e", "f", "g"}) {
    const std::int64_t amount = 100 * ++n;
    credit_total += amount;
    ASSERT_EQ(
        hq().Call("POST", "/v1/customers/" + id(name) + "/credit/top-up",
                  R"({"amount":)" + std::to_string(amount) + R"(,"payment_ref":"p-)" + name + "\"}")
            .status,
        200);
  }
  ASSERT_TRUE(Eventually([&] {
    return Int(s1().Get(id("g")), "credit") == 700 && Int(s2().Get(id("g")), "credit") == 700;
  }));

  BrokerDown();
  auto merge = [&](Node& at, const char* survivor, const char* duplicate) {
    Reply r = at.Call("POST", "/v1/customers/" + id(survivor) + "/merge",
                      R"({"duplicate":")" + Code(made[duplicate]) + "\"}");
    EXPECT_EQ(r.status, 200) << at.name << ": " << r.body;
  };
  merge(s1(), "a", "b");
  merge(s2(), "c", "b");
  merge(s1(), "e", "d");
  merge(s2(), "d", "e");
  merge(hq(), "g", "f");
  Reply sale = s2().Call("POST", "/v1/customers/" + Code(made["f"]) + "/purchases",
                         R"({"tab_id":"offline-1","amount":2500})");
  ASSERT_EQ(sale.status, 200) << sale.body;
  EXPECT_EQ(Id(sale.json()), id("f"));  // s02 does not know of the merge yet
  BrokerUp();

  const std::string all = Converged(120s);
  // Every node resolves each merged customer to the same survivor.
  for (const char* name : {"b", "d", "e", "f"}) {
    const std::string at_hq = Id(hq().Get(id(name)));
    EXPECT_EQ(Id(s1().Get(id(name))), at_hq) << name;
    EXPECT_EQ(Id(s2().Get(id(name))), at_hq) << name;
  }
  // b: the merge with the smaller id won; the other survivor keeps only its own.
  const std::string b_into = Id(hq().Get(id("b")));
  ASSERT_TRUE(b_into == id("a") || b_into == id("c"));
  const std::string b_loser = b_into == id("a") ? id("c") : id("a");
  EXPECT_EQ(Int(hq().Get(b_into), "credit"), (b_into == id("a") ? 100 : 300) + 200);
  EXPECT_EQ(Int(hq().Get(b_loser), "credit"), b_into == id("a") ? 300 : 100);
  // d and e: one of them stands and holds both.
  const std::string de = Id(hq().Get(id("d")));
  EXPECT_EQ(Id(hq().Get(id("e"))), de);
  EXPECT_EQ(Int(hq().Get(de), "credit"), 400 + 500);
  // f: the offline sale on its old code counts for g.
  json::value g = hq().Get(id("g"));
  EXPECT_EQ(Id(hq().Get(Code(made["f"]))), id("g"));
  EXPECT_EQ(Int(g, "credit"), 600 + 700);
  EXPECT_EQ(Int(g, "total_spent"), 2500);
  EXPECT_GT(Int(g, "points"), 0);
  // No money made or lost: the listed customers hold all the credit, and
  // each balance is the sum of its history.
  std::istringstream lines(all);
  std::int64_t listed_credit = 0;
  for (std::string line; std::getline(lines, line);) {
    json::value c = json::parse(line);
    std::int64_t credit = 0;
    for (const auto& entry : c.at("history").as_array()) credit += Int(entry, "credit_change");
    EXPECT_EQ(credit, Int(c, "credit")) << line;
    listed_credit += Int(c, "credit");
  }
  EXPECT_EQ(listed_credit, credit_total) << all;
}

}  // namespace
}  // namespace clientele::testing
