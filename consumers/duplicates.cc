#include "consumers/duplicates.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "domain/event_codec.h"
#include "domain/ids.h"
#include "domain/overloaded.h"

namespace clientele {

namespace {

// One record of a reference.
struct Record {
  const RecordedEvent* event = nullptr;
  std::string content;  // what two records must share to be one
  Money amount = 0;
};

using Key = std::pair<std::string, std::string>;  // kind, reference

// The kind, reference and record of `decoded`, if it is one of a reference.
bool RecordOf(const CustomerEvent& decoded, const RecordedEvent& e, Key* key, Record* record) {
  record->event = &e;
  return std::visit(Overloaded{
                        [&](const PurchaseRecorded& p) {
                          *key = {"purchase", p.tab_id};
                          record->amount = p.amount;
                          record->content = std::to_string(p.amount);
                          return true;
                        },
                        [&](const PurchaseRefunded& r) {
                          *key = {"refund", r.refund_id};
                          record->amount = r.amount;
                          record->content = r.tab_id + '\n' + std::to_string(r.amount);
                          return true;
                        },
                        [&](const CreditToppedUp& t) {
                          *key = {"top_up", t.payment_ref};
                          record->amount = t.amount;
                          record->content = std::to_string(t.amount);
                          return true;
                        },
                        [](const auto&) { return false; },
                    },
                    decoded);
}

bool Kinded(const std::string& type) {
  return type == "purchase.recorded" || type == "purchase.refunded" || type == "credit.topped_up";
}

// The stream's events, decoded, with what HQ already recorded about them.
struct Stream {
  std::vector<RecordedEvent> events;
  std::vector<std::optional<CustomerEvent>> decoded;
  std::map<Key, std::vector<Record>> records;
  std::set<std::string> reversed;    // duplicate ids already taken back
  std::set<std::string> conflicted;  // event ids whose conflict is recorded

  // The points the command that made `r` earned (a purchase) or reversed (a
  // refund): its companion event shares its correlation id, or else follows
  // it in its origin's numbering.
  Points CompanionPoints(const Record& r, const std::string& reference) const {
    const RecordedEvent& made = *r.event;
    for (std::size_t i = 0; i < events.size(); ++i) {
      const RecordedEvent& e = events[i];
      if (e.id == made.id || !decoded[i] || e.origin != made.origin) continue;
      const bool same_command = !made.correlation_id.empty()
                                    ? e.correlation_id == made.correlation_id
                                    : made.seq != 0 && e.seq == made.seq + 1;
      if (!same_command) continue;
      if (const auto* earned = std::get_if<PointsEarned>(&*decoded[i])) {
        if (earned->tab_id == reference) return earned->points;
      }
      if (const auto* back = std::get_if<PointsReversed>(&*decoded[i])) {
        if (back->refund_id == reference) return back->points;
      }
    }
    return 0;
  }
};

NewEvent Make(const CustomerEvent& found, const std::string& id, const RecordedEvent& about) {
  NewEvent out;
  out.id = id;
  out.type = std::string(EventTypeName(found));
  out.schema = SchemaOf(found);
  out.data = EncodePayload(found);
  out.actor = "system";
  out.causation_id = about.id;
  out.correlation_id = about.correlation_id;
  return out;
}

}  // namespace

Result<DuplicateCounts> RecordDuplicates(EventStore* log,
                                         const std::vector<RecordedEvent>& appended) {
  std::set<std::string> streams;
  for (const RecordedEvent& e : appended) {
    if (Kinded(e.type)) streams.insert(e.stream);
  }
  DuplicateCounts counts;
  for (const std::string& name : streams) {
    auto events = log->ReadStream(name, 1, SIZE_MAX);
    if (!events) return Error(events.error());
    Stream s;
    s.events = std::move(*events);
    for (const RecordedEvent& e : s.events) {
      auto decoded = DecodeCustomerEvent(e.type, e.schema, e.data);
      s.decoded.push_back(decoded ? std::optional<CustomerEvent>(*decoded) : std::nullopt);
      if (!decoded) continue;  // the projections report undecodable events
      if (const auto* r = std::get_if<DuplicateReversed>(&*decoded))
        s.reversed.insert(r->duplicate_id);
      if (const auto* c = std::get_if<ConflictRecorded>(&*decoded))
        s.conflicted.insert(c->event_id);
      Key key;
      Record record;
      if (RecordOf(*decoded, e, &key, &record)) s.records[key].push_back(std::move(record));
    }
    std::vector<NewEvent> found;
    for (auto& [key, records] : s.records) {
      if (records.size() < 2) continue;
      const auto& [kind, reference] = key;
      std::sort(records.begin(), records.end(),
                [](const Record& a, const Record& b) { return a.event->id < b.event->id; });
      const Record& first = records.front();
      std::map<std::string, const Record*> kept;  // content -> its smallest id
      for (const Record& r : records) {
        auto [at, is_new] = kept.emplace(r.content, &r);
        if (!is_new && !s.reversed.contains(r.event->id)) {
          const std::string id = DerivedUuid("ledger.duplicate_reversed:" + r.event->id);
          if (log->FindById(id)) continue;  // recorded before (a redelivery)
          DuplicateReversed back{kind, reference, r.event->id, at->second->event->id,
                                 r.event->origin};
          const Points points = s.CompanionPoints(r, reference);
          if (kind == "purchase") {
            back.spent = SaturatingNegate(r.amount);
            back.points = SaturatingNegate(points);
          } else if (kind == "refund") {
            back.spent = r.amount;
            back.points = points;
          } else {
            back.credit = SaturatingNegate(r.amount);
          }
          found.push_back(Make(back, id, *r.event));
          ++counts.reversed;
        }
        if (r.content != first.content && !s.conflicted.contains(r.event->id)) {
          const std::string id = DerivedUuid("ledger.conflict_recorded:" + r.event->id);
          if (log->FindById(id)) continue;
          ConflictRecorded conflict{kind, reference, r.event->id, first.event->id, r.event->origin};
          found.push_back(Make(conflict, id, *r.event));
          ++counts.conflicts;
        }
      }
    }
    if (found.empty()) continue;
    auto result = log->Append(name, ExpectedVersion::Any(), std::move(found));
    if (!result) return Error(result.error());
  }
  return counts;
}

}  // namespace clientele
