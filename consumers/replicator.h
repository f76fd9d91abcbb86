// The replicator: consumes events other nodes published and appends them to
// this node's log. HQ consumes clientele.upstream (what stores did); each
// store consumes clientele.events (everything HQ's log holds) in a consumer
// group of its own.
//
// - An event already in the log (by id) is a no-op: duplicates and the echo of
//   this node's own events change nothing. An own event missing from the log
//   (a store that lost its disk) is appended like any other.
// - A message's offset is stored for commit only after the batch holding it is
//   durable in the log, so a crash redelivers rather than loses. A storage
//   failure is retried until it clears; the partition waits, nothing is lost.
// - A message larger than the limit, one that is not a well-formed event, and
//   every event Admission refuses (consumers/admission.h: a bad signature,
//   an origin that may not say this, an id already here with other content...)
//   goes to the dead-letter topic with the reason in a `clientele_error`
//   header, is counted and logged, and its offset moves on: never a crash,
//   never a stuck partition, never a retry for anything but storage.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "consumers/admission.h"
#include "domain/clock.h"
#include "domain/status.h"
#include "eventstore/event_store.h"

namespace clientele {

struct ReplicatorOptions {
  std::string bootstrap;  // bootstrap.servers
  std::string topic;      // "clientele.upstream" (HQ) or "clientele.events" (a store)
  std::string group_id;   // e.g. "clientele-hq", "clientele-store-s01"
  std::string node;       // this node: events from it are echoes
  Channel channel = Channel::kUpstream;  // kUpstream at HQ, kEvents at a store
  std::string hq_key;                    // HQ's public key (32 bytes): pinned at a store
  Clock* clock = nullptr;                // for the skew check; defaults to the system clock
  std::int64_t max_skew_ms = 5 * 60 * 1000;
  std::size_t max_message_bytes = 1 << 20;  // larger messages are dead letters
  std::string dead_letter_topic = "clientele.dead-letter";
  std::map<std::string, std::string> kafka;  // extra librdkafka properties
  // Called on the replicator's thread after each durable append, with the
  // events that were new to this log.
  std::function<void(const std::vector<RecordedEvent>&)> after_append;
  // One line per dead letter or storage problem (default: stderr).
  std::function<void(std::string_view)> log;
  // Keeps the data keys events carry (AdmissionOptions::take_key). Optional.
  std::function<void(const RecordedEvent&)> take_key;
  std::function<Status()> persist_keys;  // AdmissionOptions::persist_keys
};

// Counts since Start. Each batch's counts are added together once the batch
// is handled (appended durably or dead-lettered), so a message counted in
// `messages` is also counted in what became of it.
struct ReplicatorStats {
  std::uint64_t messages = 0;         // consumed and handled
  std::uint64_t appended = 0;         // new to this log
  std::uint64_t duplicates = 0;       // already in the log, echoes included
  std::uint64_t echoes = 0;           // this node's own events coming back
  std::uint64_t dead_letters = 0;     // sent to the dead-letter topic
  std::uint64_t storage_retries = 0;  // counted as they happen
};

class Replicator {
 public:
  // Subscribes and starts consuming on a background thread. `log` must
  // outlive the replicator.
  static Result<std::unique_ptr<Replicator>> Start(EventStore* log, ReplicatorOptions options);
  // Stops, commits the offsets stored so far, leaves the group.
  ~Replicator();
  Replicator(const Replicator&) = delete;
  Replicator& operator=(const Replicator&) = delete;

  ReplicatorStats stats() const;

 private:
  struct Impl;
  explicit Replicator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace clientele
