// Kills a process with SIGKILL while its projections follow a busy log; after
// each kill the projections must equal a from-scratch build up to their own
// checkpoint (never ahead of it, never behind), then catch up to the log.
// Cycles: CLIENTELE_CRASH_CYCLES (default 10).
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <random>

#include "projections/projector.h"
#include "tests/test_util.h"
#include "tests/test_util_process.h"

namespace clientele {
namespace {

void ExpectSame(const Projector& a, const Projector& b) {
  auto rows_a = a.Customers(), rows_b = b.Customers();
  auto by_id = [](const CustomerRow& x, const CustomerRow& y) { return x.id < y.id; };
  std::sort(rows_a.begin(), rows_a.end(), by_id);
  std::sort(rows_b.begin(), rows_b.end(), by_id);
  ASSERT_EQ(rows_a, rows_b);
  for (const CustomerRow& row : rows_a) {
    auto ha = a.History(row.id, "", SIZE_MAX), hb = b.History(row.id, "", SIZE_MAX);
    ASSERT_TRUE(ha && hb);
    ASSERT_EQ(ha->entries, hb->entries) << row.id;
  }
}

TEST(ProjectionCrash, KillNineLeavesProjectionsConsistentWithTheirCheckpoint) {
  int cycles = 10;
  if (const char* env = std::getenv("CLIENTELE_CRASH_CYCLES")) cycles = std::atoi(env);
  testing::TempDir dir;
  std::mt19937 rng(std::random_device{}());
  int behind = 0;
  for (int cycle = 0; cycle < cycles; ++cycle) {
    SCOPED_TRACE("cycle " + std::to_string(cycle));
    // Killed mid-work: as soon as it says it has done a random number of
    // commands, while its threads and its projections carry on.
    const int commands = std::uniform_int_distribution<>(1, 400)(rng);
    testing::ChildProcess writer(
        {PROJECTION_WRITER_BIN, dir.sub("node"), std::to_string(commands)});
    ASSERT_FALSE(writer.WaitFor(R"(\d+ commands done)", std::chrono::seconds(120)).empty())
        << writer.output();
    ASSERT_EQ(writer.Stop(SIGKILL), -SIGKILL) << "the writer exited by itself: " << writer.output();

    auto store = EventStore::Open({.path = dir.sub("node")});
    ASSERT_TRUE(store) << store.error().ToString();
    auto after_crash = Projector::Open(store->get(), dir.sub("node/projections"));
    ASSERT_TRUE(after_crash) << after_crash.error().ToString();
    const std::uint64_t checkpoint = (*after_crash)->position();
    ASSERT_LE(checkpoint, (*store)->Head());
    behind += checkpoint < (*store)->Head();

    const std::string scratch_path = dir.sub("scratch-" + std::to_string(cycle));
    auto scratch = Projector::Open(store->get(), scratch_path);
    ASSERT_TRUE(scratch);
    ASSERT_TRUE((*scratch)->CatchUp({}, checkpoint).ok());
    ASSERT_EQ((*scratch)->position(), checkpoint);
    ExpectSame(**after_crash, **scratch);

    ASSERT_TRUE((*after_crash)->CatchUp().ok());
    ASSERT_TRUE((*scratch)->CatchUp().ok());
    ASSERT_EQ((*after_crash)->position(), (*store)->Head());
    ExpectSame(**after_crash, **scratch);
  }
  std::printf("projection crash test: %d kills, projections behind the log after %d of them\n",
              cycles, behind);
}

}  // namespace
}  // namespace clientele
