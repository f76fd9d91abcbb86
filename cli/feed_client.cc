#include "cli/feed_client.h"

#include <simdjson.h>

#include <boost/json.hpp>
#include <memory>

#include "cli/node_client.h"
#include "domain/time.h"
#include "eventstore/base64.h"
#include "eventstore/signing.h"

namespace clientele {

namespace {

Status Bad(std::string what) { return Status::Corruption("HQ's events feed: " + std::move(what)); }

// The events of a feed answer, as HQ's log holds them.
Status ParseEvents(simdjson::dom::array events, std::vector<RecordedEvent>* out) {
  for (simdjson::dom::element item : events) {
    RecordedEvent e;
    std::string_view id, stream, type, time, origin, actor;
    std::uint64_t schema = 0;
    if (item["id"].get_string().get(id) || item["stream"].get_string().get(stream) ||
        item["type"].get_string().get(type) || item["time"].get_string().get(time) ||
        item["origin"].get_string().get(origin) || item["actor"].get_string().get(actor) ||
        item["schema"].get_uint64().get(schema)) {
      return Bad("an event lacks id, stream, type, schema, time, origin or actor");
    }
    auto ms = ParseTime(time, 0);
    if (!ms) return Bad("an event's time does not parse");
    e.id = id, e.stream = stream, e.type = type, e.origin = origin, e.actor = actor;
    e.time_ms = *ms;
    e.schema = static_cast<std::uint32_t>(schema);
    std::string_view v;
    if (item["correlation_id"].get_string().get(v) == simdjson::SUCCESS) e.correlation_id = v;
    if (item["causation_id"].get_string().get(v) == simdjson::SUCCESS) e.causation_id = v;
    // The payload's exact bytes (what its signature covers) are in data_raw.
    if (item["data_raw"].get_string().get(v) != simdjson::SUCCESS) {
      return Bad("an event has no data_raw");
    }
    e.data = v;
    if (item["sequence"].get_uint64().get(e.seq) != simdjson::SUCCESS) e.seq = 0;
    if (item["data_key"].get_string().get(v) == simdjson::SUCCESS) e.carried_key = v;
    if (item["signature"].get_string().get(v) == simdjson::SUCCESS) {
      auto proof = Base64Decode(v);
      if (!proof) return Bad("an event's signature is not base64");
      e.signature = std::move(*proof);
    }
    out->push_back(std::move(e));
  }
  return Status::OK();
}

Result<FeedPage> Parse(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::object root;
  if (parser.parse(body).get_object().get(root) != simdjson::SUCCESS) {
    return Error(Bad("not an object"));
  }
  FeedPage page;
  simdjson::dom::array events;
  if (root["events"].get_array().get(events) != simdjson::SUCCESS ||
      root["next_after"].get_uint64().get(page.next_after) != simdjson::SUCCESS ||
      root["head"].get_uint64().get(page.head) != simdjson::SUCCESS) {
    return Error(Bad("missing events, next_after or head"));
  }
  if (Status s = ParseEvents(events, &page.events); !s.ok()) return Error(s);
  return page;
}

Result<NodeReply> Answered(Result<NodeReply> reply, const std::string& what) {
  if (!reply) return Error(Status::Unavailable(what + ": " + reply.error().message()));
  if (reply->status != 200) {
    return Error(Status::Unavailable(what + " answered " + std::to_string(reply->status) + ": " +
                                     reply->body.substr(0, 500)));
  }
  return reply;
}

}  // namespace

FetchFeed HttpFeed(const std::string& base_url, std::string token, std::string tls_ca) {
  auto client = std::make_shared<NodeClient>(base_url, std::move(token), std::chrono::seconds(60),
                                             std::move(tls_ca));
  return [client](std::uint64_t after, std::size_t limit) -> Result<FeedPage> {
    auto reply = Answered(client->Get("/v1/events?after=" + std::to_string(after) +
                                      "&limit=" + std::to_string(limit)),
                          "HQ's events feed");
    if (!reply) return Error(reply.error());
    return Parse(reply->body);
  };
}

Result<std::string> FetchChainKey(const std::string& base_url, const std::string& token,
                                  const std::string& tls_ca) {
  NodeClient client(base_url, token, std::chrono::seconds(30), tls_ca);
  auto reply = client.Get("/v1/sync/chain-key");
  if (!reply) return Error(Status::Unavailable(base_url + ": " + reply.error().message()));
  if (reply->status != 200) {
    return Error(Status::Unavailable(base_url + "/v1/sync/chain-key answered " +
                                     std::to_string(reply->status) + ": " + reply->body));
  }
  simdjson::dom::parser parser;
  std::string_view text;
  if (parser.parse(reply->body).get_object()["chain_key"].get_string().get(text) !=
      simdjson::SUCCESS) {
    return Error(Status::Corruption(base_url + "/v1/sync/chain-key has no chain_key"));
  }
  auto key = Base64Decode(text);
  if (!key || key->size() != 32) {
    return Error(Status::Corruption(base_url + "/v1/sync/chain-key is not a chain key"));
  }
  return *key;
}

Result<std::string> FetchNodeKey(const std::string& base_url, const std::string& token,
                                 const std::string& tls_ca) {
  NodeClient client(base_url, token, std::chrono::seconds(30), tls_ca);
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

namespace clientele {

Result<std::vector<OriginHolding>> ExchangeHoldings(const std::string& base_url,
                                                    const std::string& token,
                                                    const std::string& node,
                                                    const std::vector<OriginHolding>& ours,
                                                    const std::string& tls_ca) {
  boost::json::array list;
  for (const OriginHolding& h : ours) {
    if (list.size() == 10000) break;  // what HQ keeps of a report
    list.push_back(
        boost::json::object{{"origin", h.origin}, {"through", h.through}, {"highest", h.highest}});
  }
  NodeClient client(base_url, token, std::chrono::seconds(30), tls_ca);
  auto reply = Answered(client.Post("/v1/sync/holdings", boost::json::serialize(boost::json::object{
                                                             {"node", node}, {"origins", list}})),
                        "HQ's holdings");
  if (!reply) return Error(reply.error());
  simdjson::dom::parser parser;
  simdjson::dom::array origins;
  if (parser.parse(reply->body).get_object()["origins"].get_array().get(origins) !=
      simdjson::SUCCESS) {
    return Error(Status::Corruption("HQ's holdings: no origins"));
  }
  std::vector<OriginHolding> out;
  for (simdjson::dom::element item : origins) {
    OriginHolding h;
    std::string_view origin;
    simdjson::dom::array missing;
    if (item["origin"].get_string().get(origin) || item["through"].get_uint64().get(h.through) ||
        item["highest"].get_uint64().get(h.highest) || item["held"].get_uint64().get(h.held) ||
        item["missing"].get_array().get(missing) ||
        item["more_missing"].get_bool().get(h.more_missing)) {
      return Error(Status::Corruption("HQ's holdings: a holding does not parse"));
    }
    h.origin = origin;
    for (simdjson::dom::element r : missing) {
      SeqRange range;
      if (r.at(0).get_uint64().get(range.first) || r.at(1).get_uint64().get(range.last) ||
          range.first > range.last ||
          (!h.missing.empty() && range.first <= h.missing.back().last)) {
        return Error(Status::Corruption("HQ's holdings: a missing range does not parse"));
      }
      h.missing.push_back(range);
    }
    out.push_back(std::move(h));
  }
  return out;
}

Result<std::vector<RecordedEvent>> FetchOriginEvents(const std::string& base_url,
                                                     const std::string& token,
                                                     const std::string& origin,
                                                     std::uint64_t from_seq, std::size_t limit,
                                                     const std::string& tls_ca) {
  NodeClient client(base_url, token, std::chrono::seconds(30), tls_ca);
  auto reply = Answered(client.Get("/v1/sync/origins/" + origin + "/events?from_seq=" +
                                   std::to_string(from_seq) + "&limit=" + std::to_string(limit)),
                        "HQ's events of " + origin);
  if (!reply) return Error(reply.error());
  simdjson::dom::parser parser;
  simdjson::dom::array events;
  if (parser.parse(reply->body).get_object()["events"].get_array().get(events) !=
      simdjson::SUCCESS) {
    return Error(Bad("no events"));
  }
  std::vector<RecordedEvent> out;
  if (Status s = ParseEvents(events, &out); !s.ok()) return Error(s);
  return out;
}

}  // namespace clientele
