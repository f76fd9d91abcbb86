#include <rocksdb/sst_file_writer.h>

#include <algorithm>
#include <filesystem>
#include <tuple>

#include "eventstore/coding.h"
#include "projections/internal/projector_impl.h"

namespace clientele {

using namespace projection_internal;

namespace {

std::pair<std::uint64_t, std::uint64_t> Halves(std::string_view uuid) {
  RowIds::Key key{};
  (void)RowIds::ToKey(uuid, &key);
  std::uint64_t hi = 0, lo = 0;
  for (int i = 0; i < 8; ++i) hi = hi << 8 | key[i], lo = lo << 8 | key[i + 8];
  return {hi, lo};
}

RowIds::Key FromHalves(std::uint64_t hi, std::uint64_t lo) {
  RowIds::Key key;
  for (int i = 0; i < 8; ++i) {
    key[i] = static_cast<std::uint8_t>(hi >> (56 - 8 * i));
    key[i + 8] = static_cast<std::uint8_t>(lo >> (56 - 8 * i));
  }
  return key;
}

}  // namespace

std::uint32_t Projector::Impl::RebuildHistory::Origin(const std::string& node) {
  for (std::uint32_t i = 0; i < origins.size(); ++i) {
    if (origins[i] == node) return i;
  }
  origins.push_back(node);
  return static_cast<std::uint32_t>(origins.size() - 1);
}

void Projector::Impl::RebuildHistory::Add(std::string_view id, const RecordedEvent& e,
                                          const HistoryEntry& entry) {
  const auto [hi, lo] = Halves(id);
  refs.push_back({hi, lo, e.time_ms, Origin(e.origin), e.version, bytes.size()});
  coding::PutLp(&bytes, EncodeEntry(entry));
}

Status Projector::Impl::ClearHistory() {
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), history_cf()));
  it->SeekToFirst();
  if (!it->Valid()) return it->status().ok() ? Status::OK() : FromRocksDb(it->status(), "");
  it.reset();
  rocksdb::Status s = db->DropColumnFamily(history_cf());
  if (s.ok()) s = db->DestroyColumnFamilyHandle(history_cf());
  if (s.ok()) s = db->CreateColumnFamily(cf_options, "history", &handles[2]);
  return s.ok() ? Status::OK() : FromRocksDb(s, "clearing the projections' history failed");
}

Status Projector::Impl::IngestRebuild() {
  const std::string history_file = path + "/rebuild-history.sst";
  const std::string rows_file = path + "/rebuild-customers.sst";
  const std::string meta_file = path + "/rebuild-checkpoint.sst";
  rocksdb::Options options(rocksdb::DBOptions(), cf_options);
  std::vector<rocksdb::IngestExternalFileArg> args;
  rocksdb::IngestExternalFileOptions ingest;
  ingest.move_files = true;
  auto write = [&](rocksdb::ColumnFamilyHandle* cf, const std::string& file,
                   auto&& put) -> rocksdb::Status {
    rocksdb::SstFileWriter writer(rocksdb::EnvOptions(), options, cf);
    rocksdb::Status s = writer.Open(file);
    if (s.ok()) s = put(writer);
    if (s.ok()) s = writer.Finish();
    if (s.ok()) {
      rocksdb::IngestExternalFileArg arg;
      arg.column_family = cf;
      arg.external_files = {file};
      arg.options = ingest;
      args.push_back(std::move(arg));
    }
    return s;
  };
  rocksdb::Status s;
  RebuildHistory& h = *rebuild_history;
  if (!h.refs.empty()) {
    // Origins ranked as their keys' bytes compare (the name, then the 0).
    std::vector<std::uint32_t> rank(h.origins.size());
    {
      std::vector<std::string> sorted;
      sorted.reserve(h.origins.size());
      for (const std::string& o : h.origins) sorted.push_back(o + '\0');
      std::sort(sorted.begin(), sorted.end());
      for (std::size_t i = 0; i < h.origins.size(); ++i) {
        rank[i] = static_cast<std::uint32_t>(
            std::lower_bound(sorted.begin(), sorted.end(), h.origins[i] + '\0') - sorted.begin());
      }
    }
    std::sort(h.refs.begin(), h.refs.end(), [&](const auto& a, const auto& b) {
      return std::tie(a.id_hi, a.id_lo, a.time, rank[a.origin], a.version) <
             std::tie(b.id_hi, b.id_lo, b.time, rank[b.origin], b.version);
    });
    s = write(history_cf(), history_file, [&](rocksdb::SstFileWriter& w) {
      std::string key, value;
      for (const RebuildHistory::Ref& ref : h.refs) {
        coding::Decoder in(std::string_view(h.bytes).substr(ref.at));
        if (!in.Lp(&value)) return rocksdb::Status::Corruption("rebuild history");
        key = HistoryKey(RowIds::ToText(FromHalves(ref.id_hi, ref.id_lo)), ref.time,
                         h.origins[ref.origin], ref.version);
        rocksdb::Status put = w.Put(key, value);
        if (!put.ok()) return put;
      }
      return rocksdb::Status::OK();
    });
  }
  if (s.ok() && !rows.empty()) {
    s = write(customers_cf(), rows_file, [&](rocksdb::SstFileWriter& w) {
      for (std::uint32_t row : ids.SortedRows()) {
        rocksdb::Status put = w.Put(ids.Id(row), rows[row]);
        if (!put.ok()) return put;
      }
      return rocksdb::Status::OK();
    });
  }
  if (s.ok()) {
    s = write(meta_cf(), meta_file, [&](rocksdb::SstFileWriter& w) {
      std::string checkpoint;
      coding::PutBe64(&checkpoint, position.load());
      return w.Put(kCheckpointKey, checkpoint);
    });
  }
  if (s.ok()) s = db->IngestExternalFiles(args);
  std::error_code ignored;
  std::filesystem::remove(history_file, ignored);
  std::filesystem::remove(rows_file, ignored);
  std::filesystem::remove(meta_file, ignored);
  return s.ok() ? Status::OK() : FromRocksDb(s, "writing the rebuilt customer table failed");
}

}  // namespace clientele
