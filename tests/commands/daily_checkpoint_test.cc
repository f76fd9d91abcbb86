// HQ's daily checkpoint: once per UTC day of the injected clock, across
// repeated sweeps and restarts, holding the log's head position and hash;
// the projections pass over it.
#include "commands/daily_checkpoint.h"

#include <gtest/gtest.h>

#include "domain/audit_checkpoint.h"
#include "eventstore/coding.h"
#include "projections/projector.h"
#include "tests/test_util.h"

namespace clientele {
namespace {

constexpr std::int64_t kDay = 86'400'000;
constexpr std::int64_t kHour = 3'600'000;

class DailyCheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    log_.reset();
    auto log = EventStore::Open({.path = dir_.sub("hq"), .origin = "hq", .clock = &clock_});
    ASSERT_TRUE(log) << log.error().ToString();
    log_ = std::move(*log);
  }
  bool Record() {
    auto r = RecordDailyCheckpoint(log_.get(), &clock_);
    EXPECT_TRUE(r) << r.error().ToString();
    return r.value_or(false);
  }
  std::vector<RecordedEvent> Checkpoints() {
    auto events = log_->ReadStream(kAuditStream, 1, 100);
    EXPECT_TRUE(events);
    return events.value_or(std::vector<RecordedEvent>{});
  }

  testing::TempDir dir_;
  ManualClock clock_{1'764'460'800'000 + kHour};  // 2025-11-30T01:00:00Z
  std::unique_ptr<EventStore> log_;
};

TEST_F(DailyCheckpointTest, RecordedOncePerDayAcrossSweepsAndRestarts) {
  EXPECT_FALSE(Record()) << "an empty log has nothing to vouch for";
  ASSERT_TRUE(log_->Append("misc-x", ExpectedVersion::Any(), {testing::MakeEvent()}));
  ASSERT_TRUE(log_->Append("misc-x", ExpectedVersion::Any(), {testing::MakeEvent()}));
  auto head = log_->ReadAll(2, 1);
  ASSERT_TRUE(head);

  EXPECT_TRUE(Record());
  clock_.Advance(60'000);
  EXPECT_FALSE(Record());  // the next sweep, the same day
  Reopen();                // a restart
  EXPECT_FALSE(Record());
  clock_.Advance(20 * kHour);  // 21:01, still the 30th
  EXPECT_FALSE(Record());

  auto recorded = Checkpoints();
  ASSERT_EQ(recorded.size(), 1u);
  EXPECT_EQ(recorded[0].id, CheckpointId("2025-11-30"));
  EXPECT_EQ(recorded[0].origin, "hq");
  EXPECT_EQ(recorded[0].position, 3u);
  auto c = DecodeCheckpoint(recorded[0].type, recorded[0].schema, recorded[0].data);
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(*c, (CheckpointRecorded{"2025-11-30", 2, coding::Hex((*head)[0].hash)}));

  clock_.Advance(3 * kHour);  // the 1st of December
  EXPECT_TRUE(Record());
  EXPECT_FALSE(Record());
  recorded = Checkpoints();
  ASSERT_EQ(recorded.size(), 2u);
  auto second = DecodeCheckpoint(recorded[1].type, recorded[1].schema, recorded[1].data);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->day, "2025-12-01");
  EXPECT_EQ(second->position, 3u);  // the head then was the first checkpoint
  EXPECT_EQ(second->hash, coding::Hex(recorded[0].hash));

  // A day skipped (the node was down) leaves no checkpoint for it.
  clock_.Advance(2 * kDay);
  EXPECT_TRUE(Record());
  EXPECT_EQ(Checkpoints().back().id, CheckpointId("2025-12-03"));

  // The projections pass over the audit stream without complaint.
  auto projector = Projector::Open(log_.get(), dir_.sub("hq/projections"));
  ASSERT_TRUE(projector);
  ASSERT_TRUE((*projector)->CatchUp().ok());
  EXPECT_EQ((*projector)->stats().position, log_->Head());
  EXPECT_EQ((*projector)->stats().events_skipped, 0u);
}

TEST_F(DailyCheckpointTest, OnlyHqRecordsThem) {
  log_.reset();
  auto store = EventStore::Open({.path = dir_.sub("s01"), .origin = "s01", .clock = &clock_});
  ASSERT_TRUE(store);
  ASSERT_TRUE((*store)->Append("misc-x", ExpectedVersion::Any(), {testing::MakeEvent()}));
  auto r = RecordDailyCheckpoint(store->get(), &clock_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason(), "not_hq");
}

TEST(CheckpointPayload, RefusesWhatIsNotACheckpoint) {
  const std::string type(kCheckpointRecordedType);
  EXPECT_TRUE(DecodeCheckpoint(
      type, 1, EncodePayload(CheckpointRecorded{"2026-02-28", 7, std::string(64, 'f')})));
  for (
      const char* bad : {
          R"({"day":"2026-02-30","position":7,"hash":"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"})",
          R"({"day":"2026-02-28","position":0,"hash":"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"})",
          R"({"day":"2026-02-28","position":7,"hash":"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"})",
          R"({"day":"2026-02-28","position":7,"hash":"ff"})",
          R"({"day":"2026-02-28","position":7,"hash":"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff","x":1})",
          R"([1])",
      }) {
    auto r = DecodeCheckpoint(type, 1, bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code(), StatusCode::kCorruption) << bad;
  }
  EXPECT_EQ(DecodeCheckpoint(type, 2, "{}").error().reason(), "unknown_schema");
  EXPECT_EQ(DecodeCheckpoint("audit.other", 1, "{}").error().reason(), "unknown_event_type");
}

}  // namespace
}  // namespace clientele
