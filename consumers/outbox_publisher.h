// The outbox publisher: tails this node's log and publishes its events to a
// Kafka topic, at least once, in log order per customer.
//
// The cursor counts for one Kafka cluster (its id is saved with it): met with
// another cluster, for instance an embedded broker started afresh, the
// publisher sends the whole log again.
//
// It reads from a durable cursor (the position of the last event all of whose
// predecessors Kafka has acknowledged), produces with librdkafka's idempotent
// producer, and moves the cursor only on delivery reports. While the broker is
// down the events wait in the log (at most `max_in_flight` are handed to
// librdkafka); a restart resumes from the cursor, so an event may be
// published twice but never lost: consumers drop duplicates by event id.
//
// Messages follow the CloudEvents Kafka binding (consumers/cloud_event.h).
// This node's own events are signed on the way out, in batches
// (eventstore/signing.h); other nodes' events keep the proof they came with.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "domain/status.h"
#include "eventstore/event_store.h"
#include "eventstore/signing.h"

namespace clientele {

struct PublisherOptions {
  std::string bootstrap;    // bootstrap.servers
  std::string topic;        // "clientele.events" (HQ) or "clientele.upstream" (a store)
  std::string only_origin;  // if set, only events that originated at this node
  std::string cursor_path;  // the durable cursor file
  std::map<std::string, std::string> kafka;  // extra librdkafka properties (TLS, SASL, ...)
  std::size_t max_in_flight = 100000;
  const NodeKey* key = nullptr;  // signs this node's events; must outlive the publisher
  std::size_t sign_batch = 256;  // events per signature
  // The wrapped data key an event carries (RecordedEvent::carried_key), or
  // "" (eventstore/data_keys.h, DataKeys::Wrapped). Optional.
  std::function<std::string(const RecordedEvent&)> carry_key;
};

class OutboxPublisher {
 public:
  // Reads the cursor and starts publishing on a background thread. `log`
  // must outlive the publisher.
  static Result<std::unique_ptr<OutboxPublisher>> Start(EventStore* log, PublisherOptions options);
  // Stops: waits up to a few seconds for deliveries, saves the cursor.
  ~OutboxPublisher();
  OutboxPublisher(const OutboxPublisher&) = delete;
  OutboxPublisher& operator=(const OutboxPublisher&) = delete;

  // The durable cursor: every event up to here is acknowledged by Kafka.
  std::uint64_t cursor() const;
  // Events in the log after the cursor.
  std::uint64_t lag() const;

  // Publishes `events` (this node's own, from its log) again, signed, for
  // gap repair (consumers/gap_repair.h), apart from the cursor. OK once Kafka
  // has acknowledged them all; Unavailable if it has not within `timeout`.
  Status Republish(std::vector<RecordedEvent> events,
                   std::chrono::milliseconds timeout = std::chrono::seconds(30));

 private:
  struct Impl;
  explicit OutboxPublisher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace clientele
