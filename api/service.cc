#include "api/service.h"

#include <simdjson.h>

#include <boost/json.hpp>
#include <cmath>
#include <cstdio>

#include "api/problem.h"
#include "api/service_internal.h"
#include "domain/time.h"

namespace clientele::api {

namespace {

std::vector<std::string> Split(std::string_view path) {
  std::vector<std::string> out;
  for (std::size_t at = 1; at <= path.size();) {
    std::size_t end = path.find('/', at);
    if (end == std::string_view::npos) end = path.size();
    out.emplace_back(path.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

}  // namespace

HttpResponse Json(const boost::json::value& v, int status) {
  HttpResponse r;
  r.status = status;
  r.body = boost::json::serialize(v);
  return r;
}

Service::Service(ServiceOptions options, EventStore* log, CommandHandler* commands,
                 Projector* projector, Authenticator auth, Clock* clock)
    : options_(std::move(options)),
      log_(log),
      commands_(commands),
      projector_(projector),
      table_(projector, clock),
      auth_(std::make_shared<const Authenticator>(std::move(auth))),
      clock_(clock),
      idempotency_(options_.idempotency),
      sessions_(options_.sessions, clock),
      lockout_(options_.lockout, clock) {
  if (idempotency_ == nullptr) {
    IdempotencyOptions memory = options_.idempotency_options;
    memory.path.clear();
    own_idempotency_ = std::move(*IdempotencyKeys::Open(memory, clock));
    idempotency_ = own_idempotency_.get();
  }
  using S = Service;
  Add("GET", "/healthz", {}, false, &S::Health);
  Add("GET", "/readyz", {}, false, &S::Ready);
  Add("GET", "/metrics", {}, false, &S::MetricsText);
  Add("GET", "/v1/openapi.json", {}, false, &S::OpenApi);
  Add("GET", "/", {}, false, &S::ConsoleIndex);
  Add("GET", "/console/{file}", {}, false, &S::ConsoleFileRoute);
  Add("POST", "/v1/customers", {kCreate}, true, &S::CreateCustomer);
  Add("GET", "/v1/customers", {kView}, false, &S::ListCustomers);
  Add("GET", "/v1/customers/export.csv", {kView}, false, &S::ExportCustomers);
  Add("POST", "/v1/customers/imports", {kManage}, false, &S::AnalyseImport);
  Add("GET", "/v1/customers/imports/{id}", {kManage}, false, &S::GetImport);
  Add("POST", "/v1/customers/imports/{id}/confirm", {kManage}, true, &S::ConfirmImport);
  Add("GET", "/v1/customers/duplicates", {kView}, false, &S::DuplicatesRoute);
  Add("GET", "/v1/customers/{ref}", {kView}, false, &S::GetCustomer);
  Add("PATCH", "/v1/customers/{ref}", {kEdit}, true, &S::EditCustomer);
  Add("PUT", "/v1/customers/{ref}/consent", {kEdit}, true, &S::SetConsentRoute);
  Add("GET", "/v1/customers/{ref}/personal-data", {kExportPersonal}, false, &S::PersonalDataRoute);
  Add("DELETE", "/v1/customers/{ref}", {kManage}, true, &S::DeleteCustomerRoute);
  Add("POST", "/v1/customers/{ref}/deactivate", {kManage}, true, &S::DeactivateCustomerRoute);
  Add("POST", "/v1/customers/{ref}/reactivate", {kManage}, true, &S::ReactivateCustomerRoute);
  Add("POST", "/v1/customers/{ref}/erase", {kErase}, true, &S::EraseCustomerRoute);
  Add("POST", "/v1/customers/{ref}/purchases", {kEdit}, true, &S::RecordPurchaseRoute);
  Add("POST", "/v1/customers/{ref}/refunds", {kEdit}, true, &S::RefundRoute);
  Add("POST", "/v1/customers/{ref}/points/redeem", {kManageLoyalty}, true, &S::RedeemPointsRoute);
  Add("POST", "/v1/customers/{ref}/points/adjust", {kManageLoyalty}, true, &S::AdjustPointsRoute);
  Add("POST", "/v1/customers/{ref}/credit/top-up", {kManageCredit}, true, &S::TopUpCreditRoute);
  Add("POST", "/v1/customers/{ref}/credit/deduct", {kManageCredit}, true, &S::DeductCreditRoute);
  Add("POST", "/v1/customers/{ref}/credit/adjust", {kManageCredit}, true, &S::AdjustCreditRoute);
  Add("POST", "/v1/customers/{ref}/merge", {kManage}, true, &S::MergeCustomersRoute);
  Add("POST", "/v1/batch", {kEdit, kManage, kManageLoyalty, kManageCredit}, true, &S::BatchRoute);
  Add("GET", "/v1/customers/{ref}/history", {kManageLoyalty, kManageCredit}, false, &S::History);
  Add("GET", "/v1/customers/{ref}/audit", {kAuditRead}, false, &S::Audit);
  Add("GET", "/v1/settings", {kView, kSettingsManage}, false, &S::GetSettings);
  Add("PUT", "/v1/settings/loyalty-program", {kSettingsManage}, true, &S::SetProgram);
  Add("PUT", "/v1/settings/modules/{module}", {kSettingsManage}, true, &S::SetModule);
  Add("GET", "/v1/events", {kAuditRead, kSync}, false, &S::Events);
  Add("GET", "/v1/sync/identity", {kSync, kNodesManage}, false, &S::Identity);
  Add("GET", "/v1/sync/chain-key", {kSync}, false, &S::ChainKey);
  Add("GET", "/v1/sync/status", {kSync, kNodesManage, kAuditRead}, false, &S::SyncStatus);
  Add("GET", "/v1/sync/holdings", {kSync, kNodesManage, kAuditRead}, false, &S::Holdings);
  Add("POST", "/v1/sync/holdings", {kSync}, false, &S::Holdings);
  Add("GET", "/v1/sync/origins/{origin}/events", {kSync, kAuditRead}, false, &S::OriginEvents);
  Add("GET", "/v1/nodes", {kSync, kNodesManage}, false, &S::ListNodes);
  Add("POST", "/v1/nodes", {kNodesManage}, true, &S::EnrollNode);
  Add("POST", "/v1/nodes/{node}/revoke", {kNodesManage}, true, &S::RevokeNode);
  Add("POST", "/v1/admin/backups", {kBackupsCreate}, false, &S::CreateBackupRoute);
  Add("GET", "/v1/reports/{report}", {kReportsView}, false, &S::Report);
  // Signing in (api/session_routes.cc). Not idempotent writes: a password is
  // never kept with an Idempotency-Key's answer.
  Add("POST", "/v1/session", {}, false, &S::SignIn);
  Add("GET", "/v1/session", {}, false, &S::GetSession);
  Add("DELETE", "/v1/session", {}, false, &S::SignOut);
  Add("PUT", "/v1/principals/{name}/password", {kPrincipalsManage}, false, &S::SetPasswordRoute);
}

void Service::Add(std::string method, std::string pattern, std::vector<Permission> any_of,
                  bool write, Fn fn) {
  std::vector<std::string> segments = Split(pattern);
  Route r{std::move(method), std::move(pattern), std::move(segments), std::move(any_of), write,
          std::move(fn)};
  routes_.push_back(std::move(r));
}

std::vector<Service::RouteInfo> Service::Routes() const {
  std::vector<RouteInfo> out;
  out.reserve(routes_.size());
  for (const Route& r : routes_) out.push_back({r.method, r.pattern, r.any_of, r.write});
  return out;
}

bool Service::AnswersFromMemory(const HttpRequest& r) {
  if (r.method != "GET") return false;
  // The audit replay scans the log, the events feed and history read storage,
  // imports are files, and a broad table query (or export) can take
  // milliseconds: those go to the workers.
  return r.path != "/v1/customers" && r.path != "/v1/customers/export.csv" &&
         !r.path.starts_with("/v1/customers/imports") && !r.path.ends_with("/audit") &&
         !r.path.ends_with("/history") && !r.path.starts_with("/v1/events") &&
         !r.path.starts_with("/v1/sync/") && !r.path.starts_with("/v1/reports/") &&
         r.path != "/metrics";
}

namespace {

// "application/json" or "application/...+json", with no charset or UTF-8.
bool IsJsonUtf8(std::string_view content_type) {
  std::string t(content_type);
  for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto trim = [](std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    return v;
  };
  std::string_view rest(t);
  const std::size_t semi = rest.find(';');
  const std::string_view media = trim(rest.substr(0, semi));
  if (media != "application/json" &&
      !(media.starts_with("application/") && media.ends_with("+json"))) {
    return false;
  }
  while (semi != std::string_view::npos && !rest.empty()) {
    const std::size_t at = rest.find(';');
    if (at == std::string_view::npos) break;
    rest.remove_prefix(at + 1);
    const std::string_view param = trim(rest.substr(0, rest.find(';')));
    if (param.starts_with("charset=")) {
      std::string_view charset = param.substr(8);
      if (charset.size() >= 2 && charset.front() == '"' && charset.back() == '"') {
        charset = charset.substr(1, charset.size() - 2);
      }
      if (charset != "utf-8" && charset != "utf8") return false;
    }
  }
  return true;
}

// A body that came, or (for a request's head) is on its way.
bool DeclaresBody(const HttpRequest& r) {
  if (!r.body.empty() || !r.body_file.empty()) return true;
  if (r.Header("transfer-encoding")) return true;
  auto length = r.Header("content-length");
  return length && *length != "0";
}

// The methods HTTP defines (RFC 9110 9.3, and PATCH).
bool KnownMethod(std::string_view m) {
  for (std::string_view known :
       {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"}) {
    if (m == known) return true;
  }
  return false;
}

// Methods are logged as sent only when they are plain words.
bool IsPlainMethod(const std::string& m) {
  if (m.empty() || m.size() > 10) return false;
  for (char c : m) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

}  // namespace

HttpResponse Service::Handle(const HttpRequest& request) { return Respond(request, false); }

std::optional<HttpResponse> Service::Admit(const HttpRequest& head) {
  HttpResponse r = Respond(head, true);
  if (r.status == 0) return std::nullopt;
  return r;
}

HttpResponse Service::Respond(const HttpRequest& request, bool admit_only) {
  const auto start = std::chrono::steady_clock::now();
  std::string route = "unmatched";
  HttpResponse response;
  if (request.method == "HEAD") {
    // HEAD wherever GET is served: the same answer without its body.
    HttpRequest get = request;
    get.method = "GET";
    response = Dispatch(get, &route, admit_only);
    response.head_only = true;
  } else {
    response = Dispatch(request, &route, admit_only);
  }
  if (response.status == 0) return response;  // admitted: its body may be read
  response.headers.emplace_back("X-Request-Id", request.request_id);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // Label values come from fixed sets: any other method is OTHER.
  metrics_.Observe(route, KnownMethod(request.method) ? std::string_view(request.method) : "OTHER",
                   response.status, seconds);
  if (options_.log) {  // every value is ours or a route pattern: nothing to escape
    char line[512];
    std::snprintf(line, sizeof(line),
                  R"({"time":"%s","request_id":"%s","method":"%s","route":"%s","status":%d,)"
                  R"("latency_us":%lld})",
                  FormatTime(clock_->NowMs()).c_str(), request.request_id.c_str(),
                  IsPlainMethod(request.method) ? request.method.c_str() : "OTHER", route.c_str(),
                  response.status, static_cast<long long>(std::llround(seconds * 1e6)));
    options_.log(line);
  }
  return response;
}

HttpResponse Service::Dispatch(const HttpRequest& request, std::string* route_name,
                               bool admit_only) {
  // Every answer is valid UTF-8 JSON: a target that is not UTF-8 is refused
  // without echoing it.
  bool utf8 = simdjson::validate_utf8(request.path.data(), request.path.size());
  for (const auto& [name, value] : request.query) {
    utf8 = utf8 && simdjson::validate_utf8(name.data(), name.size()) &&
           simdjson::validate_utf8(value.data(), value.size());
  }
  if (!utf8) {
    return Problem(400, "invalid_utf8",
                   "the request's path or query is not valid UTF-8 once percent-decoded");
  }
  const std::vector<std::string> segments = Split(request.path);
  auto is_param = [](const std::string& want) {
    return want.size() > 2 && want.front() == '{' && want.back() == '}';
  };
  const Route* match = nullptr;
  bool path_known = false;
  for (const Route& r : routes_) {
    if (r.segments.size() != segments.size()) continue;
    bool ok = true;
    for (std::size_t i = 0; ok && i < segments.size(); ++i) {
      ok = is_param(r.segments[i]) ? !segments[i].empty() : r.segments[i] == segments[i];
    }
    if (!ok) continue;
    path_known = true;
    if (r.method == request.method) {
      match = &r;
      break;
    }
  }
  std::map<std::string, std::string> params;
  if (match != nullptr) {
    for (std::size_t i = 0; i < segments.size(); ++i) {
      const std::string& want = match->segments[i];
      if (is_param(want)) params[want.substr(1, want.size() - 2)] = segments[i];
    }
  }
  if (match == nullptr) {
    if (path_known) {
      HttpResponse r =
          Problem(405, "method_not_allowed", request.method + " is not allowed on " + request.path);
      std::string allow;
      for (const Route& r2 : routes_) {
        if (r2.segments.size() != segments.size()) continue;
        bool same = true;
        for (std::size_t i = 0; same && i < segments.size(); ++i) {
          same = r2.segments[i].starts_with('{') || r2.segments[i] == segments[i];
        }
        if (same) allow += (allow.empty() ? "" : ", ") + r2.method;
        if (same && r2.method == "GET") allow += ", HEAD";
      }
      r.headers.emplace_back("Allow", allow);
      return r;
    }
    return Problem(404, "no_such_route", "there is no " + request.path);
  }
  *route_name = match->pattern;
  // A body is JSON in UTF-8 (an import's upload has rules of its own).
  if (DeclaresBody(request) && match->pattern != "/v1/customers/imports") {
    if (auto type = request.Header("content-type"); type && !IsJsonUtf8(*type)) {
      return Problem(415, "unsupported_media_type",
                     "the body must be application/json in UTF-8 (curl: --json '{...}')");
    }
  }
  Context ctx{request, {}, std::move(params), {}};
  if (!match->any_of.empty()) {
    auto principal = Caller(ctx);
    if (!principal) return std::move(principal.error());
    ctx.principal = std::move(*principal);
    if (ctx.principal.node != "*" && ctx.principal.node != options_.node) {
      return Problem(
          403, "wrong_node",
          "this token acts for node " + ctx.principal.node + ", and this is node " + options_.node);
    }
    bool allowed = false;
    for (Permission p : match->any_of) allowed = allowed || ctx.principal.Can(p);
    if (!allowed) {
      std::string names;
      for (Permission p : match->any_of) {
        names += (names.empty() ? "" : " or ") + std::string(PermissionName(p));
      }
      return Problem(403, "permission_denied", "this needs the permission " + names);
    }
    ctx.settings = projector_->Settings();
  }
  if (joining_ && match->pattern.starts_with("/v1/") && match->pattern != "/v1/sync/status" &&
      match->pattern != "/v1/openapi.json") {
    HttpResponse r = Problem(503, "joining",
                             "this store is still copying HQ's log; see /v1/sync/status for how "
                             "far it is");
    r.headers.emplace_back("Retry-After", "5");
    return r;
  }
  if (match->pattern == "/v1/batch" && request.Header("idempotency-key")) {
    // One key for many commands could not keep them: a retry after a crash
    // would run again every command without a key of its own, and a large
    // batch's answer is too large to keep.
    return Problem(422, "idempotency_key_on_batch",
                   "a batch takes no Idempotency-Key header: give each command its own "
                   "\"idempotency_key\" (a retry of the batch then replays the commands done)");
  }
  if (admit_only) return HttpResponse{.status = 0};
  if (match->write && request.Header("idempotency-key")) return Idempotent(ctx, *match);
  return match->fn(this, ctx);
}

HttpResponse Service::Idempotent(Context& ctx, const Route& route) {
  const std::string key(*ctx.req.Header("idempotency-key"));
  if (key.empty() || key.size() > 255) {
    return Problem(422, "invalid_idempotency_key",
                   "Idempotency-Key must be 1 to 255 characters long");
  }
  const std::string fingerprint =
      ctx.req.method + ' ' + ctx.req.path + ' ' + HashToken(ctx.req.body);
  auto claim = idempotency_->Begin(ctx.principal.name, key, fingerprint);
  if (!claim) {
    metrics_.LimitHit("storage");
    return Problem(503, "storage_unavailable",
                   "this node cannot keep the Idempotency-Key now (" + claim.error().message() +
                       "); nothing was done, retry later");
  }
  using V = IdempotencyKeys::Verdict;
  switch (claim->verdict) {
    case V::kOtherRequest:
      return Problem(422, "idempotency_key_reused",
                     "this Idempotency-Key was used with another request; use a new key");
    case V::kInFlight:
      return Problem(409, "idempotency_in_flight",
                     "a request with this Idempotency-Key is still being processed; retry");
    case V::kOverBudget: {
      metrics_.LimitHit("idempotency_keys");
      const auto& o = idempotency_->options();
      HttpResponse r = Problem(
          429, "idempotency_budget_exceeded",
          "this principal holds as many Idempotency-Keys as it may (idempotency.max_keys_per_"
          "principal " +
              std::to_string(o.max_keys_per_principal) + ", idempotency.max_bytes_per_principal " +
              std::to_string(o.max_bytes_per_principal) +
              "); keys expire after idempotency.lifetime_hours, or send the write without a key");
      r.headers.emplace_back("Retry-After", "60");
      return r;
    }
    case V::kReplay: {
      HttpResponse replay = std::move(claim->answer);
      replay.headers.emplace_back("Idempotent-Replayed", "true");
      return replay;
    }
    case V::kRun:
    case V::kRecover:
      break;
  }
  // The command's events get ids derived from this (CommandHandler): a retry
  // whose first run reached the log finds it there instead of running again.
  ctx.request_key = HashToken(options_.node + '\n' + ctx.principal.name + '\n' + key + '\n' +
                              fingerprint + '\n' + std::to_string(claim->expires_ms));
  HttpResponse response = route.fn(this, ctx);
  if (std::string why = idempotency_->Finish(ctx.principal.name, key, response); !why.empty()) {
    if (response.status < 500) metrics_.LimitHit("idempotency_answer");
    response.headers.emplace_back("Idempotency-Not-Kept", why);
  }
  return response;
}

}  // namespace clientele::api
