#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "eventstore/event_store.h"
#include "tests/eventstore/fault_fs.h"
#include "tests/test_util.h"

namespace clientele {
namespace {

using testing::MakeEvent;
using testing::TempDir;

class BulkAppendTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    store_.reset();
    auto s = EventStore::Open(
        {.path = dir_.path(), .origin = "hq", .clock = &clock_, .env = env_.get()});
    ASSERT_TRUE(s) << s.error().ToString();
    store_ = std::move(*s);
  }
  std::unique_ptr<BulkAppend> Start() {
    auto bulk = store_->StartBulk();
    EXPECT_TRUE(bulk) << bulk.error().ToString();
    return std::move(*bulk);
  }

  TempDir dir_;
  ManualClock clock_;
  std::shared_ptr<testing::FaultFileSystem> fs_ = std::make_shared<testing::FaultFileSystem>();
  std::unique_ptr<rocksdb::Env> env_ = rocksdb::NewCompositeEnv(fs_);
  std::unique_ptr<EventStore> store_;
};

TEST_F(BulkAppendTest, AppendsManyStreamsAsOneAfterWhatIsThere) {
  ASSERT_TRUE(store_->Append("s-old", ExpectedVersion::NoStream(), {MakeEvent(), MakeEvent()}));
  auto bulk = Start();
  std::vector<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    NewEvent e = MakeEvent("{\"n\":" + std::to_string(i) + "}");
    ids.push_back(e.id);
    ASSERT_TRUE(bulk->Add("s-" + std::to_string(i), ExpectedVersion::NoStream(), {e}).ok());
  }
  NewEvent more = MakeEvent("{\"more\":1}");
  ASSERT_TRUE(bulk->Add("s-old", ExpectedVersion::Exact(2), {more, MakeEvent()}).ok());
  EXPECT_EQ(bulk->events(), 1002u);
  clock_.Set(1'700'000'000'000);
  auto done = store_->CommitBulk(std::move(bulk));
  ASSERT_TRUE(done) << done.error().ToString();
  EXPECT_EQ(done->first_position, 3u);
  EXPECT_EQ(done->last_position, 1004u);
  EXPECT_EQ(done->events, 1002u);
  EXPECT_FALSE(done->duplicate);
  EXPECT_EQ(store_->Head(), 1004u);

  // Readable at once through every index, in the order added.
  auto s500 = store_->ReadStream("s-500", 1, 10);
  ASSERT_TRUE(s500);
  ASSERT_EQ(s500->size(), 1u);
  EXPECT_EQ((*s500)[0].data, "{\"n\":500}");
  EXPECT_EQ((*s500)[0].position, 503u);
  EXPECT_EQ((*s500)[0].version, 1);
  EXPECT_EQ((*s500)[0].origin, "hq");
  EXPECT_EQ((*s500)[0].time_ms, 1'700'000'000'000);
  EXPECT_EQ(*store_->StreamVersion("s-old"), 4);
  auto found = store_->FindById(more.id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->position, 1003u);
  EXPECT_EQ(found->version, 3);

  // Appends carry on after it, and the hash chain holds across it.
  auto next = store_->Append("s-old", ExpectedVersion::Exact(4), {MakeEvent()});
  ASSERT_TRUE(next) << next.error().ToString();
  EXPECT_EQ(next->positions[0], 1005u);
  Reopen();
  EXPECT_EQ(store_->Head(), 1005u);
  auto report = store_->Verify();
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok) << report->problem;
  EXPECT_EQ(report->events_checked, 1005u);
}

// A stream appended to just before a bulk, and by it: while the bulk is being
// indexed, a reader that sees the bulk's head sees the stream's new version.
TEST_F(BulkAppendTest, AStreamTheBulkAppendsToIsReadWholeWhileTheBulkIsIndexed) {
  for (int round = 0; round < 5; ++round) {
    const std::string stream = "s-" + std::to_string(round);
    auto bulk = Start();
    ASSERT_TRUE(bulk->Add(stream, ExpectedVersion::Exact(1), {MakeEvent(), MakeEvent()}).ok());
    for (int i = 0; i < 20000; ++i) {
      ASSERT_TRUE(bulk->Add("other-" + std::to_string(round) + "-" + std::to_string(i),
                            ExpectedVersion::NoStream(), {MakeEvent()})
                      .ok());
    }
    // Many events first, so that the indexer is still behind the stream's
    // first event when the bulk is committed.
    std::vector<NewEvent> burst;
    for (int i = 0; i < 5000; ++i) burst.push_back(MakeEvent());
    ASSERT_TRUE(store_->Append("burst-" + std::to_string(round), ExpectedVersion::NoStream(),
                               std::move(burst)));
    ASSERT_TRUE(store_->Append(stream, ExpectedVersion::NoStream(), {MakeEvent()}));
    const std::uint64_t before = store_->Head();
    std::atomic<bool> done{false};
    std::atomic<int> stale{0}, seen_after{0};
    std::thread reader([&] {
      while (!done.load()) {
        const std::uint64_t head = store_->Head();
        auto version = store_->StreamVersion(stream);
        auto events = store_->ReadStream(stream, 2, SIZE_MAX);
        if (head < before + 20002) continue;  // the bulk is not published yet
        ++seen_after;
        if (!version || *version != 3 || !events || events->size() != 2) ++stale;
      }
    });
    auto committed = store_->CommitBulk(std::move(bulk));
    done = true;
    reader.join();
    ASSERT_TRUE(committed) << committed.error().ToString();
    EXPECT_EQ(stale.load(), 0) << "of " << seen_after.load() << " reads after the bulk";
    EXPECT_EQ(*store_->StreamVersion(stream), 3);
  }
}

TEST_F(BulkAppendTest, AStreamElsewhereRefusesTheWholeBulk) {
  ASSERT_TRUE(store_->Append("s-a", ExpectedVersion::NoStream(), {MakeEvent()}));
  auto bulk = Start();
  ASSERT_TRUE(bulk->Add("s-new", ExpectedVersion::NoStream(), {MakeEvent()}).ok());
  ASSERT_TRUE(bulk->Add("s-a", ExpectedVersion::NoStream(), {MakeEvent()}).ok());
  auto done = store_->CommitBulk(std::move(bulk));
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().reason(), "wrong_expected_version");
  EXPECT_EQ(store_->Head(), 1u);
  EXPECT_EQ(*store_->StreamVersion("s-new"), 0);
  EXPECT_TRUE(store_->Append("s-new", ExpectedVersion::NoStream(), {MakeEvent()}));
  EXPECT_EQ(store_->Head(), 2u);
}

TEST_F(BulkAppendTest, CommittingTheSameEventsAgainWritesNothing) {
  std::vector<NewEvent> events;
  for (int i = 0; i < 10; ++i) events.push_back(MakeEvent("{\"i\":" + std::to_string(i) + "}"));
  auto build = [&] {
    auto bulk = Start();
    for (int i = 0; i < 10; ++i) {
      EXPECT_TRUE(
          bulk->Add("s-" + std::to_string(i), ExpectedVersion::NoStream(), {events[i]}).ok());
    }
    return bulk;
  };
  auto first = store_->CommitBulk(build());
  ASSERT_TRUE(first);
  auto second = store_->CommitBulk(build());
  ASSERT_TRUE(second) << second.error().ToString();
  EXPECT_TRUE(second->duplicate);
  EXPECT_EQ(store_->Head(), 10u);
}

TEST_F(BulkAppendTest, BadInputIsRefusedAtAdd) {
  auto bulk = Start();
  NewEvent bad = MakeEvent();
  bad.id = "not-a-uuid";
  EXPECT_EQ(bulk->Add("s", ExpectedVersion::NoStream(), {bad}).reason(), "invalid_event_id");
  EXPECT_EQ(bulk->Add("has space", ExpectedVersion::NoStream(), {MakeEvent()}).reason(),
            "invalid_stream");
  EXPECT_EQ(bulk->Add("s", ExpectedVersion::NoStream(), {}).reason(), "empty_append");
  EXPECT_EQ(bulk->events(), 0u);
  ASSERT_TRUE(bulk->Add("s", ExpectedVersion::NoStream(), {MakeEvent()}).ok());
  ASSERT_TRUE(bulk->Add("s", ExpectedVersion::Any(), {MakeEvent()}).ok());
  auto done = store_->CommitBulk(std::move(bulk));
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().reason(), "bulk_stream_repeated");
  EXPECT_EQ(store_->Head(), 0u);
}

TEST_F(BulkAppendTest, AStorageErrorHalfWayAppendsNothing) {
  ASSERT_TRUE(store_->Append("s-a", ExpectedVersion::NoStream(), {MakeEvent()}));
  auto bulk = Start();
  for (int i = 0; i < 20000; ++i) {
    ASSERT_TRUE(bulk->Add("s-" + std::to_string(i), ExpectedVersion::NoStream(),
                          {MakeEvent(std::string(100, 'x'))})
                    .ok());
  }
  fs_->FailTablesAfter("/bulk/", 1 << 20);  // the table file is several MB
  auto done = store_->CommitBulk(std::move(bulk));
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().code(), StatusCode::kUnavailable) << done.error().ToString();
  EXPECT_GE(fs_->failures(), 1);
  fs_->Heal();
  EXPECT_EQ(store_->Head(), 1u);
  EXPECT_EQ(*store_->StreamVersion("s-0"), 0);
  auto after = store_->Append("s-a", ExpectedVersion::Exact(1), {MakeEvent()});
  ASSERT_TRUE(after) << after.error().ToString();
  EXPECT_EQ(after->positions[0], 2u);
  Reopen();
  EXPECT_EQ(store_->Head(), 2u);
  auto report = store_->Verify();
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok) << report->problem;
}

TEST_F(BulkAppendTest, AppendsDuringABulkLandBeforeOrAfterIt) {
  auto bulk = Start();
  for (int i = 0; i < 50000; ++i) {
    ASSERT_TRUE(
        bulk->Add("b-" + std::to_string(i), ExpectedVersion::NoStream(), {MakeEvent()}).ok());
  }
  std::atomic<bool> stop{false};
  std::atomic<int> appended{0};
  std::thread writer([&] {
    for (int i = 0; !stop.load(); ++i) {
      auto r = store_->Append("w", ExpectedVersion::Exact(i), {MakeEvent()});
      ASSERT_TRUE(r) << r.error().ToString();
      ++appended;
    }
  });
  auto done = store_->CommitBulk(std::move(bulk));
  stop = true;
  writer.join();
  ASSERT_TRUE(done) << done.error().ToString();
  EXPECT_EQ(store_->Head(), 50000u + static_cast<std::uint64_t>(appended.load()));
  EXPECT_EQ(*store_->StreamVersion("w"), appended.load());
  auto report = store_->Verify();
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok) << report->problem;
}

}  // namespace
}  // namespace clientele
