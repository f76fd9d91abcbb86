#include "api/personal_data.h"

#include <boost/json.hpp>
#include <map>

#include "api/render.h"
#include "domain/event_codec.h"
#include "domain/ledger.h"
#include "domain/overloaded.h"
#include "domain/time.h"

namespace clientele::api {

namespace {

namespace json = boost::json;

json::value OrNull(const std::string& s) {
  if (s.empty()) return nullptr;
  return json::value(s);
}

json::value TimeOrNull(std::int64_t ms) {
  if (ms == 0) return nullptr;
  return json::value(FormatTime(ms));
}

void PutDetails(json::object& o, const CustomerDetails& d) {
  for (DetailField f : kAllDetailFields) o[DetailFieldName(f)] = OrNull(d[f]);
}

json::object StampJson(const Stamp& s) { return {{"hlc", s.hlc}, {"node", s.node}}; }

// The event's own fields and a sentence saying what it was. Every type is
// named here (no catch-all), so a new event type cannot compile unrendered.
std::pair<std::string, json::object> Describe(const CustomerEvent& event) {
  json::object d;
  std::string what;
  std::visit(Overloaded{
                 [&](const CustomerRegistered& e) {
                   d["customer_id"] = e.customer_id;
                   d["code"] = e.code;
                   PutDetails(d, e.details);
                   d["origin_store"] = OrNull(e.origin_store);
                   what = "registered as " + e.code;
                 },
                 [&](const CustomerDetailsChanged& e) {
                   std::string fields;
                   for (DetailField f : kAllDetailFields) {
                     if (!e.changes[f]) continue;
                     d[DetailFieldName(f)] = OrNull(*e.changes[f]);
                     fields += (fields.empty() ? "" : ", ") + std::string(DetailFieldName(f));
                   }
                   d["stamp"] = StampJson(e.stamp);
                   what = "details changed: " + fields;
                 },
                 [&](const CustomerDeactivated& e) {
                   d["stamp"] = StampJson(e.stamp);
                   what = "deactivated";
                 },
                 [&](const CustomerReactivated& e) {
                   d["stamp"] = StampJson(e.stamp);
                   what = "reactivated";
                 },
                 [&](const CustomerDeleted& e) {
                   d["stamp"] = StampJson(e.stamp);
                   what = "deleted (deactivated instead if the customer had history)";
                 },
                 [&](const PurchaseRecorded& e) {
                   d["tab_id"] = e.tab_id;
                   d["amount"] = e.amount;
                   d["paid_at"] = TimeOrNull(e.paid_at_ms);
                   what = "purchase of " + FormatMoney(e.amount) + " (tab " + e.tab_id + ")";
                 },
                 [&](const PurchaseRefunded& e) {
                   d["refund_id"] = e.refund_id;
                   d["tab_id"] = e.tab_id;
                   d["amount"] = e.amount;
                   what = "refund of " + FormatMoney(e.amount) + " on tab " + e.tab_id;
                 },
                 [&](const PointsEarned& e) {
                   d["tab_id"] = e.tab_id;
                   d["points"] = e.points;
                   what = std::to_string(e.points) + " points earned (tab " + e.tab_id + ")";
                 },
                 [&](const PointsReversed& e) {
                   d["refund_id"] = e.refund_id;
                   d["tab_id"] = e.tab_id;
                   d["points"] = e.points;
                   what = std::to_string(e.points) + " points taken back by refund " + e.refund_id;
                 },
                 [&](const PointsRedeemed& e) {
                   d["points"] = e.points;
                   d["note"] = OrNull(e.note);
                   d["reference"] = OrNull(e.reference);
                   what = std::to_string(e.points) + " points redeemed";
                 },
                 [&](const PointsAdjusted& e) {
                   d["delta"] = e.delta;
                   d["note"] = e.note;
                   what = "points adjusted by " + std::to_string(e.delta);
                 },
                 [&](const CreditToppedUp& e) {
                   d["amount"] = e.amount;
                   d["payment_ref"] = e.payment_ref;
                   d["note"] = OrNull(e.note);
                   what = "credit topped up by " + FormatMoney(e.amount);
                 },
                 [&](const CreditDeducted& e) {
                   d["amount"] = e.amount;
                   d["note"] = OrNull(e.note);
                   d["reference"] = OrNull(e.reference);
                   what = FormatMoney(e.amount) + " of credit spent";
                 },
                 [&](const CreditAdjusted& e) {
                   d["delta"] = e.delta;
                   d["note"] = e.note;
                   what = "credit adjusted by " + FormatMoney(e.delta);
                 },
                 [&](const CreditOverdraftDetected& e) {
                   d["deduction_id"] = e.deduction_id;
                   d["store"] = e.store;
                   d["shortfall"] = e.shortfall;
                   what = "credit overdraft of " + FormatMoney(e.shortfall) + " found (spent at " +
                          e.store + ")";
                 },
                 [&](const DuplicateReversed& e) {
                   d["kind"] = e.kind;
                   d["reference"] = e.reference;
                   d["duplicate_id"] = e.duplicate_id;
                   d["kept_id"] = e.kept_id;
                   d["store"] = e.store;
                   d["spent"] = e.spent;
                   d["points"] = e.points;
                   d["credit"] = e.credit;
                   what = "duplicate " + e.kind + " " + e.reference + " taken back";
                 },
                 [&](const ConflictRecorded& e) {
                   d["kind"] = e.kind;
                   d["reference"] = e.reference;
                   d["event_id"] = e.event_id;
                   d["other_id"] = e.other_id;
                   d["store"] = e.store;
                   what = e.kind + " " + e.reference + " recorded twice with other content";
                 },
                 [&](const PointsExpired& e) {
                   d["lot_id"] = e.lot_id;
                   d["points"] = e.points;
                   d["expired_at"] = TimeOrNull(e.expired_at_ms);
                   what = std::to_string(e.points) + " points expired";
                 },
                 [&](const PointsShortfallDetected& e) {
                   d["redemption_id"] = e.redemption_id;
                   d["store"] = e.store;
                   d["shortfall"] = e.shortfall;
                   what = "points shortfall of " + std::to_string(e.shortfall) +
                          " found (redeemed at " + e.store + ")";
                 },
                 [&](const CustomerConsentChanged& e) {
                   d["channel"] = ConsentChannelName(e.channel);
                   d["state"] = e.granted ? "granted" : "withdrawn";
                   d["source"] = ConsentSourceName(e.source);
                   d["stamp"] = StampJson(e.stamp);
                   what = std::string(ConsentChannelName(e.channel)) + " marketing consent " +
                          (e.granted ? "granted" : "withdrawn") + " (" +
                          std::string(ConsentSourceName(e.source)) + ")";
                 },
                 [&](const CustomerMerged& e) {
                   d["merge_id"] = e.merge_id;
                   d["survivor_id"] = e.survivor_id;
                   d["survivor_code"] = e.survivor_code;
                   d["points"] = e.points;
                   d["credit"] = e.credit;
                   d["spent"] = e.spent;
                   what = "merged into " + e.survivor_code;
                 },
                 [&](const MergeReceived& e) {
                   d["merge_id"] = e.merge_id;
                   d["duplicate_id"] = e.duplicate_id;
                   d["duplicate_code"] = e.duplicate_code;
                   d["points"] = e.points;
                   d["credit"] = e.credit;
                   d["spent"] = e.spent;
                   what = e.duplicate_code + " merged into this customer";
                 },
                 [&](const MergeSettled& e) {
                   d["merge_id"] = e.merge_id;
                   d["kind"] = e.kind;
                   d["side"] = e.side;
                   d["other_id"] = e.other_id;
                   d["points"] = e.points;
                   d["credit"] = e.credit;
                   d["spent"] = e.spent;
                   what = e.kind == "void" ? "merge undone (another merge of the same customer won)"
                                           : "carried on to the customer it was merged into";
                 },
                 [&](const CustomerErased& e) {
                   d["reason"] = e.reason;
                   what = "personal data erased";
                 },
             },
             event);
  return {std::move(what), std::move(d)};
}

std::string_view StatusOf(const CustomerRow& row) {
  if (row.deleted) return "deleted";
  if (row.erased) return "erased";
  return row.active ? "active" : "inactive";
}

}  // namespace

json::object RenderPersonalEntry(const RecordedEvent& r, const CustomerEvent& event) {
  const LedgerEffect f = EffectOf(event);
  auto [what, data] = Describe(event);
  json::object o;
  o["id"] = r.id;
  o["version"] = r.version;
  o["time"] = FormatTime(r.time_ms);
  o["type"] = r.type;
  o["description"] = what;
  o["store"] = r.origin;
  o["actor"] = r.actor;
  o["points_change"] = f.points;
  o["credit_change"] = f.credit;
  o["spent_change"] = f.spent;
  o["note"] = OrNull(f.note);
  o["reference"] = OrNull(f.reference);
  o["data"] = std::move(data);
  return o;
}

json::object RenderPersonalData(const CustomerRow& row, const std::vector<RecordedEvent>& stream,
                                PersonalDataKeys* keys, std::int64_t now_ms,
                                const std::string& node, const std::string& principal) {
  json::object doc;
  doc["document"] = "clientele.personal_data";
  doc["format"] = 1;
  doc["generated_at"] = FormatTime(now_ms);
  doc["generated_by"] = principal;
  doc["node"] = node;

  json::object customer;
  customer["id"] = row.id;
  customer["code"] = row.code;
  customer["status"] = StatusOf(row);
  PutDetails(customer, row.details);
  customer["origin_store"] = OrNull(row.origin_store);
  customer["created_at"] = TimeOrNull(row.created_ms);
  customer["updated_at"] = TimeOrNull(row.updated_ms);
  customer["version"] = row.version;
  doc["customer"] = std::move(customer);
  doc["balances"] = {{"points", row.points},
                     {"credit", row.credit},
                     {"total_spent", row.total_spent},
                     {"last_visit", TimeOrNull(row.last_visit_ms)}};
  doc["consent"] = RenderConsents(row);

  struct Seen {
    std::int64_t events = 0, first = 0, last = 0;
  };
  std::map<std::string, Seen> stores;
  std::map<std::string, std::int64_t> by_type;
  Points earned = 0, spent_points = 0;
  Money added = 0, spent_credit = 0, purchases_amount = 0, refunds_amount = 0;
  std::int64_t purchases = 0;
  json::array history;
  for (const RecordedEvent& r : stream) {
    Seen& s = stores[r.origin];
    if (s.events++ == 0 || r.time_ms < s.first) s.first = r.time_ms;
    if (r.time_ms > s.last) s.last = r.time_ms;
    ++by_type[r.type];
    auto decoded = DecodeCustomerEvent(r.type, r.schema, r.data, keys, row.id);
    // An erased customer's events written in clear (sealing off) still hold
    // its personal fields in the log: the document gives none of them.
    if (decoded && row.erased) decoded = WithoutPersonalData(*decoded);
    if (!decoded) {
      // Kept in the document: it is held, even if this build cannot read it.
      history.push_back({{"id", r.id},
                         {"version", r.version},
                         {"time", FormatTime(r.time_ms)},
                         {"type", r.type},
                         {"store", r.origin},
                         {"actor", r.actor},
                         {"unreadable", decoded.error().message()}});
      continue;
    }
    const LedgerEffect f = EffectOf(*decoded);
    if (f.points > 0) {
      earned = SaturatingAdd(earned, f.points);
    } else {
      spent_points = SaturatingAdd(spent_points, SaturatingNegate(f.points));
    }
    if (f.credit > 0) {
      added = SaturatingAdd(added, f.credit);
    } else {
      spent_credit = SaturatingAdd(spent_credit, SaturatingNegate(f.credit));
    }
    if (const auto* p = std::get_if<PurchaseRecorded>(&*decoded)) {
      ++purchases;
      purchases_amount += p->amount;
    } else if (const auto* refund = std::get_if<PurchaseRefunded>(&*decoded)) {
      refunds_amount += refund->amount;
    }
    history.push_back(RenderPersonalEntry(r, *decoded));
  }
  json::array store_list;
  for (const auto& [store, seen] : stores) {
    store_list.push_back({{"node", store},
                          {"events", seen.events},
                          {"first_at", FormatTime(seen.first)},
                          {"last_at", FormatTime(seen.last)}});
  }
  doc["stores"] = std::move(store_list);
  json::object types;
  for (const auto& [type, n] : by_type) types[type] = n;
  doc["totals"] = {{"events", static_cast<std::int64_t>(stream.size())},
                   {"by_type", std::move(types)},
                   {"points_earned", earned},
                   {"points_spent", spent_points},
                   {"credit_added", added},
                   {"credit_spent", spent_credit},
                   {"purchases", purchases},
                   {"purchases_amount", purchases_amount},
                   {"refunds_amount", refunds_amount}};
  doc["history"] = std::move(history);
  return doc;
}

}  // namespace clientele::api
