// POST /v1/batch: each command judged as its own route judges it, with its
// own result, permission and idempotency key; a bad envelope refused whole.
#include <gtest/gtest.h>

#include "tests/api/api_fixture.h"

namespace clientele::testing {
namespace {

class BatchTest : public ApiTest {
 protected:
  Reply Batch(const std::string& commands, const std::string& token = "admin") {
    return Call("POST", "/v1/batch", R"({"commands":[)" + commands + "]}", token);
  }
  static boost::json::array Results(const Reply& r) {
    auto v = r.json();
    if (!v.is_object() || !v.as_object().contains("results")) return {};
    return v.as_object().at("results").as_array();
  }
  static std::int64_t Status(const boost::json::value& result) {
    return result.as_object().at("status").as_int64();
  }
  static std::string Reason(const boost::json::value& result) {
    return std::string(result.at("problem").at("reason").as_string());
  }
  std::int64_t Credit(const std::string& id) {
    return Call("GET", "/v1/customers/" + id).json().at("credit").as_int64();
  }
};

std::string TopUp(const std::string& id, int amount, const std::string& ref,
                  const std::string& key = "") {
  return R"({"kind":"credit.top_up","customer":")" + id + "\"" +
         (key.empty() ? "" : R"(,"idempotency_key":")" + key + "\"") + R"(,"body":{"amount":)" +
         std::to_string(amount) + R"(,"payment_ref":")" + ref + "\"}}";
}

std::string Deduct(const std::string& id, int amount) {
  return R"({"kind":"credit.deduct","customer":")" + id + R"(","body":{"amount":)" +
         std::to_string(amount) + "}}";
}

std::string Purchase(const std::string& id, const std::string& tab, int amount) {
  return R"({"kind":"purchase","customer":")" + id + R"(","body":{"tab_id":")" + tab +
         R"(","amount":)" + std::to_string(amount) + "}}";
}

TEST_F(BatchTest, EachCommandGetsItsOwnResultInOrderAndTheRefusedChangeNothing) {
  const std::string ada = std::string(Create("Ada", "Lovelace").at("id").as_string());
  const std::string bob = std::string(Create("Bob", "Builder").at("id").as_string());
  const std::uint64_t before = Head();
  Reply r = Batch(TopUp(ada, 500, "p1") + "," + Deduct(ada, 200) + "," +
                  Deduct(bob, 100) +  // bob has no credit: refused as the route refuses it
                  "," + R"({"kind":"purchase","customer":")" + bob +
                  R"(","body":{"amount":"x"}})" +  // bad body: 422 with its fields
                  "," + Purchase("C-NOPE", "t0", 100) + "," + Purchase(bob, "t1", 1250) + "," +
                  R"({"kind":"edit","customer":")" + ada + R"(","body":{"email":"ada@x.org"}})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto results = Results(r);
  ASSERT_EQ(results.size(), 7u) << r.body;
  EXPECT_EQ(Status(results[0]), 200);
  EXPECT_EQ(Status(results[1]), 200);
  EXPECT_EQ(results[1].at("customer").at("credit").as_int64(), 300) << "the batch's customer";
  EXPECT_EQ(Status(results[2]), 409) << r.body;
  EXPECT_EQ(Reason(results[2]), "insufficient_credit");
  EXPECT_EQ(Status(results[3]), 422);
  EXPECT_EQ(results[3].at("problem").at("errors").as_array().size(), 2u) << "tab_id and amount";
  EXPECT_EQ(Status(results[4]), 404);
  EXPECT_EQ(Reason(results[4]), "customer_not_found");
  EXPECT_EQ(Status(results[5]), 200);
  EXPECT_EQ(results[5].at("customer").at("id").as_string(), bob);
  EXPECT_EQ(Status(results[6]), 200);
  EXPECT_EQ(results[6].at("customer").at("email").as_string(), "ada@x.org");
  EXPECT_EQ(Credit(ada), 300);
  EXPECT_EQ(Credit(bob), 0);
  // The same command through its own route is refused alike.
  Reply alone = Call("POST", "/v1/customers/" + bob + "/credit/deduct", R"({"amount":100})");
  EXPECT_EQ(alone.status, 409);
  EXPECT_GT(Head(), before);
}

TEST_F(BatchTest, TheAcceptedCommandsShareOneGroupCommit) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(std::string(Create("C" + std::to_string(i), "X").at("id").as_string()));
  }
  const EventStoreStats before = store_->stats();
  std::string commands;
  for (int i = 0; i < 200; ++i) {
    if (i > 0) commands += ',';
    commands += TopUp(ids[i % 5], 10, "p" + std::to_string(i));
  }
  Reply r = Batch(commands);
  ASSERT_EQ(r.status, 200) << r.body;
  for (const auto& result : Results(r)) EXPECT_EQ(Status(result), 200);
  const EventStoreStats after = store_->stats();
  EXPECT_EQ(after.events_written - before.events_written, 200u);
  EXPECT_EQ(after.batches_written - before.batches_written, 1u) << "one group commit";
  for (const std::string& id : ids) EXPECT_EQ(Credit(id), 400);
}

TEST_F(BatchTest, AKeyUsedAgainAnswersItsFirstResultAndRunsNothing) {
  const std::string ada = std::string(Create("Ada", "Lovelace").at("id").as_string());
  Reply first = Batch(TopUp(ada, 500, "p1", "pos-1") + "," + Deduct(ada, 900));
  ASSERT_EQ(first.status, 200) << first.body;
  ASSERT_EQ(Status(Results(first)[0]), 200);
  const std::uint64_t head = Head();
  // The retry of the whole batch: the keyed top-up replays, the other runs again.
  Reply again = Batch(TopUp(ada, 500, "p1", "pos-1") + "," + TopUp(ada, 1, "p2", "pos-2") + "," +
                      TopUp(ada, 1, "p2", "pos-2") + "," + TopUp(ada, 500, "p1", "pos-1") + "," +
                      TopUp(ada, 7, "p9", "pos-1"));
  ASSERT_EQ(again.status, 200) << again.body;
  auto results = Results(again);
  ASSERT_EQ(results.size(), 5u);
  EXPECT_EQ(Status(results[0]), 200);
  EXPECT_TRUE(results[0].at("replayed").as_bool());
  EXPECT_EQ(results[0].at("customer").at("credit").as_int64(), 500) << "the first answer";
  EXPECT_EQ(Status(results[1]), 200);
  EXPECT_FALSE(results[1].as_object().contains("replayed"));
  EXPECT_EQ(Status(results[2]), 409) << "a new key twice in one batch: the second waits";
  EXPECT_EQ(Reason(results[2]), "idempotency_in_flight");
  EXPECT_EQ(Status(results[3]), 200) << "an answered key twice: both replay";
  EXPECT_TRUE(results[3].at("replayed").as_bool());
  EXPECT_EQ(Status(results[4]), 422) << "the key with another command";
  EXPECT_EQ(Reason(results[4]), "idempotency_key_reused");
  EXPECT_EQ(Credit(ada), 501);
  EXPECT_EQ(Head(), head + 1) << "only pos-2 wrote";
  // The key with another command: refused as a single route refuses it.
  Reply other = Batch(TopUp(ada, 999, "p1", "pos-1"));
  EXPECT_EQ(Status(Results(other)[0]), 422);
  EXPECT_EQ(Reason(Results(other)[0]), "idempotency_key_reused");
  // A refusal kept with its key replays too.
  Reply refused = Batch(R"({"kind":"credit.deduct","customer":")" + ada +
                        R"(","idempotency_key":"pos-3","body":{"amount":99999}})");
  ASSERT_EQ(Status(Results(refused)[0]), 409);
  Reply refused_again = Batch(R"({"kind":"credit.deduct","customer":")" + ada +
                              R"(","idempotency_key":"pos-3","body":{"amount":99999}})");
  EXPECT_EQ(Status(Results(refused_again)[0]), 409);
  EXPECT_TRUE(Results(refused_again)[0].at("replayed").as_bool());
}

// One Idempotency-Key for a whole batch could not keep its commands (a retry
// would run again those without a key of their own): it is refused.
TEST_F(BatchTest, AnIdempotencyKeyHeaderOnTheBatchIsRefused) {
  const std::string ada = std::string(Create("Ada", "Lovelace").at("id").as_string());
  const std::uint64_t head = Head();
  Reply r = Call("POST", "/v1/batch",
                 R"({"commands":[)" + Deduct(ada, 0) + "," + TopUp(ada, 500, "p1") + "]}", "admin",
                 {{"Idempotency-Key", "shift-1"}});
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(r.json().at("reason").as_string(), "idempotency_key_on_batch");
  EXPECT_NE(r.json().at("detail").as_string().find("idempotency_key"), std::string::npos);
  EXPECT_EQ(Head(), head) << "nothing was appended";
  EXPECT_EQ(Credit(ada), 0);
  // The key was not claimed: it is free for another request.
  Reply other =
      Call("POST", "/v1/customers/" + ada + "/credit/top-up", R"({"amount":5,"payment_ref":"p2"})",
           "admin", {{"Idempotency-Key", "shift-1"}});
  EXPECT_EQ(other.status, 200) << other.body;
}

// A command with "if_match" runs only if its customer is at that version when
// its turn comes (after the batch's earlier commands): else 412 for it alone.
TEST_F(BatchTest, AnIfMatchRefusesOnlyItsOwnCommandWhenTheCustomerMoved) {
  const std::string ada = std::string(Create("Ada", "Lovelace").at("id").as_string());
  const std::int64_t v = Call("GET", "/v1/customers/" + ada).json().at("version").as_int64();
  auto edit = [&](const std::string& email, std::int64_t if_match) {
    return R"({"kind":"edit","customer":")" + ada + R"(","if_match":)" + std::to_string(if_match) +
           R"(,"body":{"email":")" + email + R"("}})";
  };
  Reply r = Batch(edit("a@x.org", v) + "," + edit("stale@x.org", v) + "," + TopUp(ada, 5, "p1") +
                  "," + edit("c@x.org", v + 1));
  ASSERT_EQ(r.status, 200) << r.body;
  auto results = Results(r);
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(Status(results[0]), 200);
  EXPECT_EQ(Status(results[1]), 412) << r.body;
  EXPECT_EQ(Reason(results[1]), "version_mismatch");
  EXPECT_EQ(Status(results[2]), 200);
  EXPECT_EQ(Status(results[3]), 412) << "the top-up moved it on";
  auto after = Call("GET", "/v1/customers/" + ada).json();
  EXPECT_EQ(after.at("email").as_string(), "a@x.org");
  EXPECT_EQ(after.at("version").as_int64(), v + 2);
  // A bad if_match refuses the envelope; an If-Match header on the batch too.
  Reply bad = Batch(R"({"kind":"edit","customer":")" + ada +
                    R"(","if_match":"3","body":{"email":"b@x.org"}})");
  EXPECT_EQ(bad.status, 422) << bad.body;
  EXPECT_NE(bad.body.find("commands[0].if_match"), std::string::npos) << bad.body;
  Reply header = Call("POST", "/v1/batch", R"({"commands":[)" + edit("h@x.org", v + 2) + "]}",
                      "admin", {{"If-Match", "\"" + std::to_string(v + 2) + "\""}});
  EXPECT_EQ(header.status, 422) << header.body;
  EXPECT_EQ(header.json().at("reason").as_string(), "if_match_on_batch");
  EXPECT_EQ(Call("GET", "/v1/customers/" + ada).json().at("email").as_string(), "a@x.org");
}

TEST_F(BatchTest, EachCommandNeedsItsOwnRoutesPermission) {
  const std::string ada = std::string(Create("Ada", "Lovelace").at("id").as_string());
  // cashier: view, create, edit — purchases yes, credit no.
  Reply r = Batch(Purchase(ada, "t1", 1000) + "," + TopUp(ada, 500, "p1") + "," +
                      R"({"kind":"deactivate","customer":")" + ada + "\"}",
                  "cashier");
  ASSERT_EQ(r.status, 200) << r.body;
  auto results = Results(r);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(Status(results[0]), 200);
  EXPECT_EQ(Status(results[1]), 403);
  EXPECT_EQ(Reason(results[1]), "permission_denied");
  EXPECT_NE(results[1].at("problem").at("detail").as_string().find("customers.manage_credit"),
            std::string::npos);
  EXPECT_EQ(Status(results[2]), 403);
  EXPECT_EQ(Credit(ada), 0);
  EXPECT_TRUE(Call("GET", "/v1/customers/" + ada).json().at("active").as_bool());
  // A principal with none of a batch's permissions is refused whole.
  EXPECT_EQ(Batch(Purchase(ada, "t2", 1000), "viewer").status, 403);
}

TEST_F(BatchTest, ABadEnvelopeIsRefusedWholeAndChangesNothing) {
  const std::string ada = std::string(Create("Ada", "Lovelace").at("id").as_string());
  const std::uint64_t head = Head();
  EXPECT_EQ(Call("POST", "/v1/batch", "{not json").status, 400);
  EXPECT_EQ(Call("POST", "/v1/batch", R"({"commands":{}})").status, 422);
  EXPECT_EQ(Call("POST", "/v1/batch", R"({})").status, 422);
  EXPECT_EQ(Call("POST", "/v1/batch", R"({"commands":[]})").status, 422);
  Reply unknown = Batch(TopUp(ada, 500, "p1") + R"(,{"kind":"teleport","customer":")" + ada +
                        R"("},{"kind":"purchase"})");
  ASSERT_EQ(unknown.status, 422) << unknown.body;
  EXPECT_NE(unknown.body.find("commands[1].kind"), std::string::npos) << unknown.body;
  EXPECT_NE(unknown.body.find("unknown_kind"), std::string::npos);
  EXPECT_NE(unknown.body.find("commands[2].customer"), std::string::npos) << unknown.body;
  std::string many;
  for (int i = 0; i < 1001; ++i) many += (i ? "," : "") + TopUp(ada, 1, "p" + std::to_string(i));
  Reply too_many = Batch(many);
  ASSERT_EQ(too_many.status, 422) << too_many.body.substr(0, 300);
  EXPECT_NE(too_many.body.find("too_many_commands"), std::string::npos);
  EXPECT_EQ(Head(), head) << "nothing was appended";
  EXPECT_EQ(Credit(ada), 0);
}

}  // namespace
}  // namespace clientele::testing
