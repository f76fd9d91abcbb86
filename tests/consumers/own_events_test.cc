// A node restored from a backup takes its own newer events back from a peer
// before it makes new ones, so that it never numbers a new event with a
// number a peer holds for another (consumers/own_events.h). The peer is a
// second log here, its feed a plain call.
#include "consumers/own_events.h"

#include <gtest/gtest.h>

#include "tests/consumers/signed_events.h"
#include "tests/test_util.h"

namespace clientele::testing {
namespace {

class OwnEventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hq_ = Open(hq_dir_, "hq");
    store_ = Open(store_dir_, "s01");
    admission_ = std::make_unique<Admission>(
        store_.get(),
        AdmissionOptions{
            .node = "s01", .hq_key = origins_.Key("hq").public_key(), .clock = &clock_});
    RecordedEvent enrolled =
        origins_.Signed(origins_.Node(NodeKeyEnrolled{"s01", origins_.KeyText("s01")}));
    ASSERT_TRUE(hq_->AppendReplicated({enrolled}));
    ASSERT_TRUE(store_->AppendReplicated({enrolled}));
  }

  std::unique_ptr<EventStore> Open(TempDir& dir, const std::string& node) {
    auto log = EventStore::Open({.path = dir.path(), .origin = node, .sync = false});
    EXPECT_TRUE(log) << log.error().ToString();
    return log ? std::move(*log) : nullptr;
  }

  // The store's own events 1..n, as it signed and published them.
  std::vector<RecordedEvent> OwnEvents(int n) {
    std::vector<RecordedEvent> out;
    for (int i = 0; i < n; ++i) {
      out.push_back(origins_.Signed(
          origins_.Customer("s01", customer_, CreditToppedUp{100, "pay-" + NewUuid(), ""})));
    }
    return out;
  }

  Result<OwnEventsRecovered> Recover() {
    return RecoverOwnEvents(store_.get(), admission_.get(),
                            [this](const std::string& origin, std::uint64_t from,
                                   std::size_t limit) -> Result<std::vector<RecordedEvent>> {
                              ++fetches_;
                              if (!hq_reachable_) return Error(Status::Unavailable("HQ is down"));
                              return hq_->ReadOrigin(origin, from, limit);
                            });
  }

  // The sequence number of the store's next own event.
  std::uint64_t NextOwnSeq() {
    auto r = store_->Append("customer-" + customer_, ExpectedVersion::Any(), {MakeEvent()});
    EXPECT_TRUE(r) << r.error().ToString();
    return r ? store_->ReadAll(r->positions[0], 1)->at(0).seq : 0;
  }

  TempDir hq_dir_, store_dir_;
  Origins origins_;
  ManualClock clock_;
  std::unique_ptr<EventStore> hq_, store_;
  std::unique_ptr<Admission> admission_;
  const std::string customer_ = NewUuid();
  bool hq_reachable_ = true;
  int fetches_ = 0;
};

TEST_F(OwnEventsTest, TheEventsHqHoldsBeyondTheBackupComeBackAndNumberingGoesOnAfterThem) {
  // The store made 2,500 events; its backup has the first 40; HQ has them all.
  std::vector<RecordedEvent> own = OwnEvents(2500);
  ASSERT_TRUE(hq_->AppendReplicated(own));
  ASSERT_TRUE(store_->AppendReplicated({own.begin(), own.begin() + 40}));
  auto r = Recover();
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->appended, 2460u);
  EXPECT_EQ(r->highest, 2500u);
  EXPECT_EQ(fetches_, 4) << "three pages of up to 1,000 and an empty answer";
  EXPECT_EQ(NextOwnSeq(), 2501u) << "no number HQ holds is given again";
  // Again: nothing more to take.
  auto again = Recover();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->appended, 0u);
}

TEST_F(OwnEventsTest, NumbersMissingAtHqAreSkippedAndNothingAtHqIsNothingToDo) {
  auto none = Recover();
  ASSERT_TRUE(none) << none.error().ToString();
  EXPECT_EQ(none->appended, 0u);
  EXPECT_EQ(none->highest, 0u);
  std::vector<RecordedEvent> own = OwnEvents(10);
  ASSERT_TRUE(store_->AppendReplicated({own[0], own[1]}));
  ASSERT_TRUE(hq_->AppendReplicated({own[0], own[1], own[2], own[6], own[9]}));
  auto r = Recover();
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->appended, 3u);
  EXPECT_EQ(NextOwnSeq(), 11u);
}

TEST_F(OwnEventsTest, ARefusedOwnEventOrAnUnreachableHqStopsIt) {
  std::vector<RecordedEvent> own = OwnEvents(3);
  own[2].data[own[2].data.find("100")] = '9';  // its signature no longer holds
  ASSERT_TRUE(hq_->AppendReplicated(own));
  hq_reachable_ = false;
  auto down = Recover();
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().code(), StatusCode::kUnavailable);
  hq_reachable_ = true;
  auto refused = Recover();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(refused.error().reason(), "bad_signature");
  EXPECT_NE(refused.error().message().find("own event 3"), std::string::npos)
      << refused.error().ToString();
}

}  // namespace
}  // namespace clientele::testing
