// The node registry: which keys may sign which node's events.
#include "domain/nodes.h"

#include <gtest/gtest.h>

namespace clientele {
namespace {

// Canonical key texts: 43 base64 characters, the last with its two unused
// bits clear, and one '='.
std::string Key(char c) { return std::string(42, c) + "A="; }
const std::string kA = Key('a'), kB = Key('b'), kC = Key('c'), kHqKey = Key('h');

NodeRegistry Apply(NodeRegistry r, const std::vector<NodeEvent>& events) {
  for (const NodeEvent& e : events) r = Evolve(std::move(r), e);
  return r;
}

// Decides `cmd` on `r`, expecting success, and folds the events in.
NodeRegistry Decided(NodeRegistry r, const NodeCommand& cmd,
                     std::vector<NodeEvent>* out = nullptr) {
  auto events = Decide(r, cmd);
  EXPECT_TRUE(events) << events.error().ToString();
  if (!events) return r;
  if (out != nullptr) *out = *events;
  return Apply(std::move(r), *events);
}

Status Refusal(const NodeRegistry& r, const NodeCommand& cmd) {
  auto events = Decide(r, cmd);
  EXPECT_FALSE(events) << "expected a refusal";
  return events ? Status::OK() : events.error();
}

// s01 with keys A and B, s02 with key C, hq with its own.
NodeRegistry Chain() {
  NodeRegistry r;
  r = Decided(r, EnrollNodeKey{"hq", kHqKey});
  r = Decided(r, EnrollNodeKey{"s01", kA});
  r = Decided(r, EnrollNodeKey{"s01", kB});
  r = Decided(r, EnrollNodeKey{"s02", kC});
  return r;
}

TEST(NodeRegistryDecide, EnrollsAKeyOnceAndThenDoesNothing) {
  NodeRegistry r;
  std::vector<NodeEvent> events;
  r = Decided(r, EnrollNodeKey{"s01", kA}, &events);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0], NodeEvent(NodeKeyEnrolled{"s01", kA}));
  EXPECT_EQ(r.keys.at(kA), (NodeKeyState{"s01", false, 0}));
  EXPECT_TRUE(r.Enrolled("s01"));
  EXPECT_FALSE(r.Enrolled("s02"));

  auto again = Decide(r, EnrollNodeKey{"s01", kA});
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->empty()) << "enrolling an enrolled key is a no-op";
}

TEST(NodeRegistryDecide, AKeyBelongsToOneNodeForEver) {
  NodeRegistry r = Chain();
  Status s = Refusal(r, EnrollNodeKey{"s02", kA});
  EXPECT_EQ(s.code(), StatusCode::kConflict);
  EXPECT_EQ(s.reason(), "key_in_use");

  r = Decided(r, RevokeNodeKey{"s01", kA, 10});
  s = Refusal(r, EnrollNodeKey{"s01", kA});
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.reason(), "key_revoked");
  EXPECT_EQ(s.field(), "public_key");
  // Revoked, it still belongs to s01: another node cannot take it either.
  s = Refusal(r, EnrollNodeKey{"s03", kA});
  EXPECT_EQ(s.reason(), "key_in_use");
}

TEST(NodeRegistryDecide, RefusesBadNodeIdsAndKeyTexts) {
  NodeRegistry r = Chain();
  for (std::string node : {"", "S01", "1abc", "s 1", "abcdefghijklmn", "s-01"}) {
    Status s = Refusal(r, EnrollNodeKey{node, Key('x')});
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << node;
    EXPECT_EQ(s.field(), "node") << node;
    s = Refusal(r, RevokeNodeKey{node, kA, 0});
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << node;
  }
  for (std::string key : {std::string(""), std::string(43, 'A'), std::string(43, 'A') + "==",
                          std::string(42, 'A') + "==", std::string(42, 'A') + "-=",
                          std::string(42, 'A') + " =", std::string(44, 'A')}) {
    Status s = Refusal(r, EnrollNodeKey{"s03", key});
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << key;
    EXPECT_EQ(s.reason(), "invalid_public_key") << key;
    EXPECT_EQ(s.field(), "public_key") << key;
    if (key.empty()) continue;  // an empty key revokes every key
    s = Refusal(r, RevokeNodeKey{"s01", key, 0});
    EXPECT_EQ(s.reason(), "invalid_public_key") << key;
  }
}

TEST(NodeRegistryDecide, RevokesOneKeyOrEveryKeyOfANode) {
  NodeRegistry r = Chain();
  std::vector<NodeEvent> events;
  NodeRegistry one = Decided(r, RevokeNodeKey{"s01", kA, 41}, &events);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0], NodeEvent(NodeKeyRevoked{"s01", kA, 41}));
  EXPECT_EQ(one.keys.at(kA), (NodeKeyState{"s01", true, 41}));
  EXPECT_FALSE(one.keys.at(kB).revoked);
  EXPECT_TRUE(one.Enrolled("s01")) << "B is still good";

  NodeRegistry all = Decided(r, RevokeNodeKey{"s01", "", 7}, &events);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0], NodeEvent(NodeKeyRevoked{"s01", kA, 7}));
  EXPECT_EQ(events[1], NodeEvent(NodeKeyRevoked{"s01", kB, 7}));
  EXPECT_FALSE(all.Enrolled("s01"));
  EXPECT_TRUE(all.Enrolled("s02")) << "another node's keys are untouched";
  EXPECT_FALSE(all.keys.at(kC).revoked);

  // Revoking every key after one was revoked revokes only the rest.
  NodeRegistry rest = Decided(one, RevokeNodeKey{"s01", "", 50}, &events);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0], NodeEvent(NodeKeyRevoked{"s01", kB, 50}));
  EXPECT_EQ(rest.keys.at(kA).valid_through, 41u);
  // Nothing left to revoke: a no-op, not an error.
  auto nothing = Decide(rest, RevokeNodeKey{"s01", "", 60});
  ASSERT_TRUE(nothing) << nothing.error().ToString();
  EXPECT_TRUE(nothing->empty());
  auto again = Decide(rest, RevokeNodeKey{"s01", kA, 60});
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->empty());
}

TEST(NodeRegistryDecide, HqsKeyCannotBeRevoked) {
  NodeRegistry r = Chain();
  for (std::string key : {kHqKey, std::string()}) {
    Status s = Refusal(r, RevokeNodeKey{"hq", key, 0});
    EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
    EXPECT_EQ(s.reason(), "hq_key");
    EXPECT_EQ(s.field(), "node");
  }
}

TEST(NodeRegistryDecide, RevokingWhatIsNotThereIsNotFound) {
  NodeRegistry r = Chain();
  Status s = Refusal(r, RevokeNodeKey{"s09", "", 0});
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.reason(), "node_not_enrolled");
  s = Refusal(r, RevokeNodeKey{"s09", kA, 0});
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.reason(), "key_not_found");
  // s02's key named for s01.
  s = Refusal(r, RevokeNodeKey{"s01", kC, 0});
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.reason(), "key_not_found");
  s = Refusal(r, RevokeNodeKey{"s01", Key('z'), 0});
  EXPECT_EQ(s.reason(), "key_not_found");
  s = Refusal(NodeRegistry{}, RevokeNodeKey{"s01", "", 0});
  EXPECT_EQ(s.reason(), "node_not_enrolled");
}

TEST(NodeRegistryEvolve, ARevokedKeyStaysRevokedAtItsLowestNumber) {
  NodeRegistry r = Chain();
  r = Evolve(r, NodeKeyRevoked{"s01", kA, 10});
  r = Evolve(r, NodeKeyRevoked{"s01", kA, 20});
  EXPECT_EQ(r.keys.at(kA).valid_through, 10u);
  r = Evolve(r, NodeKeyRevoked{"s01", kA, 5});
  EXPECT_EQ(r.keys.at(kA).valid_through, 5u);
  // An enrolment event for it (one Decide never makes) does not revive it.
  r = Evolve(r, NodeKeyEnrolled{"s01", kA});
  EXPECT_EQ(r.keys.at(kA), (NodeKeyState{"s01", true, 5}));
  // A revocation naming the wrong node, or an unknown key, changes nothing.
  const NodeRegistry before = r;
  r = Evolve(r, NodeKeyRevoked{"s02", kB, 1});
  r = Evolve(r, NodeKeyRevoked{"s01", Key('q'), 1});
  EXPECT_EQ(r, before);
  // An enrolment of another node's key does not move it.
  r = Evolve(r, NodeKeyEnrolled{"s09", kC});
  EXPECT_EQ(r.keys.at(kC).node, "s02");
}

TEST(NodeRegistryMaySign, ChecksTheKeyItsNodeAndTheNumber) {
  NodeRegistry r = Chain();
  r = Decided(r, RevokeNodeKey{"s01", kA, 100});
  EXPECT_TRUE(r.MaySign("s01", kB, 1).ok());
  EXPECT_TRUE(r.MaySign("s01", kB, UINT64_MAX).ok());
  EXPECT_TRUE(r.MaySign("hq", kHqKey, 5).ok());

  Status s = r.MaySign("s01", Key('z'), 1);
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(s.reason(), "unknown_key");
  s = r.MaySign("s01", kC, 1);  // s02's key
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(s.reason(), "unknown_key");
  s = r.MaySign("s02", kA, 1);
  EXPECT_EQ(s.reason(), "unknown_key");
  EXPECT_EQ(r.MaySign("", kA, 1).reason(), "unknown_key");

  EXPECT_TRUE(r.MaySign("s01", kA, 0).ok());
  EXPECT_TRUE(r.MaySign("s01", kA, 99).ok()) << "below valid_through";
  EXPECT_TRUE(r.MaySign("s01", kA, 100).ok()) << "at valid_through";
  s = r.MaySign("s01", kA, 101);
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(s.reason(), "revoked_key");
  EXPECT_EQ(r.MaySign("s01", kA, UINT64_MAX).reason(), "revoked_key");

  NodeRegistry zero = Decided(Chain(), RevokeNodeKey{"s02", kC, 0});
  EXPECT_EQ(zero.MaySign("s02", kC, 1).reason(), "revoked_key");
}

TEST(NodeCodec, BothEventsRoundTrip) {
  const std::vector<NodeEvent> events = {
      NodeKeyEnrolled{"s01", kA},
      NodeKeyEnrolled{"hq", kHqKey},
      NodeKeyRevoked{"s01", kA, 0},
      NodeKeyRevoked{"paris3", Key('+'), 123456789},
      NodeKeyRevoked{"s01", Key('/'), UINT64_MAX},
  };
  for (const NodeEvent& e : events) {
    const std::string_view type = EventTypeName(e);
    EXPECT_TRUE(IsNodeEventType(type));
    const std::string json = EncodePayload(e);
    auto back = DecodeNodeEvent(type, 1, json);
    ASSERT_TRUE(back) << json << ": " << back.error().ToString();
    EXPECT_EQ(*back, e) << json;
  }
  EXPECT_EQ(EventTypeName(NodeEvent(NodeKeyEnrolled{})), "node.key_enrolled");
  EXPECT_EQ(EventTypeName(NodeEvent(NodeKeyRevoked{})), "node.key_revoked");
  EXPECT_FALSE(IsNodeEventType("node.key_rotated"));
  EXPECT_FALSE(IsNodeEventType("customer.registered"));
}

TEST(NodeCodec, RefusesWhatDoesNotMatchTheSchema) {
  const std::string key = "\"" + kA + "\"";
  struct Bad {
    std::string type;
    std::string json;
  };
  const std::vector<Bad> corrupt = {
      {"node.key_enrolled", "{"},
      {"node.key_enrolled", ""},
      {"node.key_enrolled", "[]"},
      {"node.key_enrolled", "null"},
      {"node.key_enrolled", R"({"node":"s01"})"},
      {"node.key_enrolled", R"({"key":)" + key + "}"},
      {"node.key_enrolled", R"({"node":"s01","key":)" + key + R"(,"extra":1})"},
      {"node.key_enrolled", R"({"node":"s01","key":)" + key + R"(,"valid_through":1})"},
      {"node.key_enrolled", R"({"node":"s01","node":"s02","key":)" + key + "}"},
      {"node.key_enrolled", R"({"node":1,"key":)" + key + "}"},
      {"node.key_enrolled", R"({"node":"S01","key":)" + key + "}"},
      {"node.key_enrolled", R"({"node":"","key":)" + key + "}"},
      {"node.key_enrolled", R"({"node":"1s","key":)" + key + "}"},
      {"node.key_enrolled", R"({"node":"abcdefghijklmn","key":)" + key + "}"},
      {"node.key_enrolled", R"({"node":"s01","key":"short="})"},
      {"node.key_enrolled", R"({"node":"s01","key":")" + std::string(44, 'A') + "\"}"},
      {"node.key_enrolled", R"({"node":"s01","key":")" + std::string(42, 'A') + "*=\"}"},
      {"node.key_enrolled", R"({"node":"s01","key":42})"},
      {"node.key_enrolled", R"({"node":"s01","key":)" + key + "} trailing"},
      {"node.key_revoked", R"({"node":"s01","key":)" + key + "}"},
      {"node.key_revoked", R"({"node":"s01","key":)" + key + R"(,"valid_through":-1})"},
      {"node.key_revoked", R"({"node":"s01","key":)" + key + R"(,"valid_through":"5"})"},
      {"node.key_revoked", R"({"node":"s01","key":)" + key + R"(,"valid_through":1.5})"},
      {"node.key_revoked", R"({"node":"s01","key":)" + key + R"(,"valid_through":1,"x":0})"},
      {"node.key_revoked", R"({"node":"s01","key":)" + key + R"(,"through":1})"},
      {"node.key_revoked", R"({"node":"s01","key":"bad","valid_through":1})"},
  };
  for (const Bad& b : corrupt) {
    auto r = DecodeNodeEvent(b.type, 1, b.json);
    ASSERT_FALSE(r) << b.type << " " << b.json;
    EXPECT_EQ(r.error().code(), StatusCode::kCorruption) << b.json;
  }
  const std::string good = EncodePayload(NodeKeyEnrolled{"s01", kA});
  for (std::uint32_t schema : {0u, 2u, 99u}) {
    auto r = DecodeNodeEvent("node.key_enrolled", schema, good);
    ASSERT_FALSE(r) << schema;
    EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.error().reason(), "unknown_schema");
  }
  auto unknown = DecodeNodeEvent("node.key_rotated", 1, good);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(unknown.error().reason(), "unknown_event_type");
}

}  // namespace
}  // namespace clientele
