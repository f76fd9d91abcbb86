// The insides of Projector, shared by its implementation files.
//
// Threads, and what each owns:
//   the applier  applies events and commits them, one batch at a time: the
//                caller of CatchUp until Start(), then the follower thread
//                (follower.cc). It alone writes `rows`, `ids`, `index` and the
//                database, and reads `rows` without the lock.
//   readers      any thread, through Projector's queries: `rows`, `ids` and
//                `index` under a shared lock of `rows_mu`; `position`,
//                `settings` and the history family as they are.
//
// Files:
//   store.cc     opening the database, the layout check, loading the rows
//   apply.cc     applying events to pending rows; committing rows, history
//                and checkpoint in one batch
//   rebuild.cc   a rebuild from nothing: the history gathered in memory and
//                ingested with the rows and the checkpoint as table files
//   follower.cc  following the log once caught up
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "domain/settings.h"
#include "eventstore/event_store.h"
#include "projections/customer_row.h"
#include "projections/projector.h"
#include "projections/row_ids.h"
#include "projections/table_index.h"

namespace clientele {
namespace projection_internal {

inline constexpr char kCheckpointKey[] = "checkpoint";
inline constexpr char kFormatKey[] = "format";
inline constexpr char kFormat[] = "3";  // the layout version; another one is rebuilt
inline constexpr std::size_t kIdSize = 36;
inline constexpr std::size_t kBatchEvents = 4096;    // per batch while following
inline constexpr std::size_t kCatchUpBatch = 65536;  // per batch while catching up

// Maps a RocksDB status to ours: Corruption stays Corruption, the rest is
// Unavailable. `what` says what was being done.
Status FromRocksDb(const rocksdb::Status& s, std::string_view what);

// The history family's key: customer id, time:be64, origin, 0, version:be64
// (the history's order, HistoryBefore).
std::string HistoryKey(std::string_view id, std::int64_t time_ms, std::string_view origin,
                       std::int64_t version);

// What the table index keeps of a row.
IndexedRow Indexed(const CustomerRow& r);

}  // namespace projection_internal

struct Projector::Impl {
  EventStore* log = nullptr;
  PersonalDataKeys* keys = nullptr;  // opens sealed fields; null: they read as absent
  std::string path;
  rocksdb::DB* db = nullptr;
  rocksdb::ColumnFamilyOptions cf_options;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // default, customers, history

  rocksdb::ColumnFamilyHandle* meta_cf() const { return handles[0]; }
  rocksdb::ColumnFamilyHandle* customers_cf() const { return handles[1]; }
  rocksdb::ColumnFamilyHandle* history_cf() const { return handles[2]; }

  // Rows: written by the applier, which reads them without the lock;
  // everyone else reads under a shared lock.
  mutable std::shared_mutex rows_mu;
  RowIds ids;
  std::vector<std::string> rows;  // encoded (EncodeRow), by row number
  TableIndex index{&ids};
  // Called before each batch of changes to `index`, under rows_mu held
  // exclusively (WatchTable).
  std::mutex watchers_mu;
  std::vector<std::function<bool(const TableIndex&)>> watchers;

  std::atomic<std::uint64_t> position{0};
  mutable std::mutex position_mu;
  mutable std::condition_variable position_cv;
  std::atomic<std::uint64_t> applied{0}, skipped{0};

  std::atomic<bool> stopping{false};
  std::thread follower;
  // Why the projections cannot make progress, "" when they can.
  mutable std::mutex trouble_mu;
  std::string trouble;
  void SetTrouble(std::string what) {
    std::lock_guard lock(trouble_mu);
    trouble = std::move(what);
  }

  // The settings as of the events applied (kept in memory only: Load reads
  // the settings stream, which is short).
  mutable std::mutex settings_mu;
  SettingsState settings;

  // Customers erased by the events applied, to be scrubbed once committed
  // (ScrubErased): the applier's alone. Who else is told (OnErased), under
  // its lock.
  std::vector<std::string> erased;
  std::mutex on_erased_mu;
  std::function<void(const std::vector<std::string>&)> on_erased;

  // During a rebuild, history entries gather here to be written in key order.
  struct RebuildHistory {
    struct Ref {
      std::uint64_t id_hi, id_lo;  // the key: customer id bytes,
      std::int64_t time;           // time,
      std::uint32_t origin;        // origin (in `origins`),
      std::int64_t version;        // version
      std::uint64_t at;            // the encoded entry, in `bytes`
    };
    std::string bytes;
    std::vector<Ref> refs;
    std::vector<std::string> origins;  // the few nodes events came from
    // The index of `node` in `origins`, added if new.
    std::uint32_t Origin(const std::string& node);
    // Keeps an entry of customer `id` to be written by IngestRebuild.
    void Add(std::string_view id, const RecordedEvent& e, const HistoryEntry& entry);
  };
  std::unique_ptr<RebuildHistory> rebuild_history;

  // Events applied but not yet committed.
  struct Pending {
    struct Touched {
      std::uint32_t row = RowIds::kNone;  // kNone: a new customer
      CustomerRow data;
    };
    rocksdb::WriteBatch batch;
    std::unordered_map<std::string, Touched> touched;  // by id
    std::uint64_t last = 0;                            // the position of the last event
    std::size_t events = 0;
  };

  struct CommitMode {
    bool wal = true;       // else the caller flushes when done
    bool rows = true;      // write the rows and the checkpoint (else a rebuild writes them)
    bool maintain = true;  // keep the index quick to query (else the caller does)
  };

  // Stops the follower and closes the database.
  ~Impl();

  // store.cc
  // Opens (creating if missing) the database at `path`.
  Status OpenDb();
  // Clears projections an older build wrote in another layout, so that they
  // are rebuilt from the log; then records this build's layout.
  Status CheckFormat();
  // Reads the checkpoint, the rows (into memory and the index) and the
  // settings up to the checkpoint. FailedPrecondition if the projections are
  // ahead of the log.
  Status Load();

  // apply.cc
  // Applies one event (the next in position order) to `p`; an event that
  // cannot be applied is counted and logged as skipped.
  void ApplyOne(const RecordedEvent& e, Pending* p);
  void Skip(const RecordedEvent& e, const std::string& why);
  // Sets the rows `p` touched in memory, and writes them, its history
  // entries and the checkpoint in one batch. Leaves `p` empty.
  Status Commit(Pending* p, CommitMode mode);

  // erase.cc
  // For each customer in `erased`: clears the notes of its history entries
  // on disk, tells on_erased, then flushes every family and compacts every
  // table file (bottommost forced), so no table file or WAL of the
  // projections still holds what the erased rows and entries held.
  Status ScrubErased();

  // rebuild.cc
  // A rebuild's start: drops what an interrupted rebuild may have left.
  Status ClearHistory();
  // A rebuild's end: the history, the rows and the checkpoint, written as
  // table files and ingested together.
  Status IngestRebuild();

  // follower.cc
  // Applies what the log appends until `stopping`.
  void Follow();
};

}  // namespace clientele
