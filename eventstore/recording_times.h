// When this node recorded each position of its log, walking forward: the
// other direction of EventStore::HeadAt. The marks' layout is in
// eventstore/record_format.h.
//
// Example:
//   RecordingTimes times(log);
//   for each event e in position order: auto ms = times.At(e.position);
//
// Not thread-safe: one cursor per thread.
#pragma once

#include <cstdint>
#include <memory>

#include "domain/status.h"
#include "eventstore/event_store.h"

namespace rocksdb {
class Iterator;
}  // namespace rocksdb

namespace clientele {

class RecordingTimes {
 public:
  // `log` must outlive the cursor.
  explicit RecordingTimes(const EventStore* log);
  ~RecordingTimes();
  RecordingTimes(const RecordingTimes&) = delete;
  RecordingTimes& operator=(const RecordingTimes&) = delete;

  // The time (UTC ms, this node's clock) by which `position` was recorded:
  // 0 if it was recorded before recording times were kept, -1 if no mark
  // covers it (yet). Unavailable if the marks cannot be read.
  // REQUIRES: positions asked in non-decreasing order.
  Result<std::int64_t> At(std::uint64_t position);

 private:
  const EventStore* log_;
  std::unique_ptr<rocksdb::Iterator> it_;
  std::int64_t time_ = -1;     // the current mark: recorded by time_ ...
  std::uint64_t through_ = 0;  // ... up to this position
  bool started_ = false;
};

}  // namespace clientele
