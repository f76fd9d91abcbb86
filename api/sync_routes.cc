// Node-to-node routes: the events feed, what this node holds of each origin
// (gap repair, consumers/gap_repair.h), one origin's events by number, and
// the sync status.
#include <boost/json.hpp>
#include <charconv>

#include "api/json_body.h"
#include "api/problem.h"
#include "api/render.h"
#include "api/service_internal.h"
#include "domain/ids.h"
#include "domain/time.h"
#include "eventstore/base64.h"
#include "eventstore/signing.h"

namespace clientele::api {

namespace {

constexpr std::size_t kMaxReportedOrigins = 10000;
constexpr std::size_t kMaxPeerReports = 10000;  // by principal and node, a few numbers each

bool ParseNumber(std::string_view text, std::uint64_t* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

boost::json::array Ranges(const std::vector<SeqRange>& ranges) {
  boost::json::array out;
  for (const SeqRange& r : ranges) out.push_back(boost::json::array{r.first, r.last});
  return out;
}

boost::json::object RenderHolding(const OriginHolding& h) {
  return {{"origin", h.origin}, {"through", h.through},         {"highest", h.highest},
          {"held", h.held},     {"missing", Ranges(h.missing)}, {"more_missing", h.more_missing}};
}

}  // namespace

boost::json::array Service::RenderFeed(std::vector<RecordedEvent>* events) const {
  // Each event carries its proof of origin: this node signs its own (one
  // signature per page); other nodes' keep the proof they came with.
  if (options_.key != nullptr) SignOwn(*options_.key, options_.node, *events, events->size());
  boost::json::array list;
  for (const RecordedEvent& e : *events) {
    boost::json::object o = RenderEvent(e);
    o["data_raw"] = e.data;  // the exact bytes the signature covers
    if (!e.signature.empty()) o["signature"] = Base64Encode(e.signature);
    if (options_.carry_key) {
      if (std::string wrapped = options_.carry_key(e); !wrapped.empty()) o["data_key"] = wrapped;
    }
    list.push_back(std::move(o));
  }
  return list;
}

HttpResponse Service::ChainKey(Context&) {
  if (options_.chain_key.empty()) {
    return Problem(404, "no_chain_key", "this node hands out no chain key; ask HQ");
  }
  return Json(boost::json::object{{"chain_key", Base64Encode(options_.chain_key)}});
}

HttpResponse Service::Events(Context& ctx) {
  std::uint64_t after = 0, limit = 100;
  std::vector<FieldError> errors;
  for (const auto& [name, value] : ctx.req.query) {
    if (name == "after") {
      if (!ParseNumber(value, &after)) {
        errors.push_back({"after", "wrong_type", "must be a log position"});
      }
    } else if (name == "limit") {
      if (!ParseNumber(value, &limit) || limit < 1 || limit > 1000) {
        errors.push_back({"limit", "invalid_limit", "limit must be between 1 and 1000"});
      }
    } else {
      errors.push_back({name, "unknown_parameter", "is not a parameter of the events feed"});
    }
  }
  if (!errors.empty()) return Problem(errors);
  auto events = log_->ReadAll(after + 1, limit);
  if (!events) return Problem(events.error());
  const std::uint64_t last = events->empty() ? after : events->back().position;
  return Json(boost::json::object{
      {"events", RenderFeed(&*events)}, {"next_after", last}, {"head", log_->Head()}});
}

HttpResponse Service::OriginEvents(Context& ctx) {
  const std::string& origin = ctx.params.at("origin");
  if (!ValidateNodeId(origin).ok()) {
    return Problem(404, "no_such_origin", "an origin is a node id: hq or [a-z][a-z0-9]{0,11}");
  }
  std::uint64_t from = 1, limit = 100;
  std::vector<FieldError> errors;
  for (const auto& [name, value] : ctx.req.query) {
    if (name == "from_seq") {
      if (!ParseNumber(value, &from) || from < 1) {
        errors.push_back({"from_seq", "wrong_type", "must be a sequence number (1 or more)"});
      }
    } else if (name == "limit") {
      if (!ParseNumber(value, &limit) || limit < 1 || limit > 1000) {
        errors.push_back({"limit", "invalid_limit", "limit must be between 1 and 1000"});
      }
    } else {
      errors.push_back({name, "unknown_parameter", "is not a parameter of an origin's events"});
    }
  }
  if (!errors.empty()) return Problem(errors);
  auto events = log_->ReadOrigin(origin, from, limit);
  if (!events) return Problem(events.error());
  return Json(boost::json::object{{"origin", origin}, {"events", RenderFeed(&*events)}});
}

HttpResponse Service::Holdings(Context& ctx) {
  if (ctx.req.method == "POST") {
    // A peer tells what it holds: kept for /v1/sync/status (one report per
    // principal, so the map is as small as principals.json), believed for nothing.
    auto body = JsonBody::Parse(ctx.req.body, {"node", "origins"});
    if (!body) return body.error();
    auto node = body->String("node", true);
    if (node && !ValidateNodeId(*node).ok()) {
      body->AddError("node", "invalid_node_id", "a node id is hq or [a-z][a-z0-9]{0,11}");
    }
    if (!body->errors().empty()) return Problem(body->errors());
    // Only what a status page shows is kept, a few numbers per reporting
    // node: how many origins it holds, and how far its own numbering goes.
    std::uint64_t count = 0;
    boost::json::object own;
    boost::system::error_code ec;
    boost::json::value whole = boost::json::parse(ctx.req.body, ec);
    const boost::json::value* list = ec ? nullptr : whole.as_object().if_contains("origins");
    if (list != nullptr && !list->is_null()) {
      if (!list->is_array() || list->as_array().size() > kMaxReportedOrigins) {
        return Problem({{"origins", "wrong_type", "must be a list of at most 10,000 holdings"}});
      }
      for (const boost::json::value& item : list->as_array()) {
        const auto* h = item.if_object();
        const auto* origin = h != nullptr ? h->if_contains("origin") : nullptr;
        if (origin == nullptr || !origin->is_string() ||
            !ValidateNodeId(std::string_view(origin->as_string())).ok()) {
          return Problem(
              {{"origins", "invalid_holding", "each holding names its origin (a node id)"}});
        }
        ++count;
        if (origin->as_string() != *node) continue;
        for (const char* field : {"through", "highest"}) {
          const auto* v = h->if_contains(field);
          if (v != nullptr && v->is_uint64()) own[field] = v->as_uint64();
          if (v != nullptr && v->is_int64() && v->as_int64() >= 0) own[field] = v->as_int64();
        }
      }
    }
    std::lock_guard lock(peers_mu_);
    const std::string key = ctx.principal.name + '\n' + *node;
    if (peer_reports_.size() < kMaxPeerReports || peer_reports_.contains(key)) {
      peer_reports_[key] = boost::json::object{{"node", *node},
                                               {"reported_at", FormatTime(clock_->NowMs())},
                                               {"reported_by", ctx.principal.name},
                                               {"origins_held", count},
                                               {"own", std::move(own)}};
    }
  }
  auto held = log_->Holdings(kHoldingRanges);
  if (!held) return Problem(held.error());
  boost::json::array list;
  for (const OriginHolding& h : *held) list.push_back(RenderHolding(h));
  return Json(boost::json::object{
      {"node", options_.node}, {"head", log_->Head()}, {"origins", std::move(list)}});
}

HttpResponse Service::SyncStatus(Context&) {
  boost::json::object o{{"node", options_.node}};
  if (options_.sync_status) {
    for (auto& [k, v] : options_.sync_status()) o[k] = std::move(v);
  } else {
    o["state"] = "standalone";
    o["ready"] = true;
  }
  if (!o.contains("origins")) {
    auto held = log_->Holdings();
    if (!held) return Problem(held.error());
    boost::json::array list;
    for (const OriginHolding& h : *held)
      list.push_back(boost::json::object{{"here", RenderHolding(h)}});
    o["origins"] = std::move(list);
  }
  std::lock_guard lock(peers_mu_);
  if (!peer_reports_.empty()) {
    boost::json::array reports;
    for (const auto& [node, report] : peer_reports_) reports.push_back(report);
    o["peer_reports"] = std::move(reports);
  }
  return Json(o);
}

}  // namespace clientele::api
