// The node registry's routes (api/service.h): this node's identity, and the
// enrolment and revocation of stores' signing keys, which only HQ records
// (domain/nodes.h).
#include <boost/json.hpp>

#include "api/json_body.h"
#include "api/problem.h"
#include "api/service_internal.h"
#include "domain/ids.h"
#include "eventstore/signing.h"

namespace clientele::api {

namespace {

boost::json::array RenderRegistry(const NodeRegistry& registry) {
  std::map<std::string, boost::json::array> keys_by_node;
  for (const auto& [key, state] : registry.keys) {
    boost::json::object k{{"public_key", key}, {"revoked", state.revoked}};
    if (auto raw = ParsePublicKey(key)) k["fingerprint"] = KeyFingerprint(*raw);
    if (state.revoked) k["valid_through"] = state.valid_through;
    keys_by_node[state.node].push_back(std::move(k));
  }
  boost::json::array out;
  for (auto& [node, keys] : keys_by_node) {
    out.push_back(boost::json::object{
        {"node", node}, {"enrolled", registry.Enrolled(node)}, {"keys", std::move(keys)}});
  }
  return out;
}

}  // namespace

HttpResponse Service::Identity(Context&) {
  if (options_.key == nullptr) {
    return Problem(503, "no_signing_key", "this node has no signing key");
  }
  const std::string& key = options_.key->public_key();
  return Json(boost::json::object{{"node", options_.node},
                                  {"public_key", PublicKeyText(key)},
                                  {"fingerprint", KeyFingerprint(key)}});
}

HttpResponse Service::ListNodes(Context&) {
  auto registry = commands_->LoadNodes();
  if (!registry) return Problem(registry.error());
  return Json(boost::json::object{{"nodes", RenderRegistry(*registry)}});
}

HttpResponse Service::EnrollNode(Context& ctx) {
  auto body = JsonBody::Parse(ctx.req.body, {"node", "public_key"});
  if (!body) return body.error();
  auto node = body->String("node", true);
  auto key_text = body->String("public_key", true);
  if (key_text && !ParsePublicKey(*key_text)) {
    body->AddError("public_key", "invalid_public_key",
                   "a public key is the base64 text of 32 bytes (44 characters, as "
                   "`clientele key` prints it)");
  }
  if (node && !ValidateNodeId(*node).ok()) {
    body->AddError("node", "invalid_node_id", "a node id is hq or [a-z][a-z0-9]{0,11}");
  }
  if (!body->errors().empty()) return Problem(body->errors());
  auto outcome =
      commands_->ExecuteNodes(EnrollNodeKey{*node, *key_text}, ctx.principal.name, ctx.request_key);
  if (!outcome) return Problem(outcome.error());
  auto registry = commands_->LoadNodes();
  if (!registry) return Problem(registry.error());
  return Json(boost::json::object{{"nodes", RenderRegistry(*registry)}},
              outcome->last_position > 0 ? 201 : 200);
}

HttpResponse Service::RevokeNode(Context& ctx) {
  auto body = JsonBody::Parse(ctx.req.body.empty() ? "{}" : ctx.req.body, {"public_key"});
  if (!body) return body.error();
  const std::string node = ctx.params["node"];
  std::string key = body->String("public_key", false).value_or("");
  if (!key.empty() && !ParsePublicKey(key)) {
    body->AddError("public_key", "invalid_public_key",
                   "a public key is the base64 text of 32 bytes (44 characters)");
  }
  if (!body->errors().empty()) return Problem(body->errors());
  // The node's events HQ already holds stand; later ones signed by the key
  // are refused everywhere.
  auto through = log_->LastSeq(node);
  if (!through) return Problem(through.error());
  auto outcome = commands_->ExecuteNodes(RevokeNodeKey{node, key, *through}, ctx.principal.name,
                                         ctx.request_key);
  if (!outcome) return Problem(outcome.error());
  auto registry = commands_->LoadNodes();
  if (!registry) return Problem(registry.error());
  return Json(boost::json::object{{"nodes", RenderRegistry(*registry)}});
}

}  // namespace clientele::api
