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
            "First Name,Last Name,Email,Phone,Address,Code,Accepts Email Marketing,Accepts SMS "
            "Marketing\r\n"
            "\"'=HYPERLINK(1)\",Evil,,,,CUST-00002,,\r\n"
            "Ada,Lovelace,ada@example.com,\"'+44 20 7946 0001\",,CUST-00001,,\r\n"
            "Alan,Turing,,,,CUST-00003,,\r\n");
  Reply found = Call("GET", "/v1/customers/export.csv?search=ada");
  ASSERT_EQ(found.status, 200);
  EXPECT_EQ(found.body,
            "First Name,Last Name,Email,Phone,Address,Code,Accepts Email Marketing,Accepts SMS "
            "Marketing\r\n"
            "Ada,Lovelace,ada@example.com,\"'+44 20 7946 0001\",,CUST-00001,,\r\n");
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

TEST_F(ApiTest, AnAnalysisSaysHowTheFileWasReadAndWhichRecordsAreBad) {
  Reply shopify = Call("POST", "/v1/customers/imports",
                       "\xEF\xBB\xBF"
                       "Customer ID,First Name,Last Name,Email,Phone,Default Address Zip\r\n"
                       "'7012345678901,Ada,Lovelace,ada@example.com,'+44 20 7946 0001,'SW1Y\r\n"
                       "'7012345678902,Bob,The \"Builder\",bob@example.com,,\r\n"
                       "'7012345678903,Cy,Young,cy@example.com,'+1 555 0100,'02134\r\n",
                       "admin", {{"Content-Type", "text/csv"}});
  ASSERT_EQ(shopify.status, 201) << shopify.body;
  auto a = shopify.json().as_object();
  EXPECT_EQ(a.at("file").at("encoding"), "utf-8");
  EXPECT_EQ(a.at("file").at("separator"), ",");
  EXPECT_EQ(a.at("counts").at("new"), 2);
  EXPECT_EQ(a.at("error_count"), 1);
  auto error = a.at("errors").at(0).as_object();
  EXPECT_EQ(error.at("line"), 3);
  EXPECT_EQ(error.at("column"), "");
  EXPECT_EQ(error.at("reason"), "invalid_csv");

  Reply european = Call("POST", "/v1/customers/imports",
                        "First Name;Last Name;Email\r\nAndr\xE9;Lef\xE8vre;a@example.fr\r\n",
                        "admin", {{"Content-Type", "text/csv"}});
  ASSERT_EQ(european.status, 201) << european.body;
  EXPECT_EQ(european.json().at("file").at("encoding"), "windows-1252");
  EXPECT_EQ(european.json().at("file").at("separator"), ";");
  EXPECT_EQ(european.json().at("counts").at("new"), 1);

  Reply neither =
      Call("POST", "/v1/customers/imports", "First Name,Last Name\r\nZo\xEB,Lee\r\nAnn,B\x8Fz\r\n",
           "admin", {{"Content-Type", "text/csv"}});
  EXPECT_EQ(neither.status, 422) << neither.body;
  EXPECT_EQ(neither.reason(), "invalid_encoding");
  EXPECT_NE(neither.json().at("detail").as_string().find("line 3: byte 0x8F"), std::string::npos)
      << neither.body;
}

// The customers the table lists (not deleted).
std::size_t Listed(const Projector& p) {
  TableSearch all;
  all.status = StatusFilter::kAll;
  return p.FindRows(all).size();
}

TEST_F(ApiTest, AReplaceThatWouldRemoveMostCustomersIsRefusedUntilAllowed) {
  for (const char* name : {"Ada", "Bob", "Cy", "Dee", "Eve"}) Create(name, "Example");
  ASSERT_TRUE(projector_->WaitFor(Head(), std::chrono::seconds(30)));
  Reply analysed = Call("POST", "/v1/customers/imports?mode=replace",
                        "First Name,Last Name,Email\r\n", "admin", {{"Content-Type", "text/csv"}});
  ASSERT_EQ(analysed.status, 201) << analysed.body;
  auto a = analysed.json().as_object();
  EXPECT_EQ(a.at("existing_customers"), 5);
  EXPECT_EQ(a.at("removes"), 5);
  EXPECT_EQ(a.at("removal_share_percent"), 100);
  EXPECT_EQ(a.at("max_removal_percent"), 20);
  EXPECT_EQ(a.at("mass_removal"), true);
  const std::string confirm =
      "/v1/customers/imports/" + std::string(a.at("id").as_string()) + "/confirm";
  const std::uint64_t head = Head();

  Reply refused = Call("POST", confirm);
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_EQ(refused.reason(), "mass_removal");
  EXPECT_NE(refused.body.find("remove 5 of the 5 customers (100%"), std::string::npos)
      << refused.body;
  EXPECT_NE(refused.body.find("allow_mass_removal"), std::string::npos) << refused.body;
  EXPECT_EQ(Call("POST", confirm, R"({"allow_mass_removal":false})").reason(), "mass_removal");
  Reply wrong_type = Call("POST", confirm, R"({"allow_mass_removal":"yes"})");
  EXPECT_EQ(wrong_type.status, 422) << wrong_type.body;
  Reply unknown = Call("POST", confirm, R"({"force":true})");
  EXPECT_EQ(unknown.status, 422) << unknown.body;
  EXPECT_EQ(Head(), head) << "a refused confirm wrote to the log";
  EXPECT_EQ(Listed(*projector_), 5u);
  EXPECT_EQ(Call("GET", confirm.substr(0, confirm.size() - 8)).json().at("status"), "analysed");

  Reply allowed = Call("POST", confirm, R"({"allow_mass_removal":true})");
  ASSERT_EQ(allowed.status, 200) << allowed.body;
  EXPECT_EQ(allowed.json().at("status"), "applied");
  ASSERT_TRUE(projector_->WaitFor(Head(), std::chrono::seconds(30)));
  EXPECT_EQ(Head(), head + 5);
  EXPECT_EQ(Listed(*projector_), 0u);
}

}  // namespace
}  // namespace clientele::testing
