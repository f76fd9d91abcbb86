// The node registry's routes through Service::Handle (api/node_routes.cc):
// this node's identity, the enrolment and revocation of stores' keys, which
// only HQ records, who may do either, and the events feed's sequence numbers,
// exact payloads and proofs of origin.
#include <set>
#include <string>
#include <vector>

#include "domain/time.h"
#include "eventstore/base64.h"
#include "eventstore/signing.h"
#include "tests/api/service_fixture.h"

namespace clientele::testing {
namespace {

class NodeRoutesTest : public ServiceTest {
 protected:
  // POST /v1/nodes {"node","public_key"}.
  Reply Enrol(const std::string& node, const std::string& public_key,
              const std::string& token = "admin", api::Service* service = nullptr) {
    const boost::json::object body{{"node", node}, {"public_key", public_key}};
    return Call("POST", "/v1/nodes", boost::json::serialize(body), token, {}, service);
  }

  // The registry as GET /v1/nodes answers it.
  boost::json::value Registry() {
    Reply r = Call("GET", "/v1/nodes", "", "only-sync");
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json();
  }

  // `count` events of store `origin`, numbered from `first_seq` and signed as
  // one batch with `key`, as HQ's log holds them once they have arrived.
  void ReceiveFrom(const std::string& origin, const NodeKey* key, std::uint64_t first_seq,
                   int count) {
    std::vector<RecordedEvent> events(count);
    std::vector<RecordedEvent*> batch;
    for (int i = 0; i < count; ++i) {
      RecordedEvent& e = events[i];
      e.id = NewUuid();
      e.stream = origin + "-notes";
      e.type = "note.added";
      e.time_ms = clock_.NowMs();
      e.origin = origin;
      e.actor = "till-1";
      e.data = R"({"text":"note )" + std::to_string(i) + R"("})";
      e.seq = first_seq + i;
      batch.push_back(&e);
    }
    if (key != nullptr) SignBatch(*key, batch);
    auto appended = store_->AppendReplicated(std::move(events));
    ASSERT_TRUE(appended) << appended.error().ToString();
  }
};

// The entry for `node` in a registry (NodeRegistry), or an empty object.
boost::json::object EntryOf(const boost::json::value& registry, const std::string& node) {
  if (!registry.is_object() || !registry.as_object().contains("nodes")) return {};
  for (const auto& n : registry.at("nodes").as_array()) {
    if (n.at("node").as_string() == node) return n.as_object();
  }
  return {};
}

// The key `key_text` in a registry entry, or an empty object.
boost::json::object KeyOf(const boost::json::object& entry, const std::string& key_text) {
  if (!entry.contains("keys")) return {};
  for (const auto& k : entry.at("keys").as_array()) {
    if (k.at("public_key").as_string() == key_text) return k.as_object();
  }
  return {};
}

// The fields a problem's "errors" name.
std::set<std::string> FieldsOf(const Reply& r) {
  std::set<std::string> out;
  auto json = r.json();
  if (!json.is_object() || !json.as_object().contains("errors")) return out;
  for (const auto& e : json.at("errors").as_array()) out.emplace(e.at("field").as_string());
  return out;
}

TEST_F(NodeRoutesTest, IdentityAnswersThisNodesIdAndKey) {
  for (const char* token : {"only-sync", "only-nodes.manage"}) {
    SCOPED_TRACE(token);
    Reply r = Call("GET", "/v1/sync/identity", "", token);
    ASSERT_EQ(r.status, 200) << r.body;
    auto json = r.json();
    EXPECT_EQ(json.at("node").as_string(), "hq");
    EXPECT_EQ(json.at("public_key").as_string(), PublicKeyText(key_->public_key()));
    EXPECT_EQ(json.at("fingerprint").as_string(), KeyFingerprint(key_->public_key()));
    auto parsed = ParsePublicKey(json.at("public_key").as_string());
    ASSERT_TRUE(parsed);
    EXPECT_EQ(*parsed, key_->public_key());
  }
  // A node without a signing key has no identity to give.
  api::ServiceOptions keyless;
  api::Service service(keyless, store_.get(), commands_.get(), projector_.get(),
                       api::Authenticator(TestPrincipals()), &clock_);
  Reply none = Call("GET", "/v1/sync/identity", "", "only-sync", {}, &service);
  EXPECT_EQ(none.status, 503) << none.body;
  EXPECT_EQ(none.reason(), "no_signing_key");
}

TEST_F(NodeRoutesTest, AKeyIsEnrolledOnceAndForOneNode) {
  auto s01 = NodeKey::Generate();
  const std::string key = PublicKeyText(s01->public_key());
  const std::uint64_t head = Head();

  Reply first = Enrol("s01", key, "only-nodes.manage");
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(Head(), head + 1) << "one event recorded";
  auto entry = EntryOf(first.json(), "s01");
  ASSERT_FALSE(entry.empty()) << first.body;
  EXPECT_TRUE(entry.at("enrolled").as_bool());
  ASSERT_EQ(entry.at("keys").as_array().size(), 1u);
  auto k = KeyOf(entry, key);
  ASSERT_FALSE(k.empty()) << first.body;
  EXPECT_FALSE(k.at("revoked").as_bool());
  EXPECT_EQ(k.at("fingerprint").as_string(), KeyFingerprint(s01->public_key()));
  EXPECT_FALSE(k.contains("valid_through"));
  EXPECT_EQ(Registry(), first.json()) << "the answer is the registry as listed";

  Reply again = Enrol("s01", key);
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json(), first.json());
  EXPECT_EQ(Head(), head + 1) << "nothing more recorded";

  Reply other = Enrol("s02", key);
  EXPECT_EQ(other.status, 409) << other.body;
  EXPECT_EQ(other.reason(), "key_in_use");
  EXPECT_EQ(Head(), head + 1);
  EXPECT_TRUE(EntryOf(Registry(), "s02").empty());

  // A second key for the same node (a rotation's first step) is a new one.
  auto next = NodeKey::Generate();
  Reply rotated = Enrol("s01", PublicKeyText(next->public_key()));
  ASSERT_EQ(rotated.status, 201) << rotated.body;
  EXPECT_EQ(EntryOf(rotated.json(), "s01").at("keys").as_array().size(), 2u);
}

struct BadEnrolment {
  const char* name;
  std::string body;
  const char* reason;
  std::set<std::string> fields;
};

TEST_F(NodeRoutesTest, BadEnrolmentsNameTheField) {
  const std::string key = PublicKeyText(NodeKey::Generate()->public_key());
  auto body = [](const std::string& node, const std::string& public_key) {
    return boost::json::serialize(boost::json::object{{"node", node}, {"public_key", public_key}});
  };
  const std::vector<BadEnrolment> cases = {
      {"not base64", body("s01", "not a key"), "invalid_public_key", {"public_key"}},
      {"31 bytes (also 44 characters)",
       body("s01", Base64Encode(std::string(31, '\x07'))),
       "invalid_public_key",
       {"public_key"}},
      {"33 bytes (44 characters, unpadded)",
       body("s01", Base64Encode(std::string(33, '\x07'))),
       "invalid_public_key",
       {"public_key"}},
      {"upper case node", body("S01", key), "invalid_node_id", {"node"}},
      {"node with a dash", body("store-1", key), "invalid_node_id", {"node"}},
      {"node starting with a digit", body("1st", key), "invalid_node_id", {"node"}},
      {"node of 13 characters", body("abcdefghijklm", key), "invalid_node_id", {"node"}},
      {"both bad", body("S01", "nope"), "validation_failed", {"node", "public_key"}},
      {"no key", R"({"node":"s01"})", "required", {"public_key"}},
      {"a key that is not text", R"({"node":"s01","public_key":7})", "wrong_type", {"public_key"}},
      {"an unknown field",
       R"({"node":"s01","public_key":")" + key + R"(","note":"x"})",
       "unknown_field",
       {"note"}},
  };
  const std::uint64_t head = Head();
  for (const BadEnrolment& c : cases) {
    SCOPED_TRACE(c.name);
    Reply r = Call("POST", "/v1/nodes", c.body);
    EXPECT_EQ(r.status, 422) << r.body;
    EXPECT_EQ(r.reason(), c.reason) << r.body;
    EXPECT_EQ(FieldsOf(r), c.fields) << r.body;
  }
  EXPECT_EQ(Head(), head) << "nothing recorded";
  EXPECT_TRUE(Registry().at("nodes").as_array().empty());
}

TEST_F(NodeRoutesTest, RevokingKeepsTheEventsHQAlreadyHolds) {
  auto old_key = NodeKey::Generate(), new_key = NodeKey::Generate();
  const std::string old_text = PublicKeyText(old_key->public_key());
  const std::string new_text = PublicKeyText(new_key->public_key());
  ASSERT_EQ(Enrol("s01", old_text).status, 201);
  ASSERT_EQ(Enrol("s01", new_text).status, 201);
  ReceiveFrom("s01", old_key.get(), 1, 3);
  ASSERT_EQ(*store_->LastSeq("s01"), 3u);

  // One key: the other stays, and so does the node.
  Reply one = Call("POST", "/v1/nodes/s01/revoke",
                   boost::json::serialize(boost::json::object{{"public_key", old_text}}),
                   "only-nodes.manage");
  ASSERT_EQ(one.status, 200) << one.body;
  auto entry = EntryOf(one.json(), "s01");
  EXPECT_TRUE(entry.at("enrolled").as_bool());
  EXPECT_TRUE(KeyOf(entry, old_text).at("revoked").as_bool());
  EXPECT_EQ(KeyOf(entry, old_text).at("valid_through").to_number<std::uint64_t>(), 3u)
      << "s01's events HQ holds stand";
  EXPECT_FALSE(KeyOf(entry, new_text).at("revoked").as_bool());
  EXPECT_FALSE(KeyOf(entry, new_text).contains("valid_through"));

  // No body: every key of the node. The old key keeps its valid_through.
  ReceiveFrom("s01", new_key.get(), 4, 2);
  Reply all = Call("POST", "/v1/nodes/s01/revoke", "");
  ASSERT_EQ(all.status, 200) << all.body;
  entry = EntryOf(all.json(), "s01");
  EXPECT_FALSE(entry.at("enrolled").as_bool());
  EXPECT_EQ(KeyOf(entry, old_text).at("valid_through").to_number<std::uint64_t>(), 3u);
  EXPECT_TRUE(KeyOf(entry, new_text).at("revoked").as_bool());
  EXPECT_EQ(KeyOf(entry, new_text).at("valid_through").to_number<std::uint64_t>(), 5u);
  EXPECT_EQ(Registry(), all.json());

  // Again: nothing left to revoke, nothing recorded.
  const std::uint64_t head = Head();
  Reply again = Call("POST", "/v1/nodes/s01/revoke", "{}");
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json(), all.json());
  EXPECT_EQ(Head(), head);

  // A revoked key is never enrolled again.
  Reply back = Enrol("s01", old_text);
  EXPECT_EQ(back.status, 409) << back.body;
  EXPECT_EQ(back.reason(), "key_revoked");
  EXPECT_EQ(Head(), head);
}

struct BadRevocation {
  const char* name;
  std::string node;
  std::string body;
  int status;
  const char* reason;
};

TEST_F(NodeRoutesTest, RevocationsThatCannotBeAreRefused) {
  const std::string key = PublicKeyText(NodeKey::Generate()->public_key());
  ASSERT_EQ(Enrol("s01", key).status, 201);
  const std::string other = PublicKeyText(NodeKey::Generate()->public_key());
  auto with_key = [](const std::string& k) {
    return boost::json::serialize(boost::json::object{{"public_key", k}});
  };
  const std::vector<BadRevocation> cases = {
      {"a node never enrolled", "s09", "{}", 404, "node_not_enrolled"},
      {"a key the node does not have", "s01", with_key(other), 404, "key_not_found"},
      {"another node's key", "s02", with_key(key), 404, "key_not_found"},
      {"HQ's own key", "hq", "{}", 409, "hq_key"},
      {"HQ's own key, named", "hq", with_key(PublicKeyText(key_->public_key())), 409, "hq_key"},
      {"a bad node id", "S01", "{}", 422, "invalid_node_id"},
      {"a bad key", "s01", with_key("nope"), 422, "invalid_public_key"},
      {"an unknown field", "s01", R"({"node":"s01"})", 422, "unknown_field"},
  };
  const std::uint64_t head = Head();
  const auto before = Registry();
  for (const BadRevocation& c : cases) {
    SCOPED_TRACE(c.name);
    Reply r = Call("POST", "/v1/nodes/" + c.node + "/revoke", c.body);
    EXPECT_EQ(r.status, c.status) << r.body;
    EXPECT_EQ(r.reason(), c.reason) << r.body;
  }
  EXPECT_EQ(Head(), head) << "nothing recorded";
  EXPECT_EQ(Registry(), before);
}

TEST_F(NodeRoutesTest, OnlyHQRecordsTheRegistry) {
  // A store: its own log, commands and projections, and a service as node s01.
  auto opened = EventStore::Open({.path = dir_.sub("s01"), .origin = "s01", .clock = &clock_});
  ASSERT_TRUE(opened) << opened.error().ToString();
  std::unique_ptr<EventStore> log = std::move(*opened);
  CommandHandler commands(log.get(), "s01", &clock_);
  ASSERT_TRUE(commands.Init().ok());
  auto projector = Projector::Open(log.get(), dir_.sub("s01-projections"));
  ASSERT_TRUE(projector) << projector.error().ToString();
  ASSERT_TRUE((*projector)->CatchUp().ok());
  auto store_key = NodeKey::Generate();
  api::ServiceOptions options;
  options.node = "s01";
  options.key = store_key.get();
  api::Service store(options, log.get(), &commands, projector->get(),
                     api::Authenticator(TestPrincipals()), &clock_);

  const std::string key = PublicKeyText(NodeKey::Generate()->public_key());
  Reply enrol = Enrol("s02", key, "store", &store);
  EXPECT_EQ(enrol.status, 409) << enrol.body;
  EXPECT_EQ(enrol.reason(), "hq_only");
  Reply revoke = Call("POST", "/v1/nodes/s02/revoke", "{}", "store", {}, &store);
  EXPECT_EQ(revoke.status, 409) << revoke.body;
  EXPECT_EQ(revoke.reason(), "hq_only");
  EXPECT_EQ(log->Head(), 0u) << "the store recorded nothing";
  // The store still names itself and lists the registry it holds (none).
  Reply identity = Call("GET", "/v1/sync/identity", "", "store", {}, &store);
  ASSERT_EQ(identity.status, 200) << identity.body;
  EXPECT_EQ(identity.json().at("node").as_string(), "s01");
  EXPECT_EQ(identity.json().at("public_key").as_string(), PublicKeyText(store_key->public_key()));
  Reply listed = Call("GET", "/v1/nodes", "", "store", {}, &store);
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_TRUE(listed.json().at("nodes").as_array().empty());
}

TEST_F(NodeRoutesTest, ManagingNodesNeedsNodesManage) {
  const std::string key = PublicKeyText(NodeKey::Generate()->public_key());
  const std::uint64_t head = Head();
  for (const char* token : {"no-nodes.manage", "only-sync", "viewer"}) {
    SCOPED_TRACE(token);
    Reply enrol = Enrol("s01", key, token);
    EXPECT_EQ(enrol.status, 403) << enrol.body;
    EXPECT_EQ(enrol.reason(), "permission_denied");
    Reply revoke = Call("POST", "/v1/nodes/s01/revoke", "{}", token);
    EXPECT_EQ(revoke.status, 403) << revoke.body;
    EXPECT_EQ(revoke.reason(), "permission_denied");
  }
  // A store's token is refused at HQ whatever it holds.
  Reply store = Enrol("s01", key, "store");
  EXPECT_EQ(store.status, 403) << store.body;
  EXPECT_EQ(store.reason(), "wrong_node");
  EXPECT_EQ(Head(), head) << "nothing recorded";
  // Reading the registry and the identity needs sync or nodes.manage.
  EXPECT_EQ(Call("GET", "/v1/nodes", "", "no-nodes.manage").status, 200);
  EXPECT_EQ(Call("GET", "/v1/nodes", "", "only-audit.read").status, 403);
  EXPECT_EQ(Call("GET", "/v1/sync/identity", "", "viewer").status, 403);
}

// An event as the feed renders it, back in the shape its proof covers.
RecordedEvent FromFeed(const boost::json::value& v) {
  auto text = [&](const char* name) {
    const auto& f = v.at(name);
    return f.is_null() ? std::string() : std::string(f.as_string());
  };
  RecordedEvent e;
  e.position = v.at("position").to_number<std::uint64_t>();
  e.id = text("id");
  e.stream = text("stream");
  e.version = v.at("version").to_number<std::int64_t>();
  e.type = text("type");
  e.schema = v.at("schema").to_number<std::uint32_t>();
  auto time = ParseTime(text("time"), 0);
  EXPECT_TRUE(time) << text("time");
  e.time_ms = time ? *time : 0;
  e.origin = text("origin");
  e.actor = text("actor");
  e.causation_id = text("causation_id");
  e.correlation_id = text("correlation_id");
  e.data = text("data_raw");
  e.seq = v.at("sequence").to_number<std::uint64_t>();
  if (v.as_object().contains("signature")) {
    auto proof = Base64Decode(v.at("signature").as_string());
    EXPECT_TRUE(proof) << v.at("signature");
    e.signature = proof.value_or("");
  }
  return e;
}

TEST_F(NodeRoutesTest, TheEventsFeedCarriesSequencesPayloadsAndProofs) {
  Create("Ada", "Lovelace");
  Create("Grace", "Hopper", R"(,"notes":"caf\u00e9  \"quoted\"")");
  auto s01 = NodeKey::Generate();
  ASSERT_EQ(Enrol("s01", PublicKeyText(s01->public_key())).status, 201);
  ReceiveFrom("s01", s01.get(), 1, 2);
  ReceiveFrom("s02", nullptr, 1, 1);  // before stores signed: no proof

  Reply feed = Call("GET", "/v1/events?limit=1000", "", "only-sync");
  ASSERT_EQ(feed.status, 200) << feed.body;
  const auto feed_json = feed.json();
  const auto& rendered = feed_json.at("events").as_array();
  auto stored = store_->ReadAll(1, 1000);
  ASSERT_TRUE(stored);
  ASSERT_EQ(rendered.size(), stored->size());
  ASSERT_GE(stored->size(), 6u);

  ProofVerifier verifier;
  std::uint64_t hq_seq = 0;
  int hq_signed = 0, s01_signed = 0;
  for (std::size_t i = 0; i < rendered.size(); ++i) {
    const RecordedEvent& want = (*stored)[i];
    SCOPED_TRACE(want.origin + " " + want.type);
    RecordedEvent got = FromFeed(rendered[i]);
    EXPECT_EQ(got.seq, want.seq);
    EXPECT_EQ(got.data, want.data) << "data_raw is the stored payload, byte for byte";
    EXPECT_TRUE(SameEvent(got, want)) << "every signed field comes back as stored";
    if (want.origin == "hq") {
      EXPECT_EQ(got.seq, ++hq_seq) << "HQ numbers its own events from 1 without gaps";
      ASSERT_FALSE(got.signature.empty()) << "HQ signs its own events";
      EXPECT_EQ(ProofKey(got.signature), key_->public_key());
      EXPECT_TRUE(verifier.Verify(got).ok());
      // The proof covers the payload: one byte changed and it fails.
      RecordedEvent changed = got;
      changed.data.back() = changed.data.back() == '}' ? ' ' : '}';
      EXPECT_FALSE(verifier.Verify(changed).ok());
      ++hq_signed;
    } else if (want.origin == "s01") {
      EXPECT_EQ(got.signature, want.signature) << "a store's event keeps the proof it came with";
      EXPECT_EQ(ProofKey(got.signature), s01->public_key());
      EXPECT_TRUE(verifier.Verify(got).ok());
      ++s01_signed;
    } else {
      EXPECT_FALSE(rendered[i].as_object().contains("signature"));
    }
  }
  EXPECT_EQ(hq_signed, static_cast<int>(hq_seq));
  EXPECT_GE(hq_signed, 3);
  EXPECT_EQ(s01_signed, 2);

  // A node without a key sends its own events unsigned.
  api::ServiceOptions keyless;
  api::Service unsigned_service(keyless, store_.get(), commands_.get(), projector_.get(),
                                api::Authenticator(TestPrincipals()), &clock_);
  Reply plain = Call("GET", "/v1/events", "", "only-sync", {}, &unsigned_service);
  ASSERT_EQ(plain.status, 200) << plain.body;
  const auto plain_json = plain.json();
  int hq_unsigned = 0;
  for (const auto& e : plain_json.at("events").as_array()) {
    if (e.at("origin").as_string() != "hq") continue;
    EXPECT_FALSE(e.as_object().contains("signature"));
    ++hq_unsigned;
  }
  EXPECT_EQ(hq_unsigned, hq_signed);
}

}  // namespace
}  // namespace clientele::testing
