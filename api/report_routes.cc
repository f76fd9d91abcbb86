// GET /v1/reports/{report}: the chain's reports (projections/reports.h) as
// JSON or CSV. Credit figures need credit visibility and points figures
// loyalty visibility, as everywhere else; the top customers also need
// customers.view.
#include <boost/json.hpp>
#include <charconv>
#include <variant>

#include "api/problem.h"
#include "api/service_internal.h"
#include "domain/time.h"
#include "imports/csv.h"
#include "projections/reports.h"

namespace clientele::api {

namespace {

namespace json = boost::json;

constexpr char kFifoNote[] =
    "credit spent draws on the oldest top-ups first (first in, first out); by store, a "
    "balance is what is held from that store's top-ups or earnings, and 'spent' what was "
    "drawn from them wherever it was spent";

// A table: JSON rows and the same as CSV. Numbers stay numbers in both.
class Table {
 public:
  using Cell = std::variant<std::string, std::int64_t>;
  void Column(std::string name, bool shown = true) {
    shown_.push_back(shown);
    if (shown) names_.push_back(std::move(name));
  }
  // `cells` has one value per Column(), shown or not.
  void Row(std::vector<Cell> cells) { rows_.push_back(std::move(cells)); }

  json::array Json() const {
    json::array out;
    for (const auto& row : rows_) {
      json::object o;
      std::size_t name = 0;
      for (std::size_t i = 0; i < row.size(); ++i) {
        if (!shown_[i]) continue;
        const std::string& key = names_[name++];
        if (const auto* s = std::get_if<std::string>(&row[i])) {
          o[key] = *s;
        } else {
          o[key] = std::get<std::int64_t>(row[i]);
        }
      }
      out.push_back(std::move(o));
    }
    return out;
  }
  std::string Csv() const {
    std::string out;
    std::vector<std::string_view> head(names_.begin(), names_.end());
    CsvWriter::Row(head, &out);
    for (const auto& row : rows_) {
      bool first = true;
      for (std::size_t i = 0; i < row.size(); ++i) {
        if (!shown_[i]) continue;
        if (!first) out += ',';
        first = false;
        if (const auto* s = std::get_if<std::string>(&row[i])) {
          CsvWriter::Cell(*s, &out);
        } else {
          out += std::to_string(std::get<std::int64_t>(row[i]));
        }
      }
      out += "\r\n";
    }
    return out;
  }

 private:
  std::vector<std::string> names_;
  std::vector<bool> shown_;
  std::vector<std::vector<Cell>> rows_;
};

std::string StoreName(const std::string& store) { return store.empty() ? "(chain)" : store; }

}  // namespace

HttpResponse Service::Report(Context& ctx) {
  if (options_.reports == nullptr) {
    return Problem(503, "reports_unavailable", "this node keeps no reports");
  }
  const Reports& reports = *options_.reports;
  const TimeZone& tz = reports.time_zone();
  const std::string& name = ctx.params["report"];
  const Visibility v = ctx.visibility();
  auto query = [&](const std::string& key) -> std::optional<std::string> {
    auto it = ctx.req.query.find(key);
    if (it == ctx.req.query.end()) return std::nullopt;
    return it->second;
  };
  const std::int32_t today = tz.DayOf(clock_->NowMs());
  std::vector<FieldError> errors;
  auto day_param = [&](const std::string& key, std::int32_t fallback) {
    auto text = query(key);
    if (!text) return fallback;
    auto day = ParseDay(*text);
    if (!day) {
      errors.push_back({key, "invalid_date", "must be a date like 2026-11-30"});
      return fallback;
    }
    return *day;
  };
  const std::int32_t date = day_param("date", today);
  const std::int32_t first_of_month = today - (std::stoi(FormatDay(today).substr(8)) - 1);
  const std::int32_t from = day_param("from", first_of_month);
  const std::int32_t to = day_param("to", today);
  if (errors.empty() && from > to) {
    errors.push_back({"to", "out_of_range", "must be on or after from"});
  }
  if (errors.empty() && to - from > 366 * 20) {
    errors.push_back({"to", "out_of_range", "a period is at most 20 years"});
  }
  std::int64_t limit = 20;
  if (auto text = query("limit")) {
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
    if (ec != std::errc() || end != text->data() + text->size() || limit < 1 || limit > 1000) {
      errors.push_back({"limit", "out_of_range", "must be a whole number from 1 to 1000"});
    }
  }
  bool csv = false;
  if (auto format = query("format")) {
    if (*format == "csv") {
      csv = true;
    } else if (*format != "json") {
      errors.push_back({"format", "invalid_value", "must be json or csv"});
    }
  } else if (auto accept = ctx.req.headers.find("accept"); accept != ctx.req.headers.end()) {
    csv = accept->second.find("text/csv") != std::string::npos &&
          accept->second.find("json") == std::string::npos;
  }
  if (!errors.empty()) return Problem(errors);

  json::object head{{"report", name}, {"time_zone", tz.name()}};
  Table table;
  auto credit_only = [&]() -> std::optional<HttpResponse> {
    if (v.credit) return std::nullopt;
    return Problem(403, "credit_not_visible",
                   "this report is about credit: it needs customers.manage_credit and the "
                   "customer_credits module");
  };
  if (name == "liability") {
    head["date"] = FormatDay(date);
    LiabilityReport r = reports.Liability(date);
    table.Column("store");
    table.Column("credit", v.credit);
    table.Column("credit_holders", v.credit);
    table.Column("points", v.points);
    table.Column("points_holders", v.points);
    auto row = [&](const LiabilityLine& l) {
      table.Row({StoreName(l.store), l.credit, l.credit_holders, l.points, l.points_holders});
    };
    row(r.chain);
    for (const auto& l : r.stores) row(l);
  } else if (name == "roll-forward") {
    head["from"] = FormatDay(from);
    head["to"] = FormatDay(to);
    head["note"] = kFifoNote;
    RollForwardReport r = reports.RollForward(from, to);
    table.Column("store");
    for (const char* c : {"credit_opening", "credit_topped_up", "credit_spent", "credit_adjusted",
                          "credit_duplicates_reversed", "credit_overdrafts_settled",
                          "credit_closing", "overdrafts_found", "overdraft_amount"}) {
      table.Column(c, v.credit);
    }
    for (const char* c :
         {"points_opening", "points_earned", "points_redeemed", "points_adjusted", "points_expired",
          "points_reversed_by_refunds", "points_duplicates_reversed", "points_shortfalls_settled",
          "points_closing", "shortfalls_found", "shortfall_points"}) {
      table.Column(c, v.points);
    }
    auto row = [&](const RollLine& l) {
      const CreditRoll& c = l.credit;
      const PointsRoll& p = l.points;
      table.Row({StoreName(l.store), c.opening,    c.topped_up, c.spent,      c.adjusted,
                 c.duplicates,       c.settled,    c.closing,   c.overdrafts, c.overdraft_amount,
                 p.opening,          p.earned,     p.redeemed,  p.adjusted,   p.expired,
                 p.reversed,         p.duplicates, p.settled,   p.closing,    p.shortfalls,
                 p.shortfall_points});
    };
    row(r.chain);
    for (const auto& l : r.stores) row(l);
  } else if (name == "between-stores") {
    if (auto refused = credit_only()) return *refused;
    head["from"] = FormatDay(from);
    head["to"] = FormatDay(to);
    head["note"] = std::string(kFifoNote) +
                   "; topped_up_at \"(none)\" is credit spent beyond the customer's balance";
    BetweenStoresReport r = reports.BetweenStores(from, to);
    head["total"] = r.total;
    table.Column("topped_up_at");
    table.Column("spent_at");
    table.Column("amount");
    for (const MoveLine& m : r.moves) {
      table.Row({m.from.empty() ? std::string("(none)") : m.from, m.to, m.amount});
    }
  } else if (name == "dormant") {
    if (auto refused = credit_only()) return *refused;
    head["date"] = FormatDay(date);
    DormantReport r = reports.Dormant(date);
    table.Column("since_last_activity");
    table.Column("min_days");
    table.Column("max_days");
    table.Column("customers");
    table.Column("credit");
    for (const DormantBucket& b : r.buckets) {
      table.Row({b.label, std::int64_t{b.min_days},
                 b.max_days == INT32_MAX ? std::int64_t{-1} : std::int64_t{b.max_days}, b.customers,
                 b.credit});
    }
  } else if (name == "activity") {
    head["from"] = FormatDay(from);
    head["to"] = FormatDay(to);
    ActivityReport r = reports.Activity(from, to);
    table.Column("date");
    table.Column("store");
    table.Column("purchases");
    table.Column("purchase_amount");
    table.Column("new_customers");
    table.Column("active_customers");
    table.Column("points_earned", v.points);
    table.Column("points_redeemed", v.points);
    table.Column("credit_topped_up", v.credit);
    table.Column("credit_spent", v.credit);
    for (const ActivityLine& l : r.lines) {
      table.Row({FormatDay(l.day), l.store, l.purchases, l.purchase_amount, l.new_customers,
                 l.active_customers, l.points_earned, l.points_redeemed, l.credit_topped_up,
                 l.credit_spent});
    }
  } else if (name == "top-customers") {
    if (!ctx.principal.Can(kView)) {
      return Problem(403, "forbidden", "this report lists customers: it needs customers.view");
    }
    head["from"] = FormatDay(from);
    head["to"] = FormatDay(to);
    auto top = reports.TopCustomers(from, to, static_cast<std::size_t>(limit));
    if (!top) return Problem(top.error());
    table.Column("rank");
    table.Column("customer_id");
    table.Column("code");
    table.Column("first_name");
    table.Column("last_name");
    table.Column("spent");
    std::int64_t rank = 0;
    for (const TopCustomer& t : *top) {
      auto row = projector_->Customer(t.customer_id);
      CustomerDetails none;
      const CustomerDetails& d = row ? row->details : none;
      table.Row({++rank, t.customer_id, row ? row->code : std::string(), d[DetailField::kFirstName],
                 d[DetailField::kLastName], t.spent});
    }
  } else {
    return Problem(404, "no_such_report",
                   "there is no such report: liability, roll-forward, between-stores, dormant, "
                   "activity or top-customers");
  }
  if (csv) {
    HttpResponse r;
    r.content_type = "text/csv; charset=utf-8";
    r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + name + ".csv\"");
    r.body = table.Csv();
    return r;
  }
  head["rows"] = table.Json();
  return Json(head);
}

}  // namespace clientele::api
