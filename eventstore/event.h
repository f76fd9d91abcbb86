// Events as the log sees them: what a caller appends and what the log records.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace clientele {

// The version a stream must be at for an append to go ahead.
struct ExpectedVersion {
  static constexpr std::int64_t kAny = -2;
  static constexpr std::int64_t kNoStream = -1;

  static ExpectedVersion Any() { return {kAny}; }
  static ExpectedVersion NoStream() { return {kNoStream}; }
  // The stream's current version (its last event's version; 0 for no stream).
  static ExpectedVersion Exact(std::int64_t version) { return {version}; }

  std::int64_t value = kAny;
};

// An event to append. The log assigns position, version, time and origin.
struct NewEvent {
  std::string id;              // UUID text; a retry reuses it
  std::string type;            // e.g. "credit.topped_up"
  std::uint32_t schema = 1;    // payload schema version of `type`
  std::string data;            // JSON payload
  std::string actor;           // who asked for it ("" for the system)
  std::string causation_id;    // optional UUID text
  std::string correlation_id;  // optional UUID text
};

// An event as recorded in a node's log: the envelope of DESIGN.md §3.
struct RecordedEvent {
  std::uint64_t position = 0;  // this node's global order, from 1, no gaps
  std::string id;              // UUID text, the same on every node
  std::string stream;
  std::int64_t version = 0;  // in this node's copy of the stream, from 1
  std::string type;
  std::uint32_t schema = 1;
  std::int64_t time_ms = 0;  // UTC milliseconds, set by the node of origin
  std::string origin;        // "hq" or a store id
  std::string actor;
  std::string causation_id;
  std::string correlation_id;
  std::string data;
  // The origin's own count of its events, from 1, with no gaps at the origin
  // (0: recorded before sequence numbers existed). Assigned when the event is
  // first appended at its origin; other nodes keep it.
  std::uint64_t seq = 0;
  // The proof of origin (eventstore/signing.h) this node received the event
  // with; "" for this node's own events, which it signs when it sends them.
  std::string signature;
  std::string hash;  // 32 bytes: SHA-256 chained over this node's log
  // In transit only, never in the log, not signed: the customer's data key
  // wrapped under the chain key (eventstore/data_keys.h), so that the
  // receiver can read the event's sealed fields. "" when not sent.
  std::string carried_key;

  bool operator==(const RecordedEvent&) const = default;
};

struct AppendResult {
  std::vector<std::uint64_t> positions;  // one per event, in order
  std::int64_t stream_version = 0;       // the stream's version after the append
  bool duplicate = false;                // every event was already in the log
};

}  // namespace clientele
