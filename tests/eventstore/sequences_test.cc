// Sequence numbers: the committer numbers this node's own events 1, 2, 3...
// whichever way they are appended, continues after a reopen and after its own
// events come back replicated; other origins keep their numbers. The 'O'
// index answers FindBySeq, ReadOrigin and LastSeq. Record format 2 carries seq
// and signature; format 1 records still decode and verify.
#include <gtest/gtest.h>

#include <future>

#include "eventstore/event_store.h"
#include "eventstore/record_format.h"
#include "eventstore/signing.h"
#include "eventstore/uuid.h"
#include "tests/test_util.h"

namespace clientele {
namespace {

using testing::MakeEvent;
using testing::TempDir;

constexpr const char* kOwn = "s01";

// An event that originated on `origin` with number `seq`.
RecordedEvent Foreign(std::string origin, std::uint64_t seq, std::string stream = "customer-f") {
  RecordedEvent e;
  e.id = NewUuid();
  e.stream = std::move(stream);
  e.version = 42;  // its version at the origin; the log assigns its own
  e.type = "customer.details_changed";
  e.schema = 2;
  e.time_ms = 1'600'000'000'000;
  e.origin = std::move(origin);
  e.actor = "clerk";
  e.data = R"({"n":)" + std::to_string(seq) + "}";
  e.seq = seq;
  return e;
}

std::vector<std::uint64_t> Seqs(const std::vector<RecordedEvent>& events) {
  std::vector<std::uint64_t> out;
  for (const RecordedEvent& e : events) out.push_back(e.seq);
  return out;
}

class SequencesTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    store_.reset();
    auto s = EventStore::Open({.path = dir_.path(), .origin = kOwn, .clock = &clock_});
    ASSERT_TRUE(s) << s.error().ToString();
    store_ = std::move(*s);
  }
  // Appends one local event to `stream` and returns its sequence number.
  std::uint64_t AppendOne(const std::string& stream = "customer-a") {
    NewEvent e = MakeEvent();
    auto r = store_->Append(stream, ExpectedVersion::Any(), {e});
    EXPECT_TRUE(r) << r.error().ToString();
    auto got = store_->FindById(e.id);
    EXPECT_TRUE(got) << got.error().ToString();
    return got ? got->seq : 0;
  }
  Result<AppendResult> AppendAsync(const std::string& stream, std::vector<NewEvent> events) {
    std::promise<Result<AppendResult>> promise;
    auto future = promise.get_future();
    store_->AppendAsync(stream, ExpectedVersion::Any(), std::move(events),
                        [&promise](Result<AppendResult> r) { promise.set_value(std::move(r)); });
    return future.get();
  }
  Result<BulkResult> Bulk(int streams, int events_each) {
    auto bulk = store_->StartBulk();
    if (!bulk) return Error(bulk.error());
    for (int s = 0; s < streams; ++s) {
      std::vector<NewEvent> events;
      for (int i = 0; i < events_each; ++i) events.push_back(MakeEvent());
      Status st = (*bulk)->Add("customer-bulk" + std::to_string(s), ExpectedVersion::NoStream(),
                               std::move(events));
      if (!st.ok()) return Error(st);
    }
    return store_->CommitBulk(std::move(*bulk));
  }
  std::vector<RecordedEvent> All() {
    auto all = store_->ReadAll(1, SIZE_MAX);
    EXPECT_TRUE(all) << all.error().ToString();
    return all ? *all : std::vector<RecordedEvent>{};
  }

  TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<EventStore> store_;
};

TEST_F(SequencesTest, OwnEventsAreNumberedFromOneAcrossEveryWayToAppend) {
  ASSERT_TRUE(
      store_->Append("customer-a", ExpectedVersion::NoStream(), {MakeEvent(), MakeEvent()}));
  auto async = AppendAsync("customer-b", {MakeEvent(), MakeEvent(), MakeEvent()});
  ASSERT_TRUE(async) << async.error().ToString();
  auto bulk = Bulk(2, 2);
  ASSERT_TRUE(bulk) << bulk.error().ToString();
  EXPECT_EQ(bulk->events, 4u);
  ASSERT_TRUE(store_->Append("customer-a", ExpectedVersion::Exact(2), {MakeEvent()}));

  const std::vector<RecordedEvent> all = All();
  ASSERT_EQ(all.size(), 10u);
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].origin, kOwn);
    EXPECT_EQ(all[i].seq, i + 1) << "at position " << all[i].position;
    EXPECT_EQ(all[i].signature, "") << "own events are stored unsigned";
  }
  auto last = store_->LastSeq(kOwn);
  ASSERT_TRUE(last) << last.error().ToString();
  EXPECT_EQ(*last, 10u);
}

TEST_F(SequencesTest, AppendsThatAreRefusedUseNoNumber) {
  EXPECT_EQ(AppendOne(), 1u);
  auto wrong = store_->Append("customer-a", ExpectedVersion::NoStream(), {MakeEvent()});
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().reason(), "wrong_expected_version");
  NewEvent e = MakeEvent();
  ASSERT_TRUE(store_->Append("customer-b", ExpectedVersion::Any(), {e}));
  auto retry = store_->Append("customer-b", ExpectedVersion::Any(), {e});
  ASSERT_TRUE(retry);
  EXPECT_TRUE(retry->duplicate);
  EXPECT_EQ(AppendOne(), 3u);
  EXPECT_EQ(Seqs(All()), (std::vector<std::uint64_t>{1, 2, 3}));
}

TEST_F(SequencesTest, NumberingContinuesAfterReopening) {
  for (int i = 0; i < 5; ++i) AppendOne();
  Reopen();
  EXPECT_EQ(*store_->LastSeq(kOwn), 5u);
  EXPECT_EQ(AppendOne(), 6u);
  // A bulk as the last write before closing, then an async append after.
  auto bulk = Bulk(1, 3);
  ASSERT_TRUE(bulk) << bulk.error().ToString();
  Reopen();
  auto async = AppendAsync("customer-a", {MakeEvent()});
  ASSERT_TRUE(async) << async.error().ToString();
  EXPECT_EQ(Seqs(All()), (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
}

TEST_F(SequencesTest, NumberingContinuesWhenTheIndexIsLost) {
  for (int i = 0; i < 4; ++i) AppendOne();
  store_.reset();
  std::filesystem::remove_all(dir_.sub("index"));
  Reopen();
  EXPECT_EQ(*store_->LastSeq(kOwn), 4u);
  EXPECT_EQ(AppendOne(), 5u);
  auto third = store_->FindBySeq(kOwn, 3);
  ASSERT_TRUE(third) << third.error().ToString();
  EXPECT_EQ(third->position, 3u);
}

TEST_F(SequencesTest, ReplicatedEventsKeepTheirNumbersAndDoNotMoveOurs) {
  EXPECT_EQ(AppendOne(), 1u);
  RecordedEvent a = Foreign("s07", 500), b = Foreign("hq", 3);
  auto r = store_->AppendReplicated({a, b});
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(store_->FindById(a.id)->seq, 500u);
  EXPECT_EQ(store_->FindById(b.id)->seq, 3u);
  EXPECT_EQ(AppendOne(), 2u);
  EXPECT_EQ(*store_->LastSeq("s07"), 500u);
  EXPECT_EQ(*store_->LastSeq("hq"), 3u);
  EXPECT_EQ(*store_->LastSeq(kOwn), 2u);
  Reopen();
  EXPECT_EQ(AppendOne(), 3u);
  EXPECT_EQ(store_->FindById(a.id)->seq, 500u);
}

TEST_F(SequencesTest, OwnEventsComingBackMoveTheNextNumberPastThem) {
  EXPECT_EQ(AppendOne(), 1u);
  EXPECT_EQ(AppendOne(), 2u);
  // Events this node made before it lost its disk, redelivered by HQ.
  auto back = store_->AppendReplicated({Foreign(kOwn, 7), Foreign(kOwn, 6)});
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(AppendOne(), 8u);
  // One with a lower number does not move it back.
  ASSERT_TRUE(store_->AppendReplicated({Foreign(kOwn, 4)}));
  EXPECT_EQ(AppendOne(), 9u);
  auto bulk = Bulk(1, 2);
  ASSERT_TRUE(bulk) << bulk.error().ToString();
  Reopen();
  EXPECT_EQ(AppendOne(), 12u);
  EXPECT_EQ(*store_->LastSeq(kOwn), 12u);
}

TEST_F(SequencesTest, AStoreThatLostItsDiskContinuesAfterItsRedeliveredEvents) {
  std::vector<RecordedEvent> mine;
  for (std::uint64_t seq = 1; seq <= 7; ++seq) mine.push_back(Foreign(kOwn, seq));
  auto r = store_->AppendReplicated(mine);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(AppendOne(), 8u);
  auto async = AppendAsync("customer-a", {MakeEvent()});
  ASSERT_TRUE(async);
  EXPECT_EQ(store_->ReadAll(async->positions[0], 1)->front().seq, 9u);
}

TEST_F(SequencesTest, AnOwnEventReplicatedBeforeAnyReopenMovesABulk) {
  ASSERT_TRUE(store_->AppendReplicated({Foreign(kOwn, 7)}));
  auto bulk = Bulk(1, 2);
  ASSERT_TRUE(bulk) << bulk.error().ToString();
  auto events = store_->ReadAll(bulk->first_position, 10);
  ASSERT_TRUE(events);
  EXPECT_EQ(Seqs(*events), (std::vector<std::uint64_t>{8, 9}));
}

TEST_F(SequencesTest, FindBySeqFindsTheEventOrSaysNotFound) {
  AppendOne();
  NewEvent second = MakeEvent(R"({"second":true})");
  ASSERT_TRUE(store_->Append("customer-b", ExpectedVersion::Any(), {second}));
  RecordedEvent f = Foreign("s07", 9);
  ASSERT_TRUE(store_->AppendReplicated({f}));

  auto got = store_->FindBySeq(kOwn, 2);
  ASSERT_TRUE(got) << got.error().ToString();
  EXPECT_EQ(got->id, second.id);
  EXPECT_EQ(*got, *store_->FindById(second.id));
  auto foreign = store_->FindBySeq("s07", 9);
  ASSERT_TRUE(foreign);
  EXPECT_EQ(foreign->id, f.id);

  for (auto [origin, seq] : std::vector<std::pair<std::string, std::uint64_t>>{
           {kOwn, 3}, {kOwn, 0}, {"s07", 8}, {"s07", 10}, {"s0", 9}, {"s070", 9}, {"hq", 1}}) {
    auto missing = store_->FindBySeq(origin, seq);
    ASSERT_FALSE(missing) << origin << " " << seq;
    EXPECT_EQ(missing.error().code(), StatusCode::kNotFound) << origin << " " << seq;
  }
}

TEST_F(SequencesTest, ReadOriginGoesInSequenceOrderSkippingGaps) {
  // Arriving out of order, with gaps, beside other origins whose names share a prefix.
  RecordedEvent e7 = Foreign("s07", 7), e1 = Foreign("s07", 1), e4 = Foreign("s07", 4),
                e2 = Foreign("s07", 2), e300 = Foreign("s07", 300);
  ASSERT_TRUE(store_->AppendReplicated({e7, Foreign("s0", 3), e1}));
  AppendOne();
  ASSERT_TRUE(store_->AppendReplicated({Foreign("s070", 5), e300, e4, e2}));

  auto read = [&](std::uint64_t from, std::size_t max) {
    auto r = store_->ReadOrigin("s07", from, max);
    EXPECT_TRUE(r) << r.error().ToString();
    return r ? Seqs(*r) : std::vector<std::uint64_t>{};
  };
  EXPECT_EQ(read(0, 100), (std::vector<std::uint64_t>{1, 2, 4, 7, 300}));
  EXPECT_EQ(read(1, 100), (std::vector<std::uint64_t>{1, 2, 4, 7, 300}));
  EXPECT_EQ(read(3, 100), (std::vector<std::uint64_t>{4, 7, 300}));
  EXPECT_EQ(read(4, 2), (std::vector<std::uint64_t>{4, 7}));
  EXPECT_EQ(read(1, 1), (std::vector<std::uint64_t>{1}));
  EXPECT_EQ(read(8, 100), (std::vector<std::uint64_t>{300}));
  EXPECT_EQ(read(301, 100), (std::vector<std::uint64_t>{}));
  EXPECT_EQ(read(1, 0), (std::vector<std::uint64_t>{}));

  auto whole = store_->ReadOrigin("s07", 1, 100);
  ASSERT_TRUE(whole);
  EXPECT_EQ((*whole)[0].id, e1.id);
  EXPECT_EQ((*whole)[2].id, e4.id);
  EXPECT_EQ((*whole)[4].id, e300.id);
  for (const RecordedEvent& e : *whole) EXPECT_EQ(e.origin, "s07");

  auto prefix = store_->ReadOrigin("s0", 0, 100);
  ASSERT_TRUE(prefix);
  EXPECT_EQ(Seqs(*prefix), (std::vector<std::uint64_t>{3}));
  auto none = store_->ReadOrigin("s9", 0, 100);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  auto own = store_->ReadOrigin(kOwn, 1, 100);
  ASSERT_TRUE(own);
  EXPECT_EQ(Seqs(*own), (std::vector<std::uint64_t>{1}));
}

TEST_F(SequencesTest, LastSeqIsTheHighestNumberHeldPerOrigin) {
  EXPECT_EQ(*store_->LastSeq(kOwn), 0u);
  EXPECT_EQ(*store_->LastSeq("s07"), 0u);
  ASSERT_TRUE(store_->AppendReplicated(
      {Foreign("s07", 9), Foreign("s07", 2), Foreign("s070", 99), Foreign("s0", 50)}));
  EXPECT_EQ(*store_->LastSeq("s07"), 9u);
  EXPECT_EQ(*store_->LastSeq("s070"), 99u);
  EXPECT_EQ(*store_->LastSeq("s0"), 50u);
  EXPECT_EQ(*store_->LastSeq("s"), 0u);
  EXPECT_EQ(*store_->LastSeq(kOwn), 0u);
  AppendOne();
  EXPECT_EQ(*store_->LastSeq(kOwn), 1u);
  // Legacy events (seq 0) are not numbered and do not count.
  ASSERT_TRUE(store_->AppendReplicated({Foreign("s02", 0)}));
  EXPECT_EQ(*store_->LastSeq("s02"), 0u);
}

TEST_F(SequencesTest, ASignatureStoredWithAReplicatedEventIsReadBackByteExact) {
  RecordedEvent e = Foreign("s07", 1);
  for (int b = 0; b < 256; ++b) e.signature.push_back(static_cast<char>(b));
  e.signature += std::string("\0\0\xff", 3);
  ASSERT_TRUE(store_->AppendReplicated({e}));
  auto check = [&] {
    auto got = store_->FindById(e.id);
    ASSERT_TRUE(got) << got.error().ToString();
    EXPECT_EQ(got->signature, e.signature);
    EXPECT_EQ(got->signature.size(), 259u);
    auto by_seq = store_->FindBySeq("s07", 1);
    ASSERT_TRUE(by_seq);
    EXPECT_EQ(by_seq->signature, e.signature);
  };
  check();
  Reopen();
  check();
}

TEST_F(SequencesTest, VerifyPassesOverALogMixingLegacyAndNewRecords) {
  // Unsigned, unnumbered events from before sequence numbers existed.
  RecordedEvent legacy1 = Foreign("s07", 0), legacy2 = Foreign("hq", 0, "settings");
  ASSERT_TRUE(store_->AppendReplicated({legacy1, legacy2}));
  AppendOne();
  // Signed events from another store, then one that is numbered but unsigned.
  std::unique_ptr<NodeKey> key = NodeKey::Generate();
  std::vector<RecordedEvent> signed_events = {Foreign("s02", 1), Foreign("s02", 2)};
  std::vector<RecordedEvent*> ptrs = {&signed_events[0], &signed_events[1]};
  SignBatch(*key, ptrs);
  ASSERT_TRUE(store_->AppendReplicated(signed_events));
  RecordedEvent only_signed = Foreign("s03", 0);
  only_signed.signature = "proof";
  ASSERT_TRUE(store_->AppendReplicated({Foreign("s07", 1), only_signed}));
  AppendOne();

  const std::vector<RecordedEvent> all = All();
  ASSERT_EQ(all.size(), 8u);
  EXPECT_EQ(record::FormatOf(all[0]), record::kFormatUnsequenced);
  EXPECT_EQ(record::FormatOf(all[1]), record::kFormatUnsequenced);
  EXPECT_EQ(all[0].seq, 0u);
  EXPECT_EQ(all[0].signature, "");
  EXPECT_EQ(record::FormatOf(all[2]), record::kFormat);
  EXPECT_EQ(all[3].signature, signed_events[0].signature);
  EXPECT_EQ(all[6].seq, 0u);
  EXPECT_EQ(all[6].signature, "proof");
  ProofVerifier verifier;
  EXPECT_TRUE(verifier.Verify(all[3]).ok()) << "the stored proof still verifies";
  EXPECT_TRUE(verifier.Verify(all[4]).ok());

  for (int round = 0; round < 2; ++round) {
    std::vector<std::uint64_t> visited;
    auto report = store_->Verify([&](const RecordedEvent& e) { visited.push_back(e.seq); });
    ASSERT_TRUE(report) << report.error().ToString();
    EXPECT_TRUE(report->ok) << report->problem;
    EXPECT_EQ(report->events_checked, 8u);
    EXPECT_EQ(report->head, 8u);
    EXPECT_EQ(visited, (std::vector<std::uint64_t>{0, 0, 1, 1, 2, 1, 0, 2}));
    Reopen();
  }
}

// --- the record format itself

RecordedEvent Recorded() {
  RecordedEvent e;
  e.position = 77;
  e.id = "0b8a7c1e-4f3d-4c2a-9e1f-2d3c4b5a6978";
  e.stream = "customer-0b8a7c1e-4f3d-4c2a-9e1f-2d3c4b5a6978";
  e.version = 5;
  e.type = "credit.topped_up";
  e.schema = 3;
  e.time_ms = 1'700'000'000'123;
  e.origin = "s07";
  e.actor = "clerk@s07";
  e.causation_id = "1b8a7c1e-4f3d-4c2a-9e1f-2d3c4b5a6978";
  e.correlation_id = "2b8a7c1e-4f3d-4c2a-9e1f-2d3c4b5a6978";
  e.data = R"({"amount":500})";
  e.hash = std::string(32, '\x5a');
  return e;
}

TEST(RecordFormat, ASequencedSignedRecordRoundTrips) {
  RecordedEvent e = Recorded();
  e.seq = 0x1234'5678'9abc'def0ULL;
  e.signature = std::string("\x01\0\xff\x80 proof", 10);
  ASSERT_EQ(record::FormatOf(e), record::kFormat);
  const std::string value = record::EncodeRecord(e);
  EXPECT_EQ(static_cast<std::uint8_t>(value[0]), 2u);
  EXPECT_EQ(value.substr(1, 32), e.hash);
  RecordedEvent back;
  back.signature = "stale";  // DecodeRecord reuses the buffers: nothing of them may remain
  back.seq = 99;
  ASSERT_TRUE(record::DecodeRecord(value, &back).ok());
  EXPECT_EQ(back, e);
  EXPECT_EQ(record::EncodeRecord(back), value);

  // Only a number, or only a proof, is format 2 as well.
  for (auto [seq, signature] :
       std::vector<std::pair<std::uint64_t, std::string>>{{1, ""}, {0, "p"}, {UINT64_MAX, ""}}) {
    RecordedEvent one = Recorded();
    one.seq = seq;
    one.signature = signature;
    const std::string v = record::EncodeRecord(one);
    EXPECT_EQ(static_cast<std::uint8_t>(v[0]), 2u) << seq;
    RecordedEvent got;
    ASSERT_TRUE(record::DecodeRecord(v, &got).ok()) << seq;
    EXPECT_EQ(got, one);
  }
}

TEST(RecordFormat, ALegacyRecordIsFormatOneAndDecodes) {
  const RecordedEvent e = Recorded();  // seq 0, no signature
  ASSERT_EQ(record::FormatOf(e), record::kFormatUnsequenced);
  const std::string value = record::EncodeRecord(e);
  EXPECT_EQ(static_cast<std::uint8_t>(value[0]), 1u);
  RecordedEvent back;
  back.seq = 5;
  back.signature = "left over";
  ASSERT_TRUE(record::DecodeRecord(value, &back).ok());
  EXPECT_EQ(back, e);
  EXPECT_EQ(record::EncodeRecord(back), value);

  // Format 1's canonical bytes end with the data; format 2 appends seq (one
  // byte for 0) and the signature ("x": two bytes) to the same prefix.
  RecordedEvent numbered = e;
  numbered.signature = "x";
  std::string c1, c2;
  record::EncodeCanonical(e, &c1);
  record::EncodeCanonical(numbered, &c2);
  EXPECT_EQ(c2.size(), c1.size() + 3);
  EXPECT_EQ(c2.substr(0, c1.size()), c1);
}

TEST(RecordFormat, AFormatByteThatDoesNotMatchTheBodyIsCorruption) {
  RecordedEvent e = Recorded();
  e.seq = 3;
  e.signature = "sig";
  std::string v2 = record::EncodeRecord(e);
  std::string as1 = v2;
  as1[0] = 1;  // format 1 leaves seq and signature unread
  RecordedEvent out;
  EXPECT_EQ(record::DecodeRecord(as1, &out).code(), StatusCode::kCorruption);
  std::string v1 = record::EncodeRecord(Recorded());
  std::string as2 = v1;
  as2[0] = 2;  // format 2 needs what format 1 does not have
  EXPECT_EQ(record::DecodeRecord(as2, &out).code(), StatusCode::kCorruption);
  for (char format : {'\0', '\3', '\xff'}) {
    std::string other = v2;
    other[0] = format;
    EXPECT_EQ(record::DecodeRecord(other, &out).code(), StatusCode::kCorruption);
  }
  EXPECT_EQ(record::DecodeRecord("", &out).code(), StatusCode::kCorruption);
  for (std::size_t n = 0; n < v2.size(); ++n) {
    EXPECT_EQ(record::DecodeRecord(v2.substr(0, n), &out).code(), StatusCode::kCorruption) << n;
  }
}

// Holdings: what the log holds of each origin, read from the index at the
// first call and kept up to date after it, also across a reopen.
TEST_F(SequencesTest, HoldingsListEachOriginsRunAndItsGaps) {
  AppendOne();
  ASSERT_TRUE(store_->AppendReplicated({Foreign("s07", 1), Foreign("s07", 2), Foreign("s07", 5)}));
  auto before = store_->Holdings();
  ASSERT_TRUE(before) << before.error().ToString();
  ASSERT_EQ(before->size(), 2u);
  EXPECT_EQ((*before)[0].origin, kOwn);
  EXPECT_EQ((*before)[0].through, 1u);
  EXPECT_EQ((*before)[1].origin, "s07");
  EXPECT_EQ((*before)[1].through, 2u);
  EXPECT_EQ((*before)[1].highest, 5u);
  EXPECT_TRUE((*before)[1].missing == std::vector<SeqRange>({{3, 4}}));
  // Appended after the first call: kept by the indexer.
  AppendOne();
  ASSERT_TRUE(store_->AppendReplicated({Foreign("s07", 3), Foreign("hq", 2)}));
  auto after = store_->Holdings();
  ASSERT_TRUE(after) << after.error().ToString();
  ASSERT_EQ(after->size(), 3u);
  EXPECT_EQ((*after)[0].origin, "hq");
  EXPECT_EQ((*after)[0].through, 0u);
  EXPECT_TRUE((*after)[0].missing == std::vector<SeqRange>({{1, 1}}));
  EXPECT_EQ((*after)[1].through, 2u);
  EXPECT_EQ((*after)[2].through, 3u);
  EXPECT_EQ((*after)[2].held, 4u);
  EXPECT_TRUE((*after)[2].missing == std::vector<SeqRange>({{4, 4}}));
  Reopen();
  auto reopened = store_->Holdings();
  ASSERT_TRUE(reopened) << reopened.error().ToString();
  ASSERT_EQ(reopened->size(), 3u);
  EXPECT_EQ((*reopened)[2].through, 3u);
  EXPECT_EQ((*reopened)[2].highest, 5u);
  EXPECT_EQ((*reopened)[1].through, 2u);
}

}  // namespace
}  // namespace clientele
