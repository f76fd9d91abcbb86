// IdempotencyKeys: keys per principal, budgets that refuse only their owner,
// answers too large to keep, expiry by the clock, and records that survive a
// reopen (a claim without an answer comes back as kRecover).
#include "api/idempotency.h"

#include <gtest/gtest.h>

#include "tests/test_util.h"

namespace clientele::testing {
namespace {

using api::HttpResponse;
using api::IdempotencyKeys;
using V = IdempotencyKeys::Verdict;

HttpResponse Answer(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers.emplace_back("ETag", "\"3\"");
  return r;
}

std::unique_ptr<IdempotencyKeys> Open(const std::string& path, Clock* clock,
                                      api::IdempotencyOptions options = {}) {
  options.path = path;
  auto keys = IdempotencyKeys::Open(options, clock);
  EXPECT_TRUE(keys) << keys.error().ToString();
  return keys ? std::move(*keys) : nullptr;
}

TEST(IdempotencyKeys, AKeyBelongsToItsPrincipal) {
  ManualClock clock;
  TempDir dir;
  auto keys = Open(dir.sub("requests"), &clock);
  ASSERT_EQ(keys->Begin("alice", "k1", "POST /a 1")->verdict, V::kRun);
  EXPECT_EQ(keys->Finish("alice", "k1", Answer(200, R"({"credit":400})")), "");
  // Bob's k1 is his own: another request, run, whatever alice sent.
  ASSERT_EQ(keys->Begin("bob", "k1", "POST /b 2")->verdict, V::kRun);
  EXPECT_EQ(keys->Finish("bob", "k1", Answer(201, R"({"id":"b"})")), "");
  auto alice = keys->Begin("alice", "k1", "POST /a 1");
  ASSERT_EQ(alice->verdict, V::kReplay);
  EXPECT_EQ(alice->answer.body, R"({"credit":400})");
  EXPECT_EQ(keys->Begin("alice", "k1", "POST /a 9")->verdict, V::kOtherRequest);
  EXPECT_EQ(keys->Begin("bob", "k1", "POST /b 2")->answer.status, 201);
}

TEST(IdempotencyKeys, APrincipalOverItsBudgetIsRefusedAndNobodyElsesKeyGoes) {
  ManualClock clock;
  TempDir dir;
  api::IdempotencyOptions options;
  options.max_keys_per_principal = 50;
  auto keys = Open(dir.sub("requests"), &clock, options);
  ASSERT_EQ(keys->Begin("victim", "pay-1", "POST /deduct 300")->verdict, V::kRun);
  keys->Finish("victim", "pay-1", Answer(200, R"({"credit":400})"));
  int refused = 0;
  for (int i = 0; i < 1000; ++i) {  // a burst of cheap keyed requests
    auto claim = keys->Begin("noisy", "k" + std::to_string(i), "POST /x");
    ASSERT_TRUE(claim);
    if (claim->verdict == V::kOverBudget) {
      ++refused;
      continue;
    }
    keys->Finish("noisy", "k" + std::to_string(i), Answer(422, R"({"reason":"x"})"));
  }
  EXPECT_EQ(refused, 950);
  EXPECT_EQ(keys->UsageOf("noisy").keys, 50u);
  auto victim = keys->Begin("victim", "pay-1", "POST /deduct 300");
  ASSERT_EQ(victim->verdict, V::kReplay) << "another principal's burst evicted nothing";
  EXPECT_EQ(victim->answer.body, R"({"credit":400})");
  // Once its keys expire the principal may use keys again.
  clock.Advance(api::IdempotencyOptions{}.lifetime.count() + 1);
  EXPECT_EQ(keys->Begin("noisy", "fresh", "POST /x")->verdict, V::kRun);
}

TEST(IdempotencyKeys, AByteBudgetCountsTheAnswersKept) {
  ManualClock clock;
  TempDir dir;
  api::IdempotencyOptions options;
  options.max_bytes_per_principal = 64 << 10;
  options.max_answer_bytes = 16 << 10;
  auto keys = Open(dir.sub("requests"), &clock, options);
  const std::string big(10 << 10, 'x');
  int kept = 0;
  for (int i = 0; i < 20; ++i) {
    auto claim = keys->Begin("p", "k" + std::to_string(i), "f");
    if (claim->verdict != V::kRun) break;
    if (keys->Finish("p", "k" + std::to_string(i), Answer(200, big)).empty()) ++kept;
  }
  EXPECT_EQ(kept, 6);
  EXPECT_LE(keys->UsageOf("p").bytes, options.max_bytes_per_principal);
}

TEST(IdempotencyKeys, AnAnswerTooLargeToKeepIsNotKept) {
  ManualClock clock;
  TempDir dir;
  api::IdempotencyOptions options;
  options.max_answer_bytes = 1024;
  auto keys = Open(dir.sub("requests"), &clock, options);
  // A refusal changed nothing: its key is released, a retry runs again.
  ASSERT_EQ(keys->Begin("p", "bad", "f")->verdict, V::kRun);
  std::string why = keys->Finish("p", "bad", Answer(422, std::string(14 << 20, 'e')));
  EXPECT_NE(why.find("idempotency.max_answer_bytes"), std::string::npos) << why;
  EXPECT_EQ(keys->UsageOf("p").keys, 0u);
  EXPECT_EQ(keys->Begin("p", "bad", "f")->verdict, V::kRun);
  keys->Release("p", "bad");
  // A success is done: its retry gets its status and headers, never a rerun.
  ASSERT_EQ(keys->Begin("p", "ok", "f")->verdict, V::kRun);
  EXPECT_FALSE(keys->Finish("p", "ok", Answer(200, std::string(4096, 'a'))).empty());
  auto replay = keys->Begin("p", "ok", "f");
  ASSERT_EQ(replay->verdict, V::kReplay);
  EXPECT_EQ(replay->answer.status, 200);
  EXPECT_LT(replay->answer.body.size(), 1024u);
  // 5xx answers are never kept.
  ASSERT_EQ(keys->Begin("p", "down", "f")->verdict, V::kRun);
  EXPECT_FALSE(keys->Finish("p", "down", Answer(503, "{}")).empty());
  EXPECT_EQ(keys->Begin("p", "down", "f")->verdict, V::kRun);
}

TEST(IdempotencyKeys, RecordsSurviveAReopenAndAnUnansweredClaimIsRecovered) {
  ManualClock clock;
  TempDir dir;
  std::int64_t claimed_until = 0;
  {
    auto keys = Open(dir.sub("requests"), &clock);
    ASSERT_EQ(keys->Begin("p", "answered", "f1")->verdict, V::kRun);
    keys->Finish("p", "answered", Answer(200, R"({"credit":400})"));
    auto claim = keys->Begin("p", "cut-short", "f2");  // the process dies while it runs
    ASSERT_EQ(claim->verdict, V::kRun);
    claimed_until = claim->expires_ms;
    EXPECT_EQ(keys->Begin("p", "cut-short", "f2")->verdict, V::kInFlight);
  }
  auto keys = Open(dir.sub("requests"), &clock);
  EXPECT_EQ(keys->UsageOf("p").keys, 2u);
  auto replay = keys->Begin("p", "answered", "f1");
  ASSERT_EQ(replay->verdict, V::kReplay);
  EXPECT_EQ(replay->answer.body, R"({"credit":400})");
  EXPECT_EQ(replay->answer.headers, Answer(200, "").headers);
  auto recover = keys->Begin("p", "cut-short", "f2");
  ASSERT_EQ(recover->verdict, V::kRecover);
  EXPECT_EQ(recover->expires_ms, claimed_until) << "the same use of the key, the same ids";
  EXPECT_EQ(keys->Begin("p", "cut-short", "f2")->verdict, V::kInFlight);
  EXPECT_EQ(keys->Begin("p", "cut-short", "other")->verdict, V::kOtherRequest);
}

TEST(IdempotencyKeys, KeysExpireByTheClockAndAreSweptFromDisk) {
  ManualClock clock;
  TempDir dir;
  auto keys = Open(dir.sub("requests"), &clock);
  for (int i = 0; i < 100; ++i) {
    keys->Begin("p", "k" + std::to_string(i), "f");
    keys->Finish("p", "k" + std::to_string(i), Answer(200, "{}"));
  }
  clock.Advance(api::IdempotencyOptions{}.lifetime.count() - 1);
  EXPECT_EQ(keys->Expire(), 0u);
  clock.Advance(1);
  EXPECT_EQ(keys->Expire(), 100u);
  EXPECT_EQ(keys->UsageOf("p").keys, 0u);
  keys.reset();
  EXPECT_EQ(Open(dir.sub("requests"), &clock)->UsageOf("p").keys, 0u);
}

}  // namespace
}  // namespace clientele::testing

namespace clientele::testing {
namespace {

using api::IdempotencyKeys;
using V = IdempotencyKeys::Verdict;

// POST /v1/batch claims its commands' keys together: each judged as Begin
// judges it, a key named twice waits for its first use, and the claims are on
// disk (a reopen finds them to recover).
TEST(IdempotencyKeys, ManyKeysAreClaimedTogetherAndSurviveAReopen) {
  ManualClock clock;
  TempDir dir;
  {
    auto keys = IdempotencyKeys::Open({.path = dir.sub("requests")}, &clock);
    ASSERT_TRUE(keys);
    ASSERT_EQ((*keys)->Begin("alice", "old", "batch a")->verdict, V::kRun);
    api::HttpResponse answer;
    answer.status = 200;
    answer.body = R"({"credit":1})";
    (*keys)->Finish("alice", "old", answer);
    auto claims = (*keys)->BeginMany("alice", {{"k1", "batch x"},
                                               {"old", "batch a"},
                                               {"k1", "batch x"},
                                               {"old", "batch b"},
                                               {"k2", "batch y"}});
    ASSERT_EQ(claims.size(), 5u);
    EXPECT_EQ(claims[0]->verdict, V::kRun);
    EXPECT_EQ(claims[1]->verdict, V::kReplay);
    EXPECT_EQ(claims[1]->answer.body, R"({"credit":1})");
    EXPECT_EQ(claims[2]->verdict, V::kInFlight);
    EXPECT_EQ(claims[3]->verdict, V::kOtherRequest);
    EXPECT_EQ(claims[4]->verdict, V::kRun);
    EXPECT_EQ((*keys)->UsageOf("alice").keys, 3u);
  }  // closed without finishing k1 and k2: as after a crash
  auto keys = IdempotencyKeys::Open({.path = dir.sub("requests")}, &clock);
  ASSERT_TRUE(keys);
  EXPECT_EQ((*keys)->Begin("alice", "k1", "batch x")->verdict, V::kRecover);
  EXPECT_EQ((*keys)->Begin("alice", "k2", "batch y")->verdict, V::kRecover);
}

}  // namespace
}  // namespace clientele::testing

#include <rocksdb/env.h>

#include "tests/eventstore/fault_fs.h"

namespace clientele::testing {
namespace {

using api::IdempotencyKeys;
using V = IdempotencyKeys::Verdict;

// When the batch's claims cannot be written, no key is left to run without a
// claim on disk: a new key and an expired one claimed anew alike. When its
// answers cannot be written, the claims stay (a retry recovers) and the
// principal's budget does not count the answers.
TEST(IdempotencyKeys, AFailedWriteOfManyLeavesNoKeyToRunAndCountsNothing) {
  ManualClock clock;
  TempDir dir;
  auto fs = std::make_shared<FaultFileSystem>();
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
  const api::IdempotencyOptions options{
      .path = dir.sub("requests"), .lifetime = std::chrono::seconds(30), .env = env.get()};
  {
    auto keys = IdempotencyKeys::Open(options, &clock);
    ASSERT_TRUE(keys);
    ASSERT_EQ((*keys)->Begin("alice", "old", "batch a")->verdict, V::kRun);  // sweeps, next in 60 s
    api::HttpResponse answer;
    answer.status = 200;
    answer.body = R"({"credit":1})";
    ASSERT_EQ((*keys)->Finish("alice", "old", answer), "");
    clock.Advance(20'000);
    ASSERT_EQ((*keys)->Begin("alice", "done", "batch d")->verdict, V::kRun);
    clock.Advance(15'000);  // "old" has expired, not yet swept
    ASSERT_EQ((*keys)->UsageOf("alice").keys, 2u);

    fs->SetFull(true);
    auto claims = (*keys)->BeginMany("alice", {{"old", "batch a"}, {"new", "batch n"}});
    ASSERT_EQ(claims.size(), 2u);
    EXPECT_FALSE(claims[0]) << "the expired key claimed anew has no claim on disk";
    EXPECT_FALSE(claims[1]);
    EXPECT_EQ((*keys)->UsageOf("alice").keys, 1u) << "only \"done\"; \"old\" expired";

    const auto claimed = (*keys)->UsageOf("alice");
    api::HttpResponse big;
    big.status = 200;
    big.body = std::string(4000, 'x');
    auto why = (*keys)->FinishMany("alice", {{"done", &big}});
    ASSERT_EQ(why.size(), 1u);
    EXPECT_NE(why[0].find("could not be kept"), std::string::npos) << why[0];
    EXPECT_EQ((*keys)->UsageOf("alice").bytes, claimed.bytes) << "the answer is not counted";
  }
  fs->SetFull(false);
  auto keys = IdempotencyKeys::Open(options, &clock);
  ASSERT_TRUE(keys) << keys.error().ToString();
  EXPECT_EQ((*keys)->Begin("alice", "done", "batch d")->verdict, V::kRecover)
      << "its claim stayed: a retry recovers it from the log";
  EXPECT_EQ((*keys)->Begin("alice", "new", "batch n")->verdict, V::kRun) << "never claimed";
}

}  // namespace
}  // namespace clientele::testing
