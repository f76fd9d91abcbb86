// Files as other systems and spreadsheets write them: Shopify's and Square's
// customer exports, a European spreadsheet's, files that are neither UTF-8
// nor Windows-1252, shifted rows; and the guard against a replace that would
// remove a large share of the customers.
#include <gtest/gtest.h>

#include "imports/import_record.h"
#include "tests/imports/import_fixture.h"

namespace clientele {
namespace {

// Shopify's customer export (Customers > Export > CSV): a byte-order mark,
// CRLF, ids, phones and zips with a ' in front; `bad` adds a record with a
// quote where it cannot be, on line 6.
std::string ShopifyExport(bool bad) {
  std::string file =
      "\xEF\xBB\xBF"
      "Customer ID,First Name,Last Name,Email,Accepts Email Marketing,Default Address Company,"
      "Default Address Address1,Default Address Address2,Default Address City,"
      "Default Address Province Code,Default Address Country Code,Default Address Zip,"
      "Default Address Phone,Phone,Accepts SMS Marketing,Total Spent,Total Orders,Note,"
      "Tax Exempt,Tags\r\n"
      "'7012345678901,Ada,Lovelace,ada@example.com,yes,,12 St James's Square,,London,,GB,"
      "'SW1Y 4JH,,'+44 20 7946 0001,no,120.50,3,,no,vip\r\n"
      "'7012345678902,Jörg,Müller,joerg@example.de,no,Müller GmbH,Hauptstraße 5,2. OG,Berlin,"
      "BE,DE,'10115,'+49 30 901820,,no,0.00,0,\"Mag Kaffee, schwarz\",no,\r\n"
      "'7012345678903,Grace,Hopper,grace@example.com,yes,,1 Navy Way,,Arlington,VA,US,'22201,,"
      "'+1 703 555 0100,yes,10.00,1,\"Two lines:\r\nthe second\",no,\"a, b\"\r\n";
  if (bad) {
    file += "'7012345678904,Bob,The \"Builder\",bob@example.com,no,,,,,,,,,,no,0.00,0,,no,\r\n";
  }
  file +=
      "'7012345678905,Zoë,Núñez,zoe@example.es,no,,Calle Mayor 1,,Madrid,M,ES,'28013,,"
      "'+34 91 555 0100,no,0.00,0,,no,\r\n";
  return file;
}

TEST_F(ImportTest, AShopifyExportIsAnalysedRecordByRecord) {
  Add("Ada", "Lovelace", "ada@example.com");  // CUST-00001
  const std::uint64_t head = store_->Head();
  auto analysed = Analyse(ShopifyExport(true));
  ASSERT_TRUE(analysed) << analysed.error().ToString();
  const ImportSummary& s = analysed->summary;
  EXPECT_EQ(Reasons(*analysed), std::vector<std::string>{"6  invalid_csv"})
      << "one record with a stray quote is one row error; the others are analysed";
  EXPECT_EQ(s.errors[0].detail, "a quote inside an unquoted field");
  EXPECT_EQ(s.records, 5u);
  EXPECT_EQ(s.rows_with_errors, 1u);
  EXPECT_EQ(s.updated, 1u);
  EXPECT_EQ(s.created, 3u);
  EXPECT_EQ(s.encoding, TextEncoding::kUtf8);
  EXPECT_EQ(s.ignored_columns,
            (std::vector<std::string>{"Customer ID", "Default Address Company", "Total Spent",
                                      "Total Orders", "Tax Exempt", "Tags"}));
  auto refused = imports_->Confirm(analysed->id, "manager");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().reason(), "import_has_errors");
  EXPECT_EQ(store_->Head(), head);

  // Without the bad record, it applies.
  ImportRecord applied = Apply(ShopifyExport(false));
  EXPECT_EQ(applied.summary.created, 3u);
  CustomerRow ada = ByCode("CUST-00001");
  EXPECT_EQ(ada.details[DetailField::kAddress], "12 St James's Square, SW1Y 4JH London, GB");
  // Accepts Email Marketing "yes", Accepts SMS Marketing "no" (asked, and declined).
  EXPECT_EQ(ada.consent(ConsentChannel::kEmail).consent.state, ConsentState::kGranted);
  EXPECT_EQ(ada.consent(ConsentChannel::kEmail).consent.source, ConsentSource::kImport);
  EXPECT_EQ(ada.consent(ConsentChannel::kSms).consent.state, ConsentState::kWithdrawn);
  EXPECT_EQ(ada.details[DetailField::kPhone], "+44 20 7946 0001");
  CustomerRow jorg = ByCode("CUST-00002");
  EXPECT_EQ(jorg.details[DetailField::kFirstName], "Jörg");
  EXPECT_EQ(jorg.details[DetailField::kAddress], "Hauptstraße 5, 2. OG, 10115 Berlin, BE, DE");
  EXPECT_EQ(jorg.details[DetailField::kPhone], "+49 30 901820") << "the address's phone";
  EXPECT_EQ(jorg.details[DetailField::kNotes], "Mag Kaffee, schwarz");
  CustomerRow grace = ByCode("CUST-00003");
  EXPECT_EQ(grace.details[DetailField::kNotes], "Two lines:\r\nthe second");
  EXPECT_EQ(grace.details[DetailField::kAddress], "1 Navy Way, 22201 Arlington, VA, US");
  EXPECT_EQ(ByCode("CUST-00004").details[DetailField::kPhone], "+34 91 555 0100");
}

TEST_F(ImportTest, ASquareExportMapsItsColumns) {
  ImportRecord r = Apply(
      "Reference ID,First Name,Last Name,Email Address,Phone Number,Nickname,Company Name,"
      "Street Address 1,Street Address 2,City,State,Postal Code,Birthday,Memo,"
      "Square Customer ID,Creation Source,First Visit,Last Visit,Transaction Count,"
      "Lifetime Spend,Email Subscription Status,Instant Profile\n"
      "R-17,Ada,Lovelace,ada@example.com,+1 415-555-0100,Addy,Analytical Ltd,500 Market St,"
      "Suite 3,San Francisco,CA,94105,1815-12-10,Prefers tea,7QZJ4RTX8D,Directory,"
      "2024-01-01,2024-02-01,2,$40.00,subscribed,No\n");
  EXPECT_EQ(r.summary.created, 1u);
  EXPECT_EQ(r.summary.ignored_columns.front(), "Reference ID");
  CustomerRow ada = ByCode("CUST-00001");
  EXPECT_EQ(ada.details[DetailField::kEmail], "ada@example.com");
  EXPECT_EQ(ada.details[DetailField::kPhone], "+1 415-555-0100");
  EXPECT_EQ(ada.details[DetailField::kAddress], "500 Market St, Suite 3, 94105 San Francisco, CA");
  EXPECT_EQ(ada.details[DetailField::kNotes], "Prefers tea");
}

TEST_F(ImportTest, AEuropeanSpreadsheetIsReadAsWindows1252WithSemicolons) {
  const std::string file =
      "First Name;Last Name;Email;Phone;Address;Note\r\n"
      "Andr\xE9;Lef\xE8vre;andre@example.fr;'+33 1 23 45 67 89;"
      "\"12, rue de l'\xC9glise; 75001 Paris\";Pr\xE9"
      "f\xE8re le caf\xE9 \xE0 2 \x80\r\n"
      "J\xF6rg;M\xFCller;joerg@example.de;030 901820;Hauptstra\xDF"
      "e 5;\r\n";
  ImportRecord r = Apply(file);
  EXPECT_EQ(r.summary.created, 2u);
  EXPECT_EQ(r.summary.encoding, TextEncoding::kWindows1252);
  EXPECT_EQ(r.summary.separator, ';');
  CustomerRow andre = ByCode("CUST-00001");
  EXPECT_EQ(andre.details[DetailField::kFirstName], "André");
  EXPECT_EQ(andre.details[DetailField::kLastName], "Lefèvre");
  EXPECT_EQ(andre.details[DetailField::kPhone], "+33 1 23 45 67 89");
  EXPECT_EQ(andre.details[DetailField::kAddress], "12, rue de l'Église; 75001 Paris");
  EXPECT_EQ(andre.details[DetailField::kNotes], "Préfère le café à 2 €");
  EXPECT_EQ(ByCode("CUST-00002").details[DetailField::kAddress], "Hauptstraße 5");

  // The analysis says how it read the file, and keeps saying it.
  auto again = imports_->Get(r.id);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->summary.encoding, TextEncoding::kWindows1252);
  EXPECT_EQ(again->summary.separator, ';');
  boost::json::object json = ImportRecordToJson(*again);
  EXPECT_EQ(json.at("file").at("encoding"), "windows-1252");
  EXPECT_EQ(json.at("file").at("separator"), ";");
}

TEST_F(ImportTest, AFileNeitherUtf8NorWindows1252IsRefusedWithTheLineOfItsFirstBadByte) {
  Add("Ada", "Lovelace", "ada@example.com");
  const std::uint64_t head = store_->Head();
  // 0x9D is not a character in Windows-1252, nor UTF-8 after 0xEB.
  auto r = Analyse(
      "First Name,Last Name\r\n"
      "Zo\xEB,N\xFA\xF1"
      "ez\r\n"
      "\"Multi\r\nline\",Name\r\n"
      "Bad,By\x9Dte\r\n",
      ImportMode::kReplace);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason(), "invalid_encoding");
  EXPECT_EQ(r.error().message(),
            "line 5: byte 0x9D is neither UTF-8 nor Windows-1252; save the file as UTF-8 (in a "
            "spreadsheet: \"CSV UTF-8\") and upload it again");
  EXPECT_EQ(store_->Head(), head);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_.sub("node/imports")),
                          std::filesystem::directory_iterator()),
            0)
      << "a refused upload is not kept";
}

TEST_F(ImportTest, ShiftedRowsAreRowErrors) {
  auto r = Analyse(
      "First Name,Last Name,Email,Address\n"
      "Ada,Lovelace,ada@example.com,1 Main St\n"
      "Bob,Builder,bob@example.com,2 Side St, Flat 3\n"  // a comma without quotes
      "Cy,Young,cy@example.com\n"                        // a cell short
      "\n"                                               // an empty line: skipped
      "Dee,Ray,dee@example.com,4 Road\n");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(Reasons(*r),
            (std::vector<std::string>{"3  wrong_field_count", "4  wrong_field_count"}));
  EXPECT_EQ(r->summary.errors[0].detail,
            "the record has 5 fields and the header 4: does a value hold a ',' without quotes?");
  EXPECT_EQ(r->summary.records, 4u);
  EXPECT_EQ(r->summary.blank, 1u);
  EXPECT_EQ(r->summary.created, 2u);
  EXPECT_EQ(r->summary.rows_with_errors, 2u);
}

// The customers the table lists (not deleted).
std::size_t Listed(const Projector& p) {
  TableSearch all;
  all.status = StatusFilter::kAll;
  return p.FindRows(all).size();
}

TEST_F(ImportTest, AReplaceThatRemovesManyCustomersMustBeAllowed) {
  std::string file = "First Name,Last Name,Email\r\n";
  for (int i = 0; i < 10; ++i) {
    const std::string n = std::to_string(i);
    Add("N" + n, "Last", "n" + n + "@example.com");
    if (i < 7) file += "N" + n + ",Last,n" + n + "@example.com\r\n";
  }
  // 8 of 10 in the file: 20 % removed, which is not more than 20 %.
  ImportRecord at_limit = Clean(file + "N7,Last,n7@example.com\r\n", ImportMode::kReplace);
  EXPECT_EQ(at_limit.summary.deleted, 2u);
  EXPECT_FALSE(at_limit.summary.MassRemoval(20));

  // 7 of 10: 30 %.
  ImportRecord r = Clean(file, ImportMode::kReplace);
  EXPECT_EQ(r.summary.customers, 10u);
  EXPECT_EQ(r.summary.removals(), 3u);
  EXPECT_EQ(r.summary.RemovalSharePercent(), 30u);
  boost::json::object json = ImportRecordToJson(r);
  EXPECT_EQ(json.at("existing_customers"), 10);
  EXPECT_EQ(json.at("removes"), 3);
  EXPECT_EQ(json.at("removal_share_percent"), 30);
  EXPECT_EQ(json.at("max_removal_percent"), 20);
  EXPECT_EQ(json.at("mass_removal"), true);

  const std::uint64_t head = store_->Head();
  auto refused = imports_->Confirm(r.id, "manager");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().reason(), "mass_removal");
  EXPECT_EQ(refused.error().message(),
            "the import would remove 3 of the 10 customers (30%: 3 deleted, 0 deactivated), more "
            "than imports.max_removal_percent allows (20%); if that is meant, confirm with "
            "{\"allow_mass_removal\": true} (clientele import --yes); nothing was applied");
  EXPECT_EQ(store_->Head(), head);
  EXPECT_EQ(Listed(*projector_), 10u);

  auto applied = imports_->Confirm(r.id, "manager", {.allow_mass_removal = true});
  ASSERT_TRUE(applied) << applied.error().ToString();
  Sync();
  EXPECT_EQ(store_->Head(), head + 3);
  EXPECT_EQ(Listed(*projector_), 7u);

  // A file of only a header would remove everyone.
  ImportRecord empty = Clean("First Name,Last Name\r\n", ImportMode::kReplace);
  EXPECT_EQ(empty.summary.removals(), 7u);
  EXPECT_EQ(empty.summary.RemovalSharePercent(), 100u);
  EXPECT_EQ(imports_->Confirm(empty.id, "manager").error().reason(), "mass_removal");
  EXPECT_EQ(Listed(*projector_), 7u);
}

TEST_F(ImportTest, TheShareIsRoundedUpSoThatItIsAboveTheLimitWhenTheRemovalIs) {
  ImportSummary s;
  s.customers = 548;
  s.deleted = 110;  // 20.07 %
  EXPECT_TRUE(s.MassRemoval(20));
  EXPECT_EQ(s.RemovalSharePercent(), 21u);
  s.deleted = 109;  // 19.9 %
  EXPECT_FALSE(s.MassRemoval(20));
  EXPECT_EQ(s.RemovalSharePercent(), 20u);
  s.deleted = 0;
  EXPECT_FALSE(s.MassRemoval(0));
  s.customers = 0;
  EXPECT_EQ(s.RemovalSharePercent(), 0u);
}

class LenientImportTest : public ImportTest {
 protected:
  LenientImportTest() { options_.max_removal_percent = 100; }
};

TEST_F(LenientImportTest, ALimitOf100PercentNeverAsks) {
  Add("Ada", "Lovelace", "ada@example.com");
  ImportRecord r = Apply("First Name,Last Name\r\n", ImportMode::kReplace);
  EXPECT_EQ(r.summary.deleted, 1u);
  EXPECT_EQ(r.max_removal_percent, 100);
  EXPECT_EQ(Listed(*projector_), 0u);
}

}  // namespace
}  // namespace clientele
