// An in-process Kafka-protocol broker: librdkafka's mock cluster. A node
// started without Kafka brokers runs one, so that one machine (or a test)
// speaks the real Kafka protocol without a Kafka installation; other nodes
// reach it at bootstrap(). Its data lives in memory and ends with it.
//
// Thread-safe after Start.
#pragma once

#include <memory>
#include <string>

#include "domain/status.h"

namespace clientele {

class EmbeddedBroker {
 public:
  // Starts `brokers` brokers listening on loopback ports chosen by the system.
  static Result<std::unique_ptr<EmbeddedBroker>> Start(int brokers = 1);
  ~EmbeddedBroker();
  EmbeddedBroker(const EmbeddedBroker&) = delete;
  EmbeddedBroker& operator=(const EmbeddedBroker&) = delete;

  // "127.0.0.1:PORT[,...]": the bootstrap.servers of this cluster.
  const std::string& bootstrap() const { return bootstrap_; }
  // Creates a topic (the mock broker has no admin API).
  Status CreateTopic(const std::string& name, int partitions);
  // Takes every broker down (connections dropped, new ones refused) or brings
  // them back, keeping the topics: an outage without losing the broker.
  void SetUp(bool up);

 private:
  struct Handles;
  explicit EmbeddedBroker(std::unique_ptr<Handles> handles);
  std::unique_ptr<Handles> handles_;
  std::string bootstrap_;
  int brokers_ = 1;
};

}  // namespace clientele
