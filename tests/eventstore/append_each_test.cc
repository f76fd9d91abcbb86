// EventStore::AppendEach: many appends in one group commit, each judged on
// its own.
#include <gtest/gtest.h>

#include "eventstore/event_store.h"
#include "tests/test_util.h"

namespace clientele {
namespace {

using testing::MakeEvent;
using testing::TempDir;

TEST(AppendEach, OneGroupCommitAndEachAppendJudgedOnItsOwn) {
  TempDir dir;
  auto store = EventStore::Open({.path = dir.path(), .origin = "hq", .max_batch_events = 8});
  ASSERT_TRUE(store) << store.error().ToString();
  ASSERT_TRUE((*store)->Append("s-b", ExpectedVersion::NoStream(), {MakeEvent()}));
  const EventStoreStats before = (*store)->stats();
  std::vector<StreamAppend> appends;
  appends.push_back({"s-a", ExpectedVersion::NoStream(), {MakeEvent(), MakeEvent()}});
  appends.push_back({"s-a", ExpectedVersion::Exact(2), {MakeEvent()}});    // follows the first
  appends.push_back({"s-b", ExpectedVersion::NoStream(), {MakeEvent()}});  // s-b is at 1
  appends.push_back({"s-c", ExpectedVersion::Any(), {}});                  // empty: refused
  for (int i = 0; i < 10; ++i) {  // more events than max_batch_events: still one group
    appends.push_back({"s-d" + std::to_string(i), ExpectedVersion::NoStream(), {MakeEvent()}});
  }
  auto results = (*store)->AppendEach(std::move(appends));
  ASSERT_EQ(results.size(), 14u);
  ASSERT_TRUE(results[0]) << results[0].error().ToString();
  EXPECT_EQ(results[0]->positions, (std::vector<std::uint64_t>{2, 3}));
  ASSERT_TRUE(results[1]) << results[1].error().ToString();
  EXPECT_EQ(results[1]->stream_version, 3);
  ASSERT_FALSE(results[2]);
  EXPECT_EQ(results[2].error().reason(), "wrong_expected_version");
  ASSERT_FALSE(results[3]);
  for (int i = 4; i < 14; ++i) EXPECT_TRUE(results[i]) << i;
  const EventStoreStats after = (*store)->stats();
  EXPECT_EQ(after.events_written - before.events_written, 13u);
  EXPECT_EQ(after.batches_written - before.batches_written, 1u);
  EXPECT_EQ((*store)->Head(), 14u);
  auto a = (*store)->ReadStream("s-a", 1, 10);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->size(), 3u);
}

}  // namespace
}  // namespace clientele
