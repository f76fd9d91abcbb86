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

// Types whose arrival may complete a duplicate: the records, and the points
// their commands earned or reversed (which may arrive in a later batch).
bool Kinded(const std::string& type) {
  return type == "purchase.recorded" || type == "purchase.refunded" || type == "credit.topped_up" ||
         type == "loyalty.points_earned" || type == "loyalty.points_reversed";
}

// Made by one command at one node: the same correlation id, or else the
// next number of the same origin.
bool SameCommand(const RecordedEvent& record, const RecordedEvent& e) {
  if (e.origin != record.origin) return false;
  return !record.correlation_id.empty() ? e.correlation_id == record.correlation_id
                                        : record.seq != 0 && e.seq == record.seq + 1;
}

// The stream's events, decoded, with what HQ already recorded about them.
struct Stream {
  std::vector<RecordedEvent> events;
  std::vector<std::optional<CustomerEvent>> decoded;
  std::map<Key, std::vector<Record>> records;
  std::set<std::string> reversed;    // duplicate ids already taken back
  std::set<std::string> conflicted;  // event ids whose conflict is recorded
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
    // Each record taken back, and its kind, reference and the record kept.
    struct Taken {
      const Record* record;
      const std::string* kind;
      const std::string* reference;
      const Record* kept;
    };
    std::vector<Taken> taken;
    auto reverse = [&](const RecordedEvent& about, DuplicateReversed back) {
      if (s.reversed.contains(about.id)) return;
      const std::string id = DerivedUuid("ledger.duplicate_reversed:" + about.id);
      if (log->FindById(id)) return;  // recorded before (a redelivery)
      found.push_back(Make(back, id, about));
      ++counts.reversed;
    };
    for (auto& [key, records] : s.records) {
      if (records.size() < 2) continue;
      const auto& [kind, reference] = key;
      std::sort(records.begin(), records.end(),
                [](const Record& a, const Record& b) { return a.event->id < b.event->id; });
      const Record& first = records.front();
      std::map<std::string, const Record*> kept;  // content -> its smallest id
      for (const Record& r : records) {
        auto [at, is_new] = kept.emplace(r.content, &r);
        if (!is_new) {
          taken.push_back({&r, &kind, &reference, at->second});
          DuplicateReversed back{kind, reference, r.event->id, at->second->event->id,
                                 r.event->origin};
          if (kind == "purchase") back.spent = SaturatingNegate(r.amount);
          if (kind == "refund") back.spent = r.amount;
          if (kind == "top_up") back.credit = SaturatingNegate(r.amount);
          reverse(*r.event, back);
        } else if (r.content != first.content && !s.conflicted.contains(r.event->id)) {
          const std::string id = DerivedUuid("ledger.conflict_recorded:" + r.event->id);
          if (log->FindById(id)) continue;
          ConflictRecorded conflict{kind, reference, r.event->id, first.event->id, r.event->origin};
          found.push_back(Make(conflict, id, *r.event));
          ++counts.conflicts;
        }
      }
    }
    // The points a duplicate purchase earned, or a duplicate refund reversed,
    // are their own events: each is taken back on its own, once it is here.
    for (std::size_t i = 0; i < s.events.size(); ++i) {
      if (!s.decoded[i]) continue;
      const RecordedEvent& e = s.events[i];
      const auto* earned = std::get_if<PointsEarned>(&*s.decoded[i]);
      const auto* reversed = std::get_if<PointsReversed>(&*s.decoded[i]);
      if (earned == nullptr && reversed == nullptr) continue;
      for (const Taken& t : taken) {
        const bool matches = earned != nullptr
                                 ? *t.kind == "purchase" && earned->tab_id == *t.reference
                                 : *t.kind == "refund" && reversed->refund_id == *t.reference;
        if (!matches || !SameCommand(*t.record->event, e)) continue;
        DuplicateReversed back{*t.kind, *t.reference, e.id, t.kept->event->id, e.origin};
        back.points = earned != nullptr ? SaturatingNegate(earned->points) : reversed->points;
        reverse(e, back);
      }
    }
    if (found.empty()) continue;
    auto result = log->Append(name, ExpectedVersion::Any(), std::move(found));
    if (!result) return Error(result.error());
  }
  return counts;
}

}  // namespace clientele
