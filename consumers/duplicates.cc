#include "consumers/duplicates.h"

#include <algorithm>
#include <map>
#include <string>
#include <unordered_map>

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

// Made by one command at one node: the same correlation id, or else the
// next number of the same origin.
bool SameCommand(const RecordedEvent& record, const RecordedEvent& e) {
  if (e.origin != record.origin) return false;
  return !record.correlation_id.empty() ? e.correlation_id == record.correlation_id
                                        : record.seq != 0 && e.seq == record.seq + 1;
}

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

Result<DuplicateCounts> RecordDuplicates(EventStore* log, ReferenceIndex* index,
                                         const std::vector<RecordedEvent>& appended) {
  auto staged = index->Stage(appended);
  if (!staged) return Error(staged.error());
  std::unordered_map<std::string_view, const RecordedEvent*> in_batch;
  for (const RecordedEvent& e : appended) in_batch.emplace(e.id, &e);
  DuplicateCounts counts;
  std::map<std::string, std::vector<NewEvent>> found;  // by stream
  for (const auto& [key, entries] : *staged) {
    const auto records = std::count_if(entries.begin(), entries.end(),
                                       [](const ReferenceEntry& e) { return !e.points; });
    if (records < 2) continue;
    // The events of this reference: its records and their commands' points.
    std::vector<RecordedEvent> events;
    for (const ReferenceEntry& entry : entries) {
      if (auto it = in_batch.find(entry.event_id); it != in_batch.end()) {
        events.push_back(*it->second);
        continue;
      }
      auto e = log->FindById(entry.event_id);
      if (e) {
        events.push_back(std::move(*e));
      } else if (e.error().code() != StatusCode::kNotFound) {
        return Error(e.error());
      }
    }
    std::vector<std::optional<CustomerEvent>> decoded;
    std::map<Key, std::vector<Record>> by_key;  // one key, unless the index is damaged
    for (const RecordedEvent& e : events) {
      auto d = DecodeCustomerEvent(e.type, e.schema, e.data);
      decoded.push_back(d ? std::optional<CustomerEvent>(std::move(*d)) : std::nullopt);
      Key k;
      Record record;
      if (decoded.back() && RecordOf(*decoded.back(), e, &k, &record)) {
        by_key[k].push_back(std::move(record));
      }
    }
    if (events.empty()) continue;
    std::vector<NewEvent>& out = found[events.front().stream];
    // Each record taken back, and its kind, reference and the record kept.
    struct Taken {
      const Record* record;
      const std::string* kind;
      const std::string* reference;
      const Record* kept;
    };
    std::vector<Taken> taken;
    auto reverse = [&](const RecordedEvent& about, DuplicateReversed back) -> Status {
      const std::string id = DerivedUuid("ledger.duplicate_reversed:" + about.id);
      auto before = log->FindById(id);
      if (before) return Status::OK();  // recorded before (a redelivery)
      if (before.error().code() != StatusCode::kNotFound) return before.error();
      out.push_back(Make(back, id, about));
      ++counts.reversed;
      return Status::OK();
    };
    for (auto& [k, records] : by_key) {
      if (records.size() < 2) continue;
      const auto& [kind, reference] = k;
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
          if (Status s = reverse(*r.event, back); !s.ok()) return Error(s);
        } else if (r.content != first.content) {
          const std::string id = DerivedUuid("ledger.conflict_recorded:" + r.event->id);
          auto before = log->FindById(id);
          if (before) continue;
          if (before.error().code() != StatusCode::kNotFound) return Error(before.error());
          ConflictRecorded conflict{kind, reference, r.event->id, first.event->id, r.event->origin};
          out.push_back(Make(conflict, id, *r.event));
          ++counts.conflicts;
        }
      }
    }
    // The points a duplicate purchase earned, or a duplicate refund reversed,
    // are their own events: each is taken back on its own, once it is here.
    for (std::size_t i = 0; i < events.size(); ++i) {
      if (!decoded[i]) continue;
      const RecordedEvent& e = events[i];
      const auto* earned = std::get_if<PointsEarned>(&*decoded[i]);
      const auto* reversed = std::get_if<PointsReversed>(&*decoded[i]);
      if (earned == nullptr && reversed == nullptr) continue;
      for (const Taken& t : taken) {
        const bool matches = earned != nullptr
                                 ? *t.kind == "purchase" && earned->tab_id == *t.reference
                                 : *t.kind == "refund" && reversed->refund_id == *t.reference;
        if (!matches || !SameCommand(*t.record->event, e)) continue;
        DuplicateReversed back{*t.kind, *t.reference, e.id, t.kept->event->id, e.origin};
        back.points = earned != nullptr ? SaturatingNegate(earned->points) : reversed->points;
        if (Status s = reverse(e, back); !s.ok()) return Error(s);
      }
    }
  }
  for (auto& [stream, events] : found) {
    if (events.empty()) continue;
    auto result = log->Append(stream, ExpectedVersion::Any(), std::move(events));
    if (!result) return Error(result.error());
  }
  std::uint64_t position = index->position();
  for (const RecordedEvent& e : appended) position = std::max(position, e.position);
  if (Status s = index->Commit(*staged, position); !s.ok()) return Error(s);
  return counts;
}

}  // namespace clientele
