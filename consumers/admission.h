// Admission: what a node checks before an event another node sent may enter
// its log. Kafka is a carrier, not an authority; the HTTP feed is checked the
// same way. An event is admitted only when all of these hold:
//
//   - it has a sequence number (events from before sequences are refused), at
//     most kMaxSequence;
//   - it came on a way its origin may use: clientele.upstream carries a
//     store's own events only, never HQ's; clientele.events and the feed
//     carry any node's events, each under its origin's own signature;
//   - the origin may emit its type: settings, the node registry, overdraft
//     records and audit checkpoints are HQ's alone;
//   - its stream fits its type (customer-<uuid>, "settings", "nodes", "audit");
//   - its proof of origin names a key the registry has for the origin (HQ's
//     pinned key for HQ's events at a store), not revoked for this number,
//     and verifies (eventstore/signing.h);
//   - its time is not ahead of this node's clock by more than the skew;
//   - its payload decodes and passes domain/peer_rules.h;
//   - its id is not in the log, or in the same batch, with other content, and
//     no other event of its origin holds its sequence number.
//
// Each refusal is a Status whose reason names the rule (the dead-letter
// topic's `clientele_error` header starts with it): unsequenced,
// sequence_out_of_range, wrong_channel, type_not_allowed, wrong_stream, bad_signature, unknown_key,
// revoked_key, future_time, malformed_payload, invalid_payload,
// event_id_reused, sequence_reused. Storage errors are Unavailable (retry).
//
// The registry is read from the log's "nodes" stream and follows it; node
// events admitted in a batch count for the events after them in that batch.
// Thread-compatible: one batch at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

#include "domain/clock.h"
#include "domain/nodes.h"
#include "domain/status.h"
#include "eventstore/event_store.h"
#include "eventstore/signing.h"

namespace clientele {

// No node numbers this many events (2^53: a million a second for 285 years);
// a larger number could only be meant to break the arithmetic of gaps.
inline constexpr std::uint64_t kMaxSequence = std::uint64_t{1} << 53;

// How an event reached this node.
enum class Channel {
  kUpstream,  // clientele.upstream (at HQ)
  kEvents,    // clientele.events (at a store)
  kFeed,      // HQ's HTTP feed (at a store)
};

struct AdmissionOptions {
  std::string node;    // this node
  std::string hq_key;  // at a store: HQ's pinned public key (32 bytes); at HQ: HQ's own
  Clock* clock = nullptr;
  std::int64_t max_skew_ms = 5 * 60 * 1000;
  // Given each admitted event (new or a duplicate) that carries a wrapped
  // data key (RecordedEvent::carried_key), before it is appended: keeps the
  // key if it is good (eventstore/data_keys.h, DataKeys::Take). Optional.
  std::function<void(const RecordedEvent&)> take_key;
  // Makes the keys take_key kept durable (DataKeys::Persist): called before
  // the admitted events are appended. Optional.
  std::function<Status()> persist_keys;
};

enum class Verdict {
  kNew,        // append it
  kDuplicate,  // already in the log (or the batch) with the same content
};

class Admission {
 public:
  // Makes the data keys taken from admitted events durable; call before
  // appending them (AdmissionOptions::persist_keys).
  Status PersistKeys() { return options_.persist_keys ? options_.persist_keys() : Status::OK(); }
  // `log` must outlive the admission.
  Admission(EventStore* log, AdmissionOptions options);

  // Starts a batch: catches the registry up with the log's "nodes" stream and
  // forgets the previous batch. Unavailable if the log cannot be read.
  Status BeginBatch();
  // Checks one event of the batch (see above).
  Result<Verdict> Check(const RecordedEvent& e, Channel channel);

  // The registry as the log has it (without this batch's node events).
  const NodeRegistry& registry() const { return registry_; }

 private:
  Status CheckOrigin(const RecordedEvent& e, Channel channel);
  Status CheckPayload(const RecordedEvent& e);
  Result<Verdict> CheckIdentity(const RecordedEvent& e);

  EventStore* log_;
  AdmissionOptions options_;
  ProofVerifier verifier_;
  NodeRegistry registry_;  // as of registry_version_ of the log's "nodes" stream
  std::int64_t registry_version_ = 0;
  NodeRegistry batch_registry_;  // registry_ and the node events admitted in this batch
  std::unordered_map<std::string, RecordedEvent> batch_ids_;  // admitted in this batch
  std::map<std::pair<std::string, std::uint64_t>, std::string> batch_seqs_;  // -> id
};

}  // namespace clientele
