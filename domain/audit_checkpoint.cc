#include "domain/audit_checkpoint.h"

#include <simdjson.h>

#include <boost/json.hpp>
#include <ctime>

#include "domain/ids.h"
#include "domain/time.h"

namespace clientele {

bool IsAuditEventType(std::string_view type) { return type == kCheckpointRecordedType; }

std::string CheckpointDay(std::int64_t ms) { return FormatTime(ms).substr(0, 10); }

std::string CheckpointId(std::string_view day) {
  return DerivedUuid(std::string(kCheckpointRecordedType) + ":" + std::string(day));
}

std::string EncodePayload(const CheckpointRecorded& e) {
  boost::json::object o;
  o["day"] = e.day;
  o["position"] = e.position;
  o["hash"] = e.hash;
  return boost::json::serialize(o);
}

namespace {

bool IsDay(std::string_view day) {
  auto parsed = ParseTime(day, 0);
  return day.size() == 10 && parsed && CheckpointDay(*parsed) == day;
}

bool IsHexHash(std::string_view hash) {
  return hash.size() == 64 && hash.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

}  // namespace

Result<CheckpointRecorded> DecodeCheckpoint(std::string_view type, std::uint32_t schema,
                                            std::string_view json) {
  if (!IsAuditEventType(type)) {
    return Error(Status::InvalidArgument("type", "unknown_event_type",
                                         "unknown audit event type '" + std::string(type) + "'"));
  }
  if (schema != 1) {
    return Error(Status::InvalidArgument(
        "schema", "unknown_schema",
        "unknown schema " + std::to_string(schema) + " of " + std::string(type)));
  }
  auto bad = [&](std::string_view what) {
    return Error(Status::Corruption("payload of " + std::string(type) + " has a missing or bad '" +
                                    std::string(what) + "'"));
  };
  simdjson::dom::parser parser;
  simdjson::dom::object o;
  if (parser.parse(json.data(), json.size()).get_object().get(o) != simdjson::SUCCESS) {
    return bad("{}");
  }
  std::string_view day, hash;
  std::uint64_t position = 0;
  if (o["day"].get_string().get(day) != simdjson::SUCCESS || !IsDay(day)) return bad("day");
  if (o["position"].get_uint64().get(position) != simdjson::SUCCESS || position == 0) {
    return bad("position");
  }
  if (o["hash"].get_string().get(hash) != simdjson::SUCCESS || !IsHexHash(hash)) {
    return bad("hash");
  }
  if (o.size() != 3) return bad("fields");
  return CheckpointRecorded{std::string(day), position, std::string(hash)};
}

}  // namespace clientele
