// The customer routes of the service (api/service.h).
#include <array>
#include <boost/json.hpp>
#include <charconv>
#include <set>

#include "api/command_bodies.h"
#include "api/consent_body.h"
#include "api/json_body.h"
#include "api/problem.h"
#include "api/service_internal.h"
#include "domain/ids.h"
#include "domain/time.h"

namespace clientele::api {

namespace {

// "5" or "\"5\"" -> 5.
std::optional<std::int64_t> ParseVersion(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  std::int64_t out = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || end != v.data() + v.size() || out < 0) return std::nullopt;
  return out;
}

std::optional<std::size_t> ParseCount(const std::map<std::string, std::string>& query,
                                      const std::string& name, std::size_t fallback,
                                      std::vector<FieldError>* errors) {
  auto it = query.find(name);
  if (it == query.end()) return fallback;
  std::size_t out = 0;
  auto [end, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), out);
  if (ec != std::errc() || end != it->second.data() + it->second.size()) {
    errors->push_back({name, "wrong_type", "must be a whole number"});
    return std::nullopt;
  }
  return out;
}

}  // namespace

namespace {

// A malformed If-Match is a 400, like any malformed request header.
HttpResponse CommandProblem(const Status& s) {
  if (s.reason() == "invalid_if_match") return Problem(400, s.reason(), s.message());
  if (s.reason() == "weak_etag") return Problem(412, s.reason(), s.message());
  return Problem(s);
}

// For commands without fields: a body, if sent, must be an empty JSON object.
std::optional<HttpResponse> RefuseFields(const std::string& body) {
  if (body.empty()) return std::nullopt;
  auto parsed = JsonBody::Parse(body, {});
  if (!parsed) return parsed.error();
  if (!parsed->errors().empty()) return Problem(parsed->errors());
  return std::nullopt;
}

}  // namespace

Result<std::string> Service::NamedCustomer(const std::string& ref) const {
  if (auto id = ParseUuid(ref, "ref")) {
    if (projector_->Customer(*id)) return *id;
  } else if (auto row = projector_->CustomerByCode(ref)) {
    return row->id;
  }
  return Error(Status::NotFound("customer_not_found", "there is no customer " + ref));
}

Result<std::string> Service::ResolveCustomer(const std::string& ref) const {
  auto named = NamedCustomer(ref);
  if (!named) return named;
  return ResolveAlias(*named, [&](const std::string& id) {
    auto row = projector_->Customer(id);
    if (!row) return std::pair<std::string, std::string>{};
    return std::pair<std::string, std::string>{row->merges.MergedInto(),
                                               row->merges.WinningMerge()};
  });
}

HttpResponse Service::CustomerAfter(Context& ctx, const std::string& id, std::uint64_t position,
                                    int status) {
  if (position > 0 && !projector_->WaitFor(position, options_.read_your_write_timeout)) {
    return Problem(503, "projections_behind",
                   "the change was recorded (log position " + std::to_string(position) +
                       ") but the customer table has not caught up yet; read it again shortly");
  }
  auto row = projector_->Customer(id);
  if (!row) return Problem(404, "customer_not_found", "there is no customer " + id);
  HttpResponse r = Json(RenderCustomer(*row, ctx.visibility()), status);
  r.headers.emplace_back("ETag", "\"" + std::to_string(row->version) + "\"");
  if (status == 201) r.headers.emplace_back("Location", "/v1/customers/" + id);
  return r;
}

Result<std::optional<std::int64_t>> Service::IfMatch(Context& ctx) const {
  std::optional<std::int64_t> if_version;
  if (auto h = ctx.req.Header("if-match"); h && *h != "*") {
    if (h->starts_with("W/")) {
      // If-Match compares strongly (RFC 9110 13.1.1): a weak tag never matches.
      return Error(Status::FailedPrecondition(
          "If-Match", "weak_etag",
          "If-Match compares ETags strongly, so a weak one like W/\"3\" never matches; send "
          "the ETag as given, like \"3\""));
    }
    if_version = ParseVersion(*h);
    if (!if_version) {
      return Error(Status::InvalidArgument("If-Match", "invalid_if_match",
                                           "If-Match must be the customer's ETag, like \"3\""));
    }
  }
  return if_version;
}

Result<CommandOutcome> Service::RunCommand(Context& ctx, const CustomerCommand& cmd) {
  auto id = ResolveCustomer(ctx.params["ref"]);
  if (!id) return Error(id.error());
  auto if_version = IfMatch(ctx);
  if (!if_version) return Error(if_version.error());
  return commands_->Execute(*id, cmd, ctx.principal.name, *if_version, ctx.request_key);
}

HttpResponse Service::Execute(Context& ctx, const CustomerCommand& cmd) {
  auto outcome = RunCommand(ctx, cmd);
  if (!outcome) return CommandProblem(outcome.error());
  return CustomerAfter(ctx, outcome->customer_id, outcome->last_position, 200);
}

HttpResponse Service::CreateCustomer(Context& ctx) {
  static constexpr std::array<std::string_view, 8> kCreateFields = {
      "first_name", "last_name", "email", "phone", "tax_id", "address", "notes", "consent"};
  auto body = JsonBody::Parse(ctx.req.body, kCreateFields);
  if (!body) return body.error();
  CustomerDetails d;
  for (DetailField f : kAllDetailFields) {
    const bool required = f == DetailField::kFirstName || f == DetailField::kLastName;
    if (auto v = body->String(DetailFieldName(f), required)) d[f] = *v;
  }
  std::vector<ConsentChoice> consents;
  if (auto consent = body->Object("consent")) {
    std::vector<FieldError> errors;
    consents = ReadConsent(*consent, "consent.", &errors);
    for (FieldError& e : errors) body->AddError(e.field, e.reason, e.detail);
  }
  if (!body->errors().empty()) return Problem(body->errors());
  auto outcome = commands_->Register(d, ctx.principal.name, ctx.request_key, std::move(consents));
  if (!outcome) return Problem(outcome.error());
  return CustomerAfter(ctx, outcome->customer_id, outcome->last_position, 201);
}

HttpResponse Service::GetCustomer(Context& ctx) {
  const std::string& ref = ctx.params["ref"];
  auto id = ResolveCustomer(ref);
  auto row = id ? projector_->Customer(*id) : std::nullopt;
  if (!row || row->deleted) {
    return Problem(404, "customer_not_found", "there is no customer " + ref);
  }
  boost::json::object body = RenderCustomer(*row, ctx.visibility());
  // The next points to expire, from the reports (which follow the log a
  // moment behind the table). Without points there is nothing to expire, and
  // nothing to read.
  if (ctx.visibility().points && options_.reports != nullptr) {
    auto next = row->points > 0
                    ? options_.reports->Expiring(row->id)
                    : Result<std::optional<PointsExpiring>>(std::optional<PointsExpiring>());
    if (next && *next) {
      const TimeZone& tz = options_.reports->time_zone();
      body["points_expiring"] = {{"points", (*next)->points},
                                 {"date", FormatDay(tz.DayOf((*next)->expires_at_ms - 1))},
                                 {"expires_at", FormatTime((*next)->expires_at_ms)}};
    } else {
      body["points_expiring"] = nullptr;
    }
  }
  HttpResponse r = Json(body);
  r.headers.emplace_back("ETag", "\"" + std::to_string(row->version) + "\"");
  return r;
}

std::optional<TableSearch> Service::ParseSearch(Context& ctx, const std::set<std::string>& more,
                                                StatusFilter status,
                                                std::vector<FieldError>* errors) const {
  const auto& q = ctx.req.query;
  TableSearch tq;
  tq.status = status;
  auto get = [&](const char* name) -> const std::string* {
    auto it = q.find(name);
    return it == q.end() ? nullptr : &it->second;
  };
  for (const auto& [name, value] : q) {
    static const std::set<std::string> kKnown = {"search", "has_points", "has_credit",
                                                 "status", "sort",       "order"};
    if (!kKnown.contains(name) && !more.contains(name))
      errors->push_back({name, "unknown_parameter", "is not a parameter of the table"});
  }
  if (auto v = get("search")) tq.search = *v;
  auto flag = [&](const char* name, bool* out) {
    if (auto v = get(name)) {
      if (*v == "true" || *v == "1")
        *out = true;
      else if (*v == "false" || *v == "0")
        *out = false;
      else
        errors->push_back({name, "wrong_type", "must be true or false"});
    }
  };
  flag("has_points", &tq.has_points);
  flag("has_credit", &tq.has_credit);
  if (auto v = get("status")) {
    if (*v == "active")
      tq.status = StatusFilter::kActive;
    else if (*v == "inactive")
      tq.status = StatusFilter::kInactive;
    else if (*v == "all")
      tq.status = StatusFilter::kAll;
    else
      errors->push_back({"status", "invalid_value", "must be active, inactive or all"});
  }
  if (auto v = get("sort")) {
    auto f = ParseSortField(*v);
    if (f)
      tq.sort = *f;
    else
      errors->push_back(
          {"sort", "invalid_value", "must be first_name, last_name, points, credit or last_visit"});
  }
  if (auto v = get("order")) {
    if (*v == "asc")
      tq.descending = false;
    else if (*v == "desc")
      tq.descending = true;
    else
      errors->push_back({"order", "invalid_value", "must be asc or desc"});
  }
  const Visibility vis = ctx.visibility();
  if ((tq.sort == SortField::kPoints || tq.has_points) && !vis.points) {
    errors->push_back(
        {tq.has_points ? "has_points" : "sort", "not_visible", "points are not visible to you"});
  }
  if ((tq.sort == SortField::kCredit || tq.has_credit) && !vis.credit) {
    errors->push_back(
        {tq.has_credit ? "has_credit" : "sort", "not_visible", "credit is not visible to you"});
  }
  if (!errors->empty()) return std::nullopt;
  return tq;
}

HttpResponse Service::ListCustomers(Context& ctx) {
  const auto& q = ctx.req.query;
  std::vector<FieldError> errors;
  auto search = ParseSearch(ctx, {"limit", "cursor"}, StatusFilter::kActive, &errors);
  TableQuery tq;
  if (search) static_cast<TableSearch&>(tq) = *search;
  auto get = [&](const char* name) -> const std::string* {
    auto it = q.find(name);
    return it == q.end() ? nullptr : &it->second;
  };
  const Visibility vis = ctx.visibility();
  if (auto limit = ParseCount(q, "limit", 50, &errors)) tq.limit = *limit;
  if (auto v = get("cursor")) tq.cursor = *v;
  tq.owner = ctx.principal.name;
  if (!errors.empty()) return Problem(errors);
  auto page = table_.Query(tq);
  if (!page) return Problem(page.error());
  for (std::size_t i = 0; i < page->cursors_evicted; ++i) metrics_.LimitHit("cursors");
  // The page's JSON in one arena, freed at once.
  boost::json::monotonic_resource arena;
  const boost::json::storage_ptr sp(&arena);
  boost::json::array rows(sp);
  rows.reserve(page->rows.size());
  for (const CustomerRow& r : page->rows) rows.push_back(RenderCustomer(r, vis, sp));
  boost::json::object o(sp);
  o["customers"] = std::move(rows);
  o["total"] = page->total;
  o["next_cursor"] = page->next_cursor.empty() ? boost::json::value(nullptr, sp)
                                               : boost::json::value(page->next_cursor, sp);
  return Json(boost::json::value(std::move(o)));
}

HttpResponse Service::EditCustomer(Context& ctx) { return ExecuteKind(ctx, "edit"); }

HttpResponse Service::DeleteCustomerRoute(Context& ctx) {
  if (auto refused = RefuseFields(ctx.req.body)) return *refused;
  auto outcome = RunCommand(ctx, DeleteCustomer{});
  if (!outcome) return CommandProblem(outcome.error());
  projector_->WaitFor(outcome->last_position, options_.read_your_write_timeout);
  HttpResponse r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

HttpResponse Service::DeactivateCustomerRoute(Context& ctx) {
  if (auto refused = RefuseFields(ctx.req.body)) return *refused;
  return Execute(ctx, DeactivateCustomer{});
}

HttpResponse Service::ReactivateCustomerRoute(Context& ctx) {
  if (auto refused = RefuseFields(ctx.req.body)) return *refused;
  return Execute(ctx, ReactivateCustomer{});
}

HttpResponse Service::EraseCustomerRoute(Context& ctx) {
  return ExecuteBody(ctx, {"reason", "write_off_credit"}, [](JsonBody& body) {
    EraseCustomer cmd;
    cmd.reason = body.String("reason", true).value_or("");
    cmd.write_off_credit = body.Bool("write_off_credit").value_or(false);
    return CustomerCommand(cmd);
  });
}

HttpResponse Service::ExecuteKind(Context& ctx, std::string_view kind) {
  const CommandBody* what = FindCommandBody(kind);
  auto body = JsonBody::Parse(ctx.req.body, what->fields);
  if (!body) return body.error();
  auto cmd = what->read(*body, clock_->NowMs());
  if (!cmd) return cmd.error();
  return Execute(ctx, *cmd);
}

HttpResponse Service::RecordPurchaseRoute(Context& ctx) { return ExecuteKind(ctx, "purchase"); }

HttpResponse Service::RefundRoute(Context& ctx) { return ExecuteKind(ctx, "refund"); }

HttpResponse Service::ExecuteBody(Context& ctx, std::initializer_list<std::string_view> fields,
                                  const std::function<CustomerCommand(JsonBody&)>& read) {
  auto body = JsonBody::Parse(ctx.req.body, fields);
  if (!body) return body.error();
  const CustomerCommand cmd = read(*body);
  if (!body->errors().empty()) return Problem(body->errors());
  return Execute(ctx, cmd);
}

HttpResponse Service::RedeemPointsRoute(Context& ctx) { return ExecuteKind(ctx, "points.redeem"); }

HttpResponse Service::AdjustPointsRoute(Context& ctx) { return ExecuteKind(ctx, "points.adjust"); }

HttpResponse Service::TopUpCreditRoute(Context& ctx) { return ExecuteKind(ctx, "credit.top_up"); }

HttpResponse Service::DeductCreditRoute(Context& ctx) { return ExecuteKind(ctx, "credit.deduct"); }

HttpResponse Service::AdjustCreditRoute(Context& ctx) { return ExecuteKind(ctx, "credit.adjust"); }

HttpResponse Service::History(Context& ctx) {
  // ?alias=false: a merged customer's own history, not its survivor's.
  auto alias = ctx.req.query.find("alias");
  const bool own = alias != ctx.req.query.end() && alias->second == "false";
  auto id = own ? NamedCustomer(ctx.params["ref"]) : ResolveCustomer(ctx.params["ref"]);
  if (!id) return Problem(id.error());
  std::vector<FieldError> errors;
  auto limit = ParseCount(ctx.req.query, "limit", 50, &errors);
  std::string next;
  if (auto it = ctx.req.query.find("before"); it != ctx.req.query.end() && !it->second.empty()) {
    auto before = ParseUuid(it->second, "before");
    if (!before) {
      errors.push_back({"before", "invalid_before", "before must be a next_before value (a UUID)"});
    } else {
      next = *before;
    }
  }
  if (limit && (*limit < 1 || *limit > 500)) {
    errors.push_back({"limit", "invalid_limit", "limit must be between 1 and 500"});
  }
  if (!errors.empty()) return Problem(errors);
  const Visibility vis = ctx.visibility();
  boost::json::array entries;
  bool first = true;
  // Entries the principal cannot see are skipped; pages stay full when they can.
  while (entries.size() < *limit && (first || !next.empty())) {
    first = false;
    auto page = projector_->History(*id, next, *limit - entries.size());
    if (!page) return Problem(page.error());
    for (const HistoryEntry& e : page->entries) {
      boost::json::object o = RenderHistoryEntry(e, vis);
      if (!o.empty()) entries.push_back(std::move(o));
    }
    next = page->next_before;
  }
  boost::json::object o{{"entries", std::move(entries)}};
  o["next_before"] = next.empty() ? boost::json::value(nullptr) : boost::json::value(next);
  return Json(o);
}

}  // namespace clientele::api
