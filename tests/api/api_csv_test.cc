// The customer file over HTTP: export, and import with analysis and confirm.
#include <gtest/gtest.h>

#include "imports/customer_export.h"
#include "tests/api/api_fixture.h"

namespace clientele::testing {
namespace {

// `n` new customers as a file, each with its own email.
std::string NewCustomers(int n, const std::string& tag = "p") {
  std::string file = "First Name,Last Name,Email,Phone,Address\r\n";
  for (int i = 0; i < n; ++i) {
    file += "First" + std::to_string(i) + ",Last,\"" + tag + std::to_string(i) +
            "@example.com\",+1 555 " + std::to_string(100000 + i) + ",\"Street " +
            std::to_string(i) + ", Town\"\r\n";
  }
  return file;
}

TEST_F(ApiTest, ExportStreamsTheTableAsCsv) {
  Create("Ada", "Lovelace", R"(,"email":"ada@example.com","phone":"+44 20 7946 0001")");
  Create("=HYPERLINK(1)", "Evil");
  Create("Alan", "Turing");
  Reply all = Call("GET", "/v1/customers/export.csv");
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(all.header("content-type"), "text/csv; charset=utf-8");
  EXPECT_EQ(all.header("transfer-encoding"), "chunked");
  EXPECT_EQ(all.body,
            "First Name,Last Name,Email,Phone,Address,Code\r\n"
            "\"'=HYPERLINK(1)\",Evil,,,,CUST-00002\r\n"
            "Ada,Lovelace,ada@example.com,\"'+44 20 7946 0001\",,CUST-00001\r\n"
            "Alan,Turing,,,,CUST-00003\r\n");
  Reply found = Call("GET", "/v1/customers/export.csv?search=ada");
  ASSERT_EQ(found.status, 200);
  EXPECT_EQ(found.body,
            "First Name,Last Name,Email,Phone,Address,Code\r\n"
            "Ada,Lovelace,ada@example.com,\"'+44 20 7946 0001\",,CUST-00001\r\n");
  Reply bad = Call("GET", "/v1/customers/export.csv?status=gone&limit=3");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(Call("GET", "/v1/customers/export.csv", "", "").status, 401);
  EXPECT_EQ(Call("GET", "/v1/customers/export.csv", "", "no-customers.view").status, 403);
}

TEST_F(ApiTest, ALargeExportArrivesWholeOnAKeptAliveConnection) {
  ASSERT_EQ(Call("POST", "/v1/customers/imports", NewCustomers(3000)).status, 201);
  std::string id =
      Call("POST", "/v1/customers/imports", NewCustomers(3000)).json().at("id").as_string().c_str();
  Reply applied = Call("POST", "/v1/customers/imports/" + id + "/confirm");
  ASSERT_EQ(applied.status, 200) << applied.body;
  ASSERT_TRUE(projector_->WaitFor(Head(), std::chrono::seconds(30)));
  Reply file = Call("GET", "/v1/customers/export.csv");
  ASSERT_EQ(file.status, 200);
  EXPECT_EQ(std::count(file.body.begin(), file.body.end(), '\n'), 3001);
  EXPECT_GT(file.body.size(), 2 * CustomerExport::kChunkBytes) << "several chunks";
  EXPECT_EQ(Call("GET", "/healthz", "", "").status, 200) << "the connection carries on";
}

TEST_F(ApiTest, AnImportIsAnalysedThenConfirmedOnce) {
  Create("Ada", "Lovelace", R"(,"email":"ada@example.com")");
  const std::uint64_t head = Head();
  Reply analysed = Call("POST", "/v1/customers/imports",
                        "First Name,Last Name,Email,Address,Shoe Size\n"
                        "Ada,Lovelace,ADA@example.com,London,38\n"
                        "Grace,Hopper,grace@example.com,,40\n");
  ASSERT_EQ(analysed.status, 201) << analysed.body;
  auto a = analysed.json().as_object();
  const std::string id(a.at("id").as_string());
  EXPECT_EQ(analysed.header("location"), "/v1/customers/imports/" + id);
  EXPECT_EQ(a.at("status").as_string(), "analysed");
  EXPECT_EQ(a.at("mode").as_string(), "merge");
  auto counts = a.at("counts").as_object();
  EXPECT_EQ(counts.at("new").as_int64(), 1);
  EXPECT_EQ(counts.at("updated").as_int64(), 1);
  EXPECT_EQ(counts.at("unchanged").as_int64(), 0);
  EXPECT_EQ(counts.at("deleted").as_int64(), 0);
  EXPECT_EQ(a.at("ignored_columns").as_array().at(0).as_string(), "Shoe Size");
  EXPECT_EQ(Head(), head) << "the analysis wrote to the log";

  Reply shown = Call("GET", "/v1/customers/imports/" + id);
  ASSERT_EQ(shown.status, 200);
  EXPECT_EQ(shown.json().at("fingerprint"), a.at("fingerprint"));

  Reply confirmed = Call("POST", "/v1/customers/imports/" + id + "/confirm");
  ASSERT_EQ(confirmed.status, 200) << confirmed.body;
  EXPECT_EQ(confirmed.json().at("status").as_string(), "applied");
  EXPECT_EQ(confirmed.json().at("applied_by").as_string(), "admin");
  EXPECT_EQ(Head(), head + 2);
  Reply again = Call("POST", "/v1/customers/imports/" + id + "/confirm");
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(Head(), head + 2) << "a second confirm applied again";
  Reply ada = Call("GET", "/v1/customers/CUST-00001");
  EXPECT_EQ(ada.json().at("address").as_string(), "London");
  EXPECT_EQ(ada.json().at("email").as_string(), "ada@example.com");
  Reply grace = Call("GET", "/v1/customers/CUST-00002");
  EXPECT_EQ(grace.json().at("first_name").as_string(), "Grace");
}

TEST_F(ApiTest, AnUploadLargerThanABodyIsSpooledToDisk) {
  const std::string file = NewCustomers(30000);  // about 2 MB, twice the body limit
  ASSERT_GT(file.size(), std::size_t{1} << 21);
  Reply r = Call("POST", "/v1/customers/imports", file);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json().at("counts").at("new").as_int64(), 30000);
  EXPECT_EQ(r.json().at("file").at("bytes").as_int64(), static_cast<std::int64_t>(file.size()));

  Shutdown();
  api::ServerOptions options;
  options.max_spooled_bytes = 1 << 20;
  Boot(options);
  Reply big = Call("POST", "/v1/customers/imports", file);
  EXPECT_EQ(big.status, 413) << big.status << " " << big.body;
  EXPECT_EQ(big.reason(), "body_too_large");
  EXPECT_NE(big.body.find("http.max_upload_bytes"), std::string::npos) << big.body;
  EXPECT_EQ(Call("GET", "/healthz", "", "").status, 200);
}

}  // namespace
}  // namespace clientele::testing
