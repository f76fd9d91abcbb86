// GET /v1/reports/{report} over HTTP: the figures, CSV, the permissions and
// what each principal may see.
#include <gtest/gtest.h>

#include <map>

#include "domain/time_zone.h"
#include "tests/api/api_fixture.h"

namespace clientele::testing {
namespace {

class ReportRoutesTest : public ApiTest {
 protected:
  // Two customers: one buys and tops up 100.00 then spends 30.00; the other buys.
  void SetUp() override {
    ApiTest::SetUp();
    ada_ = Create("Ada", "Lovelace")["id"].as_string().c_str();
    bob_ = Create("Bob", "Dylan")["id"].as_string().c_str();
    Post(ada_, "purchases", R"({"tab_id":"t1","amount":4250})");
    Post(ada_, "credit/top-up", R"({"amount":10000,"payment_ref":"p1"})");
    Post(ada_, "credit/deduct", R"({"amount":3000})");
    Post(bob_, "purchases", R"({"tab_id":"t2","amount":9900})");
    ASSERT_TRUE(reports_->WaitFor(Head(), std::chrono::seconds(10)));
    today_ = FormatDay(TimeZone().DayOf(clock_.NowMs()));
  }
  void Post(const std::string& id, const std::string& what, const std::string& body) {
    Reply r = Call("POST", "/v1/customers/" + id + "/" + what, body);
    ASSERT_LT(r.status, 300) << r.body;
  }
  boost::json::object Json(const std::string& target, const std::string& token = "admin") {
    Reply r = Call("GET", target, "", token);
    EXPECT_EQ(r.status, 200) << target << " " << r.body;
    auto v = r.json();
    return v.is_object() ? v.as_object() : boost::json::object();
  }
  static const boost::json::object& Row(const boost::json::object& report, std::size_t i) {
    return report.at("rows").as_array().at(i).as_object();
  }

  std::string ada_, bob_, today_;
};

TEST_F(ReportRoutesTest, EachReportAnswersWithTheChainsFigures) {
  auto liability = Json("/v1/reports/liability");
  EXPECT_EQ(liability.at("date").as_string(), today_);
  EXPECT_EQ(liability.at("time_zone").as_string(), "UTC");
  const auto& chain = Row(liability, 0);
  EXPECT_EQ(chain.at("store").as_string(), "(chain)");
  EXPECT_EQ(chain.at("credit").as_int64(), 7000);
  EXPECT_EQ(chain.at("credit_holders").as_int64(), 1);
  EXPECT_EQ(chain.at("points").as_int64(), 42 + 99);
  EXPECT_EQ(chain.at("points_holders").as_int64(), 2);

  auto roll = Json("/v1/reports/roll-forward?from=" + today_ + "&to=" + today_);
  const auto& r = Row(roll, 0);
  EXPECT_EQ(r.at("credit_opening").as_int64(), 0);
  EXPECT_EQ(r.at("credit_topped_up").as_int64(), 10000);
  EXPECT_EQ(r.at("credit_spent").as_int64(), 3000);
  EXPECT_EQ(r.at("credit_closing").as_int64(), 7000);
  EXPECT_EQ(r.at("points_earned").as_int64(), 141);

  auto moves = Json("/v1/reports/between-stores?from=" + today_ + "&to=" + today_);
  EXPECT_NE(moves.at("note").as_string().find("oldest top-ups first"), std::string::npos);
  EXPECT_EQ(moves.at("total").as_int64(), 3000);
  EXPECT_EQ(Row(moves, 0).at("topped_up_at").as_string(), "hq");
  EXPECT_EQ(Row(moves, 0).at("spent_at").as_string(), "hq");

  auto dormant = Json("/v1/reports/dormant");
  EXPECT_EQ(Row(dormant, 0).at("customers").as_int64(), 1);
  EXPECT_EQ(Row(dormant, 0).at("credit").as_int64(), 7000);

  auto activity = Json("/v1/reports/activity?from=" + today_ + "&to=" + today_);
  const auto& a = Row(activity, 0);
  EXPECT_EQ(a.at("purchases").as_int64(), 2);
  EXPECT_EQ(a.at("purchase_amount").as_int64(), 4250 + 9900);
  EXPECT_EQ(a.at("new_customers").as_int64(), 2);
  EXPECT_EQ(a.at("active_customers").as_int64(), 2);

  auto top = Json("/v1/reports/top-customers?limit=1");
  ASSERT_EQ(top.at("rows").as_array().size(), 1u);
  EXPECT_EQ(Row(top, 0).at("customer_id").as_string(), bob_);
  EXPECT_EQ(Row(top, 0).at("last_name").as_string(), "Dylan");
  EXPECT_EQ(Row(top, 0).at("spent").as_int64(), 9900);
}

TEST_F(ReportRoutesTest, AnErasureLeavesEveryFigureAndTakesTheNameOut) {
  const std::string range = "?from=" + today_ + "&to=" + today_;
  std::map<std::string, boost::json::object> before;
  for (const char* report : {"liability", "roll-forward", "activity", "dormant"}) {
    before[report] = Json(std::string("/v1/reports/") + report + range);
  }
  Reply erased = Call("POST", "/v1/customers/" + bob_ + "/erase", R"({"reason":"asked"})");
  ASSERT_EQ(erased.status, 200) << erased.body;
  ASSERT_TRUE(reports_->WaitFor(Head(), std::chrono::seconds(10)));
  for (const auto& [report, figures] : before) {
    auto after = Json("/v1/reports/" + report + range);
    EXPECT_EQ(after.at("rows"), figures.at("rows")) << report;
  }
  auto top = Json("/v1/reports/top-customers?limit=1");
  ASSERT_EQ(top.at("rows").as_array().size(), 1u);
  EXPECT_EQ(Row(top, 0).at("customer_id").as_string(), bob_);
  EXPECT_EQ(Row(top, 0).at("spent").as_int64(), 9900);
  EXPECT_EQ(boost::json::serialize(top).find("Dylan"), std::string::npos)
      << boost::json::serialize(top);
  Reply csv = Call("GET", "/v1/reports/top-customers?format=csv");
  EXPECT_EQ(csv.body.find("Dylan"), std::string::npos) << csv.body;
}

TEST_F(ReportRoutesTest, CsvHasTheSameColumnsAsTheRows) {
  Reply csv = Call("GET", "/v1/reports/liability?format=csv");
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.headers["content-type"], "text/csv; charset=utf-8");
  EXPECT_EQ(csv.body.substr(0, csv.body.find("\r\n")),
            "store,credit,credit_holders,points,points_holders");
  EXPECT_NE(csv.body.find("(chain),7000,1,141,2\r\n"), std::string::npos) << csv.body;
  Reply accepted = Call("GET", "/v1/reports/liability", "", "admin", {{"Accept", "text/csv"}});
  EXPECT_EQ(accepted.body, csv.body);
  Reply top = Call("GET", "/v1/reports/top-customers?format=csv");
  EXPECT_NE(top.body.find("Dylan,9900\r\n"), std::string::npos) << top.body;
}

TEST_F(ReportRoutesTest, PermissionsAndVisibilityDecideWhatIsShown) {
  // Without reports.view: refused whatever else the token holds.
  for (const char* report : {"liability", "roll-forward", "activity", "dormant"}) {
    Reply r = Call("GET", std::string("/v1/reports/") + report, "", "no-reports.view");
    EXPECT_EQ(r.status, 403) << report;
    EXPECT_EQ(r.reason(), "permission_denied");
  }
  // reports.view alone: no credit or points figures anywhere.
  auto bare = Json("/v1/reports/liability", "only-reports.view");
  EXPECT_FALSE(Row(bare, 0).contains("credit"));
  EXPECT_FALSE(Row(bare, 0).contains("points"));
  auto activity = Json("/v1/reports/activity", "only-reports.view");
  EXPECT_TRUE(Row(activity, 0).contains("purchases"));
  EXPECT_FALSE(Row(activity, 0).contains("credit_spent"));
  EXPECT_FALSE(Row(activity, 0).contains("points_earned"));
  Reply csv = Call("GET", "/v1/reports/roll-forward?format=csv", "", "only-reports.view");
  EXPECT_EQ(csv.body.substr(0, csv.body.find("\r\n")), "store");
  // The credit reports need credit visibility; the top customers, customers.view.
  EXPECT_EQ(Call("GET", "/v1/reports/between-stores", "", "only-reports.view").reason(),
            "credit_not_visible");
  EXPECT_EQ(Call("GET", "/v1/reports/dormant", "", "no-customers.manage_credit").reason(),
            "credit_not_visible");
  EXPECT_EQ(Call("GET", "/v1/reports/top-customers", "", "only-reports.view").status, 403);
  // Points but no credit: points shown, credit absent.
  auto points_only = Json("/v1/reports/liability", "no-customers.manage_credit");
  EXPECT_FALSE(Row(points_only, 0).contains("credit"));
  EXPECT_EQ(Row(points_only, 0).at("points").as_int64(), 141);
  // A module switched off hides its figures from everyone.
  ASSERT_EQ(Call("PUT", "/v1/settings/modules/customer_credits", R"({"enabled":false})").status,
            200);
  auto admin = Json("/v1/reports/liability");
  EXPECT_FALSE(Row(admin, 0).contains("credit"));
  EXPECT_TRUE(Row(admin, 0).contains("points"));
}

TEST_F(ReportRoutesTest, BadQueriesAreRefusedNamingTheField) {
  struct Case {
    std::string target, field, reason;
  };
  for (const Case& c : std::vector<Case>{
           {"/v1/reports/liability?date=2026-02-30", "date", "invalid_date"},
           {"/v1/reports/liability?date=yesterday", "date", "invalid_date"},
           {"/v1/reports/activity?from=2026-05-01&to=2026-04-01", "to", "out_of_range"},
           {"/v1/reports/activity?from=1900-01-01&to=2026-04-01", "to", "out_of_range"},
           {"/v1/reports/top-customers?limit=0", "limit", "out_of_range"},
           {"/v1/reports/top-customers?limit=5x", "limit", "out_of_range"},
           {"/v1/reports/liability?format=xml", "format", "invalid_value"},
       }) {
    Reply r = Call("GET", c.target);
    EXPECT_EQ(r.status, 422) << c.target << " " << r.body;
    EXPECT_NE(r.body.find("\"" + c.field + "\""), std::string::npos) << c.target << " " << r.body;
    EXPECT_NE(r.body.find(c.reason), std::string::npos) << c.target << " " << r.body;
  }
  Reply unknown = Call("GET", "/v1/reports/profit");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.reason(), "no_such_report");
}

TEST_F(ReportRoutesTest, TheExpiryPolicyIsSetAtHqAndACustomerShowsItsNextExpiry) {
  Reply bad =
      Call("PUT", "/v1/settings/loyalty-program",
           R"({"points":1,"per_amount":100,"rounding":"floor","expiry":"after_inactivity"})");
  EXPECT_EQ(bad.status, 422) << bad.body;
  EXPECT_NE(bad.body.find("expiry_months"), std::string::npos) << bad.body;
  bad =
      Call("PUT", "/v1/settings/loyalty-program",
           R"({"points":1,"per_amount":100,"rounding":"floor","expiry":"soon","expiry_months":2})");
  EXPECT_EQ(bad.status, 422) << bad.body;
  Reply set = Call("PUT", "/v1/settings/loyalty-program",
                   R"({"points":1,"per_amount":100,"rounding":"floor",)"
                   R"("expiry":"months_after_earning","expiry_months":2})");
  ASSERT_EQ(set.status, 200) << set.body;
  auto program = set.json().as_object().at("loyalty_program").as_object();
  EXPECT_EQ(program.at("expiry").as_string(), "months_after_earning");
  EXPECT_EQ(program.at("expiry_months").as_int64(), 2);
  // Points earned before the policy never expire; those earned after do.
  Reply before = Call("GET", "/v1/customers/" + ada_);
  EXPECT_TRUE(before.json().as_object().at("points_expiring").is_null()) << before.body;
  Post(ada_, "purchases", R"({"tab_id":"t3","amount":2000})");
  ASSERT_TRUE(reports_->WaitFor(Head(), std::chrono::seconds(10)));
  Reply after = Call("GET", "/v1/customers/" + ada_);
  auto expiring = after.json().as_object().at("points_expiring").as_object();
  EXPECT_EQ(expiring.at("points").as_int64(), 20);
  const std::int64_t now = clock_.NowMs();
  EXPECT_EQ(expiring.at("date").as_string(),
            FormatDay(TimeZone().DayOf(TimeZone().EndOfMonthAfter(now, 2))));
  // Without loyalty visibility, nothing about points.
  Reply viewer = Call("GET", "/v1/customers/" + ada_, "", "viewer");
  EXPECT_FALSE(viewer.json().as_object().contains("points_expiring"));
}

}  // namespace
}  // namespace clientele::testing
