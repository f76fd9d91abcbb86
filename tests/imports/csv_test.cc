// CSV as spreadsheets write it, and customer files' headers: read back field for field, line
// numbers in errors, and formulas defused on the way out.
#include "imports/csv.h"

#include <gtest/gtest.h>

#include <sstream>

#include "imports/customer_csv.h"

namespace clientele {
namespace {

using Rows = std::vector<std::vector<std::string>>;

Result<Rows> ReadAll(const std::string& text) {
  std::istringstream in(text);
  CsvReader reader(&in);
  Rows rows;
  for (;;) {
    auto row = reader.Next();
    if (!row) return Error(row.error());
    if (!*row) return rows;
    rows.push_back(std::move(**row));
  }
}

TEST(Csv, ReadsWhatSpreadsheetsWrite) {
  auto rows = ReadAll(
      "\xEF\xBB\xBF"
      "First Name,E-mail,Address 1\r\n"
      "Zoë,\"zoe@example.com\",\"1 Rue, \"\"Haut\"\"\r\nBâtiment B\"\r\n"
      "Bob,,\n"
      "\"\",x,y");
  ASSERT_TRUE(rows) << rows.error().ToString();
  EXPECT_EQ(*rows, (Rows{{"First Name", "E-mail", "Address 1"},
                         {"Zoë", "zoe@example.com", "1 Rue, \"Haut\"\r\nBâtiment B"},
                         {"Bob", "", ""},
                         {"", "x", "y"}}));
}

TEST(Csv, RecordsKnowTheLineTheyStartOn) {
  std::istringstream in("a,b\n\"multi\nline\",c\nlast,d\n");
  CsvReader reader(&in);
  std::vector<std::int64_t> lines;
  for (auto row = reader.Next(); row && *row; row = reader.Next()) lines.push_back(reader.line());
  EXPECT_EQ(lines, (std::vector<std::int64_t>{1, 2, 4}));
}

TEST(Csv, MalformedInputNamesItsLine) {
  auto unclosed = ReadAll("a,b\nc,\"never closed\nmore\n");
  ASSERT_FALSE(unclosed);
  EXPECT_EQ(unclosed.error().message(), "line 2: a quoted field is never closed");
  auto stray = ReadAll("a,b\nc,d\"e\n");
  ASSERT_FALSE(stray);
  EXPECT_EQ(stray.error().message(), "line 2: a quote inside an unquoted field");
  auto after = ReadAll("a\n\"x\"y,z\n");
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error().message(), "line 2: text after the closing quote of a field");
}

TEST(Csv, WritesRfc4180AndDefusesFormulas) {
  std::string out;
  CsvWriter::Row({"Ada", "Müller, Jr.", "say \"hi\"", "line\nbreak", ""}, &out);
  CsvWriter::Row({"=HYPERLINK(\"x\")", "+1 555", "-5", "@SUM(A1)", "\tx", "a=b"}, &out);
  EXPECT_EQ(out,
            "Ada,\"Müller, Jr.\",\"say \"\"hi\"\"\",\"line\nbreak\",\r\n"
            "\"'=HYPERLINK(\"\"x\"\")\",\"'+1 555\",\"'-5\",\"'@SUM(A1)\",\"'\tx\",a=b\r\n");
  auto back = ReadAll(out);
  ASSERT_TRUE(back);
  EXPECT_EQ((*back)[0][3], "line\nbreak");
  EXPECT_EQ((*back)[1][0], "'=HYPERLINK(\"x\")");
}

TEST(CustomerCsv, HeadersInAnyCaseOrderAndAlias) {
  auto map = MapHeader({"E-mail", "Phone Number", "SURNAME", "first_name", "Address 1", "Note",
                        "Loyalty Tier", "Customer Code"});
  ASSERT_TRUE(map) << map.error().ToString();
  EXPECT_EQ(map->at, (std::array<std::optional<std::size_t>, kCsvColumnCount>{3, 2, 0, 1, 4, 7, 5,
                                                                              std::nullopt}));
  EXPECT_EQ(map->ignored, (std::vector<std::string>{"Loyalty Tier"}));
  auto ours = MapHeader(ExportHeader());
  ASSERT_TRUE(ours);
  EXPECT_TRUE(ours->ignored.empty());
  EXPECT_EQ(*(*ours)[CsvColumn::kCode], 5u);
  EXPECT_TRUE(MapHeader({"Email Address", "Address1", "First", "Last"}));
}

TEST(CustomerCsv, BadHeadersSayWhy) {
  auto missing = MapHeader({"Email", "Phone"});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().reason(), "invalid_header");
  auto twice = MapHeader({"First Name", "Last Name", "Email", "E-mail"});
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().message(), "columns 'Email' and 'E-mail' both hold the same field");
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

}  // namespace
}  // namespace clientele
