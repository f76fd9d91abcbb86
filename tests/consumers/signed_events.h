// Events as other nodes make them, for tests: numbered per origin and signed
// with that origin's key (eventstore/signing.h).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "domain/event_codec.h"
#include "domain/ids.h"
#include "domain/nodes.h"
#include "eventstore/event.h"
#include "eventstore/signing.h"
#include "eventstore/uuid.h"

namespace clientele::testing {

class Origins {
 public:
  // The key of `node`, made on first use.
  const NodeKey& Key(const std::string& node) {
    auto& key = keys_[node];
    if (!key) key = NodeKey::Generate();
    return *key;
  }
  std::string KeyText(const std::string& node) { return PublicKeyText(Key(node).public_key()); }

  // An unsigned event of `origin`, with its next sequence number.
  RecordedEvent Unsigned(const std::string& origin, const std::string& stream, std::string type,
                         std::uint32_t schema, std::string data) {
    RecordedEvent e;
    e.id = NewUuid();
    e.stream = stream;
    e.type = std::move(type);
    e.schema = schema;
    e.data = std::move(data);
    e.origin = origin;
    e.actor = "someone";
    e.time_ms = 1'700'000'000'000;
    e.seq = ++seqs_[origin];
    return e;
  }
  RecordedEvent Customer(const std::string& origin, const std::string& customer,
                         const CustomerEvent& event) {
    return Unsigned(origin, CustomerStream(customer), std::string(EventTypeName(event)),
                    SchemaOf(event), EncodePayload(event));
  }
  RecordedEvent Node(const NodeEvent& event) {
    return Unsigned("hq", std::string(kNodesStream), std::string(EventTypeName(event)), 1,
                    EncodePayload(event));
  }
  RecordedEvent Settings(const SettingsEvent& event) {
    return Unsigned("hq", std::string(kSettingsStream), std::string(EventTypeName(event)),
                    SchemaOf(event), EncodePayload(event));
  }

  // Signs `e` alone with its origin's key (or with `signer`'s).
  RecordedEvent Signed(RecordedEvent e, const std::string& signer = "") {
    RecordedEvent* one[] = {&e};
    SignBatch(Key(signer.empty() ? e.origin : signer), one);
    return e;
  }

 private:
  std::map<std::string, std::unique_ptr<NodeKey>> keys_;
  std::map<std::string, std::uint64_t> seqs_;
};

}  // namespace clientele::testing
