// The node registry: which nodes belong to the chain and the keys their
// events must be signed with. HQ alone records it, in the "nodes" stream:
//
//   node.key_enrolled  {"node","key"}                  the node may sign with key
//   node.key_revoked   {"node","key","valid_through"}  events of node numbered
//                                                      above valid_through
//                                                      signed with key are refused
//
// Keys are Ed25519 public keys as base64 text (eventstore/signing.h). A key
// belongs to one node for ever: a revoked key is never enrolled again.
// Rotating a key is enrolling the new one, then revoking the old.
//
//   Decide(registry, command) -> events | refusal   (pure)
//   Evolve(registry, event)   -> registry           (pure)
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "domain/status.h"

namespace clientele {

inline constexpr std::string_view kNodesStream = "nodes";

struct NodeKeyEnrolled {
  std::string node;
  std::string key;
  bool operator==(const NodeKeyEnrolled&) const = default;
};
struct NodeKeyRevoked {
  std::string node;
  std::string key;
  std::uint64_t valid_through = 0;  // the node's events up to this number stand
  bool operator==(const NodeKeyRevoked&) const = default;
};
using NodeEvent = std::variant<NodeKeyEnrolled, NodeKeyRevoked>;

struct EnrollNodeKey {
  std::string node;
  std::string key;
};
// Revokes `key` of `node`, or every key of the node when `key` is empty.
struct RevokeNodeKey {
  std::string node;
  std::string key;
  std::uint64_t valid_through = 0;  // the highest number of node's events HQ holds
};
using NodeCommand = std::variant<EnrollNodeKey, RevokeNodeKey>;

struct NodeKeyState {
  std::string node;
  bool revoked = false;
  std::uint64_t valid_through = 0;
  bool operator==(const NodeKeyState&) const = default;
};

struct NodeRegistry {
  std::map<std::string, NodeKeyState> keys;  // by key text

  // OK if `key` may sign event number `seq` of `node`; PermissionDenied
  // ("unknown_key" or "revoked_key") saying why not otherwise.
  Status MaySign(std::string_view node, std::string_view key, std::uint64_t seq) const;
  // True if the node has a key that is not revoked.
  bool Enrolled(std::string_view node) const;
  bool operator==(const NodeRegistry&) const = default;
};

Result<std::vector<NodeEvent>> Decide(const NodeRegistry& registry, const NodeCommand& cmd);
NodeRegistry Evolve(NodeRegistry registry, const NodeEvent& event);

std::string_view EventTypeName(const NodeEvent& e);
bool IsNodeEventType(std::string_view type);
std::string EncodePayload(const NodeEvent& e);
// Corruption if the JSON does not match the type's schema, InvalidArgument
// if the type or schema version is unknown.
Result<NodeEvent> DecodeNodeEvent(std::string_view type, std::uint32_t schema,
                                  std::string_view json);

}  // namespace clientele
