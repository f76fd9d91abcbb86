#include "cli/feed_client.h"

#include <simdjson.h>

#include <memory>

#include "cli/node_client.h"
#include "domain/time.h"
#include "eventstore/base64.h"
#include "eventstore/signing.h"

namespace clientele {

namespace {

Result<FeedPage> Parse(const std::string& body) {
  auto bad = [](std::string what) {
    return Error(Status::Corruption("HQ's events feed: " + std::move(what)));
  };
  simdjson::dom::parser parser;
  simdjson::dom::object root;
  if (parser.parse(body).get_object().get(root) != simdjson::SUCCESS) return bad("not an object");
  FeedPage page;
  simdjson::dom::array events;
  if (root["events"].get_array().get(events) != simdjson::SUCCESS ||
      root["next_after"].get_uint64().get(page.next_after) != simdjson::SUCCESS ||
      root["head"].get_uint64().get(page.head) != simdjson::SUCCESS) {
    return bad("missing events, next_after or head");
  }
  for (simdjson::dom::element item : events) {
    RecordedEvent e;
    std::string_view id, stream, type, time, origin, actor;
    std::uint64_t schema = 0;
    if (item["id"].get_string().get(id) || item["stream"].get_string().get(stream) ||
        item["type"].get_string().get(type) || item["time"].get_string().get(time) ||
        item["origin"].get_string().get(origin) || item["actor"].get_string().get(actor) ||
        item["schema"].get_uint64().get(schema)) {
      return bad("an event lacks id, stream, type, schema, time, origin or actor");
    }
    auto ms = ParseTime(time, 0);
    if (!ms) return bad("an event's time does not parse");
    e.id = id, e.stream = stream, e.type = type, e.origin = origin, e.actor = actor;
    e.time_ms = *ms;
    e.schema = static_cast<std::uint32_t>(schema);
    std::string_view v;
    if (item["correlation_id"].get_string().get(v) == simdjson::SUCCESS) e.correlation_id = v;
    if (item["causation_id"].get_string().get(v) == simdjson::SUCCESS) e.causation_id = v;
    // The payload's exact bytes (what its signature covers) are in data_raw.
    if (item["data_raw"].get_string().get(v) != simdjson::SUCCESS) {
      return bad("an event has no data_raw");
    }
    e.data = v;
    if (item["sequence"].get_uint64().get(e.seq) != simdjson::SUCCESS) e.seq = 0;
    if (item["signature"].get_string().get(v) == simdjson::SUCCESS) {
      auto proof = Base64Decode(v);
      if (!proof) return bad("an event's signature is not base64");
      e.signature = std::move(*proof);
    }
    page.events.push_back(std::move(e));
  }
  return page;
}

}  // namespace

FetchFeed HttpFeed(const std::string& base_url, std::string token) {
  auto client = std::make_shared<NodeClient>(base_url, std::move(token), std::chrono::seconds(60));
  return [client](std::uint64_t after, std::size_t limit) -> Result<FeedPage> {
    auto reply = client->Get("/v1/events?after=" + std::to_string(after) +
                             "&limit=" + std::to_string(limit));
    if (!reply) return Error(Status::Unavailable("HQ's events feed: " + reply.error().message()));
    if (reply->status != 200) {
      return Error(Status::Unavailable("HQ's events feed answered " +
                                       std::to_string(reply->status) + ": " + reply->body));
    }
    return Parse(reply->body);
  };
}

Result<std::string> FetchNodeKey(const std::string& base_url, const std::string& token) {
  NodeClient client(base_url, token, std::chrono::seconds(30));
  auto reply = client.Get("/v1/sync/identity");
  if (!reply) return Error(Status::Unavailable(base_url + ": " + reply.error().message()));
  if (reply->status != 200) {
    return Error(Status::Unavailable(base_url + "/v1/sync/identity answered " +
                                     std::to_string(reply->status) + ": " + reply->body));
  }
  simdjson::dom::parser parser;
  std::string_view key;
  if (parser.parse(reply->body).get_object()["public_key"].get_string().get(key) !=
      simdjson::SUCCESS) {
    return Error(Status::Corruption(base_url + "/v1/sync/identity has no public_key"));
  }
  return ParsePublicKey(key);
}

}  // namespace clientele
