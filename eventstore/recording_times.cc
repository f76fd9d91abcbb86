// Recording times: the marks log-commit writes beside each group commit, and
// how HeadAt and RecordingTimes read them (record_format.h, "family default").
#include "eventstore/recording_times.h"

#include <rocksdb/db.h>

#include <algorithm>
#include <cstdio>

#include "eventstore/coding.h"
#include "eventstore/internal/store_impl.h"

namespace clientele {

namespace {

// The position a mark's value holds, or Corruption.
Result<std::uint64_t> MarkPosition(const rocksdb::Slice& value) {
  if (value.size() != 8) return Error(Status::Corruption("a recording-time mark is damaged"));
  return record::DecodePositionKey(std::string_view(value.data(), 8));
}

}  // namespace

Status EventStore::Impl::LoadRecordingTimes() {
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), times_cf));
  it->SeekForPrev(record::RecordedKey(INT64_MAX));
  if (!it->status().ok()) return FromRocks(it->status(), "reading the recording times failed");
  std::uint64_t marked = 0;
  const bool any = it->Valid() && record::IsRecordedKey({it->key().data(), it->key().size()});
  if (any) {
    last_recorded_ms = record::RecordedKeyTime({it->key().data(), it->key().size()});
    auto position = MarkPosition(it->value());
    if (!position) return position.error();
    marked = *position;
  }
  if (options.read_only || marked >= last_position) return Status::OK();
  // A log from before recording times: its events count as recorded from the
  // start. A tail a crash left unmarked: recorded now, at the latest.
  const std::int64_t when = any ? std::max(last_recorded_ms, clock->NowMs()) : 0;
  rocksdb::WriteOptions wo;
  wo.sync = options.sync;
  rocksdb::Status s =
      db->Put(wo, times_cf, record::RecordedKey(when), record::PositionKey(last_position));
  if (!s.ok()) return FromRocks(s, "writing a recording time failed");
  last_recorded_ms = when;
  return Status::OK();
}

void EventStore::Impl::MarkRecorded(rocksdb::WriteBatch* batch, std::uint64_t position) {
  last_recorded_ms = std::max(last_recorded_ms, clock->NowMs());
  batch->Put(times_cf, record::RecordedKey(last_recorded_ms), record::PositionKey(position));
}

Result<std::uint64_t> EventStore::HeadAt(std::int64_t time_ms) const {
  const std::uint64_t head = Head();
  if (time_ms < 0) return 0;
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->times_cf));
  it->SeekForPrev(record::RecordedKey(time_ms));
  if (!it->status().ok()) {
    return Error(FromRocks(it->status(), "reading the recording times failed"));
  }
  if (it->Valid() && record::IsRecordedKey({it->key().data(), it->key().size()})) {
    auto position = MarkPosition(it->value());
    if (!position) return Error(position.error());
    return std::min(*position, head);
  }
  // No mark by then: nothing was recorded yet, unless the log has no marks at
  // all (one from before them, opened read-only): then all of it counts.
  it->Seek(record::RecordedKey(0));
  if (!it->status().ok()) {
    return Error(FromRocks(it->status(), "reading the recording times failed"));
  }
  const bool none = !it->Valid() || !record::IsRecordedKey({it->key().data(), it->key().size()});
  return none ? head : 0;
}

RecordingTimes::RecordingTimes(const EventStore* log) : log_(log) {}
RecordingTimes::~RecordingTimes() = default;

Result<std::int64_t> RecordingTimes::At(std::uint64_t position) {
  if (started_ && position <= through_) return time_;
  if (!started_) {
    started_ = true;
    rocksdb::DB* db = log_->db();
    it_.reset(db->NewIterator(rocksdb::ReadOptions(), db->DefaultColumnFamily()));
    it_->Seek(record::RecordedKey(0));
  } else if (it_->Valid()) {
    it_->Next();
  }
  // Marks grow in time and in position: walk forward to the first that
  // covers `position`.
  for (; it_->Valid(); it_->Next()) {
    if (!record::IsRecordedKey({it_->key().data(), it_->key().size()})) break;
    auto through = MarkPosition(it_->value());
    if (!through) return Error(through.error());
    time_ = record::RecordedKeyTime({it_->key().data(), it_->key().size()});
    through_ = *through;
    if (position <= through_) return time_;
  }
  if (!it_->status().ok()) {
    return Error(FromRocks(it_->status(), "reading the recording times failed"));
  }
  // No mark covers it: a log without marks (from before them, read-only) has
  // all of it recorded from the start; otherwise it is not marked yet.
  if (through_ == 0 && time_ == -1) return 0;
  return -1;
}

}  // namespace clientele
