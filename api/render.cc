#include "api/render.h"

#include <boost/json.hpp>

#include "domain/time.h"

namespace clientele::api {

namespace {

boost::json::value OrNull(const std::string& s, const boost::json::storage_ptr& sp = {}) {
  if (s.empty()) return boost::json::value(nullptr, sp);
  return boost::json::value(boost::json::string_view(s), sp);
}

boost::json::value TimeOrNull(std::int64_t ms, const boost::json::storage_ptr& sp = {}) {
  if (ms == 0) return boost::json::value(nullptr, sp);
  return boost::json::value(boost::json::string_view(FormatTime(ms)), sp);
}

}  // namespace

boost::json::object RenderCustomer(const CustomerRow& r, Visibility v,
                                   const boost::json::storage_ptr& sp) {
  const CustomerDetails& d = r.details;
  // Values are made in the object's storage (a page's one arena), so that
  // putting them in moves rather than copies.
  boost::json::object o(sp);
  o.reserve(24);
  o["id"] = r.id;
  o["code"] = r.code;
  // An erased customer's details are gone (null); its code and balances stay.
  o["first_name"] = r.erased ? boost::json::value(nullptr, sp)
                             : boost::json::value(d[DetailField::kFirstName], sp);
  o["last_name"] = r.erased ? boost::json::value(nullptr, sp)
                            : boost::json::value(d[DetailField::kLastName], sp);
  o["email"] = OrNull(d[DetailField::kEmail], sp);
  o["phone"] = OrNull(d[DetailField::kPhone], sp);
  o["tax_id"] = OrNull(d[DetailField::kTaxId], sp);
  o["address"] = OrNull(d[DetailField::kAddress], sp);
  o["notes"] = OrNull(d[DetailField::kNotes], sp);
  o["origin_store"] = OrNull(r.origin_store, sp);
  o["active"] = r.active;
  o["erased"] = r.erased;
  if (v.points) o["points"] = r.points;
  if (v.credit) o["credit"] = r.credit;
  o["total_spent"] = r.total_spent;
  o["last_visit"] = TimeOrNull(r.last_visit_ms, sp);
  o["created_at"] = TimeOrNull(r.created_ms, sp);
  o["updated_at"] = TimeOrNull(r.updated_ms, sp);
  o["consent"] = RenderConsents(r, sp);
  o["version"] = r.version;
  // Merges (domain/merge.h): the codes that resolve to this customer.
  if (!r.merges.in.empty()) {
    boost::json::array aliases(sp);
    for (const std::string& code : r.merges.AliasCodes())
      aliases.push_back(boost::json::value(code, sp));
    if (!aliases.empty()) o["aliases"] = std::move(aliases);
  }
  return o;
}

boost::json::object RenderConsents(const CustomerRow& r, const boost::json::storage_ptr& sp) {
  boost::json::object o(sp);
  for (ConsentChannel c : kAllConsentChannels) {
    const ConsentRecord& rec = r.consent(c);
    const bool asked = rec.consent.state != ConsentState::kNeverAsked;
    boost::json::object one(sp);
    one.reserve(4);
    one["state"] = ConsentStateName(rec.consent.state);
    one["source"] = asked ? boost::json::value(ConsentSourceName(rec.consent.source), sp)
                          : boost::json::value(nullptr, sp);
    one["at"] = asked ? TimeOrNull(rec.time_ms, sp) : boost::json::value(nullptr, sp);
    one["store"] = asked ? OrNull(rec.store, sp) : boost::json::value(nullptr, sp);
    o[ConsentChannelName(c)] = std::move(one);
  }
  return o;
}

boost::json::object RenderHistoryEntry(const HistoryEntry& e, Visibility v) {
  // An entry that moves neither balance (an overdraft found) belongs to its
  // kind; a ledger record (a duplicate taken back, a conflict) to both.
  const bool neither = e.points_change == 0 && e.credit_change == 0;
  const bool ledger =
      neither && (e.type.starts_with("ledger.") || e.type.starts_with("customer.merge"));
  const bool points =
      v.points && (e.points_change != 0 || ledger || (neither && e.type.starts_with("loyalty.")));
  const bool credit =
      v.credit && (e.credit_change != 0 || ledger || (neither && e.type.starts_with("credit.")));
  boost::json::object o;
  if (!points && !credit) return o;
  o["id"] = e.event_id;
  o["time"] = FormatTime(e.time_ms);
  o["type"] = e.type;
  if (v.points) {
    o["points_change"] = e.points_change;
    o["points_after"] = e.points_after;
  }
  if (v.credit) {
    o["credit_change"] = e.credit_change;
    o["credit_after"] = e.credit_after;
  }
  o["note"] = OrNull(e.note);
  o["reference"] = OrNull(e.reference);
  o["actor"] = e.actor;
  o["store"] = e.store;
  return o;
}

boost::json::object RenderEvent(const RecordedEvent& e) {
  boost::json::object o;
  o["position"] = e.position;
  o["id"] = e.id;
  o["stream"] = e.stream;
  o["version"] = e.version;
  o["type"] = e.type;
  o["schema"] = e.schema;
  o["time"] = FormatTime(e.time_ms);
  o["origin"] = e.origin;
  o["sequence"] = e.seq;
  o["actor"] = e.actor;
  o["correlation_id"] = OrNull(e.correlation_id);
  o["causation_id"] = OrNull(e.causation_id);
  boost::system::error_code ec;
  boost::json::value data = boost::json::parse(e.data, ec);
  if (ec) {
    o["data_raw"] = e.data;
  } else {
    o["data"] = std::move(data);
  }
  return o;
}

}  // namespace clientele::api
