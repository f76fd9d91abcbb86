// EventStore: a node's append-only event log in RocksDB, the only source of
// truth. Layout and record grammar: eventstore/record_format.h.
//
// Example:
//   auto store = EventStore::Open({.path = "/var/lib/clientele/hq"});
//   auto r = (*store)->Append("customer-<id>", ExpectedVersion::NoStream(), {event});
//
// Thread-safety: every method may be called from any thread at once.
// Durability: when Append returns OK (or AppendAsync calls back OK), the
// events are in a synced WAL and survive kill -9 and power loss (unless
// options.sync is false). Concurrent appends are group-committed: one WAL
// write and one sync serve every append waiting at that moment, and the next
// group is written while the previous one syncs.
// Visibility: readers see only durable events, in position order; a caller
// reads its own write as soon as its append returns.
// Internals: eventstore/internal/store_impl.h.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "domain/clock.h"
#include "domain/status.h"
#include "eventstore/bulk_append.h"
#include "eventstore/event.h"
#include "eventstore/holdings.h"

namespace rocksdb {
class DB;
class Env;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace clientele {

struct EventStoreOptions {
  std::string path;             // folder of the RocksDB database
  std::string origin = "hq";    // this node: stamped on local events
  Clock* clock = nullptr;       // time of local events; defaults to the system clock
  bool sync = true;             // sync the WAL before acknowledging (never off in production)
  bool read_only = false;       // open for reading only (verify, audit); no lock taken
  rocksdb::Env* env = nullptr;  // e.g. an in-memory Env for tests; defaults to the disk
  std::size_t max_batch_events = 4096;  // the most events one group commit writes
};

struct VerifyReport {
  std::uint64_t events_checked = 0;  // events whose link held
  std::uint64_t head = 0;            // the last position found
  std::string head_hash;             // the chain's hash at `head` (32 bytes), if ok
  bool ok = true;
  std::uint64_t broken_position = 0;  // the first position whose link fails, if !ok
  std::string problem;                // what is wrong there, if !ok
};

// Counters since Open, for metrics and benchmarks.
struct EventStoreStats {
  std::uint64_t events_written = 0;   // events appended (local and replicated)
  std::uint64_t batches_written = 0;  // group commits written to the WAL
  std::uint64_t syncs = 0;            // WAL syncs
  std::uint64_t sync_micros = 0;      // time spent in them
};

class Subscription;

// One append of EventStore::AppendEach.
struct StreamAppend {
  std::string stream;
  ExpectedVersion expected;
  std::vector<NewEvent> events;
};

// Receives the outcome of an asynchronous append, on one of the store's threads.
// It must not block: hand long work to another thread.
using AppendCallback = std::function<void(Result<AppendResult>)>;

class EventStore {
 public:
  // Opens (creating if missing) the log at options.path.
  // Fails with Unavailable if another process holds it, Corruption if damaged.
  static Result<std::unique_ptr<EventStore>> Open(EventStoreOptions options);

  // Waits for in-flight appends, flushes memtables and closes the database.
  ~EventStore();
  EventStore(const EventStore&) = delete;
  EventStore& operator=(const EventStore&) = delete;

  // Appends `events` to `stream` atomically, if the stream is at `expected`.
  // Returns the positions and the stream's new version, or
  //   Conflict("wrong_expected_version") - the stream is elsewhere; nothing written;
  //   Conflict("event_id_reused")        - an id is in the log with other content;
  //   Conflict("partial_duplicate")      - some ids are in the log and some not;
  //   InvalidArgument                    - bad stream name, id, type or empty list;
  //   Unavailable                        - the write failed; nothing was acknowledged.
  // If every id is already in the log with the same stream, type and data, it
  // is an idempotent retry: nothing is written and the original positions are
  // returned with duplicate = true, whatever `expected` says.
  Result<AppendResult> Append(std::string_view stream, ExpectedVersion expected,
                              std::vector<NewEvent> events);

  // Appends events that originated on another node, keeping their id, origin,
  // time, actor, type, schema, data and causation/correlation ids; position and
  // version are this log's. Each event is skipped if its id is already here
  // (its original position is reported). Expected version is always "any".
  // Atomic: all new events of the call are written together or none.
  Result<AppendResult> AppendReplicated(std::vector<RecordedEvent> events);

  // A new, empty bulk append (eventstore/bulk_append.h), staged in
  // <path>/bulk. Unavailable if its staging file cannot be created.
  Result<std::unique_ptr<BulkAppend>> StartBulk();
  // Appends everything added to `bulk` as one: every event or none. Events are
  // local (this node's origin, the clock's time), given positions in the
  // order added. Returns where they landed, or
  //   Conflict("wrong_expected_version") - a stream is not where its Add said;
  //   Conflict("event_id_reused")        - an id is already in the log;
  //   Unavailable                        - writing failed; nothing was appended.
  // If the first event is already in the log with the same content, the bulk
  // was committed before: nothing is written and `duplicate` is set.
  // Other appends wait while the bulk is checked, written and indexed (about
  // a few seconds per million events).
  Result<BulkResult> CommitBulk(std::unique_ptr<BulkAppend> bulk);

  // Append and AppendReplicated without waiting: `done` is called once with
  // what the blocking call would return, after the events are durable. Input
  // errors are reported at once, on the calling thread.
  void AppendAsync(std::string_view stream, ExpectedVersion expected, std::vector<NewEvent> events,
                   AppendCallback done);
  void AppendReplicatedAsync(std::vector<RecordedEvent> events, AppendCallback done);

  // Appends each of `appends` as Append would (each checked on its own: one
  // refused does not stop the others), all in ONE group commit: one WAL write
  // and one sync, so that after a crash either every accepted one is in the
  // log or none is. Appends to one stream may follow each other (the second
  // expecting the version the first leaves). Returns one result per append,
  // in order, once they are durable.
  std::vector<Result<AppendResult>> AppendEach(std::vector<StreamAppend> appends);

  // Up to `max` events of `stream` with version >= from_version, in order.
  Result<std::vector<RecordedEvent>> ReadStream(std::string_view stream, std::int64_t from_version,
                                                std::size_t max);
  // The stream's current version; 0 if it has no events.
  Result<std::int64_t> StreamVersion(std::string_view stream);
  // Up to `max` events with position >= from_position, in order.
  Result<std::vector<RecordedEvent>> ReadAll(std::uint64_t from_position, std::size_t max);
  // Calls fn on each event with position >= from_position in order until fn
  // returns false. The event reference is valid only during the call.
  Status ScanAll(std::uint64_t from_position, const std::function<bool(const RecordedEvent&)>& fn);
  // The event with this id, or NotFound.
  Result<RecordedEvent> FindById(std::string_view id);

  // The event `origin` numbered `seq`, or NotFound.
  Result<RecordedEvent> FindBySeq(std::string_view origin, std::uint64_t seq);
  // Up to `max` events of `origin` with sequence number >= from_seq, in
  // sequence order (skipping numbers this log does not hold).
  Result<std::vector<RecordedEvent>> ReadOrigin(std::string_view origin, std::uint64_t from_seq,
                                                std::size_t max);
  // The highest sequence number of `origin` in this log (0: none).
  Result<std::uint64_t> LastSeq(std::string_view origin);
  // What this log holds of every origin's numbers, by origin, listing at
  // most `max_ranges` missing ranges per origin. The first call reads the
  // whole origin index (about 0.2 s per million events); later ones are kept
  // up to date as events are indexed.
  Result<std::vector<OriginHolding>> Holdings(std::size_t max_ranges = 64);

  // The last durable position (0 for an empty log).
  std::uint64_t Head() const;
  // What this node's books held at `time_ms` on its own clock: the last
  // position it had recorded by then (0: none). Local and replicated appends
  // alike are recorded when their group commit (or bulk) is written; a
  // node's recording times never go back, even when its clock does. Events
  // of a log written before recording times were kept count as recorded from
  // the start (record_format.h). Unavailable if the times cannot be read.
  Result<std::uint64_t> HeadAt(std::int64_t time_ms) const;
  // Waits until Head() >= position or the timeout passes; returns Head() >= position.
  bool WaitForHead(std::uint64_t position, std::chrono::milliseconds timeout) const;

  // A reader that delivers every event after `after_position` in order: first
  // those already in the log, then new ones as they are appended.
  std::unique_ptr<Subscription> Subscribe(std::uint64_t after_position);

  // Walks the whole log checking positions and the hash chain; reports the
  // first broken link. Reads bypass RocksDB's block checksums so that an edited
  // byte is pinned to its event by the chain. `visit`, if given, is called with
  // each event whose link held, in order, before the next is checked.
  Result<VerifyReport> Verify(const std::function<void(const RecordedEvent&)>& visit = {});

  // Writes every memtable to table files (e.g. before a file-level backup).
  Status Flush();

  // Why the log cannot make progress now, or "" if it can: appends refused
  // while storage refuses writes (a full disk; they resume by themselves once
  // it takes writes again), indexing waiting for storage, or a failed sync
  // (the node must be restarted).
  std::string Trouble() const;

  // Writes a consistent copy of the log (not the indexes, which are rebuilt
  // from it) to `folder`, a RocksDB checkpoint: table files are hard links
  // when `folder` is on the log's file system, copies otherwise. The copy
  // holds every event durable when the call began (and perhaps some being
  // written). Appends go on meanwhile; the memtables are flushed first.
  // `folder` must not exist; its parent must. Returns Head() as it was when
  // the call began, or InvalidArgument for a folder that exists, Unavailable
  // if the disk refuses, FailedPrecondition for a log opened read-only.
  Result<std::uint64_t> Checkpoint(const std::string& folder);

  EventStoreStats stats() const;
  const std::string& origin() const;
  rocksdb::DB* db() const;  // for projections that keep their tables beside the log

 private:
  struct Impl;
  explicit EventStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class Subscription {
 public:
  // Returns up to `max` events after the last delivered one, waiting up to
  // `timeout` for at least one; an empty list means none arrived in time.
  // Never skips or repeats an event.
  Result<std::vector<RecordedEvent>> Next(std::size_t max, std::chrono::milliseconds timeout);
  // The position of the last event delivered.
  std::uint64_t position() const { return position_; }

 private:
  friend class EventStore;
  Subscription(EventStore* store, std::uint64_t after) : store_(store), position_(after) {}
  EventStore* store_;
  std::uint64_t position_;
};

}  // namespace clientele
