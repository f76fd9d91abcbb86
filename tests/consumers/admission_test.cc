// Admission without Kafka: the late join's path (Channel::kFeed), the
// registry following the log within a batch, and duplicates.
#include "consumers/admission.h"

#include <gtest/gtest.h>

#include "domain/audit_checkpoint.h"
#include "tests/consumers/signed_events.h"
#include "tests/test_util.h"

namespace clientele::testing {
namespace {

class AdmissionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto log = EventStore::Open({.path = dir_.path(), .origin = "s02", .sync = false});
    ASSERT_TRUE(log);
    log_ = std::move(*log);
    admission_ = std::make_unique<Admission>(
        log_.get(),
        AdmissionOptions{
            .node = "s02", .hq_key = origins_.Key("hq").public_key(), .clock = &clock_});
  }

  RecordedEvent Enrolment(const std::string& node) {
    return origins_.Signed(origins_.Node(NodeKeyEnrolled{node, origins_.KeyText(node)}));
  }
  RecordedEvent TopUp(const std::string& origin, const std::string& ref) {
    return origins_.Signed(origins_.Customer(origin, customer_, CreditToppedUp{100, ref, ""}));
  }

  TempDir dir_;
  Origins origins_;
  ManualClock clock_;
  std::unique_ptr<EventStore> log_;
  std::unique_ptr<Admission> admission_;
  const std::string customer_ = NewUuid();
};

TEST_F(AdmissionTest, AnEnrolmentCountsForTheEventsAfterItInTheSameBatch) {
  ASSERT_TRUE(admission_->BeginBatch().ok());
  auto before = admission_->Check(TopUp("s01", "p1"), Channel::kFeed);
  ASSERT_FALSE(before);
  EXPECT_EQ(before.error().reason(), "unknown_key");
  auto enrolled = admission_->Check(Enrolment("s01"), Channel::kFeed);
  ASSERT_TRUE(enrolled) << enrolled.error().ToString();
  EXPECT_EQ(*enrolled, Verdict::kNew);
  auto after = admission_->Check(TopUp("s01", "p2"), Channel::kFeed);
  ASSERT_TRUE(after) << after.error().ToString();
  EXPECT_EQ(*after, Verdict::kNew);
  EXPECT_TRUE(admission_->registry().keys.empty()) << "the log has no enrolment yet";
}

TEST_F(AdmissionTest, TheRegistryFollowsTheLogAcrossBatches) {
  ASSERT_TRUE(log_->AppendReplicated({Enrolment("s01")}));
  ASSERT_TRUE(admission_->BeginBatch().ok());
  EXPECT_TRUE(admission_->registry().Enrolled("s01"));
  EXPECT_TRUE(admission_->Check(TopUp("s01", "p1"), Channel::kFeed));
  // Revoked after event 1 of s01: its next events are refused.
  RecordedEvent revoked =
      origins_.Signed(origins_.Node(NodeKeyRevoked{"s01", origins_.KeyText("s01"), 1}));
  ASSERT_TRUE(log_->AppendReplicated({revoked}));
  ASSERT_TRUE(admission_->BeginBatch().ok());
  auto refused = admission_->Check(TopUp("s01", "p2"), Channel::kFeed);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().reason(), "revoked_key");
}

TEST_F(AdmissionTest, WhatTheLogHoldsIsADuplicateWhateverItsProof) {
  ASSERT_TRUE(log_->AppendReplicated({Enrolment("s01")}));
  RecordedEvent e = TopUp("s01", "p1");
  ASSERT_TRUE(log_->AppendReplicated({e}));
  ASSERT_TRUE(admission_->BeginBatch().ok());
  e.signature.clear();  // an echo or a redelivery: the content decides
  auto again = admission_->Check(e, Channel::kFeed);
  ASSERT_TRUE(again) << again.error().ToString();
  EXPECT_EQ(*again, Verdict::kDuplicate);
  // Twice in one batch: the second is a duplicate of the first.
  RecordedEvent fresh = TopUp("s01", "p2");
  EXPECT_EQ(*admission_->Check(fresh, Channel::kFeed), Verdict::kNew);
  EXPECT_EQ(*admission_->Check(fresh, Channel::kFeed), Verdict::kDuplicate);
}

TEST_F(AdmissionTest, AStoreTakesItsOwnEventsBackFromHqButNeverViaUpstream) {
  ASSERT_TRUE(log_->AppendReplicated({Enrolment("s02")}));
  ASSERT_TRUE(admission_->BeginBatch().ok());
  // s02 lost its disk: its own events come back through HQ's feed.
  auto own = admission_->Check(TopUp("s02", "p1"), Channel::kFeed);
  ASSERT_TRUE(own) << own.error().ToString();
  EXPECT_EQ(*own, Verdict::kNew);
  auto hq_upstream = admission_->Check(
      origins_.Signed(origins_.Customer("hq", customer_, CreditToppedUp{1, "x", ""})),
      Channel::kUpstream);
  ASSERT_FALSE(hq_upstream);
  EXPECT_EQ(hq_upstream.error().reason(), "wrong_channel");
}

TEST_F(AdmissionTest, CheckpointsAreHqsAloneOnTheAuditStream) {
  ASSERT_TRUE(log_->AppendReplicated({Enrolment("s01")}));
  ASSERT_TRUE(admission_->BeginBatch().ok());
  auto checkpoint = [&](const std::string& origin, const std::string& day, std::string stream,
                        std::string data = "") {
    if (data.empty()) {
      data = EncodePayload(CheckpointRecorded{day, 41, std::string(64, 'a')});
    }
    RecordedEvent e =
        origins_.Unsigned(origin, stream, std::string(kCheckpointRecordedType), 1, std::move(data));
    e.id = CheckpointId(day);
    return origins_.Signed(std::move(e));
  };
  // HQ's, on the audit stream: admitted (a store then holds HQ's head hash).
  auto hq = admission_->Check(checkpoint("hq", "2026-11-30", "audit"), Channel::kEvents);
  ASSERT_TRUE(hq) << hq.error().ToString();
  EXPECT_EQ(*hq, Verdict::kNew);
  // A store may not record one, signed by itself or not.
  auto store = admission_->Check(checkpoint("s01", "2026-12-01", "audit"), Channel::kEvents);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().reason(), "type_not_allowed");
  // Elsewhere than the audit stream, or with a malformed payload: refused.
  auto elsewhere = admission_->Check(checkpoint("hq", "2026-12-02", "settings"), Channel::kEvents);
  ASSERT_FALSE(elsewhere);
  EXPECT_EQ(elsewhere.error().reason(), "wrong_stream");
  auto malformed = admission_->Check(
      checkpoint("hq", "2026-12-03", "audit", R"({"day":"2026-12-03","position":0,"hash":"x"})"),
      Channel::kEvents);
  ASSERT_FALSE(malformed);
  EXPECT_EQ(malformed.error().reason(), "malformed_payload");
}

// A store's consent change is accepted; one that claims HQ as its source is
// not what a store could have recorded (domain/peer_rules.h).
TEST_F(AdmissionTest, AStoresConsentChangeIsAcceptedOnlyWithASourceAStoreMayGive) {
  ASSERT_TRUE(log_->AppendReplicated({Enrolment("s01")}));
  ASSERT_TRUE(admission_->BeginBatch().ok());
  const Stamp stamp{1'700'000'000'000 * kHlcTicksPerMs, "s01"};
  auto consent = [&](ConsentSource source) {
    return origins_.Signed(origins_.Customer(
        "s01", customer_, CustomerConsentChanged{ConsentChannel::kEmail, false, source, stamp}));
  };
  for (ConsentSource ok :
       {ConsentSource::kStore, ConsentSource::kRegister, ConsentSource::kImport}) {
    auto accepted = admission_->Check(consent(ok), Channel::kFeed);
    ASSERT_TRUE(accepted) << accepted.error().ToString();
    EXPECT_EQ(*accepted, Verdict::kNew);
  }
  auto refused = admission_->Check(consent(ConsentSource::kHq), Channel::kFeed);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().reason(), "invalid_payload");
  EXPECT_NE(refused.error().message().find("consent with source 'hq' cannot come from s01"),
            std::string::npos)
      << refused.error().ToString();
}

}  // namespace
}  // namespace clientele::testing
