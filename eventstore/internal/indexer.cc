// log-index: keeps the stream and id indexes up with the durable log.
//
// Each indexing batch writes, for every event, its stream key and id key, plus
// the checkpoint, in one WriteBatch to the index database without a WAL. A
// memtable is flushed whole, so what survives a crash is always a prefix of
// those batches with its checkpoint; Open indexes the rest of the log before
// it accepts work.
#include "eventstore/internal/store_impl.h"

namespace clientele {

Status EventStore::Impl::LoadIndexCheckpoint() {
  std::string value;
  rocksdb::Status s = index_db->Get(rocksdb::ReadOptions(), record::kCheckpointKey, &value);
  if (s.IsNotFound()) {
    indexed.store(0);
    return Status::OK();
  }
  if (!s.ok()) return FromRocks(s, "reading the index checkpoint failed");
  if (value.size() != 8) return Status::Corruption("the index checkpoint is damaged");
  indexed.store(record::DecodePositionKey(value));
  return Status::OK();
}

Result<std::uint64_t> EventStore::Impl::ReadLastSeq(std::string_view origin) {
  std::unique_ptr<rocksdb::Iterator> it(index_db->NewIterator(rocksdb::ReadOptions()));
  const std::string end = record::OriginSeqKeyEnd(origin);
  it->SeekForPrev(end);
  if (!it->status().ok()) return Error(FromRocks(it->status(), "reading the origin index failed"));
  if (!it->Valid()) return 0;
  std::string_view key(it->key().data(), it->key().size());
  const std::string_view prefix(end.data(), end.size() - 1);
  if (key.size() != prefix.size() + 9 || !key.starts_with(prefix) || key[prefix.size()] != '\0') {
    return 0;
  }
  return record::DecodePositionKey(key.substr(prefix.size() + 1));
}

Status EventStore::Impl::IndexUpTo(std::uint64_t target, std::size_t max_events) {
  std::uint64_t from = indexed.load() + 1;
  if (from > target) return Status::OK();
  rocksdb::WriteBatch batch;
  rocksdb::ReadOptions ro;
  const std::string upper = record::PositionKey(std::min(target, from + max_events - 1) + 1);
  rocksdb::Slice upper_slice(upper);
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, log_cf));
  RecordedEvent e;
  std::string id_key;
  std::uint64_t last = from - 1;
  std::vector<std::pair<std::string, std::uint64_t>> seqs;
  for (it->Seek(record::PositionKey(from)); it->Valid(); it->Next()) {
    if (Status s =
            record::DecodeRecord(std::string_view(it->value().data(), it->value().size()), &e);
        !s.ok()) {
      return Status::Corruption("event " + std::to_string(last + 1) +
                                " does not parse; run verify");
    }
    if (e.position != last + 1 || !record::IdKey(e.id, &id_key)) {
      return Status::Corruption("the log is broken at position " + std::to_string(last + 1) +
                                "; run verify");
    }
    std::string pos_key(it->key().data(), it->key().size());
    batch.Put(record::StreamKey(e.stream, e.version), pos_key);
    batch.Put(record::IdIndexKey(id_key), pos_key);
    if (e.seq != 0) {
      batch.Put(record::OriginSeqKey(e.origin, e.seq), pos_key);
      seqs.emplace_back(e.origin, e.seq);
    }
    last = e.position;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading the log failed");
  if (last < from) return Status::OK();
  batch.Put(record::kCheckpointKey, record::PositionKey(last));
  rocksdb::WriteOptions wo;
  wo.disableWAL = true;  // derived data: rebuilt from the log if lost
  rocksdb::Status s = index_db->Write(wo, &batch);
  if (!s.ok()) return FromRocks(s, "writing the indexes failed");
  NoteIndexed(seqs);
  {
    std::lock_guard lock(index_mu);
    indexed.store(last);
  }
  index_cv.notify_all();
  return Status::OK();
}

void EventStore::Impl::IndexLoop() {
  for (;;) {
    std::uint64_t target;
    {
      std::unique_lock lock(head_mu);
      head_cv.wait(lock, [&] { return index_stopping || head.load() > indexed.load(); });
      target = head.load();
      if (target <= indexed.load()) return;  // stopping and caught up
    }
    if (Status s = IndexUpTo(target, 16384); !s.ok()) {
      if (s.code() == StatusCode::kCorruption) {
        // Readers of the indexes will time out with Unavailable; appends go on.
        SetTrouble(&index_trouble, "indexing stopped: " + s.message());
        std::fprintf(stderr, "clientele: indexing stopped: %s\n", s.ToString().c_str());
        return;
      }
      // Storage trouble (a full disk): wait and try again, without spinning.
      SetTrouble(&index_trouble, "indexing is waiting for storage: " + s.message());
      std::unique_lock lock(head_mu);
      head_cv.wait_for(lock, std::chrono::milliseconds(500), [&] { return index_stopping; });
      if (index_stopping) return;
      lock.unlock();
      (void)index_db->Resume();
      continue;
    }
    SetTrouble(&index_trouble, "");
  }
}

}  // namespace clientele
