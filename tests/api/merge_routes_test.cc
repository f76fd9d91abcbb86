// Merging duplicates over real loopback HTTP: balances and histories, the
// duplicate's id and code as aliases on every route, each refusal, and the
// candidates a clerk reviews.
#include "tests/api/api_fixture.h"

namespace clientele::testing {
namespace {

std::int64_t Int(const boost::json::value& o, const char* key) {
  return o.at(key).to_number<std::int64_t>();
}

class MergeApiTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    auto s = Create("Ada", "Lovelace", R"(,"email":"ada@example.com")");
    auto d = Create("Ada", "Lovelace", R"(,"email":"ADA@example.com","phone":"+44 20 7946 0018")");
    survivor_ = std::string(s.at("id").as_string());
    survivor_code_ = std::string(s.at("code").as_string());
    duplicate_ = std::string(d.at("id").as_string());
    duplicate_code_ = std::string(d.at("code").as_string());
    EXPECT_EQ(Call("POST", "/v1/customers/" + survivor_ + "/purchases",
                   R"({"tab_id":"t1","amount":5000,"paid_at":"2026-11-01T10:00:00Z"})")
                  .status,
              200);
    EXPECT_EQ(Call("POST", "/v1/customers/" + duplicate_ + "/purchases",
                   R"({"tab_id":"t2","amount":3000,"paid_at":"2026-11-20T10:00:00Z"})")
                  .status,
              200);
    EXPECT_EQ(Call("POST", "/v1/customers/" + duplicate_ + "/credit/top-up",
                   R"({"amount":700,"payment_ref":"p1"})")
                  .status,
              200);
  }

  Reply Merge(const std::string& survivor, const std::string& duplicate,
              const std::string& more = "") {
    return Call("POST", "/v1/customers/" + survivor + "/merge",
                R"({"duplicate":")" + duplicate + "\"" + more + "}");
  }

  std::string survivor_, survivor_code_, duplicate_, duplicate_code_;
};

TEST_F(MergeApiTest, BalancesTotalsAndFieldsCombineAndBothHistoriesShowTheTransfer) {
  Reply merged = Merge(survivor_, duplicate_code_);
  ASSERT_EQ(merged.status, 200) << merged.body;
  const auto s = merged.json();
  EXPECT_EQ(s.at("id").as_string(), survivor_);
  EXPECT_EQ(Int(s, "points"), 80);
  EXPECT_EQ(Int(s, "credit"), 700);
  EXPECT_EQ(Int(s, "total_spent"), 8000);
  EXPECT_EQ(s.at("last_visit"), "2026-11-20T10:00:00.000Z");
  EXPECT_EQ(s.at("email"), "ada@example.com");   // the survivor's stays
  EXPECT_EQ(s.at("phone"), "+44 20 7946 0018");  // filled from the duplicate
  ASSERT_TRUE(s.at("aliases").is_array()) << merged.body;
  EXPECT_EQ(s.at("aliases").at(0).as_string(), duplicate_code_);

  Reply history = Call("GET", "/v1/customers/" + survivor_ + "/history");
  ASSERT_EQ(history.status, 200) << history.body;
  const boost::json::value history_json = history.json();
  const auto& entries = history_json.at("entries").as_array();
  ASSERT_FALSE(entries.empty());
  EXPECT_EQ(entries[0].at("type"), "customer.merge_received");
  EXPECT_EQ(Int(entries[0], "points_change"), 30);
  EXPECT_EQ(Int(entries[0], "credit_change"), 700);
  EXPECT_EQ(Int(entries[0], "credit_after"), 700);

  Reply own = Call("GET", "/v1/customers/" + duplicate_ + "/history?alias=false");
  ASSERT_EQ(own.status, 200) << own.body;
  const boost::json::value own_json = own.json();
  const auto& out = own_json.at("entries").as_array();
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out[0].at("type"), "customer.merged");
  EXPECT_EQ(Int(out[0], "points_change"), -30);
  EXPECT_EQ(Int(out[0], "credit_change"), -700);
  EXPECT_EQ(Int(out[0], "credit_after"), 0);
  EXPECT_EQ(out[0].at("reference"), entries[0].at("reference"));  // the merge id
}

TEST_F(MergeApiTest, TheClerkPicksAFieldFromTheDuplicate) {
  Reply merged = Merge(survivor_, duplicate_, R"(,"fields":{"email":"duplicate"})");
  ASSERT_EQ(merged.status, 200) << merged.body;
  EXPECT_EQ(merged.json().at("email"), "ADA@example.com");
  Reply bad = Merge(survivor_, duplicate_, R"(,"fields":{"email":"both"})");
  EXPECT_EQ(bad.status, 422) << bad.body;
}

TEST_F(MergeApiTest, TheDuplicatesIdAndCodeResolveToTheSurvivorEverywhere) {
  ASSERT_EQ(Merge(survivor_, duplicate_).status, 200);
  for (const std::string& ref : {duplicate_, duplicate_code_}) {
    const std::string base = "/v1/customers/" + ref;
    Reply got = Call("GET", base);
    ASSERT_EQ(got.status, 200) << got.body;
    EXPECT_EQ(got.json().at("id").as_string(), survivor_);
    Reply bought =
        Call("POST", base + "/purchases", R"({"tab_id":"t-)" + ref + R"(","amount":1000})");
    ASSERT_EQ(bought.status, 200) << bought.body;
    EXPECT_EQ(bought.json().at("id").as_string(), survivor_);
    Reply topped =
        Call("POST", base + "/credit/top-up", R"({"amount":100,"payment_ref":"p-)" + ref + "\"}");
    ASSERT_EQ(topped.status, 200) << topped.body;
    Reply deducted = Call("POST", base + "/credit/deduct", R"({"amount":50})");
    ASSERT_EQ(deducted.status, 200) << deducted.body;
    Reply redeemed = Call("POST", base + "/points/redeem", R"({"points":1})");
    ASSERT_EQ(redeemed.status, 200) << redeemed.body;
    EXPECT_EQ(redeemed.json().at("id").as_string(), survivor_);
    Reply history = Call("GET", base + "/history?limit=1");
    ASSERT_EQ(history.status, 200) << history.body;
    EXPECT_EQ(history.json().at("entries").at(0).at("type"), "loyalty.points_redeemed");
  }
  Reply s = Call("GET", "/v1/customers/" + survivor_);
  EXPECT_EQ(Int(s.json(), "total_spent"), 10000);
  EXPECT_EQ(Int(s.json(), "credit"), 800);
  Reply d = Call("GET", "/v1/customers/" + duplicate_ + "/history?alias=false&limit=1");
  EXPECT_EQ(d.json().at("entries").at(0).at("type"), "customer.merged");  // nothing after

  // Search by the old code finds the survivor; the duplicate is not listed.
  Reply found = Call("GET", "/v1/customers?search=" + duplicate_code_);
  ASSERT_EQ(found.status, 200) << found.body;
  ASSERT_EQ(found.json().at("customers").as_array().size(), 1u) << found.body;
  EXPECT_EQ(found.json().at("customers").at(0).at("id").as_string(), survivor_);
  Reply all = Call("GET", "/v1/customers?search=lovelace&status=all");
  EXPECT_EQ(Int(all.json(), "total"), 1);
}

TEST_F(MergeApiTest, EachRefusalHasItsReasonAndChangesNothing) {
  const std::uint64_t before = Head();
  Reply self = Merge(survivor_, survivor_code_);
  EXPECT_EQ(self.status, 422) << self.body;
  EXPECT_EQ(self.reason(), "merge_into_itself");
  Reply unknown = Merge(survivor_, "CUST-99999");
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  EXPECT_EQ(unknown.reason(), "duplicate_not_found");
  Reply missing = Call("POST", "/v1/customers/" + survivor_ + "/merge", "{}");
  EXPECT_EQ(missing.status, 422) << missing.body;
  Reply stale = Call("POST", "/v1/customers/" + survivor_ + "/merge",
                     R"({"duplicate":")" + duplicate_ + "\"}", "admin", {{"If-Match", "\"1\""}});
  EXPECT_EQ(stale.status, 412) << stale.body;
  EXPECT_EQ(stale.reason(), "version_mismatch");
  EXPECT_EQ(Head(), before);

  ASSERT_EQ(Merge(survivor_, duplicate_).status, 200);
  Reply again = Merge(survivor_, duplicate_);
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(again.reason(), "already_merged");
  auto other = Create("Grace", "Hopper");
  const std::string other_id(other.at("id").as_string());
  Reply into_merged = Merge(duplicate_, other_id);
  EXPECT_EQ(into_merged.status, 409) << into_merged.body;
  EXPECT_EQ(into_merged.reason(), "survivor_merged");
  Reply back = Merge(duplicate_, survivor_);
  EXPECT_EQ(back.status, 409) << back.body;

  auto gone = Create("Gone", "Person");
  const std::string gone_id(gone.at("id").as_string());
  ASSERT_EQ(Call("DELETE", "/v1/customers/" + gone_id).status, 204);
  Reply deleted = Merge(survivor_, gone_id);
  EXPECT_EQ(deleted.status, 409) << deleted.body;
  EXPECT_EQ(deleted.reason(), "customer_deleted");
  Reply no_perm = Call("POST", "/v1/customers/" + survivor_ + "/merge",
                       R"({"duplicate":")" + other_id + "\"}", "viewer");
  EXPECT_EQ(no_perm.status, 403) << no_perm.body;
}

TEST_F(MergeApiTest, ARetriedMergeAnswersAsTheFirst) {
  const std::string body = R"({"duplicate":")" + duplicate_ + "\"}";
  Reply first = Call("POST", "/v1/customers/" + survivor_ + "/merge", body, "admin",
                     {{"Idempotency-Key", "merge-1"}});
  ASSERT_EQ(first.status, 200) << first.body;
  Reply again = Call("POST", "/v1/customers/" + survivor_ + "/merge", body, "admin",
                     {{"Idempotency-Key", "merge-1"}});
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.body, first.body);
}

TEST_F(MergeApiTest, DuplicateCandidatesAreRankedStrongestFirst) {
  // Same email (in another letter case) and same name: the strongest pair.
  Create("Grace", "Hopper", R"(,"phone":"+1 555 0100 77")");
  Create("Grace", "Hopper", R"(,"phone":"(1) 5550-1007-7")");
  Create("Alan", "Turing");
  Reply page = Call("GET", "/v1/customers/duplicates?limit=1");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(Int(page.json(), "total"), 2);
  const boost::json::value page_json = page.json();
  const auto& top = page_json.at("candidates").at(0);
  EXPECT_EQ(top.at("customers").at(0).at("last_name"), "Lovelace");
  EXPECT_EQ(boost::json::serialize(top.at("matches")), R"(["email","name"])");
  ASSERT_TRUE(page.json().at("next_cursor").is_string());
  Reply next = Call("GET", "/v1/customers/duplicates?limit=1&cursor=" +
                               std::string(page.json().at("next_cursor").as_string()));
  ASSERT_EQ(next.status, 200) << next.body;
  const boost::json::value next_json = next.json();
  const auto& second = next_json.at("candidates").at(0);
  EXPECT_EQ(second.at("customers").at(0).at("last_name"), "Hopper");
  EXPECT_EQ(boost::json::serialize(second.at("matches")), R"(["phone","name"])");
  EXPECT_TRUE(next.json().at("next_cursor").is_null());
  // Merged, the pair is gone.
  ASSERT_EQ(Merge(survivor_, duplicate_).status, 200);
  EXPECT_EQ(Int(Call("GET", "/v1/customers/duplicates").json(), "total"), 1);
  EXPECT_EQ(Call("GET", "/v1/customers/duplicates?limit=0").status, 422);
}

}  // namespace
}  // namespace clientele::testing
