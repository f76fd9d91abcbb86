// Marketing consent over HTTP (registration, edit, import, export) and the
// customer's own data document (GDPR art. 15/20).
#include <gtest/gtest.h>

#include <set>

#include "domain/event_codec.h"
#include "domain/ids.h"
#include "eventstore/uuid.h"
#include "tests/api/api_fixture.h"

namespace clientele::testing {
namespace {

using ConsentTest = ApiTest;

std::string State(const boost::json::value& customer, const char* channel) {
  return std::string(customer.at("consent").at(channel).at("state").as_string());
}

// The field and reason of a 422's first field error.
std::pair<std::string, std::string> FirstError(const Reply& r) {
  auto v = r.json();
  if (!v.is_object() || !v.as_object().contains("errors")) return {};
  const auto& e = v.at("errors").as_array().at(0);
  return {std::string(e.at("field").as_string()), std::string(e.at("reason").as_string())};
}

TEST_F(ConsentTest, GivenAtRegistrationAndShownInTheDetail) {
  auto created = Create("Ada", "Lovelace", R"(,"consent":{"email":"granted","sms":"withdrawn"})");
  const auto& email = created.at("consent").at("email");
  EXPECT_EQ(email.at("state"), "granted");
  EXPECT_EQ(email.at("source"), "register");
  EXPECT_EQ(email.at("store"), "hq");
  EXPECT_TRUE(email.at("at").is_string());
  EXPECT_EQ(State(created, "sms"), "withdrawn");

  Reply detail = Call("GET", "/v1/customers/" + std::string(created.at("code").as_string()));
  ASSERT_EQ(detail.status, 200);
  EXPECT_EQ(detail.json().at("consent"), created.at("consent"));

  auto never = Create("Alan", "Turing");
  EXPECT_EQ(State(never, "email"), "never_asked");
  EXPECT_TRUE(never.at("consent").at("sms").at("source").is_null());
  EXPECT_TRUE(never.at("consent").at("sms").at("at").is_null());
}

TEST_F(ConsentTest, ChangedByAnEditWithIfMatchAndIdempotencyKey) {
  auto created = Create("Ada", "Lovelace", R"(,"consent":{"email":"granted"})");
  const std::string path = "/v1/customers/" + std::string(created.at("id").as_string());
  const std::string version = std::to_string(created.at("version").as_int64());

  Reply stale =
      Call("PUT", path + "/consent", R"({"email":"withdrawn"})", "admin",
           {{"If-Match", "\"" + std::to_string(created.at("version").as_int64() - 1) + "\""}});
  EXPECT_EQ(stale.status, 412) << stale.body;

  std::map<std::string, std::string> headers = {{"If-Match", "\"" + version + "\""},
                                                {"Idempotency-Key", "consent-1"}};
  Reply changed = Call("PUT", path + "/consent", R"({"email":"withdrawn","sms":"granted"})",
                       "cashier", headers);
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(State(changed.json(), "email"), "withdrawn");
  EXPECT_EQ(State(changed.json(), "sms"), "granted");
  EXPECT_EQ(changed.json().at("consent").at("email").at("source"), "hq");
  EXPECT_NE(changed.header("etag"), "\"" + version + "\"");

  const std::uint64_t head = Head();
  Reply replay = Call("PUT", path + "/consent", R"({"email":"withdrawn","sms":"granted"})",
                      "cashier", headers);
  EXPECT_EQ(replay.status, 200);
  EXPECT_EQ(replay.body, changed.body);
  Reply same = Call("PUT", path + "/consent", R"({"sms":"granted"})");
  EXPECT_EQ(same.status, 200) << same.body;
  EXPECT_EQ(Head(), head) << "a replay or the same consent again records nothing";
}

TEST_F(ConsentTest, RefusesABadChannelABadStateAndAnUnknownCustomer) {
  const std::string path =
      "/v1/customers/" + std::string(Create("Ada", "Lovelace").at("code").as_string()) + "/consent";
  const std::uint64_t head = Head();

  Reply channel = Call("PUT", path, R"({"fax":"granted"})");
  EXPECT_EQ(channel.status, 422) << channel.body;
  EXPECT_EQ(FirstError(channel),
            std::make_pair(std::string("fax"), std::string("invalid_channel")));
  Reply state = Call("PUT", path, R"({"email":"maybe"})");
  EXPECT_EQ(state.status, 422) << state.body;
  EXPECT_EQ(FirstError(state), std::make_pair(std::string("email"), std::string("invalid_state")));
  Reply boolean = Call("PUT", path, R"({"sms":true})");
  EXPECT_EQ(FirstError(boolean), std::make_pair(std::string("sms"), std::string("invalid_state")));
  Reply empty = Call("PUT", path, "{}");
  EXPECT_EQ(empty.status, 422);
  EXPECT_EQ(FirstError(empty),
            std::make_pair(std::string("consent"), std::string("empty_consent")));
  Reply unknown = Call("PUT", "/v1/customers/CUST-09999/consent", R"({"email":"granted"})");
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  EXPECT_EQ(unknown.reason(), "customer_not_found");
  EXPECT_EQ(Call("PUT", path, R"({"email":"granted"})", "viewer").status, 403);

  Reply registration =
      Call("POST", "/v1/customers",
           R"({"first_name":"Bo","last_name":"Birch","consent":{"email":"yes","post":"granted"}})");
  EXPECT_EQ(registration.status, 422) << registration.body;
  std::set<std::pair<std::string, std::string>> errors;
  const auto problem = registration.json();
  for (const auto& e : problem.at("errors").as_array()) {
    errors.emplace(e.at("field").as_string(), e.at("reason").as_string());
  }
  EXPECT_EQ(errors, (std::set<std::pair<std::string, std::string>>{
                        {"consent.email", "invalid_state"}, {"consent.post", "invalid_channel"}}));
  Reply not_object =
      Call("POST", "/v1/customers", R"({"first_name":"Bo","last_name":"Birch","consent":"yes"})");
  EXPECT_EQ(FirstError(not_object),
            std::make_pair(std::string("consent"), std::string("wrong_type")));
  EXPECT_EQ(Head(), head) << "nothing was recorded";
}

TEST_F(ConsentTest, TheExportFiltersToConsentingCustomersAndHasTheConsentColumns) {
  Create("Ada", "Lovelace", R"(,"consent":{"email":"granted"})");
  Create("Bo", "Birch", R"(,"consent":{"email":"withdrawn","sms":"granted"})");
  Create("Cy", "Cedar");
  auto withdrawn = Create("Di", "Dogwood", R"(,"consent":{"email":"granted"})");
  ASSERT_EQ(
      Call("PUT", "/v1/customers/" + std::string(withdrawn.at("code").as_string()) + "/consent",
           R"({"email":"withdrawn"})")
          .status,
      200);

  Reply all = Call("GET", "/v1/customers/export.csv");
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(all.body,
            "First Name,Last Name,Email,Phone,Address,Code,Accepts Email Marketing,Accepts SMS "
            "Marketing\r\n"
            "Bo,Birch,,,,CUST-00002,no,yes\r\n"
            "Cy,Cedar,,,,CUST-00003,,\r\n"
            "Di,Dogwood,,,,CUST-00004,no,\r\n"
            "Ada,Lovelace,,,,CUST-00001,yes,\r\n");
  Reply email = Call("GET", "/v1/customers/export.csv?consent=email");
  ASSERT_EQ(email.status, 200) << email.body;
  EXPECT_EQ(email.header("x-customer-count"), "1");
  EXPECT_EQ(email.body,
            "First Name,Last Name,Email,Phone,Address,Code,Accepts Email Marketing,Accepts SMS "
            "Marketing\r\n"
            "Ada,Lovelace,,,,CUST-00001,yes,\r\n");
  Reply sms = Call("GET", "/v1/customers/export.csv?consent=sms&search=birch");
  ASSERT_EQ(sms.status, 200) << sms.body;
  EXPECT_NE(sms.body.find("Bo,Birch"), std::string::npos);
  EXPECT_EQ(sms.header("x-customer-count"), "1");
  Reply bad = Call("GET", "/v1/customers/export.csv?consent=fax");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(FirstError(bad),
            std::make_pair(std::string("consent"), std::string("invalid_channel")));
}

TEST_F(ConsentTest, AnImportGivesConsentWithTheSourceImport) {
  Create("Ada", "Lovelace", R"(,"email":"ada@example.com","consent":{"email":"granted"})");
  const std::string file =
      "First Name,Last Name,Email,Accepts Email Marketing,Accepts SMS Marketing\r\n"
      "Ada,Lovelace,ada@example.com,no,yes\r\n"
      "Bo,Birch,bo@example.com,yes,\r\n"
      "Cy,Cedar,cy@example.com,,\r\n";
  Reply analysed =
      Call("POST", "/v1/customers/imports", file, "admin", {{"Content-Type", "text/csv"}});
  ASSERT_EQ(analysed.status, 201) << analysed.body;
  EXPECT_EQ(analysed.json().at("counts").at("new"), 2);
  EXPECT_EQ(analysed.json().at("counts").at("updated"), 1);
  EXPECT_TRUE(analysed.json().at("ignored_columns").as_array().empty());
  const std::string id(analysed.json().at("id").as_string());
  Reply applied = Call("POST", "/v1/customers/imports/" + id + "/confirm");
  ASSERT_EQ(applied.status, 200) << applied.body;

  auto get = [&](const std::string& code) { return Call("GET", "/v1/customers/" + code).json(); };
  auto ada = get("CUST-00001");
  EXPECT_EQ(State(ada, "email"), "withdrawn");
  EXPECT_EQ(ada.at("consent").at("email").at("source"), "import");
  EXPECT_EQ(State(ada, "sms"), "granted");
  auto bo = get("CUST-00002");
  EXPECT_EQ(bo.at("first_name"), "Bo");
  EXPECT_EQ(State(bo, "email"), "granted");
  EXPECT_EQ(bo.at("consent").at("email").at("source"), "import");
  EXPECT_EQ(State(bo, "sms"), "never_asked");
  EXPECT_EQ(State(get("CUST-00003"), "email"), "never_asked");

  // The same file again changes nothing; a bad cell is an error on its line.
  Reply again =
      Call("POST", "/v1/customers/imports", file, "admin", {{"Content-Type", "text/csv"}});
  ASSERT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(again.json().at("counts").at("unchanged"), 3) << again.body;
  Reply bad = Call("POST", "/v1/customers/imports",
                   "First Name,Last Name,Accepts Marketing\r\nEd,Elm,perhaps\r\n", "admin",
                   {{"Content-Type", "text/csv"}});
  ASSERT_EQ(bad.status, 201) << bad.body;
  const auto analysis = bad.json();
  const auto& error = analysis.at("errors").as_array().at(0);
  EXPECT_EQ(error.at("reason"), "invalid_consent");
  EXPECT_EQ(error.at("column"), "Accepts Marketing");
  EXPECT_EQ(error.at("line"), 2);
}

// Appends `event` to the customer's stream as this node's (HQ's) own.
void Record(EventStore* store, const std::string& customer_id, const CustomerEvent& event) {
  NewEvent e;
  e.id = NewUuid();
  e.type = std::string(EventTypeName(event));
  e.schema = SchemaOf(event);
  e.data = EncodePayload(event);
  e.actor = "";  // the system
  auto appended = store->Append(CustomerStream(customer_id), ExpectedVersion::Any(), {e});
  ASSERT_TRUE(appended) << appended.error().ToString();
}

// Appends `event` to the customer's stream as if it came from `origin`.
void Receive(EventStore* store, const std::string& customer_id, const CustomerEvent& event,
             const std::string& origin, std::uint64_t seq) {
  RecordedEvent e;
  e.id = NewUuid();
  e.stream = CustomerStream(customer_id);
  e.type = std::string(EventTypeName(event));
  e.schema = SchemaOf(event);
  e.data = EncodePayload(event);
  e.time_ms = 1'790'000'000'000 + static_cast<std::int64_t>(seq);
  e.origin = origin;
  e.actor = "till-7";
  e.seq = seq;
  auto appended = store->AppendReplicated({e});
  ASSERT_TRUE(appended) << appended.error().ToString();
}

// Records every kind of customer event the codec knows for one customer:
// through the API where a route makes it, else as HQ's or a store's event.
TEST_F(ConsentTest, ThePersonalDataDocumentHoldsEveryFieldAndEveryKindOfEvent) {
  auto created = Create("Ada", "Lovelace",
                        R"(,"email":"ada@example.com","phone":"+44 20 7946 0001",)"
                        R"("tax_id":"GB123","address":"1 Main St","notes":"prefers mornings",)"
                        R"("consent":{"email":"granted"})");
  const std::string id(created.at("id").as_string());
  const std::string code(created.at("code").as_string());
  const std::string path = "/v1/customers/" + id;
  auto ok = [&](const std::string& method, const std::string& route, const std::string& body) {
    Reply r = Call(method, path + route, body);
    EXPECT_LT(r.status, 300) << method << " " << route << ": " << r.body;
  };
  ok("PATCH", "", R"({"email":"ada@lovelace.example","last_name":"King"})");
  ok("PUT", "/consent", R"({"sms":"granted"})");
  ok("POST", "/purchases", R"({"tab_id":"T-1","amount":10000})");
  ok("POST", "/refunds", R"({"refund_id":"R-1","tab_id":"T-1","amount":2000})");
  ok("POST", "/points/redeem", R"({"points":10,"note":"coffee"})");
  ok("POST", "/points/adjust", R"({"delta":5,"note":"goodwill"})");
  ok("POST", "/credit/top-up", R"({"amount":5000,"payment_ref":"P-1","note":"gift"})");
  ok("POST", "/credit/deduct", R"({"amount":1000,"reference":"T-2"})");
  ok("POST", "/credit/adjust", R"({"delta":-100,"note":"rounding"})");
  ok("POST", "/deactivate", "");
  ok("POST", "/reactivate", "");
  // A delete made elsewhere while the customer had history here (deactivates),
  // what only HQ's checks record, and a store's sale.
  Record(store_.get(), id, CustomerDeleted{Stamp{clock_.NowMs() * kHlcTicksPerMs + 4096, "hq"}});
  const std::string other = NewUuid();
  Receive(store_.get(), id, PurchaseRecorded{"T-9", 700, 1'790'000'000'000}, "s02", 1);
  Record(store_.get(), id, CreditOverdraftDetected{other, "s02", 300});
  Record(store_.get(), id, DuplicateReversed{"top_up", "P-1", other, NewUuid(), "s02", 0, 0, -50});
  Record(store_.get(), id, ConflictRecorded{"purchase", "T-1", other, NewUuid(), "s02"});
  Record(store_.get(), id, PointsExpired{other, 3, 1'790'000'000'000});
  Record(store_.get(), id, PointsShortfallDetected{other, "s02", 2});
  // Merges: another customer merged into this one (and what reached it later
  // carried on here), and a merge of this one elsewhere that lost and was
  // undone (so it is not merged now).
  const std::string merge_in = NewUuid(), merge_out = NewUuid(), dup = NewUuid();
  Record(store_.get(), id, MergeReceived{merge_in, dup, "CUST-00077", 0, 0, 0, 0});
  Record(store_.get(), id, MergeSettled{merge_in, "forward", "survivor", dup, 1, 0, 0, 0});
  Record(store_.get(), id, CustomerMerged{merge_out, other, "CUST-00078", 0, 0, 0, 0});
  Record(store_.get(), id, MergeSettled{merge_out, "void", "duplicate", other, 0, 0, 0, 0});
  ASSERT_TRUE(projector_->WaitFor(Head(), std::chrono::seconds(30)));

  Reply r = Call("GET", path + "/personal-data", "", "only-customers.export_personal");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("content-disposition"),
            "attachment; filename=\"personal-data-" + code + ".json\"");
  const auto doc = r.json().as_object();
  EXPECT_EQ(doc.at("document"), "clientele.personal_data");
  EXPECT_TRUE(doc.at("generated_at").is_string());

  // Every field, as the customer is now.
  const auto& c = doc.at("customer").as_object();
  EXPECT_EQ(c.at("id").as_string(), id);
  EXPECT_EQ(c.at("code").as_string(), code);
  EXPECT_EQ(c.at("status"), "inactive");
  EXPECT_EQ(c.at("first_name"), "Ada");
  EXPECT_EQ(c.at("last_name"), "King");
  EXPECT_EQ(c.at("email"), "ada@lovelace.example");
  EXPECT_EQ(c.at("phone"), "+44 20 7946 0001");
  EXPECT_EQ(c.at("tax_id"), "GB123");
  EXPECT_EQ(c.at("address"), "1 Main St");
  EXPECT_EQ(c.at("notes"), "prefers mornings");
  auto detail = Call("GET", path).json();
  EXPECT_EQ(doc.at("balances").at("points"), detail.at("points"));
  EXPECT_EQ(doc.at("balances").at("credit"), detail.at("credit"));
  EXPECT_EQ(doc.at("balances").at("total_spent"), detail.at("total_spent"));
  EXPECT_EQ(doc.at("consent"), detail.at("consent"));
  EXPECT_EQ(doc.at("consent").at("email").at("state"), "granted");
  EXPECT_EQ(doc.at("consent").at("sms").at("source"), "hq");

  // Every event of the stream is an entry, in order, and every type the
  // codec knows is among them (a new type must be rendered, and added above).
  auto stream = store_->ReadStream(CustomerStream(id), 1, SIZE_MAX);
  ASSERT_TRUE(stream);
  const auto& history = doc.at("history").as_array();
  ASSERT_EQ(history.size(), stream->size());
  std::set<std::string> types;
  for (std::size_t i = 0; i < history.size(); ++i) {
    const auto& e = history[i].as_object();
    EXPECT_EQ(e.at("id").as_string(), (*stream)[i].id);
    EXPECT_EQ(e.at("type").as_string(), (*stream)[i].type);
    EXPECT_EQ(e.at("store").as_string(), (*stream)[i].origin);
    EXPECT_EQ(e.at("actor").as_string(), (*stream)[i].actor);
    EXPECT_TRUE(e.at("time").is_string());
    EXPECT_FALSE(e.at("description").as_string().empty()) << (*stream)[i].type;
    EXPECT_FALSE(e.at("data").as_object().empty()) << (*stream)[i].type;
    EXPECT_FALSE(e.contains("unreadable"));
    types.emplace(e.at("type").as_string());
  }
  for (std::string_view type : CustomerEventTypes()) {
    if (type == "customer.erased") continue;  // below, once erased
    EXPECT_TRUE(types.contains(std::string(type))) << "no entry of type " << type;
  }
  // Amounts, points, credit and notes of the entries.
  auto entry = [&](std::string_view type) {
    for (const auto& e : history) {
      if (e.at("type").as_string() == type) return e.as_object();
    }
    return boost::json::object();
  };
  EXPECT_EQ(entry("purchase.recorded").at("spent_change"), 10000);
  EXPECT_EQ(entry("purchase.recorded").at("data").at("tab_id"), "T-1");
  EXPECT_EQ(entry("credit.topped_up").at("credit_change"), 5000);
  EXPECT_EQ(entry("credit.topped_up").at("note"), "gift");
  EXPECT_EQ(entry("loyalty.points_adjusted").at("points_change"), 5);
  EXPECT_EQ(entry("customer.registered").at("data").at("email"), "ada@example.com");
  EXPECT_EQ(entry("customer.details_changed").at("data").at("last_name"), "King");
  EXPECT_EQ(entry("customer.consent_changed").at("data").at("source"), "register");

  // The stores that recorded events about the customer, and the totals.
  std::set<std::string> stores;
  for (const auto& s : doc.at("stores").as_array()) stores.emplace(s.at("node").as_string());
  EXPECT_EQ(stores, (std::set<std::string>{"hq", "s02"}));
  EXPECT_EQ(doc.at("totals").at("events"), static_cast<std::int64_t>(stream->size()));
  EXPECT_EQ(doc.at("totals").at("purchases"), 2);
  EXPECT_EQ(doc.at("totals").at("purchases_amount"), 10700);
  EXPECT_EQ(doc.at("totals").at("refunds_amount"), 2000);

  // Once erased, the document still gives what is held (code, balances,
  // history amounts) and no personal field, in the customer or its history.
  ok("POST", "/erase", R"({"reason":"customer request","write_off_credit":true})");
  Reply after = Call("GET", path + "/personal-data", "", "only-customers.export_personal");
  ASSERT_EQ(after.status, 200) << after.body;
  const auto erased = after.json().as_object();
  EXPECT_EQ(erased.at("customer").at("status"), "erased");
  EXPECT_EQ(erased.at("customer").at("code").as_string(), code);
  for (const char* field : {"first_name", "last_name", "email", "phone", "notes"}) {
    EXPECT_TRUE(erased.at("customer").at(field).is_null()) << field;
  }
  const std::string text = after.body;
  for (const char* personal : {"Ada", "Lovelace", "King", "ada@", "7946 0001", "79460001", "GB123",
                               "Main St", "prefers mornings", "gift", "goodwill", "coffee"}) {
    EXPECT_EQ(text.find(personal), std::string::npos) << personal << " is still given";
  }
  const auto& last = erased.at("history").as_array().back().as_object();
  EXPECT_EQ(last.at("type"), "customer.erased");
  EXPECT_EQ(last.at("description"), "personal data erased");
  EXPECT_EQ(last.at("data").at("reason"), "customer request");
  EXPECT_EQ(erased.at("history").as_array().size(), history.size() + 2);  // write-off, erasure
  EXPECT_EQ(erased.at("totals").at("purchases_amount"), 10700);
}

TEST_F(ConsentTest, ThePersonalDataDocumentNeedsItsPermissionAndAKnownCustomer) {
  auto created = Create("Ada", "Lovelace");
  const std::string code(created.at("code").as_string());
  const std::string id(created.at("id").as_string());
  EXPECT_EQ(Call("GET", "/v1/customers/" + code + "/personal-data", "", "viewer").status, 403);
  EXPECT_EQ(
      Call("GET", "/v1/customers/" + code + "/personal-data", "", "no-customers.export_personal")
          .status,
      403);
  Reply unknown = Call("GET", "/v1/customers/CUST-09999/personal-data");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.reason(), "customer_not_found");
  // A deleted customer is still in the log, so still in its document.
  ASSERT_EQ(Call("DELETE", "/v1/customers/" + code).status, 204);
  Reply deleted = Call("GET", "/v1/customers/" + id + "/personal-data");
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(deleted.json().at("customer").at("status"), "deleted");
  EXPECT_EQ(deleted.json().at("history").as_array().size(), 2u);
}

}  // namespace
}  // namespace clientele::testing
