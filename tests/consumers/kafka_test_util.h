// Reading a Kafka topic from a test, through librdkafka.
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace clientele::testing {

struct Received {
  std::string key, value;
  std::map<std::string, std::string> headers;
};

// Where each partition of `topic` ends: partition -> {low, high} watermark;
// empty if the broker did not say.
inline std::map<std::int32_t, std::pair<std::int64_t, std::int64_t>> PartitionEnds(
    rd_kafka_t* rk, const std::string& topic) {
  std::map<std::int32_t, std::pair<std::int64_t, std::int64_t>> ends;
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (int t = 0; t < md->topic_cnt; ++t) {
      for (int p = 0; p < md->topics[t].partition_cnt; ++p) {
        const std::int32_t id = md->topics[t].partitions[p].id;
        std::int64_t low = 0, high = 0;
        if (rd_kafka_query_watermark_offsets(rk, topic.c_str(), id, &low, &high, 10000) !=
            RD_KAFKA_RESP_ERR_NO_ERROR) {
          ends.clear();
          break;
        }
        ends[id] = {low, high};
      }
    }
    rd_kafka_metadata_destroy(md);
  }
  rd_kafka_topic_destroy(rkt);
  return ends;
}

// Reads `topic` from the start until `count` messages came and then the end
// of every partition, as it was once they had come, was reached (so anything
// extra, such as a duplicate, is read too); or until 30 s passed.
inline std::vector<Received> Consume(const std::string& bootstrap, const std::string& topic,
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
  std::map<std::int32_t, std::int64_t> next;  // partition -> the offset after the last read
  std::map<std::int32_t, std::pair<std::int64_t, std::int64_t>> ends;
  auto at_the_end = [&] {
    for (const auto& [partition, watermarks] : ends) {
      auto it = next.find(partition);
      const std::int64_t at = it == next.end() ? watermarks.first : it->second;
      if (at < watermarks.second) return false;
    }
    return !ends.empty();
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (out.size() >= count) {
      if (ends.empty()) ends = PartitionEnds(rk, topic);
      if (at_the_end()) break;
    }
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
      next[m->partition] = m->offset + 1;
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return out;
}

}  // namespace clientele::testing
