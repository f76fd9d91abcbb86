#include "eventstore/event_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "eventstore/uuid.h"
#include "tests/test_util.h"

namespace clientele {
namespace {

using testing::MakeEvent;
using testing::TempDir;

class EventStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    store_.reset();
    auto s = EventStore::Open({.path = dir_.path(), .origin = "hq", .clock = &clock_});
    ASSERT_TRUE(s) << s.error().ToString();
    store_ = std::move(*s);
  }
  TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<EventStore> store_;
};

TEST_F(EventStoreTest, AppendsWithExpectedVersions) {
  auto a = store_->Append("s-1", ExpectedVersion::NoStream(), {MakeEvent(), MakeEvent()});
  ASSERT_TRUE(a) << a.error().ToString();
  EXPECT_EQ(a->positions, (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(a->stream_version, 2);
  EXPECT_FALSE(a->duplicate);
  auto b = store_->Append("s-1", ExpectedVersion::Exact(2), {MakeEvent()});
  ASSERT_TRUE(b);
  EXPECT_EQ(b->stream_version, 3);
  auto c = store_->Append("s-2", ExpectedVersion::Any(), {MakeEvent()});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->positions[0], 4u);
  EXPECT_EQ(c->stream_version, 1);
  EXPECT_EQ(store_->Head(), 4u);
  EXPECT_EQ(*store_->StreamVersion("s-1"), 3);
  EXPECT_EQ(*store_->StreamVersion("nothing"), 0);
}

TEST_F(EventStoreTest, AVersionMismatchWritesNothing) {
  ASSERT_TRUE(store_->Append("s", ExpectedVersion::NoStream(), {MakeEvent()}));
  for (auto expected : {ExpectedVersion::NoStream(), ExpectedVersion::Exact(0),
                        ExpectedVersion::Exact(2), ExpectedVersion::Exact(7)}) {
    auto r = store_->Append("s", expected, {MakeEvent(), MakeEvent()});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), StatusCode::kConflict);
    EXPECT_EQ(r.error().reason(), "wrong_expected_version");
  }
  EXPECT_EQ(store_->Head(), 1u);
  EXPECT_EQ(*store_->StreamVersion("s"), 1);
}

TEST_F(EventStoreTest, RefusesBadInput) {
  NewEvent bad_id = MakeEvent();
  bad_id.id = "not-a-uuid";
  EXPECT_EQ(store_->Append("s", ExpectedVersion::Any(), {bad_id}).error().reason(),
            "invalid_event_id");
  NewEvent twice = MakeEvent();
  EXPECT_EQ(store_->Append("s", ExpectedVersion::Any(), {twice, twice}).error().reason(),
            "duplicate_event_id");
  EXPECT_EQ(store_->Append("", ExpectedVersion::Any(), {MakeEvent()}).error().reason(),
            "invalid_stream");
  EXPECT_EQ(store_->Append("a b", ExpectedVersion::Any(), {MakeEvent()}).error().reason(),
            "invalid_stream");
  EXPECT_EQ(store_->Append("s", ExpectedVersion::Any(), {}).error().reason(), "empty_append");
  EXPECT_EQ(store_->Append("s", ExpectedVersion::Any(), {MakeEvent("{}", "")}).error().reason(),
            "invalid_event_type");
  EXPECT_EQ(store_->Head(), 0u);
}

TEST_F(EventStoreTest, RecordsTheEnvelope) {
  clock_.Set(1'700'000'123'456);
  NewEvent e = MakeEvent(R"({"amount":5})", "credit.topped_up");
  e.schema = 2;
  e.causation_id = NewUuid();
  e.correlation_id = NewUuid();
  ASSERT_TRUE(store_->Append("customer-x", ExpectedVersion::Any(), {e}));
  auto read = store_->ReadStream("customer-x", 1, 10);
  ASSERT_TRUE(read);
  ASSERT_EQ(read->size(), 1u);
  const RecordedEvent& r = read->front();
  EXPECT_EQ(r.id, e.id);
  EXPECT_EQ(r.type, "credit.topped_up");
  EXPECT_EQ(r.schema, 2u);
  EXPECT_EQ(r.data, R"({"amount":5})");
  EXPECT_EQ(r.time_ms, 1'700'000'123'456);
  EXPECT_EQ(r.origin, "hq");
  EXPECT_EQ(r.actor, "tester");
  EXPECT_EQ(r.causation_id, e.causation_id);
  EXPECT_EQ(r.correlation_id, e.correlation_id);
  EXPECT_EQ(r.hash.size(), 32u);
  EXPECT_EQ(*store_->FindById(e.id), r);
}

TEST_F(EventStoreTest, RetriesAreIdempotent) {
  NewEvent a = MakeEvent(R"({"n":1})"), b = MakeEvent(R"({"n":2})");
  auto first = store_->Append("s", ExpectedVersion::NoStream(), {a, b});
  ASSERT_TRUE(first);
  ASSERT_TRUE(store_->Append("s", ExpectedVersion::Any(), {MakeEvent()}));
  // The retry carries the stale expected version; it still reports the original positions.
  auto retry = store_->Append("s", ExpectedVersion::NoStream(), {a, b});
  ASSERT_TRUE(retry) << retry.error().ToString();
  EXPECT_TRUE(retry->duplicate);
  EXPECT_EQ(retry->positions, first->positions);
  EXPECT_EQ(store_->Head(), 3u);

  NewEvent changed = a;
  changed.data = R"({"n":99})";
  EXPECT_EQ(store_->Append("s", ExpectedVersion::Any(), {changed}).error().reason(),
            "event_id_reused");
  EXPECT_EQ(store_->Append("other", ExpectedVersion::Any(), {a}).error().reason(),
            "event_id_reused");
  EXPECT_EQ(store_->Append("s", ExpectedVersion::Any(), {a, MakeEvent()}).error().reason(),
            "partial_duplicate");
  EXPECT_EQ(store_->Head(), 3u);

  Reopen();  // the id index is durable
  auto after = store_->Append("s", ExpectedVersion::Any(), {b});
  ASSERT_TRUE(after);
  EXPECT_TRUE(after->duplicate);
  EXPECT_EQ(after->positions[0], 2u);
}

TEST_F(EventStoreTest, ConcurrentRetriesOfOneEventWriteItOnce) {
  NewEvent e = MakeEvent();
  std::vector<std::thread> threads;
  std::vector<std::uint64_t> positions(16);
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      auto r = store_->Append("s", ExpectedVersion::Any(), {e});
      positions[t] = r ? r->positions[0] : 0;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(store_->Head(), 1u);
  for (auto p : positions) EXPECT_EQ(p, 1u);
}

// A read waits for the indexer only as far as its own stream (or id) needs:
// whatever else is being indexed, each writer reads its acknowledged events
// back at once, by stream, by version and by id, while others keep appending.
TEST_F(EventStoreTest, EachAcknowledgedAppendIsReadBackAtOnceWhileOthersAppend) {
  constexpr int kWriters = 8;
  constexpr int kAppends = 150;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kWriters; ++t) {
    threads.emplace_back([&, t] {
      const std::string own = "own-" + std::to_string(t);
      for (int i = 1; i <= kAppends; ++i) {
        NewEvent e = MakeEvent();
        // Half of them also write a shared stream, so streams interleave.
        auto a = store_->Append(own, ExpectedVersion::Exact(i - 1), {e});
        if (t % 2 == 0) (void)store_->Append("shared", ExpectedVersion::Any(), {MakeEvent()});
        if (!a) {
          ++failures;
          return;
        }
        auto version = store_->StreamVersion(own);
        auto events = store_->ReadStream(own, i, SIZE_MAX);
        auto found = store_->FindById(e.id);
        auto after = store_->ReadStream(own, i + 1, SIZE_MAX);
        if (!version || *version != i || !events || events->size() != 1 || !after ||
            !after->empty() || (*events)[0].id != e.id || !found ||
            found->position != a->positions[0]) {
          ++failures;
          return;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto shared = store_->ReadStream("shared", 1, SIZE_MAX);
  ASSERT_TRUE(shared);
  EXPECT_EQ(shared->size(), static_cast<std::size_t>(kWriters / 2 * kAppends));
  EXPECT_EQ(store_->Head(), static_cast<std::uint64_t>(kWriters * kAppends + shared->size()));
}

TEST_F(EventStoreTest, ConflictingWritersWinEachVersionExactlyOnce) {
  constexpr int kThreads = 8, kAppendsEach = 150;
  std::atomic<int> conflicts{0};
  std::vector<std::thread> threads;
  std::vector<std::vector<std::int64_t>> won(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int done = 0; done < kAppendsEach;) {
        std::int64_t v = *store_->StreamVersion("contested");
        auto r = store_->Append("contested", ExpectedVersion::Exact(v), {MakeEvent()});
        if (r) {
          EXPECT_EQ(r->stream_version, v + 1);
          won[t].push_back(r->stream_version);
          ++done;
        } else {
          EXPECT_EQ(r.error().reason(), "wrong_expected_version");
          ++conflicts;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::int64_t> versions;
  for (const auto& w : won) {
    for (auto v : w) EXPECT_TRUE(versions.insert(v).second) << "version " << v << " won twice";
  }
  EXPECT_EQ(versions.size(), static_cast<std::size_t>(kThreads * kAppendsEach));
  EXPECT_EQ(*versions.rbegin(), kThreads * kAppendsEach);
  auto events = store_->ReadStream("contested", 1, SIZE_MAX);
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), static_cast<std::size_t>(kThreads * kAppendsEach));
  for (std::size_t i = 0; i < events->size(); ++i) EXPECT_EQ((*events)[i].version, (int)i + 1);
  EXPECT_GT(conflicts.load(), 0) << "the writers should have collided at least once";
}

TEST_F(EventStoreTest, SubscriptionCatchesUpThenFollowsWithoutGapOrDuplicate) {
  for (int i = 0; i < 500; ++i) {
    ASSERT_TRUE(
        store_->Append("pre-" + std::to_string(i % 7), ExpectedVersion::Any(), {MakeEvent()}));
  }
  constexpr int kWriters = 4, kEach = 500;
  const std::uint64_t total = 500 + kWriters * kEach;
  auto sub = store_->Subscribe(0);
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kEach / 2; ++i) {  // two events per append
        auto r = store_->Append("live-" + std::to_string(w), ExpectedVersion::Any(),
                                {MakeEvent(), MakeEvent()});
        ASSERT_TRUE(r);
      }
    });
  }
  std::vector<RecordedEvent> seen;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (seen.size() < total && std::chrono::steady_clock::now() < deadline) {
    auto batch = sub->Next(97, std::chrono::milliseconds(200));
    ASSERT_TRUE(batch);
    seen.insert(seen.end(), batch->begin(), batch->end());
  }
  for (auto& w : writers) w.join();
  ASSERT_EQ(seen.size(), total);
  for (std::size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i].position, i + 1);
  auto all = store_->ReadAll(1, SIZE_MAX);
  ASSERT_TRUE(all);
  EXPECT_EQ(*all, seen);
  auto idle = sub->Next(10, std::chrono::milliseconds(20));
  ASSERT_TRUE(idle);
  EXPECT_TRUE(idle->empty());
}

TEST_F(EventStoreTest, ReplicatedEventsKeepTheirIdentity) {
  ASSERT_TRUE(store_->Append("customer-a", ExpectedVersion::Any(), {MakeEvent()}));
  RecordedEvent foreign;
  foreign.id = NewUuid();
  foreign.stream = "customer-a";
  foreign.version = 9;  // its version at the origin; the local log assigns its own
  foreign.type = "customer.details_changed";
  foreign.schema = 1;
  foreign.time_ms = 1'600'000'000'000;
  foreign.origin = "s07";
  foreign.actor = "clerk@s07";
  foreign.correlation_id = NewUuid();
  foreign.data = R"({"email":"x@y.z"})";
  RecordedEvent other = foreign;
  other.id = NewUuid();
  other.stream = "customer-b";
  auto r = store_->AppendReplicated({foreign, other});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->positions, (std::vector<std::uint64_t>{2, 3}));
  EXPECT_FALSE(r->duplicate);
  auto got = store_->FindById(foreign.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->origin, "s07");
  EXPECT_EQ(got->time_ms, 1'600'000'000'000);
  EXPECT_EQ(got->actor, "clerk@s07");
  EXPECT_EQ(got->data, foreign.data);
  EXPECT_EQ(got->correlation_id, foreign.correlation_id);
  EXPECT_EQ(got->version, 2);
  EXPECT_EQ(got->position, 2u);

  // A redelivery is skipped, reporting the original positions; a new one beside it lands.
  RecordedEvent third = foreign;
  third.id = NewUuid();
  auto again = store_->AppendReplicated({other, third});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->positions, (std::vector<std::uint64_t>{3, 4}));
  auto dup = store_->AppendReplicated({foreign});
  ASSERT_TRUE(dup);
  EXPECT_TRUE(dup->duplicate);
  EXPECT_EQ(store_->Head(), 4u);

  RecordedEvent tampered = foreign;
  tampered.data = "{}";
  EXPECT_EQ(store_->AppendReplicated({tampered}).error().reason(), "event_id_reused");
  RecordedEvent orphan = foreign;
  orphan.id = NewUuid();
  orphan.origin = "";
  EXPECT_EQ(store_->AppendReplicated({orphan}).error().reason(), "missing_origin");
  EXPECT_EQ(store_->Head(), 4u);
  auto report = store_->Verify();
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok);
}

TEST_F(EventStoreTest, ReopenContinuesTheLogAndTheChain) {
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(store_->Append("s", ExpectedVersion::Any(), {MakeEvent()}));
  }
  Reopen();
  EXPECT_EQ(store_->Head(), 20u);
  auto r = store_->Append("s", ExpectedVersion::Exact(20), {MakeEvent()});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->positions[0], 21u);
  auto report = store_->Verify();
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok) << report->problem;
  EXPECT_EQ(report->events_checked, 21u);
}

TEST_F(EventStoreTest, ASecondProcessCannotOpenTheSameFolder) {
  auto second = EventStore::Open({.path = dir_.path()});
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace clientele

namespace clientele {
namespace {

// The stream and id indexes are derived from the log: lose them (and their
// checkpoint) and reopening rebuilds them before any append is taken. (A crash
// loses the index's unflushed tail the same way; the crash test covers that.)
TEST(EventStoreIndex, LostIndexesAreRebuiltFromTheLog) {
  testing::TempDir dir;
  std::vector<std::string> ids;
  {
    auto store = EventStore::Open({.path = dir.path()});
    ASSERT_TRUE(store);
    for (int i = 0; i < 300; ++i) {
      NewEvent e = testing::MakeEvent();
      ids.push_back(e.id);
      ASSERT_TRUE((*store)->Append("s-" + std::to_string(i % 3), ExpectedVersion::Any(), {e}));
    }
  }
  std::filesystem::remove_all(dir.sub("index"));
  auto store = EventStore::Open({.path = dir.path()});
  ASSERT_TRUE(store) << store.error().ToString();
  for (const auto& id : ids) ASSERT_TRUE((*store)->FindById(id)) << id;
  EXPECT_EQ(*(*store)->StreamVersion("s-1"), 100);
  auto events = (*store)->ReadStream("s-2", 1, SIZE_MAX);
  ASSERT_TRUE(events);
  EXPECT_EQ(events->size(), 100u);
  // Appends see the rebuilt versions and ids.
  EXPECT_EQ(
      (*store)->Append("s-0", ExpectedVersion::Exact(99), {testing::MakeEvent()}).error().reason(),
      "wrong_expected_version");
  NewEvent again = testing::MakeEvent();
  again.id = ids[5];
  auto dup = (*store)->Append("s-2", ExpectedVersion::Any(), {again});
  ASSERT_TRUE(dup);
  EXPECT_TRUE(dup->duplicate);
}

}  // namespace
}  // namespace clientele
