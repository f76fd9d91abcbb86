#include "consumers/embedded_broker.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

namespace clientele {

struct EmbeddedBroker::Handles {
  rd_kafka_t* owner = nullptr;  // the client handle the mock cluster hangs off
  rd_kafka_mock_cluster_t* cluster = nullptr;

  ~Handles() {
    if (cluster != nullptr) rd_kafka_mock_cluster_destroy(cluster);
    if (owner != nullptr) rd_kafka_destroy(owner);
  }
};

EmbeddedBroker::EmbeddedBroker(std::unique_ptr<Handles> handles) : handles_(std::move(handles)) {
  bootstrap_ = rd_kafka_mock_cluster_bootstraps(handles_->cluster);
}

EmbeddedBroker::~EmbeddedBroker() = default;

Result<std::unique_ptr<EmbeddedBroker>> EmbeddedBroker::Start(int brokers) {
  auto h = std::make_unique<Handles>();
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "log_level", "3", err, sizeof(err)) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    return Error(Status::Internal(std::string("embedded broker: ") + err));
  }
  h->owner = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));  // takes conf
  if (h->owner == nullptr) {
    return Error(Status::Unavailable(std::string("embedded broker: ") + err));
  }
  h->cluster = rd_kafka_mock_cluster_new(h->owner, brokers);
  if (h->cluster == nullptr) {
    return Error(Status::Unavailable("embedded broker: the mock cluster did not start"));
  }
  auto broker = std::unique_ptr<EmbeddedBroker>(new EmbeddedBroker(std::move(h)));
  broker->brokers_ = brokers;
  return broker;
}

Status EmbeddedBroker::CreateTopic(const std::string& name, int partitions) {
  rd_kafka_resp_err_t e =
      rd_kafka_mock_topic_create(handles_->cluster, name.c_str(), partitions, 1);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::Unavailable("embedded broker: cannot create topic " + name + ": " +
                               rd_kafka_err2str(e));
  }
  return Status::OK();
}

void EmbeddedBroker::SetUp(bool up) {
  for (int id = 1; id <= brokers_; ++id) {
    if (up) {
      rd_kafka_mock_broker_set_up(handles_->cluster, id);
    } else {
      rd_kafka_mock_broker_set_down(handles_->cluster, id);
    }
  }
}

}  // namespace clientele
