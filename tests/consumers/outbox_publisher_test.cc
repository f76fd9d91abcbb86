// The outbox publisher over the embedded broker: every event reaches the
// topic as a CloudEvent, the cursor follows the acknowledgements, and a
// restart resumes from the cursor without publishing again.
#include "consumers/outbox_publisher.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <map>
#include <set>

#include "consumers/embedded_broker.h"
#include "domain/ids.h"
#include "eventstore/uuid.h"
#include "tests/consumers/kafka_test_util.h"
#include "tests/test_util.h"
#include "tests/test_util_process.h"

namespace clientele::testing {
namespace {

void AppendEvents(EventStore* store, const std::vector<std::string>& ids, int n, int from) {
  for (int i = 0; i < n; ++i) {
    NewEvent e = MakeEvent(R"({"n":)" + std::to_string(from + i) + "}", "customer.test");
    ASSERT_TRUE(store->Append(CustomerStream(ids[i % ids.size()]), ExpectedVersion::Any(), {e}));
  }
}

bool WaitForCursor(const OutboxPublisher& p, std::uint64_t position) {
  return Eventually([&] { return p.cursor() >= position; });
}

TEST(OutboxPublisher, PublishesEveryEventAsACloudEventAndResumesFromItsCursor) {
  auto broker = EmbeddedBroker::Start();
  ASSERT_TRUE(broker);
  ASSERT_TRUE((*broker)->CreateTopic("clientele.events", 3).ok());
  TempDir dir;
  auto store = EventStore::Open({.path = dir.sub("node"), .origin = "hq", .sync = false});
  ASSERT_TRUE(store);
  std::vector<std::string> ids;
  for (int i = 0; i < 7; ++i) ids.push_back(NewUuid());
  AppendEvents(store->get(), ids, 120, 0);
  PublisherOptions options{(*broker)->bootstrap(), "clientele.events", "", dir.sub("cursor")};
  {
    auto publisher = OutboxPublisher::Start(store->get(), options);
    ASSERT_TRUE(publisher) << publisher.error().ToString();
    ASSERT_TRUE(WaitForCursor(**publisher, 120)) << "cursor at " << (*publisher)->cursor();
    EXPECT_EQ((*publisher)->lag(), 0u);
  }
  AppendEvents(store->get(), ids, 30, 120);
  {
    auto publisher = OutboxPublisher::Start(store->get(), options);
    ASSERT_TRUE(publisher);
    ASSERT_TRUE(WaitForCursor(**publisher, 150));
  }
  auto got = Consume((*broker)->bootstrap(), "clientele.events", 150, "check");
  ASSERT_EQ(got.size(), 150u) << "each event once: the restart resumed from the cursor";
  std::map<std::string, int> per_key;
  std::set<std::string> event_ids;
  for (const Received& r : got) {
    ++per_key[r.key];
    EXPECT_EQ(r.headers.at("ce_specversion"), "1.0");
    EXPECT_EQ(r.headers.at("ce_type"), "customer.test");
    EXPECT_EQ(r.headers.at("ce_source"), "/clientele/hq");
    EXPECT_EQ(r.headers.at("content-type"), "application/json");
    EXPECT_EQ(r.headers.at("ce_stream"), "customer-" + r.key);
    EXPECT_TRUE(r.headers.at("ce_time").ends_with("Z"));
    EXPECT_TRUE(r.value.starts_with(R"({"n":)"));
    event_ids.insert(r.headers.at("ce_id"));
  }
  EXPECT_EQ(event_ids.size(), 150u);
  EXPECT_EQ(per_key.size(), ids.size()) << "keyed by customer id";
}

TEST(OutboxPublisher, AStorePublishesOnlyItsOwnEvents) {
  auto broker = EmbeddedBroker::Start();
  ASSERT_TRUE(broker);
  ASSERT_TRUE((*broker)->CreateTopic("clientele.upstream", 1).ok());
  TempDir dir;
  auto store = EventStore::Open({.path = dir.sub("node"), .origin = "s01", .sync = false});
  ASSERT_TRUE(store);
  const std::string id = NewUuid();
  AppendEvents(store->get(), {id}, 5, 0);  // made here
  RecordedEvent foreign;                   // replicated from HQ
  foreign.id = NewUuid();
  foreign.stream = CustomerStream(NewUuid());
  foreign.type = "customer.test";
  foreign.data = R"({"n":99})";
  foreign.origin = "hq";
  foreign.time_ms = 1'700'000'000'000;
  foreign.actor = "hq-clerk";
  ASSERT_TRUE((*store)->AppendReplicated({foreign}));
  AppendEvents(store->get(), {id}, 5, 5);
  PublisherOptions options{(*broker)->bootstrap(), "clientele.upstream", "s01", dir.sub("cursor")};
  auto publisher = OutboxPublisher::Start(store->get(), options);
  ASSERT_TRUE(publisher);
  ASSERT_TRUE(WaitForCursor(**publisher, 11));
  auto got = Consume((*broker)->bootstrap(), "clientele.upstream", 10, "check");
  ASSERT_EQ(got.size(), 10u);
  for (const Received& r : got) EXPECT_EQ(r.headers.at("ce_source"), "/clientele/s01");
}

TEST(OutboxPublisher, ANewClusterGetsTheWholeLogAgain) {
  TempDir dir;
  auto store = EventStore::Open({.path = dir.sub("node"), .origin = "hq", .sync = false});
  ASSERT_TRUE(store);
  const std::string id = NewUuid();
  AppendEvents(store->get(), {id}, 12, 0);
  // Started first so that, alive at the same time, the two clusters get different ids.
  auto second = EmbeddedBroker::Start();
  ASSERT_TRUE(second);
  {
    auto first = EmbeddedBroker::Start();
    ASSERT_TRUE(first);
    ASSERT_TRUE((*first)->CreateTopic("clientele.events", 1).ok());
    PublisherOptions options{(*first)->bootstrap(), "clientele.events", "", dir.sub("cursor")};
    auto publisher = OutboxPublisher::Start(store->get(), options);
    ASSERT_TRUE(publisher);
    ASSERT_TRUE(WaitForCursor(**publisher, 12));
  }  // that broker, and every message it held, is gone (an embedded broker restarted)
  ASSERT_TRUE((*second)->CreateTopic("clientele.events", 1).ok());
  PublisherOptions options{(*second)->bootstrap(), "clientele.events", "", dir.sub("cursor")};
  auto publisher = OutboxPublisher::Start(store->get(), options);
  ASSERT_TRUE(publisher);
  ASSERT_TRUE(WaitForCursor(**publisher, 12));
  auto got = Consume((*second)->bootstrap(), "clientele.events", 12, "check");
  EXPECT_EQ(got.size(), 12u) << "the cursor counted for the first cluster only";
}

}  // namespace
}  // namespace clientele::testing
