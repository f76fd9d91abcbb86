#include <chrono>
#include <cstdio>
#include <mutex>

#include "domain/event_codec.h"
#include "domain/ids.h"
#include "eventstore/coding.h"
#include "projections/internal/projector_impl.h"

namespace clientele {
namespace projection_internal {

IndexedRow Indexed(const CustomerRow& r) {
  const CustomerDetails& d = r.details;
  // A survivor is found by the codes of the customers merged into it too; a
  // merged customer is not listed (its code resolves to the survivor).
  thread_local std::string codes;
  codes = r.code;
  if (!r.merges.in.empty()) {
    for (const std::string& alias : r.merges.AliasCodes()) codes += ' ' + alias;
  }
  return {d[DetailField::kFirstName],
          d[DetailField::kLastName],
          d[DetailField::kEmail],
          d[DetailField::kPhone],
          codes,
          !r.deleted && !r.code.empty() && r.merges.MergedInto().empty(),
          r.active,
          r.points,
          r.credit,
          r.last_visit_ms};
}

}  // namespace projection_internal

using namespace projection_internal;

void Projector::Impl::ApplyOne(const RecordedEvent& e, Pending* p) {
  p->last = e.position;
  ++p->events;
  if (e.stream == kSettingsStream) {
    auto decoded = DecodeSettingsEvent(e.type, e.schema, e.data);
    if (!decoded) return Skip(e, decoded.error().ToString());
    std::lock_guard lock(settings_mu);
    settings = Evolve(settings, *decoded);
    return;
  }
  if (!e.stream.starts_with(kCustomerStreamPrefix)) return;
  std::string_view id = std::string_view(e.stream).substr(kCustomerStreamPrefix.size());
  auto [it, inserted] = p->touched.try_emplace(std::string(id));
  Pending::Touched& t = it->second;
  if (inserted) {
    t.row = ids.Find(id);
    Status st = t.row != RowIds::kNone ? DecodeRow(rows[t.row], &t.data)
                : RowIds::IsCanonical(id)
                    ? Status::OK()
                    : Status::InvalidArgument("", "invalid_uuid",
                                              "the customer id is not a canonical UUID");
    if (!st.ok()) {
      p->touched.erase(it);
      return Skip(e, st.ToString());
    }
  }
  auto entry = Apply(e, &t.data, keys);
  if (!entry) {
    if (t.data.id.empty()) p->touched.erase(it);
    return Skip(e, entry.error().ToString());
  }
  if (e.type == "customer.erased") {
    // The key goes now: the customer's later events in this batch already
    // read as erased. The projections are scrubbed once the batch is in.
    if (keys != nullptr && !keys->Erased(id)) {  // a rebuild finds them erased already
      if (Status s = keys->Destroy(id); !s.ok()) {
        std::fprintf(stderr, "clientele: destroying the key of %s: %s\n", std::string(id).c_str(),
                     s.ToString().c_str());
      }
    }
    erased.emplace_back(id);
  }
  if (t.data.id.empty()) t.data.id = id;  // an event before the registration reached us
  const std::optional<HistoryEntry>& made = *entry;
  if (!made) return;  // no points or credit change
  if (rebuild_history) {
    rebuild_history->Add(id, e, *made);
  } else {
    p->batch.Put(history_cf(), HistoryKey(id, e.time_ms, e.origin, e.version), EncodeEntry(*made));
  }
}

void Projector::Impl::Skip(const RecordedEvent& e, const std::string& why) {
  ++skipped;
  std::fprintf(stderr, "clientele: projections skip event %llu: %s\n",
               static_cast<unsigned long long>(e.position), why.c_str());
}

Status Projector::Impl::Commit(Pending* p, CommitMode mode) {
  if (p->events == 0) return Status::OK();
  std::vector<std::string> encoded;
  encoded.reserve(p->touched.size());
  for (const auto& [id, t] : p->touched) encoded.push_back(EncodeRow(t.data));
  {
    std::unique_lock lock(rows_mu);
    {
      std::lock_guard watchers_lock(watchers_mu);
      std::erase_if(watchers, [&](const auto& before_change) { return !before_change(index); });
    }
    std::size_t i = 0;
    for (auto& [id, t] : p->touched) {
      if (t.row == RowIds::kNone) {
        t.row = ids.Add(id);
        rows.emplace_back();
      }
      rows[t.row] = std::move(encoded[i++]);
      index.Set(t.row, Indexed(t.data));
      if (mode.rows) p->batch.Put(customers_cf(), id, rows[t.row]);
    }
    if (mode.maintain) index.Maintain();
  }
  if (mode.rows) {
    std::string checkpoint;
    coding::PutBe64(&checkpoint, p->last);
    p->batch.Put(meta_cf(), kCheckpointKey, checkpoint);
  }
  rocksdb::WriteOptions wo;
  wo.disableWAL = !mode.wal;
  rocksdb::Status s = db->Write(wo, &p->batch);
  // The table in memory has the batch already: a write refused by storage (a
  // full disk) is tried again until it lands, never dropped.
  for (auto wait = std::chrono::milliseconds(100); !s.ok() && !s.IsCorruption();
       wait = std::min(2 * wait, std::chrono::milliseconds(2000))) {
    SetTrouble("writing the projections is waiting for storage: " + s.ToString());
    std::unique_lock lock(position_mu);
    position_cv.wait_for(lock, wait, [&] { return stopping.load(); });
    if (stopping.load()) break;
    lock.unlock();
    (void)db->Resume();
    s = db->Write(wo, &p->batch);
  }
  if (!s.ok()) return FromRocksDb(s, "writing the projections failed");
  SetTrouble("");
  if (!erased.empty() && !rebuild_history) {
    if (Status st = ScrubErased(); !st.ok()) return st;
  }
  applied += p->events;
  {
    std::lock_guard lock(position_mu);
    position = p->last;
  }
  position_cv.notify_all();
  *p = Pending();
  return Status::OK();
}

}  // namespace clientele
