#include "projections/customer_row.h"

#include <algorithm>
#include <tuple>

#include "domain/event_codec.h"
#include "domain/ids.h"
#include "domain/ledger.h"
#include "domain/overloaded.h"
#include "eventstore/coding.h"

namespace clientele {

Result<std::optional<HistoryEntry>> Apply(const RecordedEvent& event, CustomerRow* row,
                                          PersonalDataKeys* keys) {
  std::string_view id = event.stream;
  if (id.starts_with(kCustomerStreamPrefix)) id.remove_prefix(kCustomerStreamPrefix.size());
  auto decoded = DecodeCustomerEvent(event.type, event.schema, event.data, keys, id);
  if (!decoded) return Error(decoded.error());
  std::visit(Overloaded{
                 [&](const CustomerRegistered& e) {
                   row->id = e.customer_id;
                   row->code = e.code;
                   row->details = e.details;
                   row->origin_store = e.origin_store;
                   row->active = true;
                   row->created_ms = event.time_ms;
                 },
                 [&](const CustomerDetailsChanged& e) {
                   if (row->erased) return;
                   for (DetailField f : kAllDetailFields) {
                     if (e.changes[f] && row->stamps.Take(static_cast<int>(f), e.stamp)) {
                       row->details[f] = *e.changes[f];
                     }
                   }
                 },
                 [&](const CustomerDeactivated& e) {
                   if (row->stamps.Take(kActiveStamp, e.stamp)) row->active = false;
                 },
                 [&](const CustomerReactivated& e) {
                   if (row->stamps.Take(kActiveStamp, e.stamp)) row->active = true;
                 },
                 [&](const CustomerDeleted& e) {
                   // The rule of domain/customer.h Evolve: a delete never
                   // swallows history, whichever order the two arrive in.
                   if (row->stamps.Take(kActiveStamp, e.stamp)) row->active = false;
                   if (!row->has_history) row->deleted = true;
                 },
                 [&](const CustomerConsentChanged& e) {
                   // As domain/customer.h Evolve: the latest stamp of each channel wins.
                   row->stamps.max_hlc = std::max(row->stamps.max_hlc, e.stamp.hlc);
                   ConsentRecord& r = row->consents[static_cast<int>(e.channel)];
                   if (e.stamp < r.consent.stamp) return;
                   r.consent = {e.granted ? ConsentState::kGranted : ConsentState::kWithdrawn,
                                e.source, e.stamp};
                   r.time_ms = event.time_ms;
                   r.store = event.origin;
                 },
                 [&](const CustomerErased&) {
                   row->erased = true;
                   row->details = CustomerDetails{};
                 },
                 [](const auto&) {},
             },
             *decoded);
  row->merges.Apply(*decoded);
  const LedgerEffect f = EffectOf(*decoded);
  if (f.history) {
    row->has_history = true;
    row->deleted = false;  // brought back, with the sale, as the delete's stamp left it
  }
  row->points = SaturatingAdd(row->points, f.points);
  row->credit = SaturatingAdd(row->credit, f.credit);
  row->total_spent = SaturatingAdd(row->total_spent, f.spent);
  if (f.visit_ms > row->last_visit_ms) row->last_visit_ms = f.visit_ms;
  row->updated_ms = std::max(row->updated_ms, event.time_ms);  // the same whatever the order
  row->version = event.version;
  row->position = event.position;
  if (!f.entry) return std::optional<HistoryEntry>();
  return std::optional<HistoryEntry>(
      HistoryEntry{event.id, event.position, event.version, event.time_ms, event.type, f.points,
                   f.credit, row->points, row->credit, row->erased ? std::string() : f.note,
                   f.reference, event.actor, event.origin});
}

// row   := fmt:u8(=1) lp(id) lp(code) lp(detail)*7 lp(origin_store)
//          flags:u8 (1 active, 2 deleted, 4 has history, 8 erased)
//          points:le64 credit:le64 spent:le64 last_visit:le64 created:le64
//          updated:le64 version:le64 position:le64
//          [fmt 2, 3: max_hlc:le64 n:u8 (field:u8 hlc:le64 lp(node))*n]
//          [fmt 3, 4: m:u8 (channel:u8 state:u8 source:u8 hlc:le64 lp(node)
//                           time:le64 lp(store))*m]
//          [fmt 4: links(out) links(in)]
//   links := n:le64 (lp(merge_id) lp(other_id) lp(other_code) voided:u8)*n
// Format 2 adds the stamps of an edited row, format 3 the consents of a row
// that has any, format 4 the merges of a row that took part in one (after its
// consents, perhaps none); a row never edited stays at 1.
namespace {

void PutLinks(std::string* out, const std::map<std::string, MergeLink>& links) {
  coding::PutLe64(out, links.size());
  for (const auto& [id, link] : links) {
    coding::PutLp(out, id);
    coding::PutLp(out, link.other_id);
    coding::PutLp(out, link.other_code);
    out->push_back(link.voided ? 1 : 0);
  }
}

bool GetLinks(coding::Decoder* in, std::map<std::string, MergeLink>* links) {
  std::uint64_t n = 0;
  if (!in->Le64(&n)) return false;
  for (; n > 0; --n) {
    std::string id;
    MergeLink link;
    std::string_view voided;
    if (!in->Lp(&id) || !in->Lp(&link.other_id) || !in->Lp(&link.other_code) ||
        !in->View(1, &voided)) {
      return false;
    }
    link.voided = voided[0] != 0;
    (*links)[id] = std::move(link);
  }
  return true;
}

}  // namespace

std::string EncodeRow(const CustomerRow& r) {
  const bool consented = r.consents != decltype(r.consents){};
  const bool merged = r.merges != MergeLinks{};
  const bool stamped = merged || consented || r.stamps != FieldStamps{};
  std::string out;
  out.reserve(160);
  out.push_back(merged ? 4 : consented ? 3 : stamped ? 2 : 1);
  coding::PutLp(&out, r.id);
  coding::PutLp(&out, r.code);
  for (DetailField f : kAllDetailFields) coding::PutLp(&out, r.details[f]);
  coding::PutLp(&out, r.origin_store);
  out.push_back(static_cast<char>((r.active ? 1 : 0) | (r.deleted ? 2 : 0) |
                                  (r.has_history ? 4 : 0) | (r.erased ? 8 : 0)));
  for (std::int64_t v : {r.points, r.credit, r.total_spent, r.last_visit_ms, r.created_ms,
                         r.updated_ms, r.version}) {
    coding::PutLe64(&out, static_cast<std::uint64_t>(v));
  }
  coding::PutLe64(&out, r.position);
  if (stamped) {
    coding::PutLe64(&out, static_cast<std::uint64_t>(r.stamps.max_hlc));
    const std::size_t count_at = out.size();
    out.push_back(0);
    for (std::size_t i = 0; i < r.stamps.at.size(); ++i) {
      if (r.stamps.at[i] == Stamp{}) continue;
      ++out[count_at];
      out.push_back(static_cast<char>(i));
      coding::PutLe64(&out, static_cast<std::uint64_t>(r.stamps.at[i].hlc));
      coding::PutLp(&out, r.stamps.at[i].node);
    }
  }
  if (consented || merged) {
    const std::size_t count_at = out.size();
    out.push_back(0);
    for (std::size_t i = 0; i < r.consents.size(); ++i) {
      const ConsentRecord& c = r.consents[i];
      if (c == ConsentRecord{}) continue;
      ++out[count_at];
      out.push_back(static_cast<char>(i));
      out.push_back(static_cast<char>(c.consent.state));
      out.push_back(static_cast<char>(c.consent.source));
      coding::PutLe64(&out, static_cast<std::uint64_t>(c.consent.stamp.hlc));
      coding::PutLp(&out, c.consent.stamp.node);
      coding::PutLe64(&out, static_cast<std::uint64_t>(c.time_ms));
      coding::PutLp(&out, c.store);
    }
  }
  if (merged) {
    PutLinks(&out, r.merges.out);
    PutLinks(&out, r.merges.in);
  }
  return out;
}

namespace {

// The consents section of a format-3 row.
bool DecodeConsents(coding::Decoder* in, CustomerRow* r) {
  std::string_view count;
  if (!in->View(1, &count)) return false;
  for (int n = static_cast<unsigned char>(count[0]); n > 0; --n) {
    std::string_view head;
    std::uint64_t hlc = 0, time = 0;
    if (!in->View(3, &head)) return false;
    const auto channel = static_cast<unsigned char>(head[0]);
    const auto state = static_cast<unsigned char>(head[1]);
    const auto source = static_cast<unsigned char>(head[2]);
    if (channel >= r->consents.size() || state > 2 || source > 3) return false;
    ConsentRecord& c = r->consents[channel];
    c.consent.state = static_cast<ConsentState>(state);
    c.consent.source = static_cast<ConsentSource>(source);
    if (!in->Le64(&hlc) || !in->Lp(&c.consent.stamp.node) || !in->Le64(&time) ||
        !in->Lp(&c.store)) {
      return false;
    }
    c.consent.stamp.hlc = static_cast<std::int64_t>(hlc);
    c.time_ms = static_cast<std::int64_t>(time);
  }
  return true;
}

}  // namespace

Status DecodeRow(std::string_view bytes, CustomerRow* r) {
  coding::Decoder in(bytes);
  std::string_view fmt, flags;
  bool ok = in.View(1, &fmt) && fmt[0] >= 1 && fmt[0] <= 4 && in.Lp(&r->id) && in.Lp(&r->code);
  for (DetailField f : kAllDetailFields) ok = ok && in.Lp(&r->details[f]);
  ok = ok && in.Lp(&r->origin_store) && in.View(1, &flags);
  std::uint64_t v[8] = {};
  for (auto& x : v) ok = ok && in.Le64(&x);
  r->stamps = FieldStamps{};
  r->consents = {};
  r->merges = MergeLinks{};
  if (ok && fmt[0] >= 2) {
    std::uint64_t max_hlc = 0;
    std::string_view count;
    ok = in.Le64(&max_hlc) && in.View(1, &count);
    r->stamps.max_hlc = static_cast<std::int64_t>(max_hlc);
    for (int n = ok ? static_cast<unsigned char>(count[0]) : 0; ok && n > 0; --n) {
      std::string_view field;
      std::uint64_t hlc = 0;
      ok = in.View(1, &field) && static_cast<unsigned char>(field[0]) < r->stamps.at.size() &&
           in.Le64(&hlc);
      if (!ok) break;
      Stamp& s = r->stamps.at[static_cast<unsigned char>(field[0])];
      s.hlc = static_cast<std::int64_t>(hlc);
      ok = in.Lp(&s.node);
    }
  }
  if (ok && fmt[0] >= 3) ok = DecodeConsents(&in, r);
  if (ok && fmt[0] == 4) ok = GetLinks(&in, &r->merges.out) && GetLinks(&in, &r->merges.in);
  if (!ok || !in.empty()) return Status::Corruption("a customer row does not parse");
  r->active = flags[0] & 1;
  r->deleted = flags[0] & 2;
  r->has_history = flags[0] & 4;
  r->erased = flags[0] & 8;
  std::int64_t* fields[] = {&r->points,     &r->credit,     &r->total_spent, &r->last_visit_ms,
                            &r->created_ms, &r->updated_ms, &r->version};
  for (int i = 0; i < 7; ++i) *fields[i] = static_cast<std::int64_t>(v[i]);
  r->position = v[7];
  return Status::OK();
}

void SetBalancesAfter(std::vector<HistoryEntry>* entries) {
  Points points = 0;
  Money credit = 0;
  for (HistoryEntry& e : *entries) {
    e.points_after = points += e.points_change;
    e.credit_after = credit += e.credit_change;
  }
}

bool HistoryBefore(const HistoryEntry& a, const HistoryEntry& b) {
  return std::tie(a.time_ms, a.store, a.version) < std::tie(b.time_ms, b.store, b.version);
}

void OrderHistory(std::vector<HistoryEntry>* entries) {
  std::stable_sort(entries->begin(), entries->end(), HistoryBefore);
  SetBalancesAfter(entries);
}

// entry := fmt:u8(=2) lp(event_id) position:le64 version:le64 time:le64
//          points_change:le64 credit_change:le64 lp(type) lp(note) lp(reference)
//          lp(actor) lp(store)
// The balances after are not stored: they follow from the history's order.
std::string EncodeEntry(const HistoryEntry& e) {
  std::string out;
  out.push_back(2);
  coding::PutLp(&out, e.event_id);
  coding::PutLe64(&out, e.position);
  for (std::int64_t v : {e.version, e.time_ms, e.points_change, e.credit_change}) {
    coding::PutLe64(&out, static_cast<std::uint64_t>(v));
  }
  for (const std::string* s : {&e.type, &e.note, &e.reference, &e.actor, &e.store}) {
    coding::PutLp(&out, *s);
  }
  return out;
}

Status DecodeEntry(std::string_view bytes, HistoryEntry* e) {
  coding::Decoder in(bytes);
  std::string_view fmt;
  std::uint64_t v[5] = {};
  bool ok = in.View(1, &fmt) && fmt[0] == 2 && in.Lp(&e->event_id);
  for (auto& x : v) ok = ok && in.Le64(&x);
  for (std::string* s : {&e->type, &e->note, &e->reference, &e->actor, &e->store}) {
    ok = ok && in.Lp(s);
  }
  if (!ok || !in.empty()) return Status::Corruption("a history entry does not parse");
  e->position = v[0];
  e->version = static_cast<std::int64_t>(v[1]);
  e->time_ms = static_cast<std::int64_t>(v[2]);
  e->points_change = static_cast<std::int64_t>(v[3]);
  e->credit_change = static_cast<std::int64_t>(v[4]);
  e->points_after = e->credit_after = 0;
  return Status::OK();
}

}  // namespace clientele
