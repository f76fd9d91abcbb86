// Erasure (crypto-shredding) end to end on one node: after POST .../erase no
// byte of the node's data folder (log, index, projections, keys, stored
// answers, imports), no export and no answer holds the customer's personal
// strings, also after a rebuild, while balances, history amounts and the
// hash chain stay as they were. With sealing switched off the same search
// finds them, so the search means something.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "tests/api/service_fixture.h"

namespace clientele::testing {
namespace {

std::string RandomWord(std::mt19937_64& rng, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>('a' + rng() % 26));
  return s;
}

std::string RandomDigits(std::mt19937_64& rng, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>('0' + rng() % 10));
  return s;
}

class EraseTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    std::random_device rd;
    std::mt19937_64 rng((static_cast<std::uint64_t>(rd()) << 32) | rd());
    first_ = "Zy" + RandomWord(rng, 10);
    last_ = "Qx" + RandomWord(rng, 10);
    email_ = RandomWord(rng, 12) + "@example.com";
    new_email_ = RandomWord(rng, 12) + "@example.org";
    phone_ = "+1 555 " + RandomDigits(rng, 7);
    tax_id_ = "TX" + RandomDigits(rng, 11);
    address_ = RandomWord(rng, 9) + " street 7";
    notes_ = "prefers " + RandomWord(rng, 11);
    credit_note_ = "gift from " + RandomWord(rng, 11);
    points_note_ = "sorry " + RandomWord(rng, 11);
    // Answers kept on disk, scrubbed when the projections erase.
    api::IdempotencyOptions options;
    options.path = dir_.sub("requests");
    auto keys = api::IdempotencyKeys::Open(options, &clock_);
    ASSERT_TRUE(keys) << keys.error().ToString();
    requests_db_ = std::move(*keys);
    api::ServiceOptions so;
    so.imports = imports_.get();
    so.key = key_.get();
    so.idempotency = requests_db_.get();
    service_ = std::make_unique<api::Service>(so, store_.get(), commands_.get(), projector_.get(),
                                              api::Authenticator(TestPrincipals()), &clock_);
    projector_->OnErased([this](const std::vector<std::string>& ids) {
      ASSERT_TRUE(requests_db_->Scrub(ids).ok());
      imports_->DropPending();
    });
  }

  void TearDown() override {
    service_.reset();
    projector_.reset();
    requests_db_.reset();
    ServiceTest::TearDown();
  }

  // The strings that must be gone.
  std::vector<std::string> Personal() const {
    return {first_,  last_,    email_, new_email_,   phone_.substr(3),
            tax_id_, address_, notes_, credit_note_, points_note_};
  }

  // The personal strings found in `bytes`.
  std::vector<std::string> Found(const std::string& bytes) const {
    std::vector<std::string> out;
    for (const std::string& s : Personal()) {
      if (bytes.find(s) != std::string::npos) out.push_back(s);
    }
    return out;
  }

  // Builds the customer with every kind of personal field and entry; returns its id.
  std::string BuildCustomer() {
    Reply created =
        Call("POST", "/v1/customers",
             R"({"first_name":")" + first_ + R"(","last_name":")" + last_ + R"(","email":")" +
                 email_ + R"(","phone":")" + phone_ + R"(","tax_id":")" + tax_id_ +
                 R"(","address":")" + address_ + R"(","notes":")" + notes_ + R"("})",
             "admin", {{"Content-Type", "application/json"}, {"Idempotency-Key", "c1"}});
    EXPECT_EQ(created.status, 201) << created.body;
    const std::string id(created.json().at("id").as_string());
    auto post = [&](const std::string& path, const std::string& body, const std::string& key) {
      Reply r = Call("POST", "/v1/customers/" + id + path, body, "admin",
                     {{"Content-Type", "application/json"}, {"Idempotency-Key", key}});
      EXPECT_EQ(r.status, 200) << path << ": " << r.body;
    };
    post("/credit/top-up",
         R"({"amount":2500,"payment_ref":"pay-1","note":")" + credit_note_ + "\"}", "c2");
    post("/purchases", R"({"tab_id":"tab-1","amount":1234})", "c3");
    post("/points/adjust", R"({"delta":5,"note":")" + points_note_ + "\"}", "c4");
    post("/credit/deduct", R"({"amount":300})", "c5");
    Reply edited = Call("PATCH", "/v1/customers/" + id, R"({"email":")" + new_email_ + "\"}",
                        "admin", {{"Content-Type", "application/json"}, {"Idempotency-Key", "c6"}});
    EXPECT_EQ(edited.status, 200) << edited.body;
    // An import analysed but not confirmed: the customer's row in a file.
    Reply analysed = Call("POST", "/v1/customers/imports",
                          "First Name,Last Name,Email\n" + first_ + "," + last_ + "," + new_email_ +
                              "\nSam,Other,sam@example.com\n");
    EXPECT_EQ(analysed.status, 201) << analysed.body;
    EXPECT_TRUE(projector_->WaitFor(Head(), std::chrono::seconds(10)));
    return id;
  }

  // The customer and its history's amounts, as an auditor compares them.
  std::string Figures(const std::string& id) {
    Reply got = Call("GET", "/v1/customers/" + id);
    EXPECT_EQ(got.status, 200) << got.body;
    if (got.status != 200) return got.body;
    auto c = got.json().as_object();
    std::string out = "points=" + boost::json::serialize(c.at("points")) +
                      " credit=" + boost::json::serialize(c.at("credit")) +
                      " spent=" + boost::json::serialize(c.at("total_spent")) +
                      " code=" + std::string(c.at("code").as_string()) + " history=";
    auto h = Call("GET", "/v1/customers/" + id + "/history").json();
    for (const auto& e : h.at("entries").as_array()) {
      out += std::string(e.at("type").as_string()) + ":" +
             boost::json::serialize(e.at("points_change")) + "/" +
             boost::json::serialize(e.at("credit_change")) + " ";
    }
    return out;
  }

  std::unique_ptr<api::IdempotencyKeys> requests_db_;
  std::string first_, last_, email_, new_email_, phone_, tax_id_, address_, notes_, credit_note_,
      points_note_;
};

TEST_F(EraseTest, NothingPersonalRemainsOnDiskOrInAnswersWhileTheLedgerStays) {
  const std::string id = BuildCustomer();
  // Before: the strings are where a user sees them (the search is meaningful).
  EXPECT_EQ(Found(Call("GET", "/v1/customers/export.csv").body).size(), 5u);
  EXPECT_FALSE(Found(AllBytes(dir_.path())).empty()) << "projections and answers hold them";
  EXPECT_TRUE(Found(AllBytes(dir_.sub("log"))).empty()) << "the log holds only ciphertext";

  // Refused with credit, allowed with the write-off.
  Reply refused = Call("POST", "/v1/customers/" + id + "/erase", R"({"reason":"asked by email"})");
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_EQ(refused.reason(), "credit_held");
  Reply no_reason = Call("POST", "/v1/customers/" + id + "/erase", R"({"write_off_credit":true})");
  EXPECT_EQ(no_reason.status, 422) << no_reason.body;
  const std::string before = Figures(id);
  Reply erased = Call("POST", "/v1/customers/" + id + "/erase",
                      R"({"reason":"asked by email","write_off_credit":true})");
  ASSERT_EQ(erased.status, 200) << erased.body;
  auto e = erased.json().as_object();
  EXPECT_TRUE(e.at("erased").as_bool());
  EXPECT_TRUE(e.at("first_name").is_null());
  EXPECT_TRUE(e.at("email").is_null());
  EXPECT_EQ(e.at("credit").as_int64(), 0);
  EXPECT_EQ(e.at("total_spent").as_int64(), 1234);
  ASSERT_TRUE(projector_->WaitFor(Head(), std::chrono::seconds(10)));
  // The write-off is one more entry of the ledger (the newest); the rest is
  // as it was.
  const std::string after = Figures(id);
  const std::string history = before.substr(before.find(" history=") + 9);
  EXPECT_EQ(after.substr(after.find(" history=") + 9), "credit.adjusted:0/-2200 " + history);
  EXPECT_EQ(after.substr(0, after.find(" credit=")), before.substr(0, before.find(" credit=")));

  // A purchase still applies to the erased customer.
  Reply bought =
      Call("POST", "/v1/customers/" + id + "/purchases", R"({"tab_id":"tab-2","amount":100})");
  EXPECT_EQ(bought.status, 200) << bought.body;
  Reply edit = Call("PATCH", "/v1/customers/" + id, R"({"first_name":"Back"})");
  EXPECT_EQ(edit.status, 409) << edit.body;
  EXPECT_EQ(edit.reason(), "customer_erased");
  ASSERT_TRUE(projector_->WaitFor(Head(), std::chrono::seconds(10)));

  // Nothing of the person anywhere: every file, the export, search, answers.
  EXPECT_EQ(Found(AllBytes(dir_.path())), std::vector<std::string>{});
  EXPECT_EQ(Found(Call("GET", "/v1/customers/export.csv").body), std::vector<std::string>{});
  EXPECT_EQ(Call("GET", "/v1/customers?search=" + first_).json().at("total").as_int64(), 0);
  EXPECT_EQ(Found(Call("GET", "/v1/customers/" + id + "/history").body),
            std::vector<std::string>{});
  auto verified = store_->Verify();
  ASSERT_TRUE(verified);
  EXPECT_TRUE(verified->ok);

  // A rebuild from the log brings nothing back.
  const std::string figures = Figures(id);
  projector_.reset();
  std::filesystem::remove_all(dir_.sub("projections"));
  auto projector = Projector::Open(store_.get(), dir_.sub("projections"), data_keys_.get());
  ASSERT_TRUE(projector) << projector.error().ToString();
  projector_ = std::move(*projector);
  ASSERT_TRUE(projector_->CatchUp().ok());
  projector_->Start();
  api::ServiceOptions so;
  so.key = key_.get();
  service_ = std::make_unique<api::Service>(so, store_.get(), commands_.get(), projector_.get(),
                                            api::Authenticator(TestPrincipals()), &clock_);
  EXPECT_EQ(Figures(id), figures);
  EXPECT_TRUE(Call("GET", "/v1/customers/" + id).json().at("erased").as_bool());
  EXPECT_EQ(Found(AllBytes(dir_.path())), std::vector<std::string>{});
}

TEST_F(EraseTest, ErasingASurvivorErasesTheCustomersMergedIntoIt) {
  // The person's details sit on a duplicate merged into another record: the
  // clerk erases by the duplicate's code (an alias of the survivor).
  const std::string duplicate = BuildCustomer();
  const std::string duplicate_code(
      Call("GET", "/v1/customers/" + duplicate).json().at("code").as_string());
  Reply survivor = Call("POST", "/v1/customers", R"({"first_name":"Sam","last_name":"Plain"})");
  ASSERT_EQ(survivor.status, 201) << survivor.body;
  const std::string survivor_id(survivor.json().at("id").as_string());
  Reply merged = Call("POST", "/v1/customers/" + survivor_id + "/merge",
                      R"({"duplicate":")" + duplicate + R"(","fields":{"email":"duplicate"}})");
  ASSERT_EQ(merged.status, 200) << merged.body;
  ASSERT_TRUE(projector_->WaitFor(Head(), std::chrono::seconds(10)));
  EXPECT_FALSE(Found(Call("GET", "/v1/customers/" + survivor_id).body).empty());

  Reply erased = Call("POST", "/v1/customers/" + duplicate_code + "/erase",
                      R"({"reason":"asked in store","write_off_credit":true})");
  ASSERT_EQ(erased.status, 200) << erased.body;
  EXPECT_EQ(erased.json().at("id").as_string(), survivor_id);
  ASSERT_TRUE(projector_->WaitFor(Head(), std::chrono::seconds(10)));
  for (const std::string& id : {survivor_id, duplicate}) {
    auto doc = Call("GET", "/v1/customers/" + id + "/personal-data");
    EXPECT_EQ(doc.json().at("customer").at("status"), "erased") << id;
    EXPECT_EQ(Found(doc.body), std::vector<std::string>{}) << id;
  }
  EXPECT_TRUE(data_keys_->Erased(duplicate));
  EXPECT_TRUE(data_keys_->Erased(survivor_id));
  EXPECT_EQ(Found(AllBytes(dir_.path())), std::vector<std::string>{});

  // An erased customer is merged into nothing and takes no one in.
  Reply other = Call("POST", "/v1/customers", R"({"first_name":"Kim","last_name":"Other"})");
  const std::string other_id(other.json().at("id").as_string());
  for (const auto& [into, from] : {std::pair{survivor_id, other_id}, {other_id, survivor_id}}) {
    Reply refused =
        Call("POST", "/v1/customers/" + into + "/merge", R"({"duplicate":")" + from + "\"}");
    EXPECT_EQ(refused.status, 409) << refused.body;
    EXPECT_EQ(refused.reason(), "customer_erased");
  }
}

TEST_F(EraseTest, WithoutSealingTheLogKeepsThePersonAndTheSearchFindsIt) {
  // The control: the same customer written in clear (personal_data.seal =
  // off). Erasure still answers, but the log holds what it was given.
  projector_->OnErased({});
  commands_ = std::make_unique<CommandHandler>(store_.get(), "hq", &clock_);
  ASSERT_TRUE(commands_->Init().ok());
  api::ServiceOptions so;
  so.imports = nullptr;
  so.key = key_.get();
  service_ = std::make_unique<api::Service>(so, store_.get(), commands_.get(), projector_.get(),
                                            api::Authenticator(TestPrincipals()), &clock_);
  Reply created = Call("POST", "/v1/customers",
                       R"({"first_name":")" + first_ + R"(","last_name":")" + last_ + "\"}");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id(created.json().at("id").as_string());
  ASSERT_EQ(Call("POST", "/v1/customers/" + id + "/erase", R"({"reason":"asked"})").status, 200);
  ASSERT_TRUE(projector_->WaitFor(Head(), std::chrono::seconds(10)));
  EXPECT_TRUE(Call("GET", "/v1/customers/" + id).json().at("first_name").is_null());
  auto found = Found(AllBytes(dir_.sub("log")));
  EXPECT_NE(std::find(found.begin(), found.end(), first_), found.end());
}

}  // namespace
}  // namespace clientele::testing
