// log-commit: turns queued appends into log records, one group at a time.
#include <cstdio>

#include "eventstore/internal/store_impl.h"

namespace clientele {

namespace {

bool SameContent(const RecordedEvent& a, std::string_view stream, std::string_view type,
                 std::string_view data) {
  return a.stream == stream && a.type == type && a.data == data;
}

}  // namespace

void EventStore::Impl::Submit(std::unique_ptr<Request> req) {
  {
    std::unique_lock lock(queue_mu);
    if (!stopping) {
      // log-commit sleeps only on an empty queue: wake it only when it was.
      const bool was_empty = queue.empty();
      queue.push_back(req.release());
      lock.unlock();
      if (was_empty) queue_cv.notify_one();
      return;
    }
  }
  req->done(Error(Status::Unavailable("the event store is closing")));
}

void EventStore::Impl::SubmitAll(std::vector<std::unique_ptr<Request>> reqs) {
  {
    std::unique_lock lock(queue_mu);
    if (!stopping) {
      const bool was_empty = queue.empty();
      for (auto& r : reqs) queue.push_back(r.release());
      lock.unlock();
      if (was_empty) queue_cv.notify_one();
      return;
    }
  }
  for (auto& r : reqs) r->done(Error(Status::Unavailable("the event store is closing")));
}

// Stages each group of waiting appends and writes its records to the WAL and
// memtable without syncing, then hands the group to log-sync and goes on with
// the next while the fsync runs. Readers never see past Head(), which moves
// only after the sync.
void EventStore::Impl::CommitLoop() {
  std::vector<Request*> batch;
  for (;;) {
    batch.clear();
    {
      std::unique_lock lock(queue_mu);
      queue_cv.wait(lock, [&] { return stopping || !queue.empty(); });
      if (queue.empty()) return;  // stopping and drained
      std::size_t events = 0;
      while (!queue.empty()) {
        Request* next = queue.front();
        if (!batch.empty() && !next->joined &&
            (next->bulk != nullptr || events + next->events.size() > options.max_batch_events)) {
          break;
        }
        events += next->events.size();
        batch.push_back(next);
        queue.pop_front();
        if (next->bulk != nullptr) break;  // a bulk goes alone
      }
    }
    if (batch.front()->bulk != nullptr) {
      CommitBulk(batch.front());
      continue;
    }
    if (failed.load()) {
      for (Request* r : batch) {
        r->result = Error(
            Status::Unavailable("an earlier sync of the log failed; the node must be restarted"));
      }
    } else if (write_blocked.load() && !TryResume()) {
      std::string why;
      {
        std::lock_guard lock(trouble_mu);
        why = write_trouble;
      }
      for (Request* r : batch) {
        r->result = Error(Status::StorageUnavailable(why + "; nothing was written, retry later"));
      }
    } else {
      ForgetIndexed();
      CommitBatch(batch);
    }
    std::unique_lock lock(sync_mu);
    written_position = last_position;
    if (!syncing && to_sync.empty()) {
      // No sync under way: sync this group here and answer it at once, saving
      // two thread handoffs. While this sync runs, new appends queue up and
      // the next group goes to log-sync, staged while its sync runs.
      syncing = true;
      lock.unlock();
      rocksdb::Status s = SyncUpTo(last_position);
      for (Request* r : batch) {
        if (!s.ok() && r->result) r->result = Error(FromRocks(s, "syncing the log failed"));
        r->done(std::move(r->result));
        delete r;
      }
      lock.lock();
      syncing = false;
      lock.unlock();
      sync_cv.notify_all();
      continue;
    }
    to_sync.insert(to_sync.end(), batch.begin(), batch.end());
    lock.unlock();
    sync_cv.notify_one();
  }
}

void EventStore::Impl::CommitBatch(const std::vector<Request*>& batch) {
  Staging st;
  st.position = last_position;
  st.hash = last_hash;
  st.own_seq = own_seq;
  for (Request* r : batch) {
    r->result = r->replicated ? StageReplicated(r, &st) : StageLocal(r, &st);
  }
  if (st.position == last_position) return;  // duplicates and refusals only
  MarkRecorded(&st.batch, st.position);
  rocksdb::WriteOptions wo;
  wo.sync = false;                           // log-sync syncs
  wo.memtable_insert_hint_per_batch = true;  // positions are sequential
  rocksdb::Status s = db->Write(wo, &st.batch);
  if (!s.ok()) {
    // Nothing of the batch was applied (RocksDB writes the WAL first): the
    // log is as it was, and takes appends again once storage does.
    write_blocked = true;
    next_resume = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
    SetTrouble(&write_trouble, "writing the log failed: " + s.ToString());
    std::fprintf(stderr, "clientele: %s\n", ("writing the log failed: " + s.ToString()).c_str());
    for (auto& [stream, before] : st.undo) {
      if (before) {
        versions[stream] = *before;
      } else {
        versions.erase(stream);
      }
    }
    for (Request* r : batch) {
      if (r->result) {
        r->result = Error(Status::StorageUnavailable("writing the log failed (" + s.ToString() +
                                                     "); nothing was written, retry later"));
      }
    }
    return;
  }
  {
    std::lock_guard lock(tail_mu);
    for (auto& [position, key] : st.staged) {
      tail_ids[key] = position;
      tail_order.emplace_back(position, std::move(key));
    }
    for (const auto& [stream, before] : st.undo) {
      const StreamHead& last = versions.at(stream);
      tail_streams[stream] = last;
      tail_stream_order.emplace_back(last.position, stream);
    }
  }
  events_written.fetch_add(st.position - last_position, std::memory_order_relaxed);
  batches_written.fetch_add(1, std::memory_order_relaxed);
  last_position = st.position;
  last_hash = st.hash;
  own_seq = st.own_seq;
}

bool EventStore::Impl::TryResume() {
  const auto now = std::chrono::steady_clock::now();
  if (now < next_resume) return false;
  next_resume = now + std::chrono::milliseconds(200);
  rocksdb::Status s = db->Resume();
  if (!s.ok()) return false;
  write_blocked = false;
  SetTrouble(&write_trouble, "");
  std::fprintf(stderr, "clientele: the log takes writes again\n");
  return true;
}

// Drops what the indexer has made findable in the indexes.
void EventStore::Impl::ForgetIndexed() {
  const std::uint64_t done = indexed.load();
  {
    std::lock_guard lock(tail_mu);
    while (!tail_order.empty() && tail_order.front().first <= done) {
      tail_ids.erase(tail_order.front().second);
      tail_order.pop_front();
    }
    while (!tail_stream_order.empty() && tail_stream_order.front().first <= done) {
      auto it = tail_streams.find(tail_stream_order.front().second);
      if (it != tail_streams.end() && it->second.position <= done) tail_streams.erase(it);
      tail_stream_order.pop_front();
    }
  }
  if (versions.size() > 100'000) {  // keep the cache bounded: indexed streams can be re-read
    std::erase_if(versions, [&](const auto& kv) { return kv.second.position <= done; });
  }
}

Result<std::int64_t> EventStore::Impl::CurrentVersion(const std::string& stream) {
  if (auto it = versions.find(stream); it != versions.end()) return it->second.version;
  // Not cached, so none of its events wait for the indexer: the index is complete.
  return ReadIndexedVersion(stream);
}

void EventStore::Impl::SetVersion(Staging* st, const std::string& stream, StreamHead head) {
  auto it = versions.find(stream);
  if (!st->undo.contains(stream)) {
    st->undo.emplace(stream,
                     it == versions.end() ? std::nullopt : std::optional<StreamHead>(it->second));
  }
  versions[stream] = head;
}

Result<std::int64_t> EventStore::Impl::ReadIndexedVersion(std::string_view stream) {
  if (index_db == nullptr) return Error(Status::Unavailable("this data folder has no index"));
  std::unique_ptr<rocksdb::Iterator> it(index_db->NewIterator(rocksdb::ReadOptions()));
  it->SeekForPrev(record::StreamKeyEnd(stream));
  if (!it->status().ok()) return Error(FromRocks(it->status(), "reading the stream index failed"));
  if (!it->Valid()) return 0;
  std::string_view key(it->key().data(), it->key().size());
  const std::string first = record::StreamKey(stream, 0);
  if (key.size() != first.size() ||
      key.substr(0, first.size() - 8) != std::string_view(first).substr(0, first.size() - 8)) {
    return 0;
  }
  return record::StreamKeyVersion(key, stream);
}

Status EventStore::Impl::ReadAt(std::uint64_t position, RecordedEvent* out) {
  std::string rec;
  rocksdb::Status s = db->Get(rocksdb::ReadOptions(), log_cf, record::PositionKey(position), &rec);
  if (!s.ok()) return FromRocks(s, "reading the log failed");
  return record::DecodeRecord(rec, out);
}

// Finds an id among the staged, the unindexed and the indexed events.
Status EventStore::Impl::LookupId(const Staging& st, const std::string& key, RecordedEvent* out) {
  if (auto it = st.pending_ids.find(key); it != st.pending_ids.end()) {
    *out = *it->second;
    return Status::OK();
  }
  if (auto it = tail_ids.find(key); it != tail_ids.end()) return ReadAt(it->second, out);
  std::string value;
  rocksdb::Status s = index_db->Get(rocksdb::ReadOptions(), record::IdIndexKey(key), &value);
  if (s.IsNotFound()) return Status::NotFound("event_not_found", "no such event");
  if (!s.ok()) return FromRocks(s, "reading the id index failed");
  return ReadAt(record::DecodePositionKey(value), out);
}

std::string EventStore::Impl::ChainedRecord(const std::string& prev, RecordedEvent* e) {
  std::string value;
  value.reserve(128 + e->stream.size() + e->data.size() + e->actor.size() + e->signature.size());
  value.push_back(static_cast<char>(record::FormatOf(*e)));
  value.append(record::kHashSize, '\0');  // the hash goes here once canonical is known
  record::EncodeCanonical(*e, &value);
  std::string_view canonical(value.data() + 1 + record::kHashSize,
                             value.size() - 1 - record::kHashSize);
  e->hash = hasher.Next(prev, canonical);
  value.replace(1, record::kHashSize, e->hash);
  return value;
}

// Adds one fully enveloped event (position and version set) to the group.
void EventStore::Impl::Stage(Staging* st, RecordedEvent* e, const std::string& id_key) {
  st->batch.Put(log_cf, record::PositionKey(e->position), ChainedRecord(st->hash, e));
  st->hash = e->hash;
  st->pending_ids[id_key] = e;
  st->staged.emplace_back(e->position, id_key);
}

Result<AppendResult> EventStore::Impl::StageLocal(Request* r, Staging* st) {
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
    return Error(Status::Conflict(
        "event_id_reused", "an event id of this append is already in the log with other content"));
  }
  if (found == n) {  // an idempotent retry
    auto v = CurrentVersion(r->stream);
    if (!v) return Error(v.error());
    out.stream_version = *v;
    out.duplicate = true;
    return out;
  }
  if (found > 0) {
    return Error(Status::Conflict("partial_duplicate",
                                  "some event ids of this append are already in the log and some "
                                  "are not; retry with the original events"));
  }
  auto current = CurrentVersion(r->stream);
  if (!current) return Error(current.error());
  const std::int64_t want = r->expected.value;
  bool ok = want == ExpectedVersion::kAny ||
            (want == ExpectedVersion::kNoStream && *current == 0) || want == *current;
  if (!ok) {
    std::string expected =
        want == ExpectedVersion::kNoStream ? "no stream" : "version " + std::to_string(want);
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
    e.seq = ++st->own_seq;
    Stage(st, &e, r->id_keys[i]);
    out.positions.push_back(e.position);
  }
  out.stream_version = *current + static_cast<std::int64_t>(n);
  SetVersion(st, r->stream, {out.stream_version, st->position});
  return out;
}

Result<AppendResult> EventStore::Impl::StageReplicated(Request* r, Staging* st) {
  // Every id is checked before any event is staged, so a refusal stages nothing.
  const std::size_t n = r->events.size();
  AppendResult out;
  out.positions.assign(n, 0);
  RecordedEvent existing;
  for (std::size_t i = 0; i < n; ++i) {
    const RecordedEvent& e = r->events[i];
    Status s = LookupId(*st, r->id_keys[i], &existing);
    if (s.code() == StatusCode::kNotFound) continue;
    if (!s.ok()) return Error(s);
    if (!SameContent(existing, e.stream, e.type, e.data)) {
      return Error(Status::Conflict("event_id_reused",
                                    "event " + e.id + " is already in the log with other content"));
    }
    out.positions[i] = existing.position;
  }
  out.duplicate = true;
  for (std::size_t i = 0; i < n; ++i) {
    if (out.positions[i] != 0) continue;  // already here
    RecordedEvent& e = r->events[i];
    auto current = CurrentVersion(e.stream);
    if (!current) return Error(current.error());
    e.position = ++st->position;
    e.version = *current + 1;
    // This node's own events coming back (a store that lost its disk): its
    // next events continue after them.
    if (e.origin == options.origin) st->own_seq = std::max(st->own_seq, e.seq);
    Stage(st, &e, r->id_keys[i]);
    SetVersion(st, e.stream, {e.version, e.position});
    out.positions[i] = e.position;
    out.duplicate = false;
  }
  return out;
}

}  // namespace clientele
