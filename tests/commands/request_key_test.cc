// A command run with a request key derives its events' ids from it: run
// again (a retry after a crash lost its answer), it finds its first run in
// the log and returns that outcome instead of applying itself twice.
#include <gtest/gtest.h>

#include "commands/command_handler.h"
#include "tests/test_util.h"

namespace clientele::testing {
namespace {

CustomerDetails Ada() {
  CustomerDetails d;
  d[DetailField::kFirstName] = "Ada";
  d[DetailField::kLastName] = "Lovelace";
  return d;
}

TEST(RequestKey, ARetriedDeductionIsAppliedOnce) {
  TempDir dir;
  auto store = EventStore::Open({.path = dir.path(), .sync = false});
  ASSERT_TRUE(store);
  CommandHandler handler(store->get(), "hq");
  ASSERT_TRUE(handler.Init().ok());
  const std::string id = handler.Register(Ada(), "t")->customer_id;
  ASSERT_TRUE(handler.Execute(id, TopUpCredit{700, "pay-1", ""}, "t"));
  auto first = handler.Execute(id, DeductCredit{300, "", ""}, "t", std::nullopt, "req-1");
  ASSERT_TRUE(first) << first.error().ToString();
  EXPECT_FALSE(first->recovered);
  const std::uint64_t head = (*store)->Head();

  // The retry, from a fresh handler (a restarted process).
  CommandHandler restarted(store->get(), "hq");
  ASSERT_TRUE(restarted.Init().ok());
  auto again = restarted.Execute(id, DeductCredit{300, "", ""}, "t", std::nullopt, "req-1");
  ASSERT_TRUE(again) << again.error().ToString();
  EXPECT_TRUE(again->recovered);
  EXPECT_EQ(again->last_position, first->last_position);
  EXPECT_EQ(again->version, first->version);
  EXPECT_EQ(again->event_types, first->event_types);
  EXPECT_EQ((*store)->Head(), head) << "nothing appended";
  EXPECT_EQ(restarted.LoadCustomer(id)->credit, 400);

  // Another request key is another deduction.
  ASSERT_TRUE(restarted.Execute(id, DeductCredit{300, "", ""}, "t", std::nullopt, "req-2"));
  EXPECT_EQ(restarted.LoadCustomer(id)->credit, 100);
}

TEST(RequestKey, ARetriedRegistrationMakesOneCustomer) {
  TempDir dir;
  auto store = EventStore::Open({.path = dir.path(), .sync = false});
  ASSERT_TRUE(store);
  CommandHandler handler(store->get(), "hq");
  ASSERT_TRUE(handler.Init().ok());
  auto first = handler.Register(Ada(), "t", "create-1");
  ASSERT_TRUE(first) << first.error().ToString();
  const std::uint64_t head = (*store)->Head();
  auto again = handler.Register(Ada(), "t", "create-1");
  ASSERT_TRUE(again) << again.error().ToString();
  EXPECT_TRUE(again->recovered);
  EXPECT_EQ(again->customer_id, first->customer_id);
  EXPECT_EQ(again->last_position, first->last_position);
  EXPECT_EQ((*store)->Head(), head);
  auto other = handler.Register(Ada(), "t", "create-2");
  ASSERT_TRUE(other);
  EXPECT_NE(other->customer_id, first->customer_id);
}

TEST(RequestKey, ARefusedCommandLeavesNothingToFind) {
  TempDir dir;
  auto store = EventStore::Open({.path = dir.path(), .sync = false});
  ASSERT_TRUE(store);
  CommandHandler handler(store->get(), "hq");
  ASSERT_TRUE(handler.Init().ok());
  const std::string id = handler.Register(Ada(), "t")->customer_id;
  auto refused = handler.Execute(id, DeductCredit{300, "", ""}, "t", std::nullopt, "req-1");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().reason(), "insufficient_credit");
  ASSERT_TRUE(handler.Execute(id, TopUpCredit{700, "pay-1", ""}, "t"));
  // Run again once there is credit: it was never applied, so now it is.
  auto later = handler.Execute(id, DeductCredit{300, "", ""}, "t", std::nullopt, "req-1");
  ASSERT_TRUE(later) << later.error().ToString();
  EXPECT_FALSE(later->recovered);
  EXPECT_EQ(handler.LoadCustomer(id)->credit, 400);
}

}  // namespace
}  // namespace clientele::testing
