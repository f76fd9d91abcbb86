// EventStore::Checkpoint: a consistent copy of the log while it is written.
#include <rocksdb/utilities/checkpoint.h>

#include <filesystem>

#include "eventstore/event_store.h"
#include "eventstore/internal/store_impl.h"

namespace clientele {

Result<std::uint64_t> EventStore::Checkpoint(const std::string& folder) {
  if (impl_->options.read_only) {
    return Error(Status::FailedPrecondition("", "read_only",
                                            "a log open read-only cannot make a checkpoint"));
  }
  std::error_code ec;
  if (std::filesystem::symlink_status(folder, ec).type() != std::filesystem::file_type::not_found) {
    return Error(Status::InvalidArgument("path", "checkpoint_exists", folder + " already exists"));
  }
  // Everything acknowledged so far is in the WAL or the table files; the
  // checkpoint (which flushes the memtables and copies the live WAL) holds
  // at least that.
  const std::uint64_t head = Head();
  rocksdb::Checkpoint* raw = nullptr;
  rocksdb::Status s = rocksdb::Checkpoint::Create(impl_->db, &raw);
  if (!s.ok()) return Error(FromRocks(s, "starting a checkpoint of the log failed"));
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  s = checkpoint->CreateCheckpoint(folder);
  if (!s.ok())
    return Error(FromRocks(s, "writing a checkpoint of the log to " + folder + " failed"));
  return head;
}

}  // namespace clientele
