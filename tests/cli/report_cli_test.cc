// `clientele report` against a real node.
#include <gtest/gtest.h>

#include "tests/api/http_client.h"
#include "tests/cli/serve_process.h"
#include "tests/test_util.h"
#include "tests/test_util_process.h"

namespace clientele::testing {
namespace {

TEST(ReportCli, PrintsEachReportAsATableCsvOrJsonAndExplainsRefusals) {
  TempDir dir;
  ServeProcess node(dir.path());
  ASSERT_NE(node.port(), 0);
  const std::string token = Token(dir);
  HttpClient client(node.port());
  const std::map<std::string, std::string> auth = {{"Authorization", "Bearer " + token},
                                                   {"Content-Type", "application/json"}};
  Reply made =
      client.Call("POST", "/v1/customers", R"({"first_name":"Ada","last_name":"Byron"})", auth);
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string id(made.json().at("id").as_string());
  ASSERT_EQ(client
                .Call("POST", "/v1/customers/" + id + "/credit/top-up",
                      R"({"amount":12345,"payment_ref":"p1"})", auth)
                .status,
            200);
  auto report = [&](const std::string& args) {
    return RunCommand(std::string(CLIENTELE_BIN) + " report " + args +
                      " --url http://127.0.0.1:" + std::to_string(node.port()) + " --token-file " +
                      dir.sub("first-token") + " 2>&1 < /dev/null");
  };
  // The reports follow the log a moment behind: wait for the top-up.
  CommandResult csv;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  do {
    csv = report("liability --format csv");
  } while (csv.output.find("(chain),12345,1,") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(csv.exit_code, 0);
  EXPECT_NE(csv.output.find("store,credit,credit_holders,points,points_holders\r\n"),
            std::string::npos)
      << csv.output;
  EXPECT_NE(csv.output.find("(chain),12345,1,0,0\r\n"), std::string::npos) << csv.output;

  CommandResult table = report("liability");
  EXPECT_EQ(table.exit_code, 0) << table.output;
  EXPECT_NE(table.output.find("report: liability"), std::string::npos) << table.output;
  EXPECT_NE(table.output.find("123.45"), std::string::npos) << table.output;

  CommandResult json = report("between-stores --format json");
  EXPECT_EQ(json.exit_code, 0) << json.output;
  EXPECT_NE(json.output.find("\"note\":\"credit spent draws on the oldest top-ups first"),
            std::string::npos)
      << json.output;

  for (const char* name : {"roll-forward", "dormant", "activity", "top-customers"}) {
    CommandResult r = report(name);
    EXPECT_EQ(r.exit_code, 0) << name << ": " << r.output;
    EXPECT_NE(r.output.find(std::string("report: ") + name), std::string::npos) << r.output;
  }

  CommandResult bad_date = report("activity --from 2026-02-30");
  EXPECT_EQ(bad_date.exit_code, 1);
  EXPECT_NE(bad_date.output.find("invalid_date"), std::string::npos) << bad_date.output;
  CommandResult unknown = report("profit");
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.output.find("profit"), std::string::npos) << unknown.output;
}

}  // namespace
}  // namespace clientele::testing
