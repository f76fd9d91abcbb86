// BulkAppend: appends to many streams committed as one, all or nothing.
//
// Made for large imports (a million customers from a file): each Add is
// written to a staging file at once, so memory does not grow with the number
// of events, and EventStore::CommitBulk turns the staging file into one table
// file of log records that RocksDB takes in with a single atomic step. Until
// that step nothing is in the log; after it everything is, durably.
//
// Example:
//   auto bulk = store->StartBulk();
//   (*bulk)->Add("customer-<id>", ExpectedVersion::NoStream(), {registered});
//   ...
//   auto done = store->CommitBulk(std::move(*bulk));
//
// Not thread-safe: one thread adds, then commits.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "domain/status.h"
#include "eventstore/event.h"

namespace clientele {

class BulkAppend {
 public:
  // Removes the staging file.
  ~BulkAppend();
  BulkAppend(const BulkAppend&) = delete;
  BulkAppend& operator=(const BulkAppend&) = delete;

  // Adds `events` to `stream`, to be appended if the stream is at `expected`
  // when the bulk is committed. A stream may be named by one Add only.
  // InvalidArgument for a bad stream, type or id (nothing is added);
  // Unavailable if the staging file cannot be written.
  Status Add(std::string_view stream, ExpectedVersion expected, std::vector<NewEvent> events);

  // Events added so far.
  std::uint64_t events() const { return events_; }
  // The staging file.
  const std::string& path() const { return path_; }

 private:
  friend class EventStore;
  BulkAppend(std::string path, std::FILE* file) : path_(std::move(path)), file_(file) {}
  // Flushes and closes the staging file; the first write error, if any.
  Status Finish();

  std::string path_;
  std::FILE* file_;
  std::uint64_t events_ = 0;
  std::string buffer_;
  Status status_;
};

// Where a committed bulk landed in the log.
struct BulkResult {
  std::uint64_t first_position = 0;  // 0 if the bulk held no events
  std::uint64_t last_position = 0;
  std::uint64_t events = 0;
  // Its first event was already in the log with the same content: the bulk
  // was committed before, and nothing was written this time.
  bool duplicate = false;
};

}  // namespace clientele
