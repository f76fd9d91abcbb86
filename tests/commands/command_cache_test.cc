// Commands decided from cached states, from many threads at once, decide as
// if each had read its stream whole.
#include <gtest/gtest.h>

#include <random>
#include <thread>

#include "commands/command_handler.h"
#include "tests/test_util.h"

namespace clientele::testing {
namespace {

CustomerDetails Person(int i) {
  CustomerDetails d;
  d[DetailField::kFirstName] = "P" + std::to_string(i);
  d[DetailField::kLastName] = "Q";
  return d;
}

TEST(CommandCache, ConcurrentCommandsNeverOverdrawAndMatchAFreshRead) {
  TempDir dir;
  auto store = EventStore::Open({.path = dir.path(), .sync = false});
  ASSERT_TRUE(store);
  CommandHandler handler(store->get(), "hq");
  ASSERT_TRUE(handler.Init().ok());
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(handler.Register(Person(i), "t")->customer_id);
  std::atomic<int> accepted{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(t));
      for (int i = 0; i < 300; ++i) {
        const std::string& id = ids[rng() % ids.size()];
        CustomerCommand cmd =
            rng() % 2 ? CustomerCommand(TopUpCredit{
                            100, "p-" + std::to_string(t) + "-" + std::to_string(i), ""})
                      : CustomerCommand(DeductCredit{150, "", ""});
        auto r = handler.Execute(id, cmd, "t");
        if (r) {
          ++accepted;
        } else {
          ASSERT_EQ(r.error().reason(), "insufficient_credit") << r.error().ToString();
          ++refused;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_GT(accepted.load(), 500);
  EXPECT_GT(refused.load(), 10);
  CommandHandler fresh(store->get(), "hq");
  ASSERT_TRUE(fresh.Init().ok());
  for (const std::string& id : ids) {
    auto cached = handler.LoadCustomer(id);
    auto whole = fresh.LoadCustomer(id);
    ASSERT_TRUE(cached && whole);
    EXPECT_EQ(*cached, *whole);
    EXPECT_GE(whole->credit, 0) << "no deduction beyond the balance got through";
  }
}

}  // namespace
}  // namespace clientele::testing
