#include "eventstore/event_store.h"

#include <pthread.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>

#include <filesystem>
#include <future>
#include <unordered_set>

#include "eventstore/internal/store_impl.h"
#include "eventstore/system_clock.h"

namespace clientele {

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  std::string msg = std::string(what) + ": " + s.ToString();
  if (s.IsCorruption()) return Status::Corruption(msg);
  return Status::Unavailable(msg);
}

namespace {

constexpr const char* kLogCf = "log";
constexpr auto kIndexWait = std::chrono::seconds(10);

Status IndexBehind() {
  return Status::Unavailable("the stream and id indexes are behind the log; try again");
}

}  // namespace

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

Status ValidateIds(const std::vector<std::string_view>& ids, std::vector<std::string>* keys) {
  keys->resize(ids.size());
  if (ids.size() == 1) {
    if (record::IdKey(ids[0], &(*keys)[0])) return Status::OK();
    return Status::InvalidArgument("id", "invalid_event_id",
                                   "event id '" + std::string(ids[0]) + "' is not a UUID");
  }
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
    return Status::InvalidArgument("type", "invalid_event_type",
                                   "event type must be 1 to 100 bytes");
  }
  return Status::OK();
}

EventStore::Impl::~Impl() {
  // Each stage drains what the one before handed it, then stops.
  auto stop = [](std::mutex& mu, bool& flag, std::condition_variable& cv, std::thread& t) {
    {
      std::lock_guard lock(mu);
      flag = true;
    }
    cv.notify_all();
    t.join();
  };
  if (committer.joinable()) {
    stop(queue_mu, stopping, queue_cv, committer);
    stop(sync_mu, sync_stopping, sync_cv, syncer);
    stop(answer_mu, answer_stopping, answer_cv, completer);
    stop(head_mu, index_stopping, head_cv, indexer);
  }
  if (index_db != nullptr) {
    if (!options.read_only) index_db->Flush(rocksdb::FlushOptions());  // a fast next open
    index_db->Close();
    delete index_db;
  }
  if (db != nullptr) {
    if (!options.read_only) db->Flush(rocksdb::FlushOptions(), handles);
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    db->Close();
    delete db;
  }
}

Status EventStore::Impl::LoadHead() {
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), log_cf));
  it->SeekToLast();
  if (!it->status().ok()) return FromRocks(it->status(), "reading the log failed");
  if (!it->Valid()) return Status::OK();
  RecordedEvent last;
  if (Status s =
          record::DecodeRecord(std::string_view(it->value().data(), it->value().size()), &last);
      !s.ok()) {
    return Status::Corruption("the last record of the log does not parse; run verify");
  }
  last_position = last.position;
  last_hash = last.hash;
  head.store(last_position);
  untracked_tail.store(last_position);  // what the indexer may not have yet
  return Status::OK();
}

bool EventStore::Impl::WaitIndexed(std::uint64_t position) const {
  if (index_db == nullptr) return false;
  if (options.read_only) return true;  // no indexer: the indexes are as the last writer left them
  if (indexed.load() >= position) return true;
  std::unique_lock lock(index_mu);
  return index_cv.wait_for(lock, kIndexWait, [&] { return indexed.load() >= position; });
}

std::uint64_t EventStore::Impl::StreamTail(std::string_view stream, std::uint64_t head) const {
  std::uint64_t tail = untracked_tail.load();
  {
    std::lock_guard lock(tail_mu);
    if (auto it = tail_streams.find(std::string(stream)); it != tail_streams.end()) {
      tail = std::max(tail, it->second.position);
    }
  }
  return std::min(tail, head);
}

std::optional<std::int64_t> EventStore::Impl::DurableTailVersion(std::string_view stream,
                                                                 std::uint64_t head) const {
  const std::uint64_t untracked = untracked_tail.load();
  std::lock_guard lock(tail_mu);
  auto it = tail_streams.find(std::string(stream));
  if (it == tail_streams.end() || it->second.position > head) return std::nullopt;
  // A bulk written since may have appended to the stream without listing it.
  if (it->second.position < untracked) return std::nullopt;
  return it->second.version;
}

std::uint64_t EventStore::Impl::IdTail(const std::string& id_key, std::uint64_t head) const {
  std::uint64_t tail = untracked_tail.load();
  {
    std::lock_guard lock(tail_mu);
    if (auto it = tail_ids.find(id_key); it != tail_ids.end()) tail = std::max(tail, it->second);
  }
  return std::min(tail, head);
}

void EventStore::Impl::Start() {
  auto run = [this](const char* name, void (Impl::*loop)()) {
    return std::thread([this, name, loop] {
      pthread_setname_np(pthread_self(), name);
      (this->*loop)();
    });
  };
  committer = run("log-commit", &Impl::CommitLoop);
  syncer = run("log-sync", &Impl::SyncLoop);
  completer = run("log-complete", &Impl::CompleteLoop);
  indexer = run("log-index", &Impl::IndexLoop);
}

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
  log_options.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(1));

  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
      {kLogCf, log_options},
  };
  const std::string log_path = options.path + "/log";
  const std::string index_path = options.path + "/index";
  if (!options.read_only) {
    std::error_code ec;
    std::filesystem::create_directories(options.path, ec);
    if (ec) {
      return Error(Status::Unavailable("cannot create the data folder " + options.path + ": " +
                                       ec.message()));
    }
  }
  rocksdb::Status s =
      options.read_only
          ? rocksdb::DB::OpenForReadOnly(db_options, log_path, cfs, &impl->handles, &impl->db)
          : rocksdb::DB::Open(db_options, log_path, cfs, &impl->handles, &impl->db);
  if (!s.ok()) {
    if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
      return Error(
          Status::Unavailable("the data folder " + options.path + " is in use by another process"));
    }
    if (options.read_only && s.IsIOError()) {
      return Error(Status::NotFound("no_log", "there is no Clientele log in " + options.path));
    }
    return Error(FromRocks(s, "opening the log at " + log_path + " failed"));
  }
  impl->times_cf = impl->handles[0];
  impl->log_cf = impl->handles[1];

  // The index: one family of small random keys; ids are looked up on every
  // append, almost always in vain, so a memtable bloom filter answers first.
  rocksdb::Options index_options(db_options, rocksdb::ColumnFamilyOptions());
  index_options.table_factory = table(true);
  index_options.memtable_whole_key_filtering = true;
  index_options.memtable_prefix_bloom_size_ratio = 0.05;
  s = options.read_only ? rocksdb::DB::OpenForReadOnly(index_options, index_path, &impl->index_db)
                        : rocksdb::DB::Open(index_options, index_path, &impl->index_db);
  if (!s.ok()) {
    impl->index_db = nullptr;
    if (!options.read_only)
      return Error(FromRocks(s, "opening the index at " + index_path + " failed"));
  }
  impl->options = std::move(options);
  // A damaged tail must not stop a read-only open: verify is how it gets found.
  if (Status st = impl->LoadHead(); !st.ok() && !impl->options.read_only) return Error(st);
  if (Status st = impl->LoadRecordingTimes(); !st.ok()) return Error(st);
  if (impl->index_db != nullptr) {
    if (Status st = impl->LoadIndexCheckpoint(); !st.ok()) return Error(st);
  }
  if (!impl->options.read_only) {
    // A bulk append cut short by a crash left only its staging files.
    std::error_code ignored;
    std::filesystem::remove_all(impl->options.path + "/bulk", ignored);
    // Index what the last run wrote but did not index, before taking appends.
    while (impl->indexed.load() < impl->head.load()) {
      if (Status st = impl->IndexUpTo(impl->head.load(), 65536); !st.ok()) return Error(st);
    }
    impl->synced = impl->head.load();
    auto own = impl->ReadLastSeq(impl->options.origin);
    if (!own) return Error(own.error());
    impl->own_seq = *own;
    impl->Start();
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
  return Wait(
      [&](AppendCallback done) { AppendReplicatedAsync(std::move(events), std::move(done)); });
}

Result<std::unique_ptr<EventStore::Impl::Request>> EventStore::Impl::LocalRequest(
    std::string_view stream, ExpectedVersion expected, std::vector<NewEvent> events) {
  if (options.read_only) {
    return Error(Status::FailedPrecondition("", "read_only", "the log is open read-only"));
  }
  if (Status s = ValidateStream(stream); !s.ok()) return Error(s);
  if (events.empty()) {
    return Error(Status::InvalidArgument("events", "empty_append", "an append needs events"));
  }
  if (expected.value < ExpectedVersion::kAny) {
    return Error(Status::InvalidArgument("expected_version", "invalid_expected_version",
                                         "expected version must be any, no stream or >= 0"));
  }
  auto req = std::make_unique<Request>();
  std::vector<std::string_view> ids;
  for (const NewEvent& e : events) {
    if (Status s = ValidateType(e.type); !s.ok()) return Error(s);
    ids.push_back(e.id);
  }
  if (Status s = ValidateIds(ids, &req->id_keys); !s.ok()) return Error(s);
  req->stream = std::string(stream);
  req->expected = expected;
  req->events.reserve(events.size());
  for (NewEvent& e : events) {
    RecordedEvent r;
    r.id = std::move(e.id);
    r.stream = req->stream;
    r.type = std::move(e.type);
    r.schema = e.schema;
    r.origin = options.origin;
    r.actor = std::move(e.actor);
    r.causation_id = std::move(e.causation_id);
    r.correlation_id = std::move(e.correlation_id);
    r.data = std::move(e.data);
    req->events.push_back(std::move(r));
  }
  return req;
}

void EventStore::AppendAsync(std::string_view stream, ExpectedVersion expected,
                             std::vector<NewEvent> events, AppendCallback done) {
  auto req = impl_->LocalRequest(stream, expected, std::move(events));
  if (!req) return done(Error(req.error()));
  (*req)->done = std::move(done);
  impl_->Submit(std::move(*req));
}

std::vector<Result<AppendResult>> EventStore::AppendEach(std::vector<StreamAppend> appends) {
  std::vector<Result<AppendResult>> results(appends.size(), Result<AppendResult>());
  std::vector<std::unique_ptr<Impl::Request>> requests;
  std::vector<std::size_t> slots;  // the append each request answers
  for (std::size_t i = 0; i < appends.size(); ++i) {
    auto req =
        impl_->LocalRequest(appends[i].stream, appends[i].expected, std::move(appends[i].events));
    if (!req) {
      results[i] = Error(req.error());
      continue;
    }
    requests.push_back(std::move(*req));
    slots.push_back(i);
  }
  if (requests.empty()) return results;
  std::mutex mu;
  std::condition_variable cv;
  std::size_t pending = requests.size();
  for (std::size_t k = 0; k < requests.size(); ++k) {
    requests[k]->joined = k > 0;
    requests[k]->done = [&, slot = slots[k]](Result<AppendResult> r) {
      std::lock_guard lock(mu);
      results[slot] = std::move(r);
      if (--pending == 0) cv.notify_one();
    };
  }
  impl_->SubmitAll(std::move(requests));
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return pending == 0; });
  return results;
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
  const std::uint64_t head = Head();
  if (auto v = impl_->DurableTailVersion(stream, head)) return *v;
  if (!impl_->WaitIndexed(impl_->StreamTail(stream, head))) return Error(IndexBehind());
  return impl_->ReadIndexedVersion(stream);
}

Result<std::vector<RecordedEvent>> EventStore::ReadStream(std::string_view stream,
                                                          std::int64_t from_version,
                                                          std::size_t max) {
  if (Status s = ValidateStream(stream); !s.ok()) return Error(s);
  const std::uint64_t head = Head();
  // Nothing from `from_version` on (a cached state's check): known without a read.
  if (auto v = impl_->DurableTailVersion(stream, head); v && *v < from_version) {
    return std::vector<RecordedEvent>{};
  }
  if (!impl_->WaitIndexed(impl_->StreamTail(stream, head))) return Error(IndexBehind());
  std::vector<RecordedEvent> out;
  std::unique_ptr<rocksdb::Iterator> it(impl_->index_db->NewIterator(rocksdb::ReadOptions()));
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
    if (Status s =
            record::DecodeRecord(std::string_view(it->value().data(), it->value().size()), &event);
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
  const std::uint64_t head = Head();
  if (!impl_->WaitIndexed(impl_->IdTail(key, head))) return Error(IndexBehind());
  std::string pos, value;
  rocksdb::Status s = impl_->index_db->Get(rocksdb::ReadOptions(), record::IdIndexKey(key), &pos);
  if (s.ok() && record::DecodePositionKey(pos) > Head()) s = rocksdb::Status::NotFound();
  if (s.IsNotFound()) return Error(Status::NotFound("event_not_found", "no event with this id"));
  if (!s.ok()) return Error(FromRocks(s, "reading the id index failed"));
  s = impl_->db->Get(rocksdb::ReadOptions(), impl_->log_cf, pos, &value);
  if (!s.ok()) return Error(FromRocks(s, "reading the log failed"));
  RecordedEvent e;
  if (Status st = record::DecodeRecord(value, &e); !st.ok()) return Error(st);
  return e;
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
  if (impl_->index_db != nullptr) {
    s = impl_->index_db->Flush(rocksdb::FlushOptions());
    if (!s.ok()) return FromRocks(s, "flushing the index failed");
  }
  return Status::OK();
}

EventStoreStats EventStore::stats() const {
  return {impl_->events_written.load(), impl_->batches_written.load(), impl_->syncs.load(),
          impl_->sync_micros.load()};
}

const std::string& EventStore::origin() const { return impl_->options.origin; }
rocksdb::DB* EventStore::db() const { return impl_->db; }

std::string EventStore::Trouble() const {
  if (impl_->failed.load()) return "a sync of the log failed; restart the node";
  std::lock_guard lock(impl_->trouble_mu);
  if (!impl_->write_trouble.empty()) return impl_->write_trouble;
  return impl_->index_trouble;
}

Result<std::vector<RecordedEvent>> Subscription::Next(std::size_t max,
                                                      std::chrono::milliseconds timeout) {
  if (!store_->WaitForHead(position_ + 1, timeout)) return std::vector<RecordedEvent>{};
  auto events = store_->ReadAll(position_ + 1, max);
  if (events && !events->empty()) position_ = events->back().position;
  return events;
}

}  // namespace clientele
