#include "cli/nodes_command.h"

#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>

#include "cli/node_client.h"
#include "eventstore/signing.h"

namespace clientele {

namespace {

namespace json = boost::json;

// Prints the registry a /v1/nodes answer holds, one key per line.
void PrintRegistry(const json::value& answer) {
  std::printf("%-12s %-10s %-18s %s\n", "NODE", "STATUS", "FINGERPRINT", "PUBLIC KEY");
  for (const json::value& node : answer.at("nodes").as_array()) {
    const std::string name(node.at("node").as_string());
    for (const json::value& key : node.at("keys").as_array()) {
      const json::object& k = key.as_object();
      std::string status = "enrolled";
      if (k.at("revoked").as_bool()) {
        status = "revoked after #" + json::serialize(k.at("valid_through"));
      }
      const json::value* fingerprint = k.if_contains("fingerprint");
      std::printf("%-12s %-10s %-18s %s\n", name.c_str(), status.c_str(),
                  fingerprint != nullptr ? std::string(fingerprint->as_string()).c_str() : "",
                  std::string(k.at("public_key").as_string()).c_str());
    }
  }
}

}  // namespace

int RunKey(const std::string& data) {
  std::error_code ec;
  std::filesystem::create_directories(data, ec);
  auto key = NodeKey::LoadOrCreate(data + "/node-key.pem");
  if (!key) {
    std::fprintf(stderr, "clientele: %s\n", key.error().ToString().c_str());
    return 2;
  }
  std::printf("public key:  %s\nfingerprint: %s\n", PublicKeyText((*key)->public_key()).c_str(),
              KeyFingerprint((*key)->public_key()).c_str());
  return 0;
}

int RunNodes(const NodeAddress& address, const std::string& action, const std::string& node,
             const std::string& key) {
  NodeClient client(address.url, Token(address), std::chrono::seconds(30), address.tls_ca);
  Result<NodeReply> reply;
  if (action == "list") {
    reply = client.Get("/v1/nodes");
  } else if (action == "enroll") {
    reply = client.Post("/v1/nodes",
                        json::serialize(json::object{{"node", node}, {"public_key", key}}));
  } else {
    json::object body;
    if (!key.empty()) body["public_key"] = key;
    reply = client.Post("/v1/nodes/" + node + "/revoke", json::serialize(body));
  }
  if (!reply) {
    std::fprintf(stderr, "clientele: %s\n", reply.error().ToString().c_str());
    return 2;
  }
  boost::system::error_code ec;
  json::value answer = json::parse(reply->body, ec);
  if (reply->status >= 300 || ec) {
    std::fprintf(stderr, "clientele: %s answered %d: %s\n", address.url.c_str(), reply->status,
                 reply->body.c_str());
    return 1;
  }
  PrintRegistry(answer);
  return 0;
}

}  // namespace clientele
