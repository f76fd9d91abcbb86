// Every endpoint's success path over real loopback HTTP.
#include "tests/api/api_fixture.h"

namespace clientele::testing {
namespace {

using boost::json::value_to;

std::int64_t Int(const boost::json::object& o, const char* key) {
  return o.at(key).to_number<std::int64_t>();
}

TEST_F(ApiTest, CustomersFromCreationToDeletion) {
  auto ada = Create("Ada", "Müller", R"(,"email":"ada@example.com","phone":"+41 79 555 01 23")");
  const std::string id(ada.at("id").as_string());
  EXPECT_EQ(ada.at("code").as_string(), "CUST-00001");
  EXPECT_EQ(Int(ada, "version"), 1);

  Reply by_id = Call("GET", "/v1/customers/" + id);
  ASSERT_EQ(by_id.status, 200) << by_id.body;
  EXPECT_EQ(by_id.header("etag"), "\"1\"");
  Reply by_code = Call("GET", "/v1/customers/cust-00001");
  ASSERT_EQ(by_code.status, 200);
  EXPECT_EQ(by_code.json().at("id").as_string(), id);

  Reply edited =
      Call("PATCH", "/v1/customers/" + id, R"({"phone":"+41 79 000 00 00","notes":null})", "admin",
           {{"If-Match", "\"1\""}});
  ASSERT_EQ(edited.status, 200) << edited.body;
  EXPECT_EQ(edited.json().at("phone").as_string(), "+41 79 000 00 00");
  EXPECT_EQ(edited.header("etag"), "\"2\"");

  Reply off = Call("POST", "/v1/customers/" + id + "/deactivate");
  ASSERT_EQ(off.status, 200) << off.body;
  EXPECT_FALSE(off.json().at("active").as_bool());
  Reply on = Call("POST", "/v1/customers/" + id + "/reactivate");
  ASSERT_EQ(on.status, 200) << on.body;
  EXPECT_TRUE(on.json().at("active").as_bool());

  Reply gone = Call("DELETE", "/v1/customers/" + id);
  EXPECT_EQ(gone.status, 204) << gone.body;
  EXPECT_EQ(Call("GET", "/v1/customers/" + id).status, 404);
}

TEST_F(ApiTest, PurchasesPointsCreditAndHistory) {
  const std::string id(Create("Ada", "Lovelace").at("id").as_string());
  const std::string base = "/v1/customers/" + id;
  Reply bought = Call("POST", base + "/purchases",
                      R"({"tab_id":"tab-1","amount":4250,"paid_at":"2026-11-20T10:00:00Z"})");
  ASSERT_EQ(bought.status, 200) << bought.body;
  EXPECT_EQ(Int(bought.json().as_object(), "points"), 42);
  EXPECT_EQ(Int(bought.json().as_object(), "total_spent"), 4250);
  EXPECT_EQ(bought.json().at("last_visit").as_string(), "2026-11-20T10:00:00.000Z");

  Reply refunded =
      Call("POST", base + "/refunds", R"({"refund_id":"r-1","tab_id":"tab-1","amount":1000})");
  ASSERT_EQ(refunded.status, 200) << refunded.body;
  EXPECT_EQ(Int(refunded.json().as_object(), "total_spent"), 3250);

  Reply redeemed = Call("POST", base + "/points/redeem", R"({"points":10,"note":"coffee"})");
  ASSERT_EQ(redeemed.status, 200) << redeemed.body;
  const std::int64_t after_redeem = Int(redeemed.json().as_object(), "points");
  Reply adjusted = Call("POST", base + "/points/adjust", R"({"delta":5,"note":"goodwill"})");
  ASSERT_EQ(adjusted.status, 200) << adjusted.body;
  EXPECT_EQ(Int(adjusted.json().as_object(), "points"), after_redeem + 5);

  Reply topped = Call("POST", base + "/credit/top-up", R"({"amount":5000,"payment_ref":"pay-1"})");
  ASSERT_EQ(topped.status, 200) << topped.body;
  EXPECT_EQ(Int(topped.json().as_object(), "credit"), 5000);
  Reply deducted = Call("POST", base + "/credit/deduct", R"({"amount":1200,"reference":"tab-2"})");
  ASSERT_EQ(deducted.status, 200) << deducted.body;
  EXPECT_EQ(Int(deducted.json().as_object(), "credit"), 3800);
  Reply corrected = Call("POST", base + "/credit/adjust", R"({"delta":-800,"note":"typo"})");
  ASSERT_EQ(corrected.status, 200) << corrected.body;
  EXPECT_EQ(Int(corrected.json().as_object(), "credit"), 3000);

  Reply history = Call("GET", base + "/history?limit=2");
  ASSERT_EQ(history.status, 200) << history.body;
  auto entries = history.json().at("entries").as_array();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].at("type").as_string(), "credit.adjusted");
  EXPECT_EQ(Int(entries[0].as_object(), "credit_after"), 3000);
  ASSERT_TRUE(history.json().at("next_before").is_string());
  EXPECT_EQ(history.json().at("next_before"), entries[1].at("id"));
  Reply older = Call("GET", base + "/history?limit=50&before=" +
                                std::string(history.json().at("next_before").as_string()));
  ASSERT_EQ(older.status, 200);
  EXPECT_GE(older.json().at("entries").as_array().size(), 4u);

  Reply audit = Call("GET", base + "/audit?as_of=now");
  ASSERT_EQ(audit.status, 200) << audit.body;
  EXPECT_EQ(Int(audit.json().at("customer").as_object(), "credit"), 3000);
  EXPECT_GT(Int(audit.json().as_object(), "hash_chain_checked"), 0);
  EXPECT_EQ(audit.json().at("basis"), "event_time");
  // As this node's books held it: every change here was recorded when made.
  Reply booked = Call("GET", base + "/audit?as_of=now&basis=recorded");
  ASSERT_EQ(booked.status, 200) << booked.body;
  EXPECT_EQ(booked.json().at("basis"), "recorded");
  EXPECT_EQ(Int(booked.json().at("customer").as_object(), "credit"), 3000);
  EXPECT_GT(Int(booked.json().as_object(), "recorded_through"), 0);
  EXPECT_EQ(booked.json().at("entries"), audit.json().at("entries"));
  Reply unknown = Call("GET", base + "/audit?as_of=now&basis=yesterday");
  EXPECT_EQ(unknown.status, 422) << unknown.body;
  EXPECT_EQ(unknown.reason(), "invalid_basis");
}

TEST_F(ApiTest, TheTableSearchesFiltersSortsAndPages) {
  for (int i = 0; i < 5; ++i) Create("Zoë", "Núñez" + std::to_string(i));
  Create("Seán", "O'Brien");
  Reply found = Call("GET", "/v1/customers?search=nunez&sort=last_name&order=desc&limit=2");
  ASSERT_EQ(found.status, 200) << found.body;
  auto page = found.json().as_object();
  EXPECT_EQ(Int(page, "total"), 5);
  ASSERT_EQ(page.at("customers").as_array().size(), 2u);
  EXPECT_EQ(page.at("customers").as_array()[0].at("last_name").as_string(), "Núñez4");
  std::string cursor(page.at("next_cursor").as_string());
  int seen = 2;
  while (!cursor.empty()) {
    Reply next = Call(
        "GET", "/v1/customers?search=nunez&sort=last_name&order=desc&limit=2&cursor=" + cursor);
    ASSERT_EQ(next.status, 200) << next.body;
    seen += static_cast<int>(next.json().at("customers").as_array().size());
    auto c = next.json().at("next_cursor");
    cursor = c.is_string() ? std::string(c.as_string()) : "";
  }
  EXPECT_EQ(seen, 5);
  Reply obrien = Call("GET", "/v1/customers?search=o%27brien&status=all&has_points=false");
  ASSERT_EQ(obrien.status, 200);
  EXPECT_EQ(Int(obrien.json().as_object(), "total"), 1);
}

TEST_F(ApiTest, SettingsAndTheEventsFeed) {
  Reply settings = Call("GET", "/v1/settings");
  ASSERT_EQ(settings.status, 200) << settings.body;
  EXPECT_TRUE(settings.json().at("modules").at("loyalty_points").as_bool());
  Reply program = Call("PUT", "/v1/settings/loyalty-program",
                       R"({"points":2,"per_amount":100,"rounding":"nearest"})");
  ASSERT_EQ(program.status, 200) << program.body;
  EXPECT_EQ(program.json().at("loyalty_program").at("points").to_number<int>(), 2);
  Reply module = Call("PUT", "/v1/settings/modules/customer_credits", R"({"enabled":false})");
  ASSERT_EQ(module.status, 200) << module.body;
  EXPECT_FALSE(module.json().at("modules").at("customer_credits").as_bool());

  Create("Ada", "Lovelace");
  Reply first = Call("GET", "/v1/events?after=0&limit=2");
  ASSERT_EQ(first.status, 200) << first.body;
  auto events = first.json().at("events").as_array();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].at("position").to_number<int>(), 1);
  EXPECT_TRUE(events[0].at("data").is_object());
  Reply rest = Call("GET", "/v1/events?after=2");
  ASSERT_EQ(rest.status, 200);
  EXPECT_EQ(rest.json().at("events").as_array().size(), Head() - 2);
}

TEST_F(ApiTest, HealthReadinessMetricsAndTheRequestLog) {
  EXPECT_EQ(Call("GET", "/healthz", "", "").status, 200);
  Reply ready = Call("GET", "/readyz", "", "");
  EXPECT_EQ(ready.status, 200);
  Create("Ada", "Lovelace", R"(,"email":"ada@secret.example")");
  Reply metrics = Call("GET", "/metrics", "", "");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(
      metrics.body.find(
          R"(clientele_http_requests_total{route="/v1/customers",method="POST",status="201"} 1)"),
      std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("clientele_log_position "), std::string::npos);
  EXPECT_NE(metrics.body.find("clientele_projection_lag_events "), std::string::npos);
  EXPECT_NE(metrics.body.find("clientele_http_request_duration_seconds_bucket"), std::string::npos);
  service_->SetReady(false);
  EXPECT_EQ(Call("GET", "/readyz", "", "").status, 503);

  std::lock_guard lock(log_mu_);
  ASSERT_GE(log_lines_.size(), 4u);
  bool saw_create = false;
  for (const std::string& line : log_lines_) {
    EXPECT_EQ(line.find("ada@secret.example"), std::string::npos) << "no personal data: " << line;
    EXPECT_EQ(line.find("Lovelace"), std::string::npos) << line;
    saw_create = saw_create || (line.find(R"("route":"/v1/customers")") != std::string::npos &&
                                line.find(R"("status":201)") != std::string::npos &&
                                line.find("request_id") != std::string::npos &&
                                line.find("latency_us") != std::string::npos);
  }
  EXPECT_TRUE(saw_create);
}

}  // namespace
}  // namespace clientele::testing
