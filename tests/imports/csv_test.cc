// CSV as spreadsheets write it: read back field for field, with the separator
// and the encoding found, a malformed record reported on its line with the
// rest of the file still read, and formulas defused on the way out.
#include "imports/csv.h"

#include <gtest/gtest.h>

#include <sstream>

namespace clientele {
namespace {

using Rows = std::vector<std::vector<std::string>>;

struct Table {
  std::vector<std::string> header;
  std::vector<CsvRecord> records;
  char separator = 0;
  TextEncoding encoding = TextEncoding::kUtf8;

  // The well-formed records' fields.
  Rows rows() const {
    Rows out;
    for (const CsvRecord& r : records) {
      if (r.problem.empty()) out.push_back(r.fields);
    }
    return out;
  }
  // "LINE REASON" for every record, well-formed ("LINE ok") or not.
  std::vector<std::string> lines() const {
    std::vector<std::string> out;
    for (const CsvRecord& r : records) {
      out.push_back(std::to_string(r.line) + " " + (r.problem.empty() ? "ok" : r.problem));
    }
    return out;
  }
};

Result<Table> ReadAll(const std::string& text) {
  std::istringstream in(text);
  CsvReader reader(&in);
  Table t;
  auto header = reader.Header();
  if (!header) return Error(header.error());
  if (*header) t.header = std::move(**header);
  for (;;) {
    auto record = reader.Next();
    if (!record) return Error(record.error());
    if (!*record) break;
    t.records.push_back(std::move(**record));
  }
  t.separator = reader.separator();
  t.encoding = reader.encoding();
  EXPECT_EQ(reader.bytes(), text.size());
  return t;
}

TEST(Csv, ReadsWhatSpreadsheetsWrite) {
  auto t = ReadAll(
      "\xEF\xBB\xBF"
      "First Name,E-mail,Address 1\r\n"
      "Zoë,\"zoe@example.com\",\"1 Rue, \"\"Haut\"\"\r\nBâtiment B\"\r\n"
      "Bob,,\n"
      "\"\",x,y\n"
      "Cy, \"spaced\" ,z");
  ASSERT_TRUE(t) << t.error().ToString();
  EXPECT_EQ(t->header, (std::vector<std::string>{"First Name", "E-mail", "Address 1"}));
  EXPECT_EQ(t->rows(), (Rows{{"Zoë", "zoe@example.com", "1 Rue, \"Haut\"\r\nBâtiment B"},
                             {"Bob", "", ""},
                             {"", "x", "y"},
                             {"Cy", "spaced", "z"}}));
  EXPECT_EQ(t->separator, ',');
  EXPECT_EQ(t->encoding, TextEncoding::kUtf8);
}

TEST(Csv, RecordsKnowTheLineTheyStartOn) {
  auto t = ReadAll("a,b\n\"multi\nline\",c\nlast,d\r\nthen,cr\rend,x\n");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->lines(), (std::vector<std::string>{"2 ok", "4 ok", "5 ok", "6 ok"}));
}

TEST(Csv, TheSeparatorIsFoundInTheHeaderLine) {
  auto semicolons =
      ReadAll("Vorname;Nachname;Adresse\nJörg;Müller;\"Hauptstr. 1; 10115 Berlin\"\n");
  ASSERT_TRUE(semicolons);
  EXPECT_EQ(semicolons->separator, ';');
  EXPECT_EQ(semicolons->rows(), (Rows{{"Jörg", "Müller", "Hauptstr. 1; 10115 Berlin"}}));

  auto tabs = ReadAll("First\tLast\tNote\nAda\tLovelace\t\"a, b; c\"\n");
  ASSERT_TRUE(tabs);
  EXPECT_EQ(tabs->separator, '\t');
  EXPECT_EQ(tabs->rows(), (Rows{{"Ada", "Lovelace", "a, b; c"}}));

  // Separators inside quotes do not count.
  auto quoted = ReadAll("\"Name, first\";\"Name, last\";Email\nA;B;c@example.com\n");
  ASSERT_TRUE(quoted);
  EXPECT_EQ(quoted->separator, ';');
  EXPECT_EQ(quoted->header, (std::vector<std::string>{"Name, first", "Name, last", "Email"}));

  // Excel's "sep=" line names it, and is not the header.
  auto named = ReadAll("sep=;\nFirst,Name;Last\nA,B;C\n");
  ASSERT_TRUE(named);
  EXPECT_EQ(named->separator, ';');
  EXPECT_EQ(named->header, (std::vector<std::string>{"First,Name", "Last"}));
  EXPECT_EQ(named->lines(), (std::vector<std::string>{"3 ok"}));

  auto tie = ReadAll("a;b,c\n1;2,3\n");
  ASSERT_TRUE(tie);
  EXPECT_EQ(tie->separator, ',') << "a tie goes to the comma";
  auto one = ReadAll("Name\nAda\n");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->separator, ',');
}

TEST(Csv, AMalformedRecordIsReportedAndReadingGoesOnAtTheNextLine) {
  struct Case {
    const char* name;
    std::string text;
    std::vector<std::string> lines;
    std::string detail;  // of the first bad record
  };
  const std::string big(CsvReader::kMaxRecordBytes + 10, 'x');
  for (const Case& c : std::vector<Case>{
           {"a stray quote",
            "a,b\nc,5\" screen\nf,g\n",
            {"2 invalid_csv", "3 ok"},
            "a quote inside an unquoted field"},
           {"text after a closing quote",
            "a,b\n\"He said \"hi\" to me\",x\nf,g\n",
            {"2 invalid_csv", "3 ok"},
            "text after the closing quote of a field"},
           {"a quote never closed: the swallowed lines are read again",
            "a,b\nc,\"never closed\nd,e\nf,g\n",
            {"2 invalid_csv", "3 ok", "4 ok"},
            "a quoted field is never closed"},
           {"a stray opening quote closed on a later line",
            "a,b\nc,\"open\nd,e\nf,\"g\"\n",
            {"2 invalid_csv", "3 ok", "4 ok"},
            "text after the closing quote of a field"},
           {"CRLF",
            "a,b\r\nc,d\"\r\ne,f\r\n",
            {"2 invalid_csv", "3 ok"},
            "a quote inside an unquoted field"},
           {"CR alone",
            "a,b\rc,d\"\re,f\r",
            {"2 invalid_csv", "3 ok"},
            "a quote inside an unquoted field"},
           {"a record past the limit",
            "a,b\nc,\"" + big + "\nd,e\n",
            {"2 invalid_csv", "3 ok"},
            "the record is longer than 64 KiB (is a quote left open?)"},
           {"the last record, without a line end",
            "a,b\nc,\"d\ne,f",
            {"2 invalid_csv", "3 ok"},
            "a quoted field is never closed"},
       }) {
    SCOPED_TRACE(c.name);
    auto t = ReadAll(c.text);
    ASSERT_TRUE(t) << t.error().ToString();
    EXPECT_EQ(t->lines(), c.lines);
    ASSERT_FALSE(t->records.empty());
    EXPECT_EQ(t->records[0].detail, c.detail);
  }
  // A quoted field over lines that closes properly is one record, as ever.
  auto fine = ReadAll("a,b\n\"one\ntwo\",c\nd,e\n");
  ASSERT_TRUE(fine);
  EXPECT_EQ(fine->lines(), (std::vector<std::string>{"2 ok", "4 ok"}));
  // A malformed header line leaves nothing to read records against.
  auto header = ReadAll("a,b\"c\nd,e\n");
  ASSERT_FALSE(header);
  EXPECT_EQ(header.error().reason(), "invalid_csv");
  EXPECT_EQ(header.error().message(), "line 1: a quote inside an unquoted field");
}

TEST(Csv, LinesAQuoteSwallowedAreReadAgainAcrossTheReadersBlocks) {
  for (const std::string eol : {"\n", "\r\n", "\r"}) {
    std::string text = "a,b" + eol;
    for (int line = 2; line <= 30000; ++line) {
      text += line == 8000 ? "c,\"open" + eol : "abc,d" + std::to_string(line) + eol;
    }
    auto t = ReadAll(text);
    ASSERT_TRUE(t) << t.error().ToString();
    ASSERT_EQ(t->records.size(), 29999u);
    EXPECT_EQ(t->records[7998].line, 8000);
    EXPECT_EQ(t->records[7998].detail, "the record is longer than 64 KiB (is a quote left open?)");
    EXPECT_EQ(t->records[7999].line, 8001);
    EXPECT_EQ(t->records[7999].fields[1], "d8001");
    EXPECT_EQ(t->records.back().line, 30000);
    EXPECT_EQ(t->rows().size(), 29998u);
  }
}

TEST(Csv, ARecordWithMoreOrFewerFieldsThanTheHeaderIsAProblem) {
  auto t = ReadAll(
      "a,b,c\n"
      "1,2,3\n"
      "1,2\n"                      // 3: fewer
      "Ada,1 Main St, Flat 2,x\n"  // 4: more (a comma without quotes)
      "\n"                         // 5: an empty line: blank, not a problem
      ",,\n"                       // 6
      "  \n"                       // 7: blank too
      "x,\"two\nlines\",y,z\n"     // 8: more, over two lines: line 9 is read again
      "7,8,9\n");
  ASSERT_TRUE(t) << t.error().ToString();
  EXPECT_EQ(t->lines(), (std::vector<std::string>{
                            "2 ok", "3 wrong_field_count", "4 wrong_field_count", "5 ok", "6 ok",
                            "7 ok", "8 wrong_field_count", "9 invalid_csv", "10 ok"}));
  EXPECT_EQ(t->records[1].detail,
            "the record has 2 fields and the header 3: is a value or a ',' "
            "missing?");
  EXPECT_EQ(t->records[2].detail,
            "the record has 4 fields and the header 3: does a value hold a ',' without quotes?");
  auto tabs = ReadAll("a\tb\n1\t2\t3\n");
  ASSERT_TRUE(tabs);
  EXPECT_NE(tabs->records[0].detail.find("hold a tab"), std::string::npos);
}

TEST(Csv, WindowsLatinFilesAreReadAsSuch) {
  // What a spreadsheet in Western Europe saves as "CSV": Windows-1252, with ;.
  auto t = ReadAll(
      "Pr\xE9nom;Nom;Note\r\n"
      "Zo\xEB;M\xFCller;\"co\xFBt 5 \x80\r\n\x93ok\x94\"\r\n");
  ASSERT_TRUE(t) << t.error().ToString();
  EXPECT_EQ(t->encoding, TextEncoding::kWindows1252);
  EXPECT_EQ(t->separator, ';');
  EXPECT_EQ(t->header, (std::vector<std::string>{"Prénom", "Nom", "Note"}));
  EXPECT_EQ(t->rows(), (Rows{{"Zoë", "Müller", "coût 5 €\r\n“ok”"}}));
  // Records before the first byte that is not ASCII are ASCII anyway.
  auto late = ReadAll("a,b\nx,y\n\xC9mile,\x80\n");
  ASSERT_TRUE(late);
  EXPECT_EQ(late->encoding, TextEncoding::kWindows1252);
  EXPECT_EQ(late->rows().back(), (std::vector<std::string>{"Émile", "€"}));
}

TEST(Csv, AFileNeitherUtf8NorWindows1252IsRefusedAtItsFirstBadByte) {
  struct Case {
    const char* name;
    std::string text;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {"a byte Windows-1252 leaves undefined", "a,b\nx,y\n\xE9t\xE9,\x81\n",
            "line 3: byte 0x81 is neither UTF-8 nor Windows-1252"},
           {"UTF-8, then a byte that is not", "a,b\nZo\xC3\xAB,x\n\"two\nlin\xE9s\",y\n",
            "line 4: byte 0xE9 is not UTF-8, though line 2 holds UTF-8 text"},
           {"Windows-1252, then UTF-8", "a,b\nZo\xEB,x\nZo\xC3\xAB,y\n",
            "line 2: byte 0xEB is not UTF-8, and line 3 holds UTF-8 text, so the file is not "
            "Windows-1252 either: it mixes the two"},
           {"a byte-order mark, then a byte that is not UTF-8",
            "\xEF\xBB\xBF"
            "a,b\nx,\xE9\n",
            "line 2: byte 0xE9 is not UTF-8 (the file says it is UTF-8)"},
           {"a UTF-8 sequence cut off at the end", "a,b\nx,\xC3\xAB\ny,\xE2\x82",
            "line 3: byte 0xE2 is not UTF-8, though line 2 holds UTF-8 text"},
           {"in the header", "Pr\x8Fnom,b\n",
            "line 1: byte 0x8F is neither UTF-8 nor Windows-1252"},
           {"UTF-16",
            std::string("\xFF\xFE"
                        "a\0,\0b\0",
                        8),
            "line 1: the file is UTF-16"},
       }) {
    SCOPED_TRACE(c.name);
    auto t = ReadAll(c.text);
    ASSERT_FALSE(t);
    EXPECT_EQ(t.error().reason(), "invalid_encoding");
    EXPECT_TRUE(t.error().message().starts_with(c.message)) << t.error().message();
    EXPECT_NE(t.error().message().find("save the file as UTF-8"), std::string::npos);
  }
}

TEST(Csv, Utf8SequencesAreCheckedStrictly) {
  // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8.
  for (const std::string& bad : {std::string("\xC0\xAF"), std::string("\xE0\x80\xAF"),
                                 std::string("\xED\xA0\x80"), std::string("\xF4\x90\x80\x80")}) {
    EncodingDetector d;
    d.Feed('x', 1);
    for (char c : std::string_view("\xC3\xA9")) d.Feed(static_cast<unsigned char>(c), 1);  // é
    for (char c : bad) d.Feed(static_cast<unsigned char>(c), 2);
    d.End();
    ASSERT_FALSE(d.status().ok());
    EXPECT_TRUE(d.status().message().starts_with("line 2: byte 0x")) << d.status().message();
  }
  EncodingDetector fine;
  for (char c : std::string("\xF0\x9F\x98\x80 \xE2\x82\xAC \xEF\xBF\xBD")) {
    fine.Feed(static_cast<unsigned char>(c), 1);
  }
  fine.End();
  EXPECT_TRUE(fine.status().ok()) << fine.status().ToString();
  EXPECT_EQ(fine.encoding(), TextEncoding::kUtf8);
  EXPECT_EQ(Windows1252ToUtf8("\x80\x8A\x9F\xA0\xFF"), "€ŠŸ\xC2\xA0ÿ");
}

TEST(Csv, WritesRfc4180AndDefusesFormulas) {
  std::string out;
  CsvWriter::Row({"Ada", "Müller, Jr.", "say \"hi\"", "line\nbreak", ""}, &out);
  CsvWriter::Row({"=HYPERLINK(\"x\")", "+1 555", "-5", "@SUM(A1)", "\tx", "a=b"}, &out);
  EXPECT_EQ(out,
            "Ada,\"Müller, Jr.\",\"say \"\"hi\"\"\",\"line\nbreak\",\r\n"
            "\"'=HYPERLINK(\"\"x\"\")\",\"'+1 555\",\"'-5\",\"'@SUM(A1)\",\"'\tx\",a=b\r\n");
  const std::size_t second = out.find("\r\n\"'=") + 2;
  auto first = ReadAll("1,2,3,4,5\r\n" + out.substr(0, second));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->rows().at(0).at(3), "line\nbreak");
  auto formulas = ReadAll("1,2,3,4,5,6\r\n" + out.substr(second));
  ASSERT_TRUE(formulas);
  EXPECT_EQ(formulas->rows().at(0).at(0), "'=HYPERLINK(\"x\")")
      << "the reader takes cells as written";
}

}  // namespace
}  // namespace clientele
