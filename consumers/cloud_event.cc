#include "consumers/cloud_event.h"

#include <librdkafka/rdkafka.h>

#include <charconv>

#include "domain/audit_checkpoint.h"
#include "domain/event_codec.h"
#include "domain/ids.h"
#include "domain/nodes.h"
#include "domain/time.h"
#include "eventstore/base64.h"

namespace clientele {

namespace {

constexpr std::string_view kSourcePrefix = "/clientele/";

Status Bad(std::string field, std::string detail) {
  return Status::InvalidArgument(std::move(field), "malformed_message", std::move(detail));
}

// The value of header `name`, or nullopt.
std::optional<std::string> Header(rd_kafka_headers_t* headers, const char* name) {
  const void* value = nullptr;
  size_t size = 0;
  if (headers == nullptr || rd_kafka_header_get_last(headers, name, &value, &size) != 0) {
    return std::nullopt;
  }
  return std::string(static_cast<const char*>(value), size);
}

}  // namespace

std::string_view MessageKey(const RecordedEvent& e) {
  std::string_view key = e.stream;
  if (key.starts_with(kCustomerStreamPrefix)) key.remove_prefix(kCustomerStreamPrefix.size());
  return key;
}

rd_kafka_headers_t* ToHeaders(const RecordedEvent& e) {
  rd_kafka_headers_t* h = rd_kafka_headers_new(12);
  auto add = [&](const char* name, std::string_view value) {
    rd_kafka_header_add(h, name, -1, value.data(), static_cast<ssize_t>(value.size()));
  };
  add("ce_specversion", "1.0");
  add("ce_id", e.id);
  add("ce_type", e.type);
  add("ce_source", std::string(kSourcePrefix) + e.origin);
  add("ce_time", FormatTime(e.time_ms));
  add("content-type", "application/json");
  add("ce_stream", e.stream);
  add("ce_schema", std::to_string(e.schema));
  add("ce_actor", e.actor);
  add("ce_sequence", std::to_string(e.seq));
  if (!e.signature.empty()) add("ce_signature", Base64Encode(e.signature));
  if (!e.correlation_id.empty()) add("ce_correlationid", e.correlation_id);
  if (!e.causation_id.empty()) add("ce_causationid", e.causation_id);
  if (!e.carried_key.empty()) add("clientele_datakey", e.carried_key);
  return h;
}

Result<RecordedEvent> FromMessage(const rd_kafka_message_t* m) {
  rd_kafka_headers_t* h = nullptr;
  if (rd_kafka_message_headers(m, &h) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Error(Bad("headers", "the message has no CloudEvents headers"));
  }
  auto need = [&](const char* name) -> Result<std::string> {
    auto v = Header(h, name);
    if (!v) return Error(Bad(name, std::string("the header ") + name + " is missing"));
    return *v;
  };
  RecordedEvent e;
  auto spec = need("ce_specversion");
  if (!spec) return Error(spec.error());
  if (*spec != "1.0") return Error(Bad("ce_specversion", "ce_specversion is not 1.0"));
  auto id = need("ce_id");
  if (!id) return Error(id.error());
  auto canonical = ParseUuid(*id, "ce_id");
  if (!canonical || *canonical != *id) {
    return Error(Bad("ce_id", "ce_id is not a canonical (lower-case) UUID"));
  }
  e.id = *canonical;
  auto type = need("ce_type");
  if (!type) return Error(type.error());
  e.type = *type;
  auto source = need("ce_source");
  if (!source) return Error(source.error());
  if (!source->starts_with(kSourcePrefix)) {
    return Error(Bad("ce_source", "ce_source is not /clientele/<node>"));
  }
  e.origin = source->substr(kSourcePrefix.size());
  if (Status s = ValidateNodeId(e.origin, "ce_source"); !s.ok()) return Error(s);
  auto time = need("ce_time");
  if (!time) return Error(time.error());
  auto ms = ParseTime(*time, 0);
  if (!ms || *time == "now") return Error(Bad("ce_time", "ce_time is not an RFC 3339 time"));
  e.time_ms = *ms;
  auto stream = need("ce_stream");
  if (!stream) return Error(stream.error());
  e.stream = *stream;
  auto schema = need("ce_schema");
  if (!schema) return Error(schema.error());
  if (schema->empty() || schema->size() > 3 ||
      schema->find_first_not_of("0123456789") != std::string::npos) {
    return Error(Bad("ce_schema", "ce_schema is not a number"));
  }
  e.schema = static_cast<std::uint32_t>(std::stoul(*schema));
  e.actor = Header(h, "ce_actor").value_or("");
  e.correlation_id = Header(h, "ce_correlationid").value_or("");
  e.causation_id = Header(h, "ce_causationid").value_or("");
  e.carried_key = Header(h, "clientele_datakey").value_or("");
  if (m->payload != nullptr) e.data.assign(static_cast<const char*>(m->payload), m->len);

  if (auto seq = Header(h, "ce_sequence")) {
    auto [ptr, ec] = std::from_chars(seq->data(), seq->data() + seq->size(), e.seq);
    if (ec != std::errc() || ptr != seq->data() + seq->size() || seq->empty()) {
      return Error(Bad("ce_sequence", "ce_sequence is not a number"));
    }
  }
  if (auto signature = Header(h, "ce_signature")) {
    auto decoded = Base64Decode(*signature);
    if (!decoded) return Error(Bad("ce_signature", "ce_signature is not base64"));
    e.signature = std::move(*decoded);
  }
  if (e.stream != kSettingsStream && e.stream != kNodesStream && e.stream != kAuditStream) {
    auto customer = ParseUuid(MessageKey(e), "ce_stream");
    if (!e.stream.starts_with(kCustomerStreamPrefix) || !customer ||
        CustomerStream(*customer) != e.stream) {
      return Error(
          Bad("ce_stream", "ce_stream is not customer-<canonical uuid>, settings, nodes or audit"));
    }
  }
  const std::string_view key(static_cast<const char*>(m->key), m->key == nullptr ? 0 : m->key_len);
  if (key != MessageKey(e)) return Error(Bad("key", "the message key does not match ce_stream"));
  return e;
}

}  // namespace clientele
