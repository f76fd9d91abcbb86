// Daily checkpoints of HQ's log, for auditors. Once a day HQ records where
// its log stood - position and chain hash - as an event of its own on the
// "audit" stream: chained like any event, signed when sent and replicated to
// every store, so that every store holds HQ's head hashes and a rewritten HQ
// log no longer matches them (`clientele audit checkpoints`).
//
//   audit.checkpoint_recorded   {"day","position","hash"}      schema 1, HQ's alone
//     day       the UTC day it was recorded on, "2026-11-30"
//     position  HQ's log head when recorded (the checkpoint comes after it)
//     hash      HQ's chain hash at that position: 64 lowercase hex digits
//
// The envelope's time says when it was recorded. Its id is derived from the
// day, so however often HQ tries (restarts, a sweep every minute) a day has
// one checkpoint. Projections ignore the stream.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "domain/status.h"

namespace clientele {

inline constexpr std::string_view kAuditStream = "audit";
inline constexpr std::string_view kCheckpointRecordedType = "audit.checkpoint_recorded";

struct CheckpointRecorded {
  std::string day;  // "2026-11-30"
  std::uint64_t position = 0;
  std::string hash;  // hex
  bool operator==(const CheckpointRecorded&) const = default;
};

// True if `type` is an event of the "audit" stream.
bool IsAuditEventType(std::string_view type);
// The UTC day of `ms`, "2026-11-30".
std::string CheckpointDay(std::int64_t ms);
// The id of the checkpoint of `day`.
std::string CheckpointId(std::string_view day);

std::string EncodePayload(const CheckpointRecorded& e);
// Corruption if the JSON does not match the schema (a bad day, a position of
// 0, a hash that is not 64 lowercase hex digits, another field);
// InvalidArgument if the type or schema version is unknown.
Result<CheckpointRecorded> DecodeCheckpoint(std::string_view type, std::uint32_t schema,
                                            std::string_view json);

}  // namespace clientele
