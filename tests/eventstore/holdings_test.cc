// SeqRuns: the numbers a log holds of one origin, as runs, and the gaps
// between them.
#include "eventstore/holdings.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

namespace clientele {
namespace {

TEST(SeqRunsTest, AnEmptyOriginHoldsNothing) {
  SeqRuns runs;
  EXPECT_EQ(runs.through(), 0u);
  EXPECT_EQ(runs.highest(), 0u);
  EXPECT_EQ(runs.held(), 0u);
  EXPECT_TRUE(runs.Missing(3, 10) == std::vector<SeqRange>({{1, 3}}));
}

TEST(SeqRunsTest, GapsAreListedAndCloseWhenFilledInAnyOrder) {
  SeqRuns runs;
  for (std::uint64_t s : {1, 2, 3, 7, 8, 5, 10}) runs.Add(s);
  EXPECT_EQ(runs.through(), 3u);
  EXPECT_EQ(runs.highest(), 10u);
  EXPECT_EQ(runs.held(), 7u);
  EXPECT_TRUE(runs.Missing(10, 10) == std::vector<SeqRange>({{4, 4}, {6, 6}, {9, 9}}));
  EXPECT_TRUE(runs.Missing(12, 2) == std::vector<SeqRange>({{4, 4}, {6, 6}}));
  EXPECT_TRUE(runs.Missing(12, 10) == std::vector<SeqRange>({{4, 4}, {6, 6}, {9, 9}, {11, 12}}));
  runs.Add(5);  // again: nothing changes
  EXPECT_EQ(runs.held(), 7u);
  for (std::uint64_t s : {9, 4, 6}) runs.Add(s);
  EXPECT_EQ(runs.through(), 10u);
  EXPECT_EQ(runs.held(), 10u);
  EXPECT_TRUE(runs.Missing(10, 10).empty());
}

TEST(SeqRunsTest, HoldingOfSaysWhenMoreGapsWereCut) {
  SeqRuns runs;
  for (std::uint64_t s = 2; s <= 20; s += 2) runs.Add(s);
  OriginHolding h = HoldingOf("s01", runs, 3);
  EXPECT_EQ(h.origin, "s01");
  EXPECT_EQ(h.through, 0u);
  EXPECT_EQ(h.highest, 20u);
  EXPECT_EQ(h.held, 10u);
  EXPECT_TRUE(h.missing == std::vector<SeqRange>({{1, 1}, {3, 3}, {5, 5}}));
  EXPECT_TRUE(h.more_missing);
  EXPECT_FALSE(HoldingOf("s01", runs, 10).more_missing);
}

// Against a plain set, in random order with repeats.
TEST(SeqRunsTest, AgreesWithASetOfNumbers) {
  std::mt19937_64 rng(7);
  SeqRuns runs;
  std::set<std::uint64_t> held;
  for (int i = 0; i < 5000; ++i) {
    const std::uint64_t s = 1 + rng() % 2000;
    runs.Add(s);
    held.insert(s);
    if (i % 250 != 0) continue;
    ASSERT_EQ(runs.held(), held.size());
    ASSERT_EQ(runs.highest(), *held.rbegin());
    std::uint64_t through = 0;
    while (held.count(through + 1) != 0) ++through;
    ASSERT_EQ(runs.through(), through);
    std::uint64_t missing = 0;
    for (const SeqRange& r : runs.Missing(2100, 100000)) {
      for (std::uint64_t n = r.first; n <= r.last; ++n) ASSERT_EQ(held.count(n), 0u) << n;
      missing += r.last - r.first + 1;
    }
    ASSERT_EQ(missing + held.size(), 2100u);
    for (std::uint64_t n = 1; n <= 2100; n += 37) ASSERT_EQ(runs.Holds(n), held.count(n) == 1);
  }
}

}  // namespace
}  // namespace clientele
