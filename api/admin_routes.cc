// The service's routes beside the customers: audit, settings, the events
// feed, health and metrics (api/service.h).
#include <boost/json.hpp>
#include <charconv>

#include "api/json_body.h"
#include "api/openapi_document.h"
#include "api/problem.h"
#include "api/service_internal.h"
#include "domain/ids.h"
#include "domain/time.h"
#include "eventstore/base64.h"
#include "eventstore/signing.h"
#include "projections/audit.h"

namespace clientele::api {

namespace {

boost::json::object RenderSettings(const SettingsState& s) {
  boost::json::object program{{"points", s.program.points},
                              {"per_amount", s.program.per_amount},
                              {"rounding", RoundingName(s.program.rounding)},
                              {"expiry", ExpiryPolicyName(s.program.expiry.policy)}};
  if (s.program.expiry.policy != ExpiryPolicy::kNever) {
    program["expiry_months"] = s.program.expiry.months;
  }
  boost::json::object modules{{"customers", s.modules.customers},
                              {"loyalty_points", s.modules.loyalty_points},
                              {"customer_credits", s.modules.customer_credits}};
  return {{"loyalty_program", std::move(program)}, {"modules", std::move(modules)}};
}

}  // namespace

HttpResponse Service::SettingsAfter(std::uint64_t position) {
  if (position > 0 && !projector_->WaitFor(position, options_.read_your_write_timeout)) {
    return Problem(503, "projections_behind",
                   "the change was recorded (log position " + std::to_string(position) +
                       ") but has not reached the read side yet; read it again shortly");
  }
  return Json(RenderSettings(projector_->Settings()));
}

HttpResponse Service::Audit(Context& ctx) {
  auto it = ctx.req.query.find("as_of");
  auto as_of = ParseTime(it == ctx.req.query.end() ? "now" : it->second, clock_->NowMs());
  if (!as_of) return Problem(as_of.error());
  auto basis_it = ctx.req.query.find("basis");
  auto basis =
      ParseAsOf(basis_it == ctx.req.query.end() ? "event_time" : basis_it->second, "basis");
  if (!basis) return Problem(basis.error());
  auto report = AuditCustomer(log_, ctx.params["ref"], *as_of, *basis);
  if (!report) return Problem(report.error());
  const Visibility all{true, true};
  boost::json::array entries;
  for (const HistoryEntry& e : report->entries) entries.push_back(RenderHistoryEntry(e, all));
  boost::json::object out{{"customer", RenderCustomer(report->customer, all)},
                          {"as_of", FormatTime(report->as_of_ms)},
                          {"basis", AsOfName(report->basis)}};
  if (report->basis == AsOf::kRecorded) out["recorded_through"] = report->recorded_through;
  out["entries"] = std::move(entries);
  out["hash_chain_checked"] = report->events_checked;
  return Json(std::move(out));
}

HttpResponse Service::GetSettings(Context& ctx) { return Json(RenderSettings(ctx.settings)); }

// The chain's settings have one writer, HQ, so that every node applies the
// same changes in the same order.
std::optional<HttpResponse> Service::RefuseSettingsAtStore() const {
  if (options_.node == kHqNode) return std::nullopt;
  return Problem(Status::FailedPrecondition(
      "", "settings_managed_at_hq",
      "the chain's settings are changed at HQ; they reach this store by sync"));
}

HttpResponse Service::SetProgram(Context& ctx) {
  if (auto refused = RefuseSettingsAtStore()) return *refused;
  auto body = JsonBody::Parse(ctx.req.body,
                              {"points", "per_amount", "rounding", "expiry", "expiry_months"});
  if (!body) return body.error();
  LoyaltyProgram p;
  p.points = body->Integer("points", true).value_or(0);
  p.per_amount = body->Integer("per_amount", true).value_or(0);
  if (auto r = body->String("rounding", true)) {
    auto parsed = ParseRounding(*r);
    if (parsed)
      p.rounding = *parsed;
    else
      body->AddError("rounding", "invalid_value", "must be floor, nearest or ceil");
  }
  // Points expiry: "never" (the default), or a policy and its months.
  if (auto e = body->String("expiry", false)) {
    auto parsed = ParseExpiryPolicy(*e);
    if (parsed) {
      p.expiry.policy = *parsed;
    } else {
      body->AddError("expiry", "invalid_value",
                     "must be never, months_after_earning or after_inactivity");
    }
  }
  if (auto months = body->Integer("expiry_months", p.expiry.policy != ExpiryPolicy::kNever)) {
    if (*months < 0 || *months > kMaxExpiryMonths) {
      body->AddError("expiry_months", "out_of_range",
                     "must be between 1 and " + std::to_string(kMaxExpiryMonths));
    } else {
      p.expiry.months = static_cast<int>(*months);
    }
  }
  if (!body->errors().empty()) return Problem(body->errors());
  auto outcome =
      commands_->ExecuteSettings(SetLoyaltyProgram{p}, ctx.principal.name, ctx.request_key);
  if (!outcome) return Problem(outcome.error());
  return SettingsAfter(outcome->last_position);
}

HttpResponse Service::SetModule(Context& ctx) {
  if (auto refused = RefuseSettingsAtStore()) return *refused;
  auto module = ParseModule(ctx.params["module"]);
  if (!module) {
    return Problem(404, "no_such_module",
                   "modules are customers, loyalty_points and customer_credits");
  }
  auto body = JsonBody::Parse(ctx.req.body, {"enabled"});
  if (!body) return body.error();
  const bool enabled = body->Bool("enabled", true).value_or(false);
  if (!body->errors().empty()) return Problem(body->errors());
  SettingsCommand cmd =
      enabled ? SettingsCommand(EnableModule{*module}) : SettingsCommand(DisableModule{*module});
  auto outcome = commands_->ExecuteSettings(cmd, ctx.principal.name, ctx.request_key);
  if (!outcome) return Problem(outcome.error());
  return SettingsAfter(outcome->last_position);
}

// The backup is made by the node itself, which alone may open its log: the
// folder is on the node's machine, chosen by an admin.
HttpResponse Service::CreateBackupRoute(Context& ctx) {
  auto body = JsonBody::Parse(ctx.req.body, {"path"});
  if (!body) return body.error();
  auto path = body->String("path", true);
  if (!body->errors().empty()) return Problem(body->errors());
  if (!options_.backup) {
    return Problem(503, "backups_unavailable", "this server is not set up to make backups");
  }
  auto made = options_.backup(*path);
  if (!made) return Problem(made.error());
  boost::json::value manifest = boost::json::parse(BackupManifestJson(*made));
  manifest.as_object()["path"] = *path;
  return Json(manifest, 201);
}

HttpResponse Service::Health(Context&) { return Json(boost::json::object{{"status", "ok"}}); }

HttpResponse Service::Ready(Context&) {
  const std::uint64_t head = log_->Head(), at = projector_->position();
  boost::json::object o{{"log_position", head}, {"projection_position", at}};
  if (!ready_) {
    o["status"] = "draining";
    return Json(o, 503);
  }
  if (options_.sync_readiness) {
    // Not ready while joining; an open gap is shown, the node still serves.
    boost::json::object sync = options_.sync_readiness();
    const bool ready = !sync.contains("ready") || sync["ready"] != false;
    boost::json::object details{{"state", sync["state"]}};
    if (sync.contains("detail")) details["detail"] = sync["detail"];
    if (sync.contains("open_events")) details["open_events"] = sync["open_events"];
    o["sync"] = std::move(details);
    if (!ready) {
      o["status"] = sync["state"];
      return Json(o, 503);
    }
  }
  // Not ready while the log or the projections cannot make progress.
  std::string trouble = log_->Trouble();
  const char* status = "storage_unavailable";
  if (trouble.empty()) trouble = projector_->Trouble(), status = "projections_stalled";
  if (trouble.empty() && at < head) {
    // Behind the log is normal for a moment; behind without moving is not.
    std::lock_guard lock(progress_mu_);
    const std::int64_t now_ms = clock_->NowMs();
    if (at != progress_position_ || progress_since_ms_ < 0) {
      progress_position_ = at;
      progress_since_ms_ = now_ms;
    }
    if (now_ms - progress_since_ms_ > kStalledMs) {
      trouble = "the projections have not moved for " +
                std::to_string((now_ms - progress_since_ms_) / 1000) + " s (at " +
                std::to_string(at) + ", the log at " + std::to_string(head) + ")";
    }
  }
  if (!trouble.empty()) {
    o["status"] = status;
    o["detail"] = trouble;
    return Json(o, 503);
  }
  o["status"] = "ready";
  return Json(o);
}

HttpResponse Service::MetricsText(Context&) {
  const auto head = static_cast<double>(log_->Head());
  const auto at = static_cast<double>(projector_->position());
  HttpResponse r;
  r.content_type = "text/plain; version=0.0.4";
  std::vector<Gauge> gauges = {
      {"clientele_log_position", "The position of the last event in the log.", head},
      {"clientele_projection_position", "The last log position the projections applied.", at},
      {"clientele_projection_lag_events", "Events in the log not yet in the projections.",
       head - at},
      {"clientele_sessions", "Sign-in sessions held (at most console.max_sessions).",
       static_cast<double>(sessions_.size())},
  };
  if (options_.gauges) {
    for (Gauge& g : options_.gauges()) gauges.push_back(std::move(g));
  }
  r.body = metrics_.Render(gauges);
  return r;
}

HttpResponse Service::OpenApi(Context&) {
  HttpResponse r;
  r.body = std::string(OpenApiDocument());
  return r;
}

}  // namespace clientele::api
