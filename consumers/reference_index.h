// ReferenceIndex: which events of a customer's stream record each tab,
// refund and top-up payment reference, and the points their commands earned
// or reversed. HQ's duplicate check (consumers/duplicates.h) looks a batch's
// references up here instead of reading each customer's whole stream, so a
// batch costs what it holds, however long the customers' histories are.
//
// Kept in a RocksDB of its own (DATA/references), derived from the log: it
// records the log position it covers, and an index behind (deleted, restored
// from an older backup, cut short by a crash) is brought up to date from the
// log by its user. Adding an event twice is harmless.
//
// Thread-compatible: one user (the overdraft watch's thread).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "domain/status.h"
#include "eventstore/event.h"

namespace rocksdb {
class DB;
}

namespace clientele {

// One indexed event: a record of the reference, or the points of one.
struct ReferenceEntry {
  bool points = false;  // loyalty.points_earned / points_reversed, not the record
  std::string event_id;
  bool operator==(const ReferenceEntry&) const = default;
};

// The reference an event is about, if it is one the index keeps: `kind` is
// "purchase" (a tab), "refund" or "top_up" (a payment reference).
struct ReferenceOf {
  std::string kind;
  std::string reference;
  bool points = false;
};
bool ReferenceOfEvent(const RecordedEvent& e, ReferenceOf* out);

class ReferenceIndex {
 public:
  // The entries of some keys, as the index and a batch's events make them.
  using Entries = std::map<std::string, std::vector<ReferenceEntry>>;

  static Result<std::unique_ptr<ReferenceIndex>> Open(const std::string& path);
  ~ReferenceIndex();
  ReferenceIndex(const ReferenceIndex&) = delete;
  ReferenceIndex& operator=(const ReferenceIndex&) = delete;

  // The log position the index covers (0 when new).
  std::uint64_t position() const { return position_; }

  // The key of a reference in a stream.
  static std::string Key(std::string_view stream, std::string_view kind,
                         std::string_view reference);

  // The entries of every key `events` touch, with the events added (each
  // once). Writes nothing.
  Result<Entries> Stage(const std::vector<RecordedEvent>& events) const;

  // Writes `staged` and moves the position to `position`, at once.
  Status Commit(const Entries& staged, std::uint64_t position);

  // Empties the index (its position back to 0).
  Status Clear();

 private:
  explicit ReferenceIndex(rocksdb::DB* db) : db_(db) {}
  Status Load();

  rocksdb::DB* db_;
  std::uint64_t position_ = 0;
};

}  // namespace clientele
