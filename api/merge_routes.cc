// Merging duplicates (domain/merge.h): the merge route and the candidates a
// clerk reviews.
#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <unordered_map>

#include "api/json_body.h"
#include "api/problem.h"
#include "api/service_internal.h"
#include "domain/text.h"
#include "projections/search_text.h"

namespace clientele::api {

namespace {

std::optional<DetailField> ParseDetailField(std::string_view name) {
  for (DetailField f : kAllDetailFields) {
    if (DetailFieldName(f) == name) return f;
  }
  return std::nullopt;
}

// A merge's refusal: 422 for a request that can never succeed (into itself),
// 409 for one the customers' state refuses, 400/412 for If-Match; the rest as
// everywhere.
HttpResponse MergeProblem(const Status& s) {
  if (s.reason() == "merge_into_itself") return Problem(422, s.reason(), s.message());
  if (s.reason() == "invalid_if_match") return Problem(400, s.reason(), s.message());
  if (s.reason() == "weak_etag") return Problem(412, s.reason(), s.message());
  return Problem(s);
}

}  // namespace

HttpResponse Service::MergeCustomersRoute(Context& ctx) {
  auto body = JsonBody::Parse(ctx.req.body, {"duplicate", "fields"});
  if (!body) return body.error();
  const std::string duplicate_ref = body->String("duplicate", true).value_or("");
  MergeCustomers cmd;
  if (body->Has("fields") && body->errors().empty()) {
    boost::json::value parsed = boost::json::parse(ctx.req.body);
    const boost::json::value& fields = parsed.as_object().at("fields");
    if (!fields.is_object()) {
      body->AddError("fields", "wrong_type", "must be an object like {\"email\": \"duplicate\"}");
    } else {
      for (const boost::json::key_value_pair& kv : fields.as_object()) {
        auto field = ParseDetailField(kv.key());
        const std::string where = "fields." + std::string(kv.key());
        const boost::json::string* side = kv.value().if_string();
        if (!field) {
          body->AddError(where, "unknown_field", "is not a customer field");
        } else if (side != nullptr && *side == "duplicate") {
          cmd.fields[*field] = MergeSide::kDuplicate;
        } else if (side != nullptr && *side == "survivor") {
          cmd.fields[*field] = MergeSide::kSurvivor;
        } else {
          body->AddError(where, "invalid_value", "must be \"survivor\" or \"duplicate\"");
        }
      }
    }
  }
  if (!body->errors().empty()) return Problem(body->errors());
  auto survivor = NamedCustomer(ctx.params["ref"]);
  if (!survivor) return Problem(survivor.error());
  auto duplicate = NamedCustomer(duplicate_ref);
  if (!duplicate) {
    return Problem(404, "duplicate_not_found", "there is no customer " + duplicate_ref);
  }
  auto if_version = IfMatch(ctx);
  if (!if_version) return MergeProblem(if_version.error());
  auto outcome = commands_->Merge(*survivor, *duplicate, std::move(cmd), ctx.principal.name,
                                  *if_version, ctx.request_key);
  if (!outcome) return MergeProblem(outcome.error());
  return CustomerAfter(ctx, outcome->customer_id, outcome->last_position, 200);
}

namespace {

struct Candidate {
  std::uint32_t a = 0, b = 0;  // indexes into the rows, a < b
  int score = 0;
  std::vector<std::string> reasons;
};

// Rows sharing a key of one kind: more than this many are not one person
// (a shop's own phone, a placeholder email) and are left out.
constexpr std::size_t kMaxGroup = 20;
// At most this many candidate pairs are ranked.
constexpr std::size_t kMaxCandidates = 10000;

}  // namespace

HttpResponse Service::DuplicatesRoute(Context& ctx) {
  const auto& q = ctx.req.query;
  std::vector<FieldError> errors;
  std::size_t limit = 50, offset = 0;
  for (const auto& [name, value] : q) {
    if (name != "limit" && name != "cursor") {
      errors.push_back({name, "unknown_parameter", "is not a parameter of this list"});
      continue;
    }
    std::size_t v = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc() || end != value.data() + value.size()) {
      errors.push_back({name, name == "limit" ? "wrong_type" : "invalid_cursor",
                        name == "limit" ? "must be a whole number"
                                        : "must be a next_cursor value of this list"});
    } else if (name == "limit") {
      limit = v;
    } else {
      offset = v;
    }
  }
  if (limit < 1 || limit > 500) {
    errors.push_back({"limit", "invalid_limit", "limit must be between 1 and 500"});
  }
  if (!errors.empty()) return Problem(errors);

  // Computed at query time from the table in memory: one pass groups the
  // listed customers by each key, then the pairs within each group are scored.
  std::vector<CustomerRow> rows = projector_->Customers();
  std::erase_if(rows, [](const CustomerRow& r) {
    return r.deleted || r.code.empty() || !r.merges.MergedInto().empty();
  });
  std::sort(rows.begin(), rows.end(),
            [](const CustomerRow& x, const CustomerRow& y) { return x.id < y.id; });
  std::unordered_map<std::string, std::vector<std::uint32_t>> email, phone, name;
  std::vector<std::string> names(rows.size()), taxes(rows.size()), addresses(rows.size());
  for (std::uint32_t i = 0; i < rows.size(); ++i) {
    const CustomerDetails& d = rows[i].details;
    if (!d[DetailField::kEmail].empty()) email[MatchKey(d[DetailField::kEmail])].push_back(i);
    if (std::string digits = Digits(d[DetailField::kPhone]); digits.size() >= 6) {
      phone[digits].push_back(i);
    }
    names[i] = Fold(d[DetailField::kFirstName] + " " + d[DetailField::kLastName]);
    name[names[i]].push_back(i);
    taxes[i] = Fold(d[DetailField::kTaxId]);
    addresses[i] = Fold(d[DetailField::kAddress]);
  }
  std::map<std::pair<std::uint32_t, std::uint32_t>, Candidate> pairs;
  auto add = [&](const std::unordered_map<std::string, std::vector<std::uint32_t>>& groups,
                 int score, const char* reason, bool need_more) {
    for (const auto& [key, members] : groups) {
      if (members.size() < 2 || members.size() > kMaxGroup) continue;
      for (std::size_t x = 0; x < members.size(); ++x) {
        for (std::size_t y = x + 1; y < members.size(); ++y) {
          const std::uint32_t a = members[x], b = members[y];
          // A name alone is common: it counts with another matching field.
          if (need_more && !pairs.contains({a, b}) &&
              !(!taxes[a].empty() && taxes[a] == taxes[b]) &&
              !(!addresses[a].empty() && addresses[a] == addresses[b])) {
            continue;
          }
          if (pairs.size() >= kMaxCandidates && !pairs.contains({a, b})) continue;
          Candidate& c = pairs[{a, b}];
          c.a = a;
          c.b = b;
          c.score += score;
          c.reasons.emplace_back(reason);
        }
      }
    }
  };
  add(email, 4, "email", false);
  add(phone, 3, "phone", false);
  add(name, 2, "name", true);
  std::vector<Candidate> ranked;
  ranked.reserve(pairs.size());
  for (auto& [key, c] : pairs) ranked.push_back(std::move(c));
  // Strongest first; ties by the customers' ids, so pages are stable.
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const Candidate& x, const Candidate& y) { return x.score > y.score; });
  const Visibility vis = ctx.visibility();
  boost::json::array out;
  for (std::size_t i = offset; i < ranked.size() && i < offset + limit; ++i) {
    boost::json::array reasons;
    for (const std::string& r : ranked[i].reasons) reasons.push_back(boost::json::value(r));
    out.push_back({{"score", ranked[i].score},
                   {"matches", std::move(reasons)},
                   {"customers", boost::json::array{RenderCustomer(rows[ranked[i].a], vis),
                                                    RenderCustomer(rows[ranked[i].b], vis)}}});
  }
  boost::json::object o{{"candidates", std::move(out)}, {"total", ranked.size()}};
  o["next_cursor"] = offset + limit < ranked.size()
                         ? boost::json::value(std::to_string(offset + limit))
                         : boost::json::value(nullptr);
  return Json(o);
}

}  // namespace clientele::api
