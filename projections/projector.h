// Projector: keeps a node's read models up with its log.
//
// Data: <data>/projections, a RocksDB database
//   family default    "checkpoint"                 -> position:be64 (last event applied)
//   family customers  customer id (36 bytes)       -> row    (projections/customer_row.h)
//   family default    "format"                     -> the layout version ("2")
//   family history    customer id, time:be64, origin node, 0, version:be64 -> entry
// A history is kept in that order, the same on every node (see HistoryEntry).
// Projections written by an older layout are cleared and rebuilt.
// Each batch of events is applied with one WriteBatch holding the rows it
// changed, the history entries it made and the new checkpoint, so the tables
// never run ahead of or behind their checkpoint. The batch goes through the WAL
// without a sync: kill -9 loses nothing, and whatever a power cut loses is
// applied again from the log on the next start, which resumes from the
// checkpoint. CatchUp writes large batches without the WAL and flushes at the
// end; all families flush together (atomic_flush), so what is on disk is
// always some batch's rows, history and checkpoint. A CatchUp from nothing (a
// rebuild) holds everything in memory and writes the history, the rows and
// the checkpoint at the end as table files, ingested in one atomic step:
// until then the projections stay empty and a restart rebuilds from scratch.
//
// Every row is also held in memory, encoded, numbered densely
// (projections/row_ids.h) and indexed for the customer table
// (projections/table_index.h).
//
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/personal_data.h"
#include "domain/settings.h"
#include "domain/status.h"
#include "eventstore/event_store.h"
#include "projections/customer_row.h"
#include "projections/table_index.h"

namespace clientele {

struct HistoryPage {
  std::vector<HistoryEntry> entries;  // newest first
  std::string next_before;            // pass as `before` for the next page; "": no more
};

struct ProjectorStats {
  std::uint64_t position = 0;        // last event applied
  std::uint64_t events_applied = 0;  // since Open
  std::uint64_t events_skipped = 0;  // unknown types or damaged payloads, since Open
  std::uint64_t customers = 0;       // rows, deleted ones included
};

class Projector {
 public:
  // Opens (creating if missing) the projections at `path` and loads them.
  // `log` must outlive the projector, and `keys` (optional) too: it opens the
  // sealed personal fields of events (domain/personal_data.h); without it,
  // or without a customer's key, its details and notes read as absent.
  //
  // Erasure: applying customer.erased destroys the customer's key in `keys`,
  // clears its row's details and its history entries' notes, calls the
  // OnErased hook, and then flushes and compacts the projections so that
  // none of their files still holds what was cleared.
  static Result<std::unique_ptr<Projector>> Open(EventStore* log, const std::string& path,
                                                 PersonalDataKeys* keys = nullptr);
  // Called (on the applier's thread) with the customers erased by a batch of
  // events (a rebuild: by the whole log), once the projections no longer
  // hold their data: the place to scrub other stores (stored answers,
  // pending imports). May be set at any time.
  void OnErased(std::function<void(const std::vector<std::string>&)> hook);
  // Stops following the log and closes the database.
  ~Projector();
  Projector(const Projector&) = delete;
  Projector& operator=(const Projector&) = delete;

  // Follows the log on a background thread from the checkpoint on.
  void Start();
  // Applies, on this thread, every event up to `up_to` (0: the log's head as it
  // is now). `progress` (optional) is called after each batch with the
  // position reached. REQUIRES: Start() has not been called. After a failure
  // the projector must be closed (its next Open carries on from the last
  // checkpoint written).
  Status CatchUp(const std::function<void(std::uint64_t)>& progress = {}, std::uint64_t up_to = 0);

  // The position of the last event applied.
  std::uint64_t position() const;
  // Waits until position() >= position or the timeout passes; true if reached.
  // A writer waits for the position of its own append to read its own write.
  bool WaitFor(std::uint64_t position, std::chrono::milliseconds timeout) const;

  // The customer's row, or nullopt if there is none (deleted ones included).
  std::optional<CustomerRow> Customer(std::string_view id) const;
  // By human code, in any letter case.
  std::optional<CustomerRow> CustomerByCode(std::string_view code) const;
  // Every row, deleted ones included, in no particular order.
  std::vector<CustomerRow> Customers() const;
  // The customer table's rows matching `search`, in its order, as row numbers
  // for CustomerAt (projections/table_index.h).
  std::vector<std::uint32_t> FindRows(const TableSearch& search) const;
  // The customer at a row number FindRows gave.
  CustomerRow CustomerAt(std::uint32_t row) const;
  // Calls fn(index) with the customer table's index, which does not change
  // until fn returns.
  void ReadTable(const std::function<void(const TableIndex&)>& fn) const;
  // Has `before_change(index)` called, on the applier's thread, before each
  // batch of changes to the table, with the index as it still is; readers
  // (ReadTable) wait meanwhile. For what must be kept of the table as it was
  // (a table query's pinned result). Once it returns false it is called no
  // more. Not part of the projections' state, hence const.
  void WatchTable(std::function<bool(const TableIndex&)> before_change) const;
  // Up to `limit` history entries of the customer that come before the entry
  // whose event id is `before` ("": from the newest), newest first, with the
  // balances after each. NotFound ("invalid_before") for an unknown `before`.
  // (0: from the newest), newest first.
  Result<HistoryPage> History(std::string_view id, std::string_view before,
                              std::size_t limit) const;

  // The loyalty program and modules as of position().
  SettingsState Settings() const;

  ProjectorStats stats() const;
  // Why the projections cannot make progress now (storage refusing writes,
  // the log unreadable, a damaged event), or "" if they can.
  std::string Trouble() const;

 private:
  struct Impl;
  explicit Projector(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace clientele
