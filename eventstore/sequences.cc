// Reads by origin and sequence number, through the 'O' index.
#include "eventstore/internal/store_impl.h"

namespace clientele {

namespace {

Status IndexBehind() {
  return Status::Unavailable("the origin index is behind the log; try again");
}

}  // namespace

Result<RecordedEvent> EventStore::FindBySeq(std::string_view origin, std::uint64_t seq) {
  if (!impl_->WaitIndexed(Head())) return Error(IndexBehind());
  std::string pos, value;
  rocksdb::Status s =
      impl_->index_db->Get(rocksdb::ReadOptions(), record::OriginSeqKey(origin, seq), &pos);
  if (s.ok() && record::DecodePositionKey(pos) > Head()) s = rocksdb::Status::NotFound();
  if (s.IsNotFound()) {
    return Error(Status::NotFound("event_not_found", "no event with this origin and number"));
  }
  if (!s.ok()) return Error(FromRocks(s, "reading the origin index failed"));
  RecordedEvent e;
  if (Status st = impl_->ReadAt(record::DecodePositionKey(pos), &e); !st.ok()) return Error(st);
  return e;
}

Result<std::vector<RecordedEvent>> EventStore::ReadOrigin(std::string_view origin,
                                                          std::uint64_t from_seq, std::size_t max) {
  const std::uint64_t head = Head();
  if (!impl_->WaitIndexed(head)) return Error(IndexBehind());
  std::vector<RecordedEvent> out;
  const std::string end = record::OriginSeqKeyEnd(origin);
  rocksdb::Slice upper(end);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(impl_->index_db->NewIterator(ro));
  for (it->Seek(record::OriginSeqKey(origin, from_seq)); it->Valid() && out.size() < max;
       it->Next()) {
    if (it->value().size() != 8) return Error(Status::Corruption("the origin index is damaged"));
    const std::uint64_t position =
        record::DecodePositionKey(std::string_view(it->value().data(), 8));
    if (position > head) continue;
    RecordedEvent e;
    if (Status st = impl_->ReadAt(position, &e); !st.ok()) return Error(st);
    out.push_back(std::move(e));
  }
  if (!it->status().ok()) return Error(FromRocks(it->status(), "reading the origin index failed"));
  return out;
}

Result<std::uint64_t> EventStore::LastSeq(std::string_view origin) {
  if (!impl_->WaitIndexed(Head())) return Error(IndexBehind());
  return impl_->ReadLastSeq(origin);
}

}  // namespace clientele

namespace clientele {

Status EventStore::Impl::LoadHoldings() {
  holdings.clear();
  rocksdb::ReadOptions ro;
  const std::string lower = "O", upper = "P";
  rocksdb::Slice upper_slice(upper);
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(index_db->NewIterator(ro));
  SeqRuns* runs = nullptr;
  std::string_view current;
  for (it->Seek(lower); it->Valid(); it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    if (key.size() < 11 || key[key.size() - 9] != '\0') {
      return Status::Corruption("the origin index is damaged");
    }
    std::string_view origin = key.substr(1, key.size() - 10);
    if (runs == nullptr || origin != current) {
      runs = &holdings[std::string(origin)];
      current = holdings.find(origin)->first;
    }
    runs->Add(record::DecodePositionKey(key.substr(key.size() - 8)));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading the origin index failed");
  holdings_loaded = true;
  return Status::OK();
}

void EventStore::Impl::NoteIndexed(const std::vector<std::pair<std::string, std::uint64_t>>& seqs) {
  if (seqs.empty()) return;
  std::lock_guard lock(holdings_mu);
  if (!holdings_loaded) return;
  for (const auto& [origin, seq] : seqs) {
    auto it = holdings.find(origin);
    if (it == holdings.end()) it = holdings.emplace(origin, SeqRuns()).first;
    it->second.Add(seq);
  }
}

Result<std::vector<OriginHolding>> EventStore::Holdings(std::size_t max_ranges) {
  if (!impl_->WaitIndexed(Head())) return Error(IndexBehind());
  std::lock_guard lock(impl_->holdings_mu);
  if (!impl_->holdings_loaded) {
    if (Status s = impl_->LoadHoldings(); !s.ok()) return Error(s);
  }
  std::vector<OriginHolding> out;
  out.reserve(impl_->holdings.size());
  for (const auto& [origin, runs] : impl_->holdings) {
    out.push_back(HoldingOf(origin, runs, max_ranges));
  }
  return out;
}

}  // namespace clientele
