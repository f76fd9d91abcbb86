#include "domain/nodes.h"

#include <simdjson.h>

#include <boost/json.hpp>

#include "domain/ids.h"
#include "domain/overloaded.h"

namespace clientele {

namespace {

constexpr std::string_view kEnrolled = "node.key_enrolled";
constexpr std::string_view kRevoked = "node.key_revoked";

// The shape of a key's text: 44 characters of base64 ending in one '='.
Status CheckKeyText(std::string_view key) {
  bool ok = key.size() == 44 && key[43] == '=' && key[42] != '=';
  for (std::size_t i = 0; ok && i < 43; ++i) {
    const char c = key[i];
    ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
  }
  if (ok) return Status::OK();
  return Status::InvalidArgument("public_key", "invalid_public_key",
                                 "a public key is the base64 text of 32 bytes (44 characters, as "
                                 "`clientele key` prints it)");
}

}  // namespace

Status NodeRegistry::MaySign(std::string_view node, std::string_view key, std::uint64_t seq) const {
  auto it = keys.find(std::string(key));
  if (it == keys.end() || it->second.node != node) {
    return Status::PermissionDenied(
        "unknown_key", "the signing key is not enrolled for node " + std::string(node));
  }
  if (it->second.revoked && seq > it->second.valid_through) {
    return Status::PermissionDenied("revoked_key", "the signing key of node " + std::string(node) +
                                                       " was revoked after its event " +
                                                       std::to_string(it->second.valid_through));
  }
  return Status::OK();
}

bool NodeRegistry::Enrolled(std::string_view node) const {
  for (const auto& [key, state] : keys) {
    if (state.node == node && !state.revoked) return true;
  }
  return false;
}

Result<std::vector<NodeEvent>> Decide(const NodeRegistry& registry, const NodeCommand& cmd) {
  using Events = std::vector<NodeEvent>;
  return std::visit(
      Overloaded{
          [&](const EnrollNodeKey& c) -> Result<Events> {
            if (Status s = ValidateNodeId(c.node, "node"); !s.ok()) return Error(s);
            if (Status s = CheckKeyText(c.key); !s.ok()) return Error(s);
            auto it = registry.keys.find(c.key);
            if (it == registry.keys.end()) return Events{NodeKeyEnrolled{c.node, c.key}};
            if (it->second.node != c.node) {
              return Error(Status::Conflict(
                  "key_in_use", "this key is already enrolled for node " + it->second.node));
            }
            if (it->second.revoked) {
              return Error(Status::FailedPrecondition(
                  "public_key", "key_revoked",
                  "this key was revoked and cannot be enrolled again; make the node a new key"));
            }
            return Events{};  // already enrolled
          },
          [&](const RevokeNodeKey& c) -> Result<Events> {
            if (Status s = ValidateNodeId(c.node, "node"); !s.ok()) return Error(s);
            if (c.node == kHqNode) {
              return Error(Status::FailedPrecondition(
                  "node", "hq_key",
                  "HQ's own key cannot be revoked: every store checks HQ's "
                  "events with it"));
            }
            if (!c.key.empty()) {
              if (Status s = CheckKeyText(c.key); !s.ok()) return Error(s);
            }
            Events out;
            bool known = false;
            for (const auto& [key, state] : registry.keys) {
              if (state.node != c.node || (!c.key.empty() && key != c.key)) continue;
              known = true;
              if (!state.revoked) out.push_back(NodeKeyRevoked{c.node, key, c.valid_through});
            }
            if (!known) {
              return Error(Status::NotFound(c.key.empty() ? "node_not_enrolled" : "key_not_found",
                                            c.key.empty()
                                                ? "node " + c.node + " has no enrolled key"
                                                : "node " + c.node + " has no such key"));
            }
            return out;
          },
      },
      cmd);
}

NodeRegistry Evolve(NodeRegistry registry, const NodeEvent& event) {
  std::visit(Overloaded{
                 [&](const NodeKeyEnrolled& e) {
                   // A revoked key stays revoked: Decide never enrols it again.
                   registry.keys.try_emplace(e.key, NodeKeyState{e.node, false, 0});
                 },
                 [&](const NodeKeyRevoked& e) {
                   auto it = registry.keys.find(e.key);
                   if (it == registry.keys.end() || it->second.node != e.node) return;
                   if (it->second.revoked) {
                     it->second.valid_through = std::min(it->second.valid_through, e.valid_through);
                   } else {
                     it->second.revoked = true;
                     it->second.valid_through = e.valid_through;
                   }
                 },
             },
             event);
  return registry;
}

std::string_view EventTypeName(const NodeEvent& e) {
  return std::holds_alternative<NodeKeyEnrolled>(e) ? kEnrolled : kRevoked;
}

bool IsNodeEventType(std::string_view type) { return type == kEnrolled || type == kRevoked; }

std::string EncodePayload(const NodeEvent& event) {
  boost::json::object o;
  std::visit(Overloaded{
                 [&](const NodeKeyEnrolled& e) {
                   o["node"] = e.node;
                   o["key"] = e.key;
                 },
                 [&](const NodeKeyRevoked& e) {
                   o["node"] = e.node;
                   o["key"] = e.key;
                   o["valid_through"] = e.valid_through;
                 },
             },
             event);
  return boost::json::serialize(o);
}

Result<NodeEvent> DecodeNodeEvent(std::string_view type, std::uint32_t schema,
                                  std::string_view json) {
  if (!IsNodeEventType(type)) {
    return Error(Status::InvalidArgument("type", "unknown_event_type",
                                         "unknown node event type '" + std::string(type) + "'"));
  }
  if (schema != 1) {
    return Error(Status::InvalidArgument(
        "schema", "unknown_schema",
        "unknown schema " + std::to_string(schema) + " of " + std::string(type)));
  }
  auto bad = [&] {
    return Error(
        Status::Corruption("payload of " + std::string(type) + " does not match its schema"));
  };
  simdjson::dom::parser parser;
  simdjson::dom::object o;
  if (parser.parse(json.data(), json.size()).get_object().get(o) != simdjson::SUCCESS) return bad();
  std::string_view node, key;
  if (o["node"].get_string().get(node) != simdjson::SUCCESS ||
      o["key"].get_string().get(key) != simdjson::SUCCESS) {
    return bad();
  }
  if (!ValidateNodeId(node).ok() || !CheckKeyText(key).ok()) return bad();
  if (type == kEnrolled) {
    if (o.size() != 2) return bad();
    return NodeEvent(NodeKeyEnrolled{std::string(node), std::string(key)});
  }
  std::uint64_t through = 0;
  if (o.size() != 3 || o["valid_through"].get_uint64().get(through) != simdjson::SUCCESS) {
    return bad();
  }
  return NodeEvent(NodeKeyRevoked{std::string(node), std::string(key), through});
}

}  // namespace clientele
