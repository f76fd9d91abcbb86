// The embedded broker speaks the real Kafka protocol: an idempotent producer
// and a consumer group, both plain librdkafka clients, exchange a message
// through it.
#include "consumers/embedded_broker.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <string>

namespace clientele {
namespace {

rd_kafka_t* Client(rd_kafka_type_t type, const std::string& bootstrap,
                   std::initializer_list<std::pair<const char*, const char*>> settings) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  EXPECT_EQ(rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof(err)),
            RD_KAFKA_CONF_OK);
  for (const auto& [k, v] : settings) {
    EXPECT_EQ(rd_kafka_conf_set(conf, k, v, err, sizeof(err)), RD_KAFKA_CONF_OK) << err;
  }
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof(err));
  EXPECT_NE(rk, nullptr) << err;
  return rk;
}

TEST(EmbeddedBroker, CarriesMessagesOverTheKafkaProtocol) {
  auto broker = EmbeddedBroker::Start();
  ASSERT_TRUE(broker) << broker.error().ToString();
  ASSERT_FALSE((*broker)->bootstrap().empty());
  ASSERT_TRUE((*broker)->CreateTopic("clientele.events", 3).ok());

  rd_kafka_t* producer =
      Client(RD_KAFKA_PRODUCER, (*broker)->bootstrap(), {{"enable.idempotence", "true"}});
  const std::string key = "0b8a7c1e-4f3d-4c2a-9e1f-2d3c4b5a6978";
  const std::string value = R"({"type":"customer.registered"})";
  ASSERT_EQ(rd_kafka_producev(producer, RD_KAFKA_V_TOPIC("clientele.events"),
                              RD_KAFKA_V_KEY(key.data(), key.size()),
                              RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(rd_kafka_flush(producer, 20000), RD_KAFKA_RESP_ERR_NO_ERROR) << "delivered";
  rd_kafka_destroy(producer);

  rd_kafka_t* consumer = Client(RD_KAFKA_CONSUMER, (*broker)->bootstrap(),
                                {{"group.id", "store-s01"}, {"auto.offset.reset", "earliest"}});
  rd_kafka_poll_set_consumer(consumer);
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, "clientele.events", RD_KAFKA_PARTITION_UA);
  ASSERT_EQ(rd_kafka_subscribe(consumer, topics), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(topics);
  std::string got_key, got_value;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (got_value.empty() && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer, 200);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      got_key.assign(static_cast<const char*>(m->key), m->key_len);
      got_value.assign(static_cast<const char*>(m->payload), m->len);
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  EXPECT_EQ(got_key, key);
  EXPECT_EQ(got_value, value);
}

}  // namespace
}  // namespace clientele
