#include "eventstore/bulk_append.h"

#include <atomic>
#include <filesystem>
#include <future>

#include "eventstore/coding.h"
#include "eventstore/event_store.h"
#include "eventstore/internal/store_impl.h"
#include "eventstore/record_format.h"

namespace clientele {

// The staging file, one entry per event:
//   entry := len:le32 first:u8 [expected:le64 if first] record
// where `record` is record::EncodeRecord of the event with its stream, id,
// type, schema, actor, causation and correlation ids and data (position,
// version, time, origin and hash are given at commit).

BulkAppend::~BulkAppend() {
  if (file_ != nullptr) std::fclose(file_);
  std::error_code ec;
  std::filesystem::remove(path_, ec);
}

Status BulkAppend::Add(std::string_view stream, ExpectedVersion expected,
                       std::vector<NewEvent> events) {
  if (!status_.ok()) return status_;
  if (file_ == nullptr)
    return Status::FailedPrecondition("", "bulk_committed", "already committed");
  if (Status s = ValidateStream(stream); !s.ok()) return s;
  if (events.empty()) {
    return Status::InvalidArgument("events", "empty_append", "an append needs events");
  }
  if (expected.value < ExpectedVersion::kAny) {
    return Status::InvalidArgument("expected_version", "invalid_expected_version",
                                   "expected version must be any, no stream or >= 0");
  }
  std::vector<std::string_view> ids;
  for (const NewEvent& e : events) {
    if (Status s = ValidateType(e.type); !s.ok()) return s;
    ids.push_back(e.id);
  }
  std::vector<std::string> keys;
  if (Status s = ValidateIds(ids, &keys); !s.ok()) return s;
  RecordedEvent r;
  r.stream = std::string(stream);
  r.hash.assign(record::kHashSize, '\0');
  for (std::size_t i = 0; i < events.size(); ++i) {
    NewEvent& e = events[i];
    r.id = std::move(e.id);
    r.type = std::move(e.type);
    r.schema = e.schema;
    r.actor = std::move(e.actor);
    r.causation_id = std::move(e.causation_id);
    r.correlation_id = std::move(e.correlation_id);
    r.data = std::move(e.data);
    buffer_.clear();
    buffer_.append(4, '\0');
    buffer_.push_back(i == 0 ? 1 : 0);
    if (i == 0) coding::PutLe64(&buffer_, static_cast<std::uint64_t>(expected.value));
    buffer_ += record::EncodeRecord(r);
    const auto len = static_cast<std::uint32_t>(buffer_.size() - 4);
    for (int b = 0; b < 4; ++b) buffer_[b] = static_cast<char>((len >> (8 * b)) & 0xff);
    if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) {
      status_ = Status::Unavailable("writing the bulk staging file " + path_ + " failed");
      return status_;
    }
    ++events_;
  }
  return Status::OK();
}

Status BulkAppend::Finish() {
  if (file_ == nullptr) return status_;
  if (std::fclose(file_) != 0 && status_.ok()) {
    status_ = Status::Unavailable("writing the bulk staging file " + path_ + " failed");
  }
  file_ = nullptr;
  return status_;
}

Result<std::unique_ptr<BulkAppend>> EventStore::StartBulk() {
  if (impl_->options.read_only) {
    return Error(Status::FailedPrecondition("", "read_only", "the log is open read-only"));
  }
  static std::atomic<std::uint64_t> counter{0};
  const std::string dir = impl_->options.path + "/bulk";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::string path = dir + "/" + std::to_string(++counter) + ".staged";
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return Error(Status::Unavailable("cannot create " + path));
  std::setvbuf(f, nullptr, _IOFBF, 1 << 20);
  return std::unique_ptr<BulkAppend>(new BulkAppend(path, f));
}

Result<BulkResult> EventStore::CommitBulk(std::unique_ptr<BulkAppend> bulk) {
  if (Status s = bulk->Finish(); !s.ok()) return Error(s);
  if (bulk->events() == 0) return BulkResult{};
  BulkResult out;
  std::promise<Result<AppendResult>> promise;
  auto future = promise.get_future();
  auto req = std::make_unique<Impl::Request>();
  req->bulk = bulk.get();
  req->bulk_result = &out;
  req->done = [&promise](Result<AppendResult> r) { promise.set_value(std::move(r)); };
  impl_->Submit(std::move(req));
  auto r = future.get();
  if (!r) return Error(r.error());
  return out;
}

}  // namespace clientele
