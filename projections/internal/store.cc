#include <rocksdb/db.h>

#include <cstdio>

#include "domain/event_codec.h"
#include "domain/ids.h"
#include "eventstore/coding.h"
#include "projections/internal/projector_impl.h"

namespace clientele {
namespace projection_internal {

Status FromRocksDb(const rocksdb::Status& s, std::string_view what) {
  std::string msg = std::string(what) + ": " + s.ToString();
  if (s.IsCorruption()) return Status::Corruption(msg);
  return Status::Unavailable(msg);
}

std::string HistoryKey(std::string_view id, std::int64_t time_ms, std::string_view origin,
                       std::int64_t version) {
  std::string k(id);
  k.reserve(kIdSize + 8 + origin.size() + 1 + 8);
  coding::PutBe64(&k, static_cast<std::uint64_t>(time_ms));
  k.append(origin);
  k.push_back('\0');
  coding::PutBe64(&k, static_cast<std::uint64_t>(version));
  return k;
}

}  // namespace projection_internal

using namespace projection_internal;

Projector::Impl::~Impl() {
  stopping = true;
  if (follower.joinable()) follower.join();
  if (db != nullptr) {
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    db->Close();
    delete db;
  }
}

Status Projector::Impl::OpenDb() {
  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  options.max_background_jobs = 2;
  // Catch-ups write without the WAL; flushing every family together keeps
  // rows, history and checkpoint consistent on disk whenever a flush happens.
  options.atomic_flush = true;
  cf_options.write_buffer_size = 32 << 20;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {rocksdb::kDefaultColumnFamilyName, cf_options},
      {"customers", cf_options},
      {"history", cf_options}};
  rocksdb::Status s = rocksdb::DB::Open(options, path, cfs, &handles, &db);
  return s.ok() ? Status::OK() : FromRocksDb(s, "opening the projections at " + path + " failed");
}

Status Projector::Impl::CheckFormat() {
  std::string format, checkpoint;
  rocksdb::Status f = db->Get(rocksdb::ReadOptions(), meta_cf(), kFormatKey, &format);
  rocksdb::Status c = db->Get(rocksdb::ReadOptions(), meta_cf(), kCheckpointKey, &checkpoint);
  if (f.ok() && format == kFormat) return Status::OK();
  if (c.ok()) {
    std::fprintf(stderr, "clientele: the projections were written by an older build; rebuilding\n");
    for (auto* cf : {meta_cf(), customers_cf(), history_cf()}) {
      std::string first(1, '\0'), last(256, '\xff');
      rocksdb::Status d = db->DeleteRange(rocksdb::WriteOptions(), cf, first, last);
      if (!d.ok()) return FromRocksDb(d, "clearing outdated projections failed");
    }
  }
  rocksdb::WriteOptions sync;
  sync.sync = true;
  rocksdb::Status w = db->Put(sync, meta_cf(), kFormatKey, kFormat);
  return w.ok() ? Status::OK() : FromRocksDb(w, "writing the projections' format failed");
}

Status Projector::Impl::Load() {
  if (Status st = CheckFormat(); !st.ok()) return st;
  std::string value;
  rocksdb::Status s = db->Get(rocksdb::ReadOptions(), meta_cf(), kCheckpointKey, &value);
  if (s.ok() && value.size() == 8) {
    position = coding::GetBe64(value);
  } else if (!s.IsNotFound()) {
    return FromRocksDb(s, "reading the projections' checkpoint failed");
  }
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), customers_cf()));
  CustomerRow row;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view bytes(it->value().data(), it->value().size());
    if (Status st = DecodeRow(bytes, &row); !st.ok()) return st;
    const std::uint32_t n = ids.Add(row.id);
    if (n == RowIds::kNone || n != rows.size()) {
      return Status::Corruption("the customer table holds a row with a bad id: " + row.id);
    }
    rows.emplace_back(bytes);
    index.Set(n, Indexed(row));
  }
  if (!it->status().ok()) return FromRocksDb(it->status(), "loading the customer table failed");
  index.Maintain(/*force=*/true);
  // The settings up to the checkpoint; later ones come with the catch-up.
  auto events = log->ReadStream(kSettingsStream, 1, SIZE_MAX);
  if (!events) return events.error();
  for (const RecordedEvent& e : *events) {
    if (e.position > position.load()) break;
    auto decoded = DecodeSettingsEvent(e.type, e.schema, e.data);
    if (decoded) settings = Evolve(settings, *decoded);
  }
  if (position.load() > log->Head()) {
    return Status::FailedPrecondition(
        "", "projections_ahead_of_log",
        "the projections are ahead of the log (were they copied from another node?); "
        "run clientele rebuild");
  }
  return Status::OK();
}

}  // namespace clientele
