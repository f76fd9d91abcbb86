// A plain Kafka producer for tests: sends events as a node's publisher would,
// or anything at all, as another client with access to the topics could.
#pragma once

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <string>

#include "consumers/cloud_event.h"

namespace clientele::testing {

class Producer {
 public:
  explicit Producer(const std::string& bootstrap) {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof(err));
    rd_kafka_conf_set(conf, "message.max.bytes", "10000000", err, sizeof(err));
    rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
      if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) *static_cast<rd_kafka_resp_err_t*>(opaque) = m->err;
    });
    rd_kafka_conf_set_opaque(conf, &failed_);
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  }
  ~Producer() { rd_kafka_destroy(rk_); }
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Sends an event as the publisher would.
  void Send(const char* topic, const RecordedEvent& e) {
    Raw(topic, std::string(MessageKey(e)), e.data, ToHeaders(e));
  }
  // Sends anything; `headers` (handed over) may be null.
  void Raw(const char* topic, const std::string& key, const std::string& value,
           rd_kafka_headers_t* headers) {
    if (headers == nullptr) headers = rd_kafka_headers_new(0);
    ASSERT_EQ(
        rd_kafka_producev(rk_, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key.data(), key.size()),
                          RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(headers),
                          RD_KAFKA_V_END),
        RD_KAFKA_RESP_ERR_NO_ERROR);
    ASSERT_EQ(rd_kafka_flush(rk_, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
    ASSERT_EQ(failed_, RD_KAFKA_RESP_ERR_NO_ERROR)
        << "not delivered: " << rd_kafka_err2str(failed_);
  }

 private:
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_resp_err_t failed_ = RD_KAFKA_RESP_ERR_NO_ERROR;  // the last delivery error
};

}  // namespace clientele::testing
