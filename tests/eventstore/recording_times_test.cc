// Recording times: what a node's books held at a moment of its own clock
// (EventStore::HeadAt, RecordingTimes), for local, replicated and bulk
// appends, across reopening, a clock that goes back, and logs from before.
#include "eventstore/recording_times.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include "eventstore/event_store.h"
#include "eventstore/record_format.h"
#include "eventstore/uuid.h"
#include "tests/test_util.h"

namespace clientele {
namespace {

using testing::MakeEvent;
using testing::TempDir;

constexpr std::int64_t kT0 = 1'750'000'000'000;
constexpr std::int64_t kDay = 86'400'000;

class RecordingTimesTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen(bool read_only = false) {
    store_.reset();
    auto s = EventStore::Open(
        {.path = dir_.path(), .origin = "hq", .clock = &clock_, .read_only = read_only});
    ASSERT_TRUE(s) << s.error().ToString();
    store_ = std::move(*s);
  }
  std::uint64_t AppendOne() {
    auto r = store_->Append("s-1", ExpectedVersion::Any(), {MakeEvent()});
    EXPECT_TRUE(r) << r.error().ToString();
    return r ? r->positions.back() : 0;
  }
  std::uint64_t HeadAt(std::int64_t ms) {
    auto h = store_->HeadAt(ms);
    EXPECT_TRUE(h) << h.error().ToString();
    return h.value_or(999999);
  }
  // A store's event made at `time_ms` on the store's clock.
  static RecordedEvent StoreEvent(std::int64_t time_ms) {
    RecordedEvent e;
    e.id = NewUuid();
    e.stream = "s-2";
    e.type = "test.happened";
    e.data = "{}";
    e.origin = "s01";
    e.time_ms = time_ms;
    return e;
  }

  TempDir dir_;
  ManualClock clock_{kT0};
  std::unique_ptr<EventStore> store_;
};

TEST_F(RecordingTimesTest, HeadAtIsWhatTheLogHeldAtThatMoment) {
  EXPECT_EQ(HeadAt(kT0), 0u);
  EXPECT_EQ(AppendOne(), 1u);  // recorded at kT0
  clock_.Advance(1000);
  EXPECT_EQ(AppendOne(), 2u);  // kT0 + 1000
  EXPECT_EQ(AppendOne(), 3u);  // kT0 + 1000
  clock_.Advance(1000);
  EXPECT_EQ(AppendOne(), 4u);  // kT0 + 2000

  EXPECT_EQ(HeadAt(kT0 - 1), 0u);
  EXPECT_EQ(HeadAt(kT0), 1u);
  EXPECT_EQ(HeadAt(kT0 + 999), 1u);
  EXPECT_EQ(HeadAt(kT0 + 1000), 3u);
  EXPECT_EQ(HeadAt(kT0 + 2000), 4u);
  EXPECT_EQ(HeadAt(kT0 + 99'999), 4u);
  EXPECT_EQ(HeadAt(-5), 0u);

  Reopen();  // the marks are durable
  EXPECT_EQ(HeadAt(kT0 + 999), 1u);
  EXPECT_EQ(HeadAt(kT0 + 1000), 3u);
  RecordingTimes times(store_.get());
  EXPECT_EQ(*times.At(1), kT0);
  EXPECT_EQ(*times.At(2), kT0 + 1000);
  EXPECT_EQ(*times.At(3), kT0 + 1000);
  EXPECT_EQ(*times.At(4), kT0 + 2000);
  EXPECT_EQ(*times.At(5), -1);  // not recorded (yet)
}

TEST_F(RecordingTimesTest, NeverGoesBackWhenTheClockDoes) {
  clock_.Set(kT0 + 5000);
  AppendOne();
  clock_.Set(kT0);  // the wall clock jumps back
  AppendOne();
  // Position 2 counts as recorded at kT0 + 5000, not before position 1.
  EXPECT_EQ(HeadAt(kT0), 0u);
  EXPECT_EQ(HeadAt(kT0 + 4999), 0u);
  EXPECT_EQ(HeadAt(kT0 + 5000), 2u);
  Reopen();  // also after a restart, which reads the last mark back
  AppendOne();
  EXPECT_EQ(HeadAt(kT0 + 4999), 0u);
  EXPECT_EQ(HeadAt(kT0 + 5000), 3u);
}

TEST_F(RecordingTimesTest, ReplicatedEventsCountWhenRecordedHereNotWhenTheyHappened) {
  AppendOne();               // 1: HQ's, at kT0
  clock_.Advance(3 * kDay);  // three days later a store comes back online
  auto r = store_->AppendReplicated({StoreEvent(kT0 - 60'000), StoreEvent(kT0 + 1)});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->positions, (std::vector<std::uint64_t>{2, 3}));
  EXPECT_EQ(HeadAt(kT0 + 1), 1u);  // they had happened, but the books did not hold them
  EXPECT_EQ(HeadAt(clock_.NowMs()), 3u);
  // A duplicate delivery records nothing new.
  clock_.Advance(1000);
  auto again = store_->AppendReplicated({StoreEvent(kT0)});
  ASSERT_TRUE(again);
  RecordingTimes times(store_.get());
  EXPECT_EQ(*times.At(1), kT0);
  EXPECT_EQ(*times.At(2), kT0 + 3 * kDay);
  EXPECT_EQ(*times.At(3), kT0 + 3 * kDay);
}

TEST_F(RecordingTimesTest, BulkAppendsAreRecordedWhenCommitted) {
  AppendOne();
  clock_.Advance(1000);
  auto bulk = store_->StartBulk();
  ASSERT_TRUE(bulk);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(
        (*bulk)->Add("b-" + std::to_string(i), ExpectedVersion::NoStream(), {MakeEvent()}).ok());
  }
  auto done = store_->CommitBulk(std::move(*bulk));
  ASSERT_TRUE(done) << done.error().ToString();
  EXPECT_EQ(done->last_position, 4u);
  EXPECT_EQ(HeadAt(kT0 + 999), 1u);
  EXPECT_EQ(HeadAt(kT0 + 1000), 4u);
  clock_.Advance(1000);
  EXPECT_EQ(AppendOne(), 5u);
  EXPECT_EQ(HeadAt(kT0 + 1999), 4u);
  EXPECT_EQ(HeadAt(kT0 + 2000), 5u);
}

// A log written before recording times existed: its events count as
// recorded from the start, read-only or not, and new ones get times.
TEST_F(RecordingTimesTest, ALogFromBeforeRecordingTimesStillOpens) {
  AppendOne();
  AppendOne();
  store_.reset();
  {  // take the marks away, as an older build would have left the log
    rocksdb::DB* raw = nullptr;
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {{rocksdb::kDefaultColumnFamilyName, {}},
                                                        {"log", {}}};
    ASSERT_TRUE(rocksdb::DB::Open({}, dir_.sub("log"), cfs, &handles, &raw).ok());
    ASSERT_TRUE(
        raw->DeleteRange({}, handles[0], record::RecordedKey(0), record::RecordedKey(INT64_MAX))
            .ok());
    for (auto* h : handles) raw->DestroyColumnFamilyHandle(h);
    delete raw;
  }
  Reopen(/*read_only=*/true);
  EXPECT_EQ(HeadAt(0), 2u);
  EXPECT_EQ(*RecordingTimes(store_.get()).At(2), 0);
  Reopen();
  EXPECT_EQ(HeadAt(0), 2u);
  clock_.Advance(1000);
  EXPECT_EQ(AppendOne(), 3u);
  EXPECT_EQ(HeadAt(kT0 + 999), 2u);
  EXPECT_EQ(HeadAt(kT0 + 1000), 3u);
  RecordingTimes times(store_.get());
  EXPECT_EQ(*times.At(1), 0);
  EXPECT_EQ(*times.At(3), kT0 + 1000);
}

}  // namespace
}  // namespace clientele
