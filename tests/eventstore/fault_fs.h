// A RocksDB file system that fails on purpose: writes to table files (.sst)
// whose name contains `pattern` fail once `budget` bytes have been written to
// them, as a full disk or a dying device would. For tests of all-or-nothing.
// Or, SetFull: every write to every file fails, as on a full disk, until
// SetFull(false) gives the space back.
#pragma once

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <atomic>
#include <memory>
#include <string>

namespace clientele::testing {

class FaultFileSystem : public rocksdb::FileSystemWrapper {
 public:
  FaultFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "FaultFileSystem"; }

  // From now on, table files named like `pattern` fail after `budget` bytes.
  void FailTablesAfter(std::string pattern, std::int64_t budget) {
    pattern_ = std::move(pattern);
    budget_ = budget;
  }
  void Heal() { budget_ = -1; }
  void SetFull(bool full) { full_ = full; }
  int failures() const { return failures_; }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->NewWritableFile(name, options, result, dbg);
    if (s.ok()) {
      const bool table = name.ends_with(".sst") && name.find(pattern_) != std::string::npos;
      *result = std::make_unique<FailingFile>(std::move(*result), this, table);
    }
    return s;
  }

 private:
  class FailingFile : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    FailingFile(std::unique_ptr<rocksdb::FSWritableFile> f, FaultFileSystem* fs, bool table)
        : FSWritableFileOwnerWrapper(std::move(f)), fs_(fs), table_(table) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override {
      if (Spend(data.size())) return rocksdb::IOStatus::NoSpace("injected: no space left");
      return FSWritableFileOwnerWrapper::Append(data, options, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo& info,
                             rocksdb::IODebugContext* dbg) override {
      if (Spend(data.size())) return rocksdb::IOStatus::NoSpace("injected: no space left");
      return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
    }

   private:
    bool Spend(std::size_t n) {
      if (fs_->full_) {
        ++fs_->failures_;
        return true;
      }
      if (!table_) return false;
      written_ += static_cast<std::int64_t>(n);
      if (fs_->budget_ < 0 || written_ <= fs_->budget_) return false;
      ++fs_->failures_;
      return true;
    }
    FaultFileSystem* fs_;
    bool table_;
    std::int64_t written_ = 0;
  };

  std::string pattern_;
  std::atomic<std::int64_t> budget_{-1};
  std::atomic<int> failures_{0};
  std::atomic<bool> full_{false};
};

}  // namespace clientele::testing
