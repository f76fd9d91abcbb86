// The insides of EventStore, shared by its implementation files.
//
// Threads, and what each owns:
//   callers       validate an append and queue a Request (Submit);
//   log-commit    stages queued requests - id checks, expected versions,
//                 positions, the hash chain - and writes each group's log
//                 records to the WAL and memtable without syncing
//                 (committer.cc);
//   log-sync      syncs the WAL once for everything written, then moves
//                 Head() and hands the requests on (syncer.cc);
//   log-complete  runs the requests' callbacks (syncer.cc);
//   log-index     tails the durable log and writes the stream and id indexes,
//                 with its checkpoint in the same batch (indexer.cc).
//
// Appends never wait for the indexer: log-commit remembers the ids and stream
// versions of events not yet indexed. Readers of the indexes wait until the
// indexer has reached Head(). After a crash the indexer's checkpoint is behind
// the log at worst, and Open indexes the rest before serving. The indexes live
// in a database of their own (see record_format.h).
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "eventstore/event_store.h"
#include "eventstore/holdings.h"
#include "eventstore/record_format.h"

namespace clientele {

// Input checks shared by the ways to append (event_store.cc).
Status ValidateStream(std::string_view stream);
// Checks a batch of ids: each a UUID, none twice. Fills the 16-byte keys.
Status ValidateIds(const std::vector<std::string_view>& ids, std::vector<std::string>* keys);
Status ValidateType(std::string_view type);

// Maps a RocksDB status to ours: Corruption stays Corruption, the rest is
// Unavailable. `what` says what was being done.
Status FromRocks(const rocksdb::Status& s, std::string_view what);

struct EventStore::Impl {
  // One append waiting for the committer.
  struct Request {
    bool replicated = false;
    BulkAppend* bulk = nullptr;         // a bulk append: committed alone (bulk_commit.cc)
    BulkResult* bulk_result = nullptr;  // where a bulk append's outcome goes
    bool joined = false;                // shares the group commit of the request queued before it
    std::string stream;
    ExpectedVersion expected;
    std::vector<RecordedEvent> events;  // local ones get their envelope at commit
    std::vector<std::string> id_keys;
    AppendCallback done;
    Result<AppendResult> result;
  };

  // A stream's last version and the position of that event.
  struct StreamHead {
    std::int64_t version = 0;
    std::uint64_t position = 0;
  };

  // What one group commit has staged so far.
  struct Staging {
    rocksdb::WriteBatch batch;
    std::uint64_t position = 0;
    std::string hash;
    std::uint64_t own_seq = 0;
    std::unordered_map<std::string, const RecordedEvent*> pending_ids;  // id key -> staged event
    std::vector<std::pair<std::uint64_t, std::string>> staged;          // (position, id key)
    std::unordered_map<std::string, std::optional<StreamHead>> undo;    // stream -> before
  };

  ~Impl();

  // --- event_store.cc
  Status LoadHead();
  void Start();  // starts the threads
  bool WaitIndexed(std::uint64_t position) const;
  // How far the indexes must be complete for a read of `stream` (of the id
  // key `id_key`) to see all of it up to `head`: its last unindexed position,
  // or a bulk's not yet indexed, at most `head`; 0 if the indexes have it all.
  std::uint64_t StreamTail(std::string_view stream, std::uint64_t head) const;
  // The version of `stream` if its last event is unindexed and durable (at
  // most `head`): then no read is needed to know it.
  std::optional<std::int64_t> DurableTailVersion(std::string_view stream, std::uint64_t head) const;
  std::uint64_t IdTail(const std::string& id_key, std::uint64_t head) const;

  // --- event_store.cc
  // A local append's request (no callback yet), or why it is refused.
  Result<std::unique_ptr<Request>> LocalRequest(std::string_view stream, ExpectedVersion expected,
                                                std::vector<NewEvent> events);

  // --- committer.cc
  void Submit(std::unique_ptr<Request> req);
  // Queues `reqs` together, in order (the joined ones stay in one group).
  void SubmitAll(std::vector<std::unique_ptr<Request>> reqs);
  void CommitLoop();
  void CommitBatch(const std::vector<Request*>& batch);
  Result<AppendResult> StageLocal(Request* r, Staging* st);
  Result<AppendResult> StageReplicated(Request* r, Staging* st);
  void Stage(Staging* st, RecordedEvent* e, const std::string& id_key);
  // The stored record of `e` (position and version set), chained after the
  // record whose hash is `prev`; sets e->hash.
  std::string ChainedRecord(const std::string& prev, RecordedEvent* e);
  Status LookupId(const Staging& st, const std::string& key, RecordedEvent* out);
  Result<std::int64_t> CurrentVersion(const std::string& stream);
  void SetVersion(Staging* st, const std::string& stream, StreamHead head);
  void ForgetIndexed();
  Result<std::int64_t> ReadIndexedVersion(std::string_view stream);
  Status ReadAt(std::uint64_t position, RecordedEvent* out);

  // --- recording_times.cc
  // Reads the last recording time; unless read-only, marks a log written
  // before recording times (at time 0) or a tail left unmarked by a crash
  // (now). Runs at Open, before the threads start.
  Status LoadRecordingTimes();
  // Adds to `batch` the mark "recorded by now: up to `position`", now being
  // the clock's time or, if the clock went back, the last mark's. log-commit.
  void MarkRecorded(rocksdb::WriteBatch* batch, std::uint64_t position);

  // --- bulk_commit.cc
  // Checks the staged events of r->bulk, writes them as one table file and
  // ingests it, with every other writer held off; then waits for the indexer.
  void CommitBulk(Request* r);
  Result<BulkResult> WriteBulk(Request* r, const std::string& table_file);

  // --- syncer.cc
  void SyncLoop();
  // Syncs the WAL up to `target`, then publishes it as Head(). REQUIRES: this
  // thread set `syncing`. Sets failed and returns the error if the sync fails.
  rocksdb::Status SyncUpTo(std::uint64_t target);
  void CompleteLoop();
  void AnswerLater(std::vector<Request*>* batch);

  // --- indexer.cc
  Status LoadIndexCheckpoint();
  // The highest sequence number of `origin` in the index, 0 if none.
  Result<std::uint64_t> ReadLastSeq(std::string_view origin);
  // Indexes events after `indexed` up to `target`, at most `max_events` of them.
  Status IndexUpTo(std::uint64_t target, std::size_t max_events);
  void IndexLoop();

  // --- sequences.cc
  // Reads every origin's numbers from the 'O' index into `holdings`.
  // REQUIRES: holdings_mu held.
  Status LoadHoldings();
  // Adds numbers the indexer has just written (a no-op until loaded).
  void NoteIndexed(const std::vector<std::pair<std::string, std::uint64_t>>& seqs);

  EventStoreOptions options;
  Clock* clock = nullptr;
  rocksdb::DB* db = nullptr;  // <data>/log
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::ColumnFamilyHandle* log_cf = nullptr;
  rocksdb::ColumnFamilyHandle* times_cf = nullptr;  // the recording times (record_format.h)
  // <data>/index: its own database, so that index writes never share a write
  // group (and its memtable inserts) with a commit. Null if a read-only open found none.
  rocksdb::DB* index_db = nullptr;

  // What the log holds of each origin's numbers: loaded at the first
  // Holdings() and then kept by log-index.
  std::mutex holdings_mu;
  bool holdings_loaded = false;
  std::map<std::string, SeqRuns, std::less<>> holdings;

  // The last durable position. Written by log-sync; waited on by readers and log-index.
  std::atomic<std::uint64_t> head{0};
  mutable std::mutex head_mu;
  mutable std::condition_variable head_cv;
  bool index_stopping = false;  // guarded by head_mu

  // The last position in the stream and id indexes. Written by log-index.
  std::atomic<std::uint64_t> indexed{0};
  mutable std::mutex index_mu;
  mutable std::condition_variable index_cv;

  std::mutex queue_mu;
  std::condition_variable queue_cv;
  std::deque<Request*> queue;
  bool stopping = false;

  std::mutex sync_mu;
  std::condition_variable sync_cv;
  std::vector<Request*> to_sync;  // written, not yet synced, in commit order
  std::uint64_t written_position = 0;
  bool sync_stopping = false;
  bool syncing = false;      // a sync is under way (by log-sync or, when idle, log-commit)
  std::uint64_t synced = 0;  // the last position synced; changed only by the one syncing

  std::mutex answer_mu;
  std::condition_variable answer_cv;
  std::vector<Request*> to_answer;
  bool answer_stopping = false;

  std::chrono::microseconds last_sync_time{0};  // changed only by the one syncing
  // A sync failed: what was written but not synced may or may not be on
  // disk, so appends are refused until the log is reopened.
  std::atomic<bool> failed{false};
  // A write failed (a full disk, say): nothing of it was applied, so appends
  // are refused only until the database accepts writes again (TryResume).
  std::atomic<bool> write_blocked{false};
  std::chrono::steady_clock::time_point next_resume;  // owned by log-commit
  mutable std::mutex trouble_mu;
  std::string write_trouble, index_trouble;  // "" when none
  void SetTrouble(std::string* which, std::string what) {
    std::lock_guard lock(trouble_mu);
    *which = std::move(what);
  }
  // log-commit: asks RocksDB to resume writing after a failed write, at most
  // every 200 ms; true once writes are accepted again.
  bool TryResume();
  std::atomic<std::uint64_t> events_written{0}, batches_written{0}, syncs{0}, sync_micros{0};

  // Owned by log-commit.
  std::uint64_t last_position = 0;
  std::string last_hash = std::string(record::kHashSize, '\0');
  std::uint64_t own_seq = 0;          // the sequence number of this node's last own event
  std::int64_t last_recorded_ms = 0;  // the time of the last recording mark
  record::ChainHasher hasher;
  std::unordered_map<std::string, StreamHead> versions;  // every stream with unindexed events

  // The unindexed tail as readers see it, so that a read waits for the indexer
  // only if what it reads is not indexed yet (not for everything durable):
  // log-commit adds a write's streams and ids after the write and before its
  // sync publishes Head(), and drops what is indexed; readers only look. A
  // bulk's streams are not listed, nor those of what the log held at open:
  // readers wait for all of them (`untracked_tail`, their last position).
  mutable std::mutex tail_mu;
  std::unordered_map<std::string, std::uint64_t> tail_ids;       // unindexed id key -> position
  std::unordered_map<std::string, StreamHead> tail_streams;      // stream -> its last unindexed
  std::deque<std::pair<std::uint64_t, std::string>> tail_order;  // (position, id key)
  std::deque<std::pair<std::uint64_t, std::string>> tail_stream_order;  // (position, stream)
  std::atomic<std::uint64_t> untracked_tail{0};

  std::thread committer, syncer, completer, indexer;
};

}  // namespace clientele
