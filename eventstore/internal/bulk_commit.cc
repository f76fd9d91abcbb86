// log-commit's side of a bulk append (eventstore/bulk_append.h): the staged
// events become one table file, ingested in one atomic step.
#include <rocksdb/sst_file_writer.h>

#include <cstdio>
#include <filesystem>
#include <unordered_set>

#include "eventstore/coding.h"
#include "eventstore/internal/store_impl.h"

namespace clientele {

namespace {

// Reads the staging file written by BulkAppend::Add.
class StagedReader {
 public:
  explicit StagedReader(const std::string& path) : file_(std::fopen(path.c_str(), "rb")) {
    if (file_ != nullptr) std::setvbuf(file_, nullptr, _IOFBF, 1 << 20);
  }
  ~StagedReader() {
    if (file_ != nullptr) std::fclose(file_);
  }
  bool ok() const { return file_ != nullptr; }

  // The next event into *e; false at the end. Sets *first and *expected for
  // the first event of an Add. Corruption if the file is damaged.
  Result<bool> Next(RecordedEvent* e, bool* first, std::int64_t* expected) {
    unsigned char len_bytes[4];
    std::size_t got = std::fread(len_bytes, 1, 4, file_);
    if (got == 0 && std::feof(file_)) return false;
    if (got != 4) return Error(Damaged());
    const std::uint32_t len = len_bytes[0] | (len_bytes[1] << 8) | (len_bytes[2] << 16) |
                              (static_cast<std::uint32_t>(len_bytes[3]) << 24);
    entry_.resize(len);
    if (len < 1 || std::fread(entry_.data(), 1, len, file_) != len) return Error(Damaged());
    std::string_view rest(entry_);
    *first = rest[0] == 1;
    rest.remove_prefix(1);
    if (*first) {
      std::uint64_t v = 0;
      coding::Decoder d(rest);
      if (!d.Le64(&v)) return Error(Damaged());
      *expected = static_cast<std::int64_t>(v);
      rest.remove_prefix(8);
    }
    if (Status s = record::DecodeRecord(rest, e); !s.ok()) return Error(Damaged());
    return true;
  }

 private:
  static Status Damaged() { return Status::Corruption("the bulk staging file is damaged"); }
  std::FILE* file_;
  std::string entry_;
};

}  // namespace

void EventStore::Impl::CommitBulk(Request* r) {
  auto answer = [r](Result<AppendResult> result) {
    r->done(std::move(result));
    delete r;
  };
  if (failed.load()) {
    return answer(Error(Status::Unavailable("an earlier write to the log failed; reopen it")));
  }
  // Every group written before must be durable first: were the process to
  // die, a lost WAL tail before the ingested positions would leave a gap.
  {
    std::unique_lock lock(sync_mu);
    sync_cv.wait(lock, [&] { return !syncing && to_sync.empty(); });
    syncing = true;
  }
  rocksdb::Status synced_before = SyncUpTo(last_position);
  ForgetIndexed();
  const std::string table_file = r->bulk->path() + ".sst";
  Result<BulkResult> result =
      synced_before.ok()
          ? WriteBulk(r, table_file)
          : Result<BulkResult>(Error(FromRocks(synced_before, "syncing the log failed")));
  std::error_code ec;
  std::filesystem::remove(table_file, ec);
  const bool appended = result && !result->duplicate;
  if (appended) {
    // The bulk's recording time, synced with the WAL below. Were it lost (a
    // crash just now), the next Open marks the bulk as recorded then.
    rocksdb::WriteBatch mark;
    MarkRecorded(&mark, last_position);
    rocksdb::WriteOptions wo;
    wo.sync = false;
    if (rocksdb::Status s = db->Write(wo, &mark); !s.ok()) {
      std::fprintf(stderr, "clientele: writing the recording time of a bulk failed: %s\n",
                   s.ToString().c_str());
    }
    untracked_tail.store(last_position);          // its streams are not in tail_streams
    rocksdb::Status s = SyncUpTo(last_position);  // publishes Head()
    if (!s.ok()) result = Error(FromRocks(s, "syncing the log failed"));
  }
  {
    std::lock_guard lock(sync_mu);
    written_position = last_position;
    syncing = false;
  }
  sync_cv.notify_all();
  if (appended) {
    // log-commit remembers the streams and ids of unindexed events, but not
    // the bulk's: the next append must wait until the indexer has them.
    std::uint64_t before = indexed.load();
    while (!WaitIndexed(last_position)) {
      if (indexed.load() == before) {  // no progress in kIndexWait: indexing stopped
        failed = true;
        break;
      }
      before = indexed.load();
    }
    // Now everything is indexed: the remembered versions may be stale.
    versions.clear();
    ForgetIndexed();
  }
  if (!result) return answer(Error(result.error()));
  *r->bulk_result = *result;
  answer(AppendResult{});
}

Result<BulkResult> EventStore::Impl::WriteBulk(Request* r, const std::string& table_file) {
  StagedReader in(r->bulk->path());
  if (!in.ok()) return Error(Status::Unavailable("cannot read " + r->bulk->path()));
  rocksdb::SstFileWriter writer(rocksdb::EnvOptions(), db->GetOptions(log_cf), log_cf);
  if (rocksdb::Status s = writer.Open(table_file); !s.ok()) {
    return Error(FromRocks(s, "creating " + table_file + " failed"));
  }
  const std::int64_t now = clock->NowMs();
  Staging none;  // LookupId wants one; a bulk stages nothing the usual way
  std::unordered_set<std::size_t> streams;
  BulkResult out;
  std::uint64_t position = last_position;
  std::uint64_t seq = own_seq;
  std::string hash = last_hash;
  std::int64_t version = 0;
  RecordedEvent e, existing;
  std::string id_key;
  bool first = false;
  std::int64_t expected = 0;
  for (;;) {
    auto more = in.Next(&e, &first, &expected);
    if (!more) return Error(more.error());
    if (!*more) break;
    if (!record::IdKey(e.id, &id_key)) return Error(Status::Corruption("bad staged id"));
    Status found = LookupId(none, id_key, &existing);
    if (found.ok()) {
      if (position == last_position && existing.stream == e.stream && existing.type == e.type &&
          existing.data == e.data) {
        out.duplicate = true;
        return out;
      }
      return Error(Status::Conflict("event_id_reused", "event " + e.id + " is already in the log"));
    }
    if (found.code() != StatusCode::kNotFound) return Error(found);
    if (first) {
      if (!streams.insert(std::hash<std::string>{}(e.stream)).second) {
        return Error(Status::InvalidArgument("stream", "bulk_stream_repeated",
                                             e.stream + " is named by more than one Add"));
      }
      auto current = CurrentVersion(e.stream);
      if (!current) return Error(current.error());
      const bool ok = expected == ExpectedVersion::kAny ||
                      (expected == ExpectedVersion::kNoStream && *current == 0) ||
                      expected == *current;
      if (!ok) {
        return Error(Status::Conflict("wrong_expected_version",
                                      "expected " + e.stream + " at version " +
                                          std::to_string(expected) + " but it is at version " +
                                          std::to_string(*current)));
      }
      version = *current;
    }
    e.position = ++position;
    e.version = ++version;
    e.time_ms = now;
    e.origin = options.origin;
    e.seq = ++seq;
    const std::string value = ChainedRecord(hash, &e);
    hash = e.hash;
    if (rocksdb::Status s = writer.Put(record::PositionKey(e.position), value); !s.ok()) {
      return Error(FromRocks(s, "writing " + table_file + " failed"));
    }
  }
  if (position == last_position) return out;
  if (rocksdb::Status s = writer.Finish(); !s.ok()) {
    return Error(FromRocks(s, "writing " + table_file + " failed"));
  }
  rocksdb::IngestExternalFileOptions ingest;
  ingest.move_files = true;
  ingest.write_global_seqno = false;
  if (rocksdb::Status s = db->IngestExternalFile(log_cf, {table_file}, ingest); !s.ok()) {
    return Error(FromRocks(s, "adding the bulk to the log failed"));
  }
  out.first_position = last_position + 1;
  out.last_position = position;
  out.events = position - last_position;
  events_written.fetch_add(out.events, std::memory_order_relaxed);
  batches_written.fetch_add(1, std::memory_order_relaxed);
  last_position = position;
  last_hash = hash;
  own_seq = seq;
  return out;
}

}  // namespace clientele
