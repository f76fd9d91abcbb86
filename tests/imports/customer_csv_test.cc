// Customer files' headers and cells: our own columns, aliases, Shopify's and
// Square's exports, addresses in parts, and the ' spreadsheets put in front.
#include "imports/customer_csv.h"

#include <gtest/gtest.h>

namespace clientele {
namespace {

// Which column index each of `columns` maps to (nullopt: none).
std::vector<std::optional<std::size_t>> At(const ColumnMap& map,
                                           const std::vector<CsvColumn>& columns) {
  std::vector<std::optional<std::size_t>> out;
  for (CsvColumn c : columns) out.push_back(map[c]);
  return out;
}

TEST(CustomerCsv, HeadersInAnyCaseOrderAndAlias) {
  auto map = MapHeader({"E-mail", "Phone Number", "SURNAME", "first_name", "Address 1", "Note",
                        "Loyalty Tier", "Customer Code"});
  ASSERT_TRUE(map) << map.error().ToString();
  EXPECT_EQ(
      At(*map, {CsvColumn::kFirstName, CsvColumn::kLastName, CsvColumn::kEmail, CsvColumn::kPhone,
                CsvColumn::kAddress, CsvColumn::kCode, CsvColumn::kNotes, CsvColumn::kTaxId}),
      (std::vector<std::optional<std::size_t>>{3, 2, 0, 1, 4, 7, 5, std::nullopt}));
  EXPECT_EQ(map->ignored, (std::vector<std::string>{"Loyalty Tier"}));
  auto ours = MapHeader(ExportHeader());
  ASSERT_TRUE(ours);
  EXPECT_TRUE(ours->ignored.empty());
  EXPECT_EQ(*(*ours)[CsvColumn::kCode], 5u);
  EXPECT_TRUE(MapHeader({"Email Address", "Address1", "First", "Last"}));
}

TEST(CustomerCsv, ShopifysCustomerExportMapsWhatWeHave) {
  const std::vector<std::string> header = {"Customer ID",
                                           "First Name",
                                           "Last Name",
                                           "Email",
                                           "Accepts Email Marketing",
                                           "Default Address Company",
                                           "Default Address Address1",
                                           "Default Address Address2",
                                           "Default Address City",
                                           "Default Address Province Code",
                                           "Default Address Country Code",
                                           "Default Address Zip",
                                           "Default Address Phone",
                                           "Phone",
                                           "Accepts SMS Marketing",
                                           "Total Spent",
                                           "Total Orders",
                                           "Note",
                                           "Tax Exempt",
                                           "Tags"};
  auto map = MapHeader(header);
  ASSERT_TRUE(map) << map.error().ToString();
  EXPECT_EQ(
      At(*map, {CsvColumn::kFirstName, CsvColumn::kLastName, CsvColumn::kEmail, CsvColumn::kAddress,
                CsvColumn::kAddress2, CsvColumn::kCity, CsvColumn::kRegionCode,
                CsvColumn::kCountryCode, CsvColumn::kPostalCode, CsvColumn::kAddressPhone,
                CsvColumn::kPhone, CsvColumn::kNotes, CsvColumn::kTaxId, CsvColumn::kCode}),
      (std::vector<std::optional<std::size_t>>{1, 2, 3, 6, 7, 8, 9, 10, 11, 12, 13, 17,
                                               std::nullopt, std::nullopt}));
  EXPECT_EQ(At(*map, {CsvColumn::kEmailConsent, CsvColumn::kSmsConsent}),
            (std::vector<std::optional<std::size_t>>{4, 14}));
  EXPECT_EQ(map->ignored,
            (std::vector<std::string>{"Customer ID", "Default Address Company", "Total Spent",
                                      "Total Orders", "Tax Exempt", "Tags"}));

  // An older export names the address columns plainly, with a province and a
  // country both as a name and as a code: not "the same field twice".
  auto older =
      MapHeader({"First Name", "Last Name", "Email", "Company", "Address1", "Address2", "City",
                 "Province", "Province Code", "Country", "Country Code", "Zip", "Phone",
                 "Accepts Marketing", "Total Spent", "Total Orders", "Tags", "Note", "Tax Exempt"});
  ASSERT_TRUE(older) << older.error().ToString();
  EXPECT_EQ(At(*older, {CsvColumn::kAddress, CsvColumn::kAddress2, CsvColumn::kCity,
                        CsvColumn::kRegion, CsvColumn::kRegionCode, CsvColumn::kCountry,
                        CsvColumn::kCountryCode, CsvColumn::kPostalCode}),
            (std::vector<std::optional<std::size_t>>{4, 5, 6, 7, 8, 9, 10, 11}));
}

TEST(CustomerCsv, SquaresCustomerExportMapsWhatWeHave) {
  auto map = MapHeader({"Reference ID",
                        "First Name",
                        "Last Name",
                        "Email Address",
                        "Phone Number",
                        "Nickname",
                        "Company Name",
                        "Street Address 1",
                        "Street Address 2",
                        "City",
                        "State",
                        "Postal Code",
                        "Birthday",
                        "Memo",
                        "Square Customer ID",
                        "Creation Source",
                        "First Visit",
                        "Last Visit",
                        "Transaction Count",
                        "Lifetime Spend",
                        "Email Subscription Status",
                        "Instant Profile",
                        "Groups"});
  ASSERT_TRUE(map) << map.error().ToString();
  EXPECT_EQ(
      At(*map, {CsvColumn::kFirstName, CsvColumn::kLastName, CsvColumn::kEmail, CsvColumn::kPhone,
                CsvColumn::kAddress, CsvColumn::kAddress2, CsvColumn::kCity, CsvColumn::kRegion,
                CsvColumn::kPostalCode, CsvColumn::kNotes, CsvColumn::kCode}),
      (std::vector<std::optional<std::size_t>>{1, 2, 3, 4, 7, 8, 9, 10, 11, 13, std::nullopt}));
  EXPECT_EQ(map->ignored.front(), "Reference ID") << "a merchant's own id is not our code";
  EXPECT_EQ(map->ignored.size(), 12u);
}

TEST(CustomerCsv, BadHeadersSayWhy) {
  auto missing = MapHeader({"Email", "Phone"});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().reason(), "invalid_header");
  auto twice = MapHeader({"First Name", "Last Name", "Email", "E-mail"});
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().message(), "columns 'Email' and 'E-mail' both hold the same field");
  auto streets = MapHeader({"First Name", "Last Name", "Address", "Street Address 1"});
  ASSERT_FALSE(streets);
  EXPECT_EQ(streets.error().reason(), "invalid_header");
}

TEST(CustomerCsv, RowsSetWhatTheyHoldAndReportEveryBadCell) {
  const std::vector<std::string> header = {"Code", "First Name", "Last Name", "Email", "Phone"};
  auto map = MapHeader(header);
  ASSERT_TRUE(map);
  ImportRow good =
      ReadImportRow({"cust-00042", " Zoë ", "Núñez", "", "+1 555 0100"}, *map, header, 7);
  EXPECT_TRUE(good.errors.empty());
  EXPECT_EQ(good.code, "CUST-00042");
  EXPECT_EQ(good.patch[DetailField::kFirstName], "Zoë");
  EXPECT_FALSE(good.patch[DetailField::kEmail]) << "an empty cell leaves the field as it was";
  EXPECT_EQ(good.patch[DetailField::kPhone], "+1 555 0100");
  ImportRow bad = ReadImportRow({"NOPE", "Ann", "Lee", "not-an-email", "phone?"}, *map, header, 9);
  ASSERT_EQ(bad.errors.size(), 3u);
  EXPECT_EQ(bad.errors[0].column, "Code");
  EXPECT_EQ(bad.errors[1].column, "Email");
  EXPECT_EQ(bad.errors[2].column, "Phone");
  for (const RowError& e : bad.errors) EXPECT_EQ(e.line, 9);
  ImportRow short_row = ReadImportRow({"", "Ann"}, *map, header, 3);
  EXPECT_TRUE(short_row.errors.empty()) << "missing trailing cells are empty cells";
  EXPECT_TRUE(ReadImportRow({"", " ", ""}, *map, header, 4).blank);
}

TEST(CustomerCsv, ALeadingApostropheIsDroppedButNotFromNamesThatStartWithOne) {
  const std::vector<std::string> header = {"First Name", "Last Name", "Phone", "Address", "Note"};
  auto map = MapHeader(header);
  ASSERT_TRUE(map);
  ImportRow shopify =
      ReadImportRow({"Jörg", "O'Brien", "'+49 30 901820", "'=1+1", "'-"}, *map, header, 2);
  EXPECT_TRUE(shopify.errors.empty()) << shopify.errors[0].detail;
  EXPECT_EQ(shopify.patch[DetailField::kLastName], "O'Brien") << "only a leading '";
  EXPECT_EQ(shopify.patch[DetailField::kPhone], "+49 30 901820");
  EXPECT_EQ(shopify.patch[DetailField::kAddress], "=1+1");
  EXPECT_EQ(shopify.patch[DetailField::kNotes], "-");
  ImportRow dutch =
      ReadImportRow({"Gerard", "'t Hooft", " ' 0123", "'s-Gravenhage", "'"}, *map, header, 3);
  EXPECT_TRUE(dutch.errors.empty());
  EXPECT_EQ(dutch.patch[DetailField::kLastName], "'t Hooft") << "a name may start with '";
  EXPECT_EQ(dutch.patch[DetailField::kPhone], "0123");
  EXPECT_EQ(dutch.patch[DetailField::kAddress], "'s-Gravenhage");
  EXPECT_FALSE(dutch.patch[DetailField::kNotes]) << "a lone ' is an empty cell";
  const std::vector<std::string> ids = {"First Name", "Last Name", "Email", "Zip", "Code"};
  auto id_map = MapHeader(ids);
  ASSERT_TRUE(id_map);
  ImportRow letters = ReadImportRow({"'Ann", "Lee", "'ann@example.com", "'SW1Y 4JH", "'CUST-00007"},
                                    *id_map, ids, 4);
  EXPECT_TRUE(letters.errors.empty()) << letters.errors[0].detail;
  EXPECT_EQ(letters.patch[DetailField::kFirstName], "'Ann");
  EXPECT_EQ(letters.patch[DetailField::kEmail], "ann@example.com") << "not a name: dropped";
  EXPECT_EQ(letters.patch[DetailField::kAddress], "SW1Y 4JH");
  EXPECT_EQ(letters.code, "CUST-00007");
}

TEST(CustomerCsv, AnAddressInPartsIsJoined) {
  const std::vector<std::string> header = {
      "First Name",    "Last Name", "Address1",     "Address2", "City",  "Province",
      "Province Code", "Country",   "Country Code", "Zip",      "Phone", "Default Address Phone"};
  auto map = MapHeader(header);
  ASSERT_TRUE(map) << map.error().ToString();
  auto row = [&](std::vector<std::string> cells) { return ReadImportRow(cells, *map, header, 2); };
  ImportRow full = row({"Ada", "Lee", "1 Main St", "Apt 2", "Toronto", "Ontario", "ON", "Canada",
                        "CA", "'M5V 2T6", "", "'+1 416 555 0100"});
  EXPECT_TRUE(full.errors.empty());
  EXPECT_EQ(full.patch[DetailField::kAddress], "1 Main St, Apt 2, M5V 2T6 Toronto, ON, Canada")
      << "a province's code before its name, a country's name before its code";
  EXPECT_EQ(full.patch[DetailField::kPhone], "+1 416 555 0100") << "the address's phone";
  ImportRow some = row({"Ada", "Lee", "Hauptstr. 1", "", "Berlin", "", "", "", "DE", "10115",
                        "+49 30 1", "+49 30 2"});
  EXPECT_EQ(some.patch[DetailField::kAddress], "Hauptstr. 1, 10115 Berlin, DE");
  EXPECT_EQ(some.patch[DetailField::kPhone], "+49 30 1") << "the customer's own phone first";
  ImportRow city = row({"Ada", "Lee", "", "", "Paris", "", "", "", "", "", "", ""});
  EXPECT_EQ(city.patch[DetailField::kAddress], "Paris");
  ImportRow none = row({"Ada", "Lee", "", "", "", "", "", "", "", "", "", ""});
  EXPECT_FALSE(none.patch[DetailField::kAddress]) << "no part: the address stays as it is";
  ImportRow long_one = row(
      {"Ada", "Lee", std::string(300, 'x'), std::string(300, 'y'), "", "", "", "", "", "", "", ""});
  ASSERT_EQ(long_one.errors.size(), 1u);
  EXPECT_EQ(long_one.errors[0].column, "Address1");
  EXPECT_EQ(long_one.errors[0].reason, "too_long");
  EXPECT_EQ(*map->Of(DetailField::kAddress), 2u);
  EXPECT_EQ(*map->Of(DetailField::kPhone), 10u);
}

}  // namespace
}  // namespace clientele
