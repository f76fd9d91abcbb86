#include "eventstore/event_store.h"

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <pthread.h>

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "eventstore/record_format.h"
#include "eventstore/system_clock.h"

namespace clientele {

namespace {

constexpr const char* kLogCf = "log";
constexpr const char* kStreamsCf = "streams";
constexpr const char* kIdsCf = "ids";

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  std::string msg = std::string(what) + ": " + s.ToString();
  if (s.IsCorruption()) return Status::Corruption(msg);
  return Status::Unavailable(msg);
}

Status ValidateStream(std::string_view stream) {
  if (stream.empty() || stream.size() > 200) {
    return Status::InvalidArgument("stream", "invalid_stream",
                                   "stream name must be 1 to 200 bytes");
  }
  for (unsigned char c : stream) {
    if (c <= 0x20 || c == 0x7f) {
      return Status::InvalidArgument("stream", "invalid_stream",
                                     "stream name must not contain spaces or control characters");
    }
  }
  return Status::OK();
}

// Checks a batch of ids: each a UUID, none twice. Fills the 16-byte keys.
Status ValidateIds(const std::vector<std::string_view>& ids, std::vector<std::string>* keys) {
  keys->resize(ids.size());
  std::unordered_set<std::string> seen;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (!record::IdKey(ids[i], &(*keys)[i])) {
      return Status::InvalidArgument("id", "invalid_event_id",
                                     "event id '" + std::string(ids[i]) + "' is not a UUID");
    }
    if (!seen.insert((*keys)[i]).second) {
      return Status::InvalidArgument("id", "duplicate_event_id",
                                     "event id " + std::string(ids[i]) + " appears twice");
    }
  }
  return Status::OK();
}

Status ValidateType(std::string_view type) {
  if (type.empty() || type.size() > 100) {
    return Status::InvalidArgument("type", "invalid_event_type", "event type must be 1 to 100 bytes");
  }
  return Status::OK();
}

bool SameContent(const RecordedEvent& a, std::string_view stream, std::string_view type,
                 std::string_view data) {
  return a.stream == stream && a.type == type && a.data == data;
}

}  // namespace

struct EventStore::Impl {
  // One append waiting for the committer.
  struct Request {
    bool replicated = false;
    std::string stream;
    ExpectedVersion expected;
    std::vector<RecordedEvent> events;  // local: envelope fields filled at commit
    std::vector<std::string> id_keys;
    AppendCallback done;
    Result<AppendResult> result;
    bool staged = false;  // wrote something into the current batch
  };

  EventStoreOptions options;
  Clock* clock = nullptr;
  rocksdb::DB* db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::ColumnFamilyHandle* log_cf = nullptr;
  rocksdb::ColumnFamilyHandle* streams_cf = nullptr;
  rocksdb::ColumnFamilyHandle* ids_cf = nullptr;

  std::atomic<std::uint64_t> head{0};
  mutable std::mutex head_mu;
  mutable std::condition_variable head_cv;

  std::mutex queue_mu;
  std::condition_variable queue_cv;
  std::deque<Request*> queue;
  bool stopping = false;
  std::thread committer;

  // Requests whose batch is written (not yet synced), in commit order, and the
  // last position written with them. The syncer makes them durable and answers.
  std::mutex sync_mu;
  std::condition_variable sync_cv;
  std::vector<Request*> to_sync;
  std::uint64_t written_position = 0;
  bool sync_stopping = false;
  std::thread syncer;
  std::atomic<bool> failed{false};
  std::atomic<std::uint64_t> events_written{0}, batches_written{0}, syncs{0},
      sync_micros{0};  // a sync failed: the store refuses further appends

  // Owned by the committer thread.
  std::uint64_t last_position = 0;
  std::string last_hash = std::string(record::kHashSize, '\0');
  std::unordered_map<std::string, std::int64_t> versions;
  record::ChainHasher hasher;

  ~Impl() {
    if (committer.joinable()) {
      {
        std::lock_guard lock(queue_mu);
        stopping = true;
      }
      queue_cv.notify_all();
      committer.join();
      {
        std::lock_guard lock(sync_mu);
        sync_stopping = true;
      }
      sync_cv.notify_all();
      syncer.join();
      {
        std::lock_guard lock(answer_mu);
        answer_stopping = true;
      }
      answer_cv.notify_all();
      completer.join();
    }
    if (db != nullptr) {
      if (!options.read_only) db->Flush(rocksdb::FlushOptions(), handles);
      for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
      db->Close();
      delete db;
    }
  }

  void Submit(std::unique_ptr<Request> req) {
    {
      std::unique_lock lock(queue_mu);
      if (!stopping) {
        queue.push_back(req.release());
        lock.unlock();
        queue_cv.notify_one();
        return;
      }
    }
    req->done(Error(Status::Unavailable("the event store is closing")));
  }

  static void Answer(Request* r) {
    r->done(std::move(r->result));
    delete r;
  }

  // The completer: runs the callbacks of synced requests, so that waking their
  // callers never delays the next sync.
  std::mutex answer_mu;
  std::condition_variable answer_cv;
  std::vector<Request*> to_answer;
  bool answer_stopping = false;
  std::thread completer;

  void AnswerLater(std::vector<Request*>* batch) {
    {
      std::lock_guard lock(answer_mu);
      to_answer.insert(to_answer.end(), batch->begin(), batch->end());
    }
    answer_cv.notify_one();
    batch->clear();
  }

  void CompleteLoop() {
    std::vector<Request*> batch;
    for (;;) {
      {
        std::unique_lock lock(answer_mu);
        answer_cv.wait(lock, [&] { return answer_stopping || !to_answer.empty(); });
        if (to_answer.empty()) return;  // stopping and drained
        batch.swap(to_answer);
      }
      for (Request* r : batch) Answer(r);
      batch.clear();
    }
  }

  // The committer: stages each batch of waiting appends and writes it to the
  // WAL and memtables without syncing, then hands it to the syncer. It goes on
  // with the next batch while the syncer's fsync runs, so a sync covers every
  // batch written during the one before it. Readers never see past Head(),
  // which moves only after the sync.
  void CommitLoop() {
    std::vector<Request*> batch;
    for (;;) {
      batch.clear();
      {
        std::unique_lock lock(queue_mu);
        queue_cv.wait(lock, [&] { return stopping || !queue.empty(); });
        if (queue.empty()) return;  // stopping and drained
        std::size_t events = 0;
        while (!queue.empty() && (batch.empty() || events + queue.front()->events.size() <=
                                                       options.max_batch_events)) {
          events += queue.front()->events.size();
          batch.push_back(queue.front());
          queue.pop_front();
        }
      }
      if (failed.load()) {
        for (Request* r : batch) {
          r->result = Error(Status::Unavailable("the log could not be synced earlier; restart"));
          Answer(r);
        }
        continue;
      }
      CommitBatch(batch);
      {
        std::lock_guard lock(sync_mu);
        to_sync.insert(to_sync.end(), batch.begin(), batch.end());
        written_position = last_position;
      }
      sync_cv.notify_one();
    }
  }

  // The syncer: one fsync for everything written so far, then the answers.
  //
  // Writers answered by one sync come back while the next one runs; syncing at
  // once would leave them for the sync after, halving every group. So before a
  // sync the syncer waits, at most half the last sync's duration, until as many
  // requests are written as it answered last time.
  void SyncLoop() {
    std::vector<Request*> batch;
    std::uint64_t synced = head.load();
    std::size_t last_group = 1;
    auto last_sync_time = std::chrono::microseconds(0);
    for (;;) {
      std::uint64_t target;
      {
        std::unique_lock lock(sync_mu);
        sync_cv.wait(lock, [&] { return sync_stopping || !to_sync.empty(); });
        if (to_sync.empty()) return;  // stopping and drained
        if (options.sync && to_sync.size() < last_group) {
          auto patience = std::min(last_sync_time / 2, std::chrono::microseconds(1000));
          sync_cv.wait_for(lock, patience,
                           [&] { return sync_stopping || to_sync.size() >= last_group; });
        }
        batch.swap(to_sync);
        target = written_position;
      }
      rocksdb::Status s;
      if (target > synced && options.sync) {
        auto start = std::chrono::steady_clock::now();
        s = db->SyncWAL();
        last_sync_time = std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now() - start);
        syncs.fetch_add(1, std::memory_order_relaxed);
        sync_micros.fetch_add(last_sync_time.count(), std::memory_order_relaxed);
      }
      last_group = std::max<std::size_t>(1, batch.size());
      if (!s.ok()) {
        failed = true;
        for (Request* r : batch) {
          if (r->result) r->result = Error(FromRocks(s, "syncing the log failed"));
        }
      } else if (target > synced) {
        synced = target;
        {
          std::lock_guard lock(head_mu);
          head.store(synced);
        }
        head_cv.notify_all();
      }
      AnswerLater(&batch);
    }
  }

  // Staging state of one group commit.
  struct Staging {
    rocksdb::WriteBatch batch;
    std::uint64_t position;
    std::string hash;
    std::unordered_map<std::string, const RecordedEvent*> pending_ids;  // id key -> staged
    std::unordered_map<std::string, std::optional<std::int64_t>> undo;  // stream -> cached before
  };

  void CommitBatch(const std::vector<Request*>& batch) {
    Staging st;
    st.position = last_position;
    st.hash = last_hash;
    for (Request* r : batch) {
      r->result = r->replicated ? StageReplicated(r, &st) : StageLocal(r, &st);
    }
    if (st.position == last_position) return;  // nothing new: duplicates and refusals only
    rocksdb::WriteOptions wo;
    wo.sync = false;  // the syncer syncs
    rocksdb::Status s = db->Write(wo, &st.batch);
    if (!s.ok()) {
      for (auto& [stream, before] : st.undo) {
        if (before) {
          versions[stream] = *before;
        } else {
          versions.erase(stream);
        }
      }
      for (Request* r : batch) {
        if (r->result) r->result = Error(FromRocks(s, "writing the log failed"));
      }
      return;
    }
    events_written.fetch_add(st.position - last_position, std::memory_order_relaxed);
    batches_written.fetch_add(1, std::memory_order_relaxed);
    last_position = st.position;
    last_hash = st.hash;
  }

  // The stream's version as of the staged batch.
  Result<std::int64_t> CurrentVersion(const std::string& stream) {
    if (auto it = versions.find(stream); it != versions.end()) return it->second;
    auto v = ReadStreamVersion(stream);
    if (!v) return v;
    if (versions.size() > 1'000'000) versions.clear();  // a bounded cache
    versions.emplace(stream, *v);
    return v;
  }

  void SetVersion(Staging* st, const std::string& stream, std::int64_t v) {
    auto it = versions.find(stream);
    if (!st->undo.contains(stream)) {
      st->undo.emplace(stream, it == versions.end() ? std::nullopt
                                                    : std::optional<std::int64_t>(it->second));
    }
    versions[stream] = v;
  }

  // Finds an id in the staged batch or the log; fills *out. NotFound if absent.
  Status LookupId(const Staging& st, const std::string& key, RecordedEvent* out) {
    if (auto it = st.pending_ids.find(key); it != st.pending_ids.end()) {
      *out = *it->second;
      return Status::OK();
    }
    std::string value;
    rocksdb::Status s = db->Get(rocksdb::ReadOptions(), ids_cf, key, &value);
    if (s.IsNotFound()) return Status::NotFound("event_not_found", "no such event");
    if (!s.ok()) return FromRocks(s, "reading the id index failed");
    std::string rec;
    s = db->Get(rocksdb::ReadOptions(), log_cf, value, &rec);
    if (!s.ok()) return FromRocks(s, "reading the log failed");
    return record::DecodeRecord(rec, out);
  }

  // Adds one fully enveloped event (position and version set) to the batch.
  void Stage(Staging* st, RecordedEvent* e, const std::string& id_key) {
    std::string canonical;
    canonical.reserve(96 + e->data.size());
    record::EncodeCanonical(*e, &canonical);
    e->hash = hasher.Next(st->hash, canonical);
    st->hash = e->hash;
    std::string value;
    value.reserve(1 + record::kHashSize + canonical.size());
    value.push_back(static_cast<char>(record::kFormat));
    value.append(e->hash);
    value.append(canonical);
    std::string pos_key = record::PositionKey(e->position);
    st->batch.Put(log_cf, pos_key, value);
    st->batch.Put(streams_cf, record::StreamKey(e->stream, e->version), pos_key);
    st->batch.Put(ids_cf, id_key, pos_key);
    st->pending_ids[id_key] = e;
  }

  Result<AppendResult> StageLocal(Request* r, Staging* st) {
    const std::size_t n = r->events.size();
    AppendResult out;
    std::size_t found = 0;
    bool mismatch = false;
    RecordedEvent existing;
    for (std::size_t i = 0; i < n; ++i) {
      Status s = LookupId(*st, r->id_keys[i], &existing);
      if (s.code() == StatusCode::kNotFound) continue;
      if (!s.ok()) return Error(s);
      ++found;
      out.positions.push_back(existing.position);
      mismatch = mismatch || !SameContent(existing, r->stream, r->events[i].type, r->events[i].data);
    }
    if (mismatch) {
      return Error(Status::Conflict("event_id_reused",
                                    "an event id of this append is already in the log with "
                                    "different content"));
    }
    if (found == n) {
      auto v = CurrentVersion(r->stream);
      if (!v) return Error(v.error());
      out.stream_version = *v;
      out.duplicate = true;
      return out;
    }
    if (found > 0) {
      return Error(Status::Conflict("partial_duplicate",
                                    "some event ids of this append are already in the log and "
                                    "some are not; retry with the original events"));
    }
    auto current = CurrentVersion(r->stream);
    if (!current) return Error(current.error());
    const std::int64_t want = r->expected.value;
    bool ok = want == ExpectedVersion::kAny ||
              (want == ExpectedVersion::kNoStream && *current == 0) || want == *current;
    if (!ok) {
      std::string expected = want == ExpectedVersion::kNoStream ? "no stream"
                                                                : "version " + std::to_string(want);
      return Error(Status::Conflict("wrong_expected_version",
                                    "expected " + r->stream + " at " + expected +
                                        " but it is at version " + std::to_string(*current)));
    }
    const std::int64_t now = clock->NowMs();
    out.positions.clear();
    for (std::size_t i = 0; i < n; ++i) {
      RecordedEvent& e = r->events[i];
      e.position = ++st->position;
      e.version = *current + static_cast<std::int64_t>(i) + 1;
      e.time_ms = now;
      Stage(st, &e, r->id_keys[i]);
      out.positions.push_back(e.position);
    }
    out.stream_version = *current + static_cast<std::int64_t>(n);
    SetVersion(st, r->stream, out.stream_version);
    r->staged = true;
    return out;
  }

  Result<AppendResult> StageReplicated(Request* r, Staging* st) {
    AppendResult out;
    out.duplicate = true;
    RecordedEvent existing;
    for (std::size_t i = 0; i < r->events.size(); ++i) {
      RecordedEvent& e = r->events[i];
      Status s = LookupId(*st, r->id_keys[i], &existing);
      if (s.ok()) {
        if (!SameContent(existing, e.stream, e.type, e.data)) {
          return Error(Status::Conflict("event_id_reused",
                                        "event " + e.id + " is already in the log with different "
                                                          "content"));
        }
        out.positions.push_back(existing.position);
        continue;
      }
      if (s.code() != StatusCode::kNotFound) return Error(s);
      auto current = CurrentVersion(e.stream);
      if (!current) return Error(current.error());
      e.position = ++st->position;
      e.version = *current + 1;
      Stage(st, &e, r->id_keys[i]);
      SetVersion(st, e.stream, e.version);
      out.positions.push_back(e.position);
      out.duplicate = false;
      r->staged = true;
    }
    return out;
  }

  Result<std::int64_t> ReadStreamVersion(std::string_view stream) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), streams_cf));
    it->SeekForPrev(record::StreamKeyEnd(stream));
    if (!it->status().ok()) return Error(FromRocks(it->status(), "reading the stream index failed"));
    if (!it->Valid()) return 0;
    rocksdb::Slice key = it->key();
    if (key.size() != stream.size() + 9 || !key.starts_with(rocksdb::Slice(stream.data(), stream.size())) ||
        key[stream.size()] != '\0') {
      return 0;
    }
    return static_cast<std::int64_t>(
        record::DecodePositionKey(std::string_view(key.data() + stream.size() + 1, 8)));
  }

  Status LoadHead() {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), log_cf));
    it->SeekToLast();
    if (!it->status().ok()) return FromRocks(it->status(), "reading the log failed");
    if (!it->Valid()) return Status::OK();
    RecordedEvent last;
    if (Status s = record::DecodeRecord(std::string_view(it->value().data(), it->value().size()),
                                        &last);
        !s.ok()) {
      return Status::Corruption("the last record of the log does not parse; run verify");
    }
    last_position = last.position;
    last_hash = last.hash;
    head.store(last_position);
    return Status::OK();
  }
};

EventStore::EventStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EventStore::~EventStore() = default;

Result<std::unique_ptr<EventStore>> EventStore::Open(EventStoreOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->clock = options.clock != nullptr ? options.clock : SystemClock::Default();

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = !options.read_only;
  db_options.create_missing_column_families = !options.read_only;
  db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  db_options.max_background_jobs = 2;
  db_options.allow_concurrent_memtable_write = false;  // one committer writes; hashed memtables need it
  if (options.env != nullptr) db_options.env = options.env;

  std::shared_ptr<rocksdb::Cache> cache = rocksdb::NewLRUCache(128 << 20);
  auto table = [&](bool bloom) {
    rocksdb::BlockBasedTableOptions t;
    t.block_cache = cache;
    if (bloom) t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    return std::shared_ptr<rocksdb::TableFactory>(rocksdb::NewBlockBasedTableFactory(t));
  };
  rocksdb::ColumnFamilyOptions log_options;
  log_options.compression = rocksdb::kNoCompression;  // fast scans; byte-exact tamper evidence
  log_options.table_factory = table(false);
  // Positions only grow: one insert hint for every key makes appends to the
  // log's memtable O(1) instead of a walk down the skiplist.
  log_options.memtable_insert_with_hint_prefix_extractor.reset(
      rocksdb::NewFixedPrefixTransform(1));
  // Index entries are small and random: small memtables stay in cache.
  rocksdb::ColumnFamilyOptions index_options;
  index_options.table_factory = table(true);
  index_options.write_buffer_size = 16 << 20;
  // Event ids are random and only ever looked up one at a time: a hashed
  // memtable inserts them without the skiplist's cache misses.
  rocksdb::ColumnFamilyOptions id_options = index_options;
  id_options.prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(16));
  id_options.memtable_factory.reset(rocksdb::NewHashSkipListRepFactory(1 << 18));

  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
      {kLogCf, log_options},
      {kStreamsCf, index_options},
      {kIdsCf, id_options},
  };
  rocksdb::Status s =
      options.read_only
          ? rocksdb::DB::OpenForReadOnly(db_options, options.path, cfs, &impl->handles, &impl->db)
          : rocksdb::DB::Open(db_options, options.path, cfs, &impl->handles, &impl->db);
  if (!s.ok()) {
    if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
      return Error(Status::Unavailable("the data folder " + options.path +
                                       " is in use by another process"));
    }
    return Error(FromRocks(s, "opening the log at " + options.path + " failed"));
  }
  impl->log_cf = impl->handles[1];
  impl->streams_cf = impl->handles[2];
  impl->ids_cf = impl->handles[3];
  impl->options = std::move(options);
  // A damaged tail must not stop a read-only open: verify is how it gets found.
  if (Status st = impl->LoadHead(); !st.ok() && !impl->options.read_only) return Error(st);
  if (!impl->options.read_only) {
    impl->committer = std::thread([p = impl.get()] {
      pthread_setname_np(pthread_self(), "log-commit");
      p->CommitLoop();
    });
    impl->syncer = std::thread([p = impl.get()] {
      pthread_setname_np(pthread_self(), "log-sync");
      p->SyncLoop();
    });
    impl->completer = std::thread([p = impl.get()] {
      pthread_setname_np(pthread_self(), "log-complete");
      p->CompleteLoop();
    });
  }
  return std::unique_ptr<EventStore>(new EventStore(std::move(impl)));
}

namespace {

// Runs an async append and waits for its answer.
template <typename Start>
Result<AppendResult> Wait(Start start) {
  std::promise<Result<AppendResult>> promise;
  auto future = promise.get_future();
  start([&promise](Result<AppendResult> r) { promise.set_value(std::move(r)); });
  return future.get();
}

}  // namespace

Result<AppendResult> EventStore::Append(std::string_view stream, ExpectedVersion expected,
                                        std::vector<NewEvent> events) {
  return Wait([&](AppendCallback done) {
    AppendAsync(stream, expected, std::move(events), std::move(done));
  });
}

Result<AppendResult> EventStore::AppendReplicated(std::vector<RecordedEvent> events) {
  return Wait([&](AppendCallback done) {
    AppendReplicatedAsync(std::move(events), std::move(done));
  });
}

void EventStore::AppendAsync(std::string_view stream, ExpectedVersion expected,
                             std::vector<NewEvent> events, AppendCallback done) {
  auto refuse = [&](Status s) { done(Error(std::move(s))); };
  if (impl_->options.read_only) {
    return refuse(Status::FailedPrecondition("", "read_only", "the log is open read-only"));
  }
  if (Status s = ValidateStream(stream); !s.ok()) return refuse(s);
  if (events.empty()) {
    return refuse(Status::InvalidArgument("events", "empty_append", "an append needs events"));
  }
  if (expected.value < ExpectedVersion::kAny) {
    return refuse(Status::InvalidArgument("expected_version", "invalid_expected_version",
                                          "expected version must be any, no stream or >= 0"));
  }
  auto req = std::make_unique<Impl::Request>();
  std::vector<std::string_view> ids;
  for (const NewEvent& e : events) {
    if (Status s = ValidateType(e.type); !s.ok()) return refuse(s);
    ids.push_back(e.id);
  }
  if (Status s = ValidateIds(ids, &req->id_keys); !s.ok()) return refuse(s);
  req->stream = std::string(stream);
  req->expected = expected;
  req->events.reserve(events.size());
  for (NewEvent& e : events) {
    RecordedEvent r;
    r.id = std::move(e.id);
    r.stream = req->stream;
    r.type = std::move(e.type);
    r.schema = e.schema;
    r.origin = impl_->options.origin;
    r.actor = std::move(e.actor);
    r.causation_id = std::move(e.causation_id);
    r.correlation_id = std::move(e.correlation_id);
    r.data = std::move(e.data);
    req->events.push_back(std::move(r));
  }
  req->done = std::move(done);
  impl_->Submit(std::move(req));
}

void EventStore::AppendReplicatedAsync(std::vector<RecordedEvent> events, AppendCallback done) {
  auto refuse = [&](Status s) { done(Error(std::move(s))); };
  if (impl_->options.read_only) {
    return refuse(Status::FailedPrecondition("", "read_only", "the log is open read-only"));
  }
  if (events.empty()) {
    return refuse(Status::InvalidArgument("events", "empty_append", "an append needs events"));
  }
  auto req = std::make_unique<Impl::Request>();
  req->replicated = true;
  std::vector<std::string_view> ids;
  for (const RecordedEvent& e : events) {
    if (Status s = ValidateStream(e.stream); !s.ok()) return refuse(s);
    if (Status s = ValidateType(e.type); !s.ok()) return refuse(s);
    if (e.origin.empty()) {
      return refuse(Status::InvalidArgument("origin", "missing_origin",
                                            "a replicated event needs its origin"));
    }
    ids.push_back(e.id);
  }
  if (Status s = ValidateIds(ids, &req->id_keys); !s.ok()) return refuse(s);
  req->events = std::move(events);
  req->done = std::move(done);
  impl_->Submit(std::move(req));
}

Result<std::int64_t> EventStore::StreamVersion(std::string_view stream) {
  if (Status s = ValidateStream(stream); !s.ok()) return Error(s);
  // The index may hold entries of an in-flight group commit past Head(); skip them.
  const std::uint64_t head = Head();
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->streams_cf));
  const std::string first = record::StreamKey(stream, 0);
  for (it->SeekForPrev(record::StreamKeyEnd(stream)); it->Valid() && it->key().compare(first) > 0;
       it->Prev()) {
    if (record::DecodePositionKey(std::string_view(it->value().data(), 8)) <= head) {
      return static_cast<std::int64_t>(record::DecodePositionKey(
          std::string_view(it->key().data() + stream.size() + 1, 8)));
    }
  }
  if (!it->status().ok()) return Error(FromRocks(it->status(), "reading the stream index failed"));
  return 0;
}

Result<std::vector<RecordedEvent>> EventStore::ReadStream(std::string_view stream,
                                                          std::int64_t from_version,
                                                          std::size_t max) {
  if (Status s = ValidateStream(stream); !s.ok()) return Error(s);
  const std::uint64_t head = Head();
  std::vector<RecordedEvent> out;
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->streams_cf));
  const std::string end = record::StreamKeyEnd(stream);
  std::string value;
  for (it->Seek(record::StreamKey(stream, std::max<std::int64_t>(from_version, 1)));
       it->Valid() && out.size() < max && it->key().compare(end) < 0; it->Next()) {
    if (record::DecodePositionKey(std::string_view(it->value().data(), 8)) > head) break;
    rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions(), impl_->log_cf, it->value(), &value);
    if (!s.ok()) return Error(FromRocks(s, "reading the log failed"));
    out.emplace_back();
    if (Status st = record::DecodeRecord(value, &out.back()); !st.ok()) return Error(st);
  }
  if (!it->status().ok()) return Error(FromRocks(it->status(), "reading the stream index failed"));
  return out;
}

Result<std::vector<RecordedEvent>> EventStore::ReadAll(std::uint64_t from_position,
                                                       std::size_t max) {
  std::vector<RecordedEvent> out;
  Status s = ScanAll(from_position, [&](const RecordedEvent& e) {
    out.push_back(e);
    return out.size() < max;
  });
  if (!s.ok()) return Error(s);
  return out;
}

Status EventStore::ScanAll(std::uint64_t from_position,
                           const std::function<bool(const RecordedEvent&)>& fn) {
  const std::uint64_t head = Head();
  if (from_position > head) return Status::OK();
  rocksdb::ReadOptions ro;
  ro.readahead_size = 2 << 20;
  const std::string upper = record::PositionKey(head + 1);
  rocksdb::Slice upper_slice(upper);
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->log_cf));
  RecordedEvent event;
  for (it->Seek(record::PositionKey(std::max<std::uint64_t>(from_position, 1))); it->Valid();
       it->Next()) {
    if (Status s = record::DecodeRecord(std::string_view(it->value().data(), it->value().size()),
                                        &event);
        !s.ok()) {
      return s;
    }
    if (!fn(event)) return Status::OK();
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading the log failed");
  return Status::OK();
}

Result<RecordedEvent> EventStore::FindById(std::string_view id) {
  std::string key;
  if (!record::IdKey(id, &key)) {
    return Error(Status::InvalidArgument("id", "invalid_event_id", "event id is not a UUID"));
  }
  std::string pos, value;
  rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions(), impl_->ids_cf, key, &pos);
  if (s.ok() && record::DecodePositionKey(pos) > Head()) s = rocksdb::Status::NotFound();
  if (s.IsNotFound()) return Error(Status::NotFound("event_not_found", "no event with this id"));
  if (!s.ok()) return Error(FromRocks(s, "reading the id index failed"));
  s = impl_->db->Get(rocksdb::ReadOptions(), impl_->log_cf, pos, &value);
  if (!s.ok()) return Error(FromRocks(s, "reading the log failed"));
  RecordedEvent e;
  if (Status st = record::DecodeRecord(value, &e); !st.ok()) return Error(st);
  return e;
}

Result<VerifyReport> EventStore::Verify() {
  VerifyReport report;
  rocksdb::ReadOptions ro;
  ro.verify_checksums = false;  // let the chain, not the block checksum, find the event
  ro.fill_cache = false;
  ro.readahead_size = 2 << 20;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->log_cf));
  record::ChainHasher hasher;
  std::string prev(record::kHashSize, '\0');
  std::string canonical;
  RecordedEvent e;
  std::uint64_t expected = 1;
  auto broken = [&](std::uint64_t position, std::string problem) {
    report.ok = false;
    report.broken_position = position;
    report.problem = std::move(problem);
    return report;
  };
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++expected) {
    std::uint64_t key_position = it->key().size() == 8
                                     ? record::DecodePositionKey(std::string_view(it->key().data(), 8))
                                     : 0;
    report.head = key_position;
    if (key_position != expected) {
      return broken(expected, "event " + std::to_string(expected) + " is missing (next key is " +
                                  std::to_string(key_position) + ")");
    }
    std::string_view value(it->value().data(), it->value().size());
    if (Status s = record::DecodeRecord(value, &e); !s.ok()) {
      return broken(expected, "the stored record does not parse");
    }
    if (e.position != key_position) {
      return broken(expected, "the record stored here claims position " +
                                  std::to_string(e.position));
    }
    canonical.clear();
    record::EncodeCanonical(e, &canonical);
    // The record must be exactly format + hash + canonical: nothing added or lost.
    if (value.size() != 1 + record::kHashSize + canonical.size() ||
        value.substr(1 + record::kHashSize) != canonical) {
      return broken(expected, "the stored record is not in canonical form");
    }
    std::string hash = hasher.Next(prev, canonical);
    if (hash != e.hash) return broken(expected, "hash mismatch: the event was altered");
    prev = std::move(hash);
    ++report.events_checked;
  }
  if (!it->status().ok()) {
    return broken(expected, "the log cannot be read here: " + it->status().ToString());
  }
  return report;
}

std::uint64_t EventStore::Head() const { return impl_->head.load(); }

bool EventStore::WaitForHead(std::uint64_t position, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->head_mu);
  return impl_->head_cv.wait_for(lock, timeout, [&] { return impl_->head.load() >= position; });
}

std::unique_ptr<Subscription> EventStore::Subscribe(std::uint64_t after_position) {
  return std::unique_ptr<Subscription>(new Subscription(this, after_position));
}

Status EventStore::Flush() {
  rocksdb::Status s = impl_->db->Flush(rocksdb::FlushOptions(), impl_->handles);
  if (!s.ok()) return FromRocks(s, "flushing the log failed");
  return Status::OK();
}

EventStoreStats EventStore::stats() const {
  return {impl_->events_written.load(), impl_->batches_written.load(), impl_->syncs.load(),
          impl_->sync_micros.load()};
}

const std::string& EventStore::origin() const { return impl_->options.origin; }
rocksdb::DB* EventStore::db() const { return impl_->db; }

Result<std::vector<RecordedEvent>> Subscription::Next(std::size_t max,
                                                      std::chrono::milliseconds timeout) {
  if (!store_->WaitForHead(position_ + 1, timeout)) return std::vector<RecordedEvent>{};
  auto events = store_->ReadAll(position_ + 1, max);
  if (events && !events->empty()) position_ = events->back().position;
  return events;
}

}  // namespace clientele
