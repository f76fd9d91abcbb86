// The outbox publisher over the embedded broker: every event reaches the
// topic as a CloudEvent, the cursor follows the acknowledgements, and a
// restart resumes from the cursor without publishing again.
#include "consumers/outbox_publisher.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "consumers/embedded_broker.h"
#include "domain/ids.h"
#include "tests/test_util.h"

namespace clientele::testing {
namespace {

struct Received {
  std::string key, value;
  std::map<std::string, std::string> headers;
};

// Reads `topic` from the start until `count` messages came or 30 s passed.
std::vector<Received> Consume(const std::string& bootstrap, const std::string& topic,
                              std::size_t count, const std::string& group) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof(err));
  rd_kafka_conf_set(conf, "group.id", group.c_str(), err, sizeof(err));
  rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", err, sizeof(err));
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, topic.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_subscribe(rk, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  std::vector<Received> out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  // After the expected count, a little longer to catch anything extra.
  auto stop_at = deadline;
  while (std::chrono::steady_clock::now() < stop_at) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      Received r;
      r.key.assign(static_cast<const char*>(m->key), m->key_len);
      r.value.assign(static_cast<const char*>(m->payload), m->len);
      rd_kafka_headers_t* h = nullptr;
      if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name;
        const void* value;
        size_t size;
        for (size_t i = 0;
             rd_kafka_header_get_all(h, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
             ++i) {
          r.headers[name].assign(static_cast<const char*>(value), size);
        }
      }
      out.push_back(std::move(r));
      if (out.size() == count) stop_at = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return out;
}

void AppendEvents(EventStore* store, const std::vector<std::string>& ids, int n, int from) {
  for (int i = 0; i < n; ++i) {
    NewEvent e = MakeEvent(R"({"n":)" + std::to_string(from + i) + "}", "customer.test");
    ASSERT_TRUE(store->Append(CustomerStream(ids[i % ids.size()]), ExpectedVersion::Any(), {e}));
  }
}

bool WaitForCursor(const OutboxPublisher& p, std::uint64_t position) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (p.cursor() < position) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
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

}  // namespace
}  // namespace clientele::testing
