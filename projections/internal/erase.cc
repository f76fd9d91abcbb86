#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <functional>
#include <memory>
#include <mutex>

#include "projections/internal/projector_impl.h"

namespace clientele {

using namespace projection_internal;

Status Projector::Impl::ScrubErased() {
  rocksdb::WriteBatch batch;
  for (const std::string& id : erased) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), history_cf()));
    for (it->Seek(id); it->Valid() && it->key().starts_with(id); it->Next()) {
      HistoryEntry entry;
      if (!DecodeEntry(it->value().ToStringView(), &entry).ok() || entry.note.empty()) continue;
      entry.note.clear();
      batch.Put(history_cf(), it->key(), EncodeEntry(entry));
    }
    if (!it->status().ok()) return FromRocksDb(it->status(), "reading a history to scrub failed");
  }
  rocksdb::Status s = db->Write(rocksdb::WriteOptions(), &batch);
  if (!s.ok()) return FromRocksDb(s, "scrubbing the history failed");
  // The old rows and entries are still in the memtables, their WAL and the
  // table files: flush (all families together, so the WAL goes) and rewrite
  // every table file.
  s = db->Flush(rocksdb::FlushOptions(), handles);
  if (!s.ok()) return FromRocksDb(s, "flushing the projections failed");
  rocksdb::CompactRangeOptions co;
  co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (rocksdb::ColumnFamilyHandle* cf : handles) {
    s = db->CompactRange(co, cf, nullptr, nullptr);
    if (!s.ok()) return FromRocksDb(s, "compacting the projections failed");
  }
  std::function<void(const std::vector<std::string>&)> hook;
  {
    std::lock_guard lock(on_erased_mu);
    hook = on_erased;
  }
  if (hook) hook(erased);
  erased.clear();
  return Status::OK();
}

}  // namespace clientele
