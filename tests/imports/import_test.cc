// Customer imports: analysis, confirm, replace, and what a confirm refuses.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "imports/customer_export.h"
#include "tests/eventstore/fault_fs.h"
#include "tests/imports/import_fixture.h"

namespace clientele {
namespace {

TEST_F(ImportTest, AnalysisCountsAndWritesNothingThenConfirmAppliesOnce) {
  Add("Ada", "Lovelace", "ada@example.com", "+44 20 7946 0001");  // CUST-00001
  Add("Alan", "Turing", "alan@example.com");                      // CUST-00002
  Add("Grace", "Hopper", "", "+1 555 0100");                      // CUST-00003
  const std::uint64_t head = store_->Head();
  const std::string file =
      "First Name,Last Name,Email,Phone,Address,Code\r\n"
      "Ada,Lovelace,,,12 St James's Square,CUST-00001\r\n"  // updated by code: address
      "Alan,Turing,ALAN@example.com,,,\r\n"                 // matched by email: unchanged
      "Grace,Hopper,,555-0100,,\r\n"                        // phone digits differ: new
      "Edsger,Dijkstra,ewd@example.com,,,\r\n";             // new
  ImportRecord analysed = Clean(file);
  EXPECT_EQ(analysed.summary.records, 4u);
  EXPECT_EQ(analysed.summary.created, 2u);
  EXPECT_EQ(analysed.summary.updated, 1u);
  EXPECT_EQ(analysed.summary.unchanged, 1u);
  EXPECT_EQ(analysed.summary.deleted, 0u);
  EXPECT_FALSE(analysed.applied);
  EXPECT_EQ(store_->Head(), head) << "an analysis must not write to the log";
  EXPECT_EQ(projector_->stats().customers, 3u);

  auto applied = imports_->Confirm(analysed.id, "manager");
  ASSERT_TRUE(applied) << applied.error().ToString();
  EXPECT_TRUE(applied->applied);
  EXPECT_EQ(applied->first_position, head + 1);
  EXPECT_EQ(applied->last_position, head + 3);
  EXPECT_EQ(store_->Head(), head + 3);
  Sync();
  EXPECT_EQ(ByCode("CUST-00001").details[DetailField::kAddress], "12 St James's Square");
  EXPECT_EQ(ByCode("CUST-00001").details[DetailField::kEmail], "ada@example.com")
      << "an empty cell leaves the field as it was";
  EXPECT_EQ(ByCode("CUST-00005").details[DetailField::kFirstName], "Edsger");
  EXPECT_EQ(projector_->stats().customers, 5u);

  // Confirming again answers with the same outcome and appends nothing.
  auto again = imports_->Confirm(analysed.id, "manager");
  ASSERT_TRUE(again) << again.error().ToString();
  EXPECT_TRUE(again->applied);
  EXPECT_EQ(again->last_position, head + 3);
  EXPECT_EQ(store_->Head(), head + 3);
}

TEST_F(ImportTest, ExportThenImportChangesNothing) {
  Add("Ada", "Lovelace", "ada@example.com", "+44 20 7946 0001");
  Add("=cmd", "|calc", "x@example.com");  // formula-looking names
  Add("Zoë", "O'Brien, Jr.", "", "+353 1 555 0199");
  std::string exported = Export();
  EXPECT_NE(exported.find("\"'=cmd\""), std::string::npos) << exported;
  for (ImportMode mode : {ImportMode::kMerge, ImportMode::kReplace}) {
    ImportRecord r = Clean(exported, mode);
    EXPECT_EQ(r.summary.records, 3u);
    EXPECT_EQ(r.summary.created, 0u);
    EXPECT_EQ(r.summary.updated, 0u);
    EXPECT_EQ(r.summary.deleted, 0u);
    EXPECT_EQ(r.summary.deactivated, 0u);
    EXPECT_EQ(r.summary.unchanged, 3u);
  }
}

TEST_F(ImportTest, FilesFromSpreadsheetsAndOtherSystemsAreRead) {
  Add("Ada", "Lovelace", "ada@example.com");
  const std::string file =
      "\xEF\xBB\xBF"  // a UTF-8 byte-order mark
      "Customer Since,E-mail,SURNAME,first_name,Phone Number,Address 1,Note\n"  // LF only
      "2020,ADA@EXAMPLE.COM,Lovelace,Ada,,\"1 Main St, Flat 2\",\"said \"\"hi\"\"\"\n"
      "2021,bob@example.com,Builder,Bob,+1 555 0101,\"2 Side St\nSecond line\",\n"
      ",,,,,,\n";  // blank: skipped
  ImportRecord r = Clean(file);
  EXPECT_EQ(r.summary.ignored_columns, std::vector<std::string>{"Customer Since"});
  EXPECT_EQ(r.summary.records, 2u);
  EXPECT_EQ(r.summary.blank, 1u);
  EXPECT_EQ(r.summary.updated, 1u);
  EXPECT_EQ(r.summary.created, 1u);
  ASSERT_TRUE(imports_->Confirm(r.id, "manager"));
  Sync();
  CustomerRow ada = ByCode("CUST-00001");
  EXPECT_EQ(ada.details[DetailField::kAddress], "1 Main St, Flat 2");
  EXPECT_EQ(ada.details[DetailField::kNotes], "said \"hi\"");
  EXPECT_EQ(ByCode("CUST-00002").details[DetailField::kAddress], "2 Side St\nSecond line");
}

TEST_F(ImportTest, EveryRowErrorIsReportedWithItsLineAndColumn) {
  Add("Ann", "One", "shared@example.com", "555 0001");
  Add("Ann", "Two", "shared@example.com", "555 0001");
  Add("Ann", "Too", "shared@example.com");
  Add("Cy", "Three", "cy@example.com");
  const std::string file =
      "First Name,Last Name,Email,Phone,Code\n"
      "Dee,Four,not-an-email,call me,\n"  // 2: invalid email and phone
      "Eve,Five,,,NOPE-1\n"               // 3: invalid code
      ",Six,six@example.com,,\n"          // 4: a new customer needs a first name
      "Ann,,shared@example.com,,\n"       // 5: the email is two customers'
      "Ann,,,5550001,\n"                  // 6: so is the phone
      "Cy,Three,cy@example.com,,\n"       // 7: fine
      "Cy,Three,CY@example.com,,\n"       // 8: the same customer again
      "Fay,Seven,fay@example.com,,\n"     // 9: new
      "Fay,Seven,fay@example.com,,\n";    // 10: the same new customer again
  for (ImportMode mode : {ImportMode::kMerge, ImportMode::kReplace}) {
    SCOPED_TRACE(mode == ImportMode::kMerge ? "merge" : "replace");
    auto r = Analyse(file, mode);
    ASSERT_TRUE(r) << r.error().ToString();
    EXPECT_EQ(Reasons(*r),
              (std::vector<std::string>{"2 Email invalid_email", "2 Phone invalid_phone",
                                        "3 Code invalid_code", "4 First Name required",
                                        "5 Email ambiguous_match", "6 Phone ambiguous_match",
                                        "8  duplicate_in_file", "10  duplicate_in_file"}));
    EXPECT_NE(r->summary.errors[4].detail.find(
                  "3 customers have this email (CUST-00001, CUST-00002 and 1 more)"),
              std::string::npos)
        << r->summary.errors[4].detail;
    EXPECT_NE(r->summary.errors[6].detail.find("line 7"), std::string::npos);
    EXPECT_EQ(r->summary.rows_with_errors, 7u);
    EXPECT_EQ(r->summary.unchanged, 1u);
    EXPECT_EQ(r->summary.created, 1u);

    // A file with errors is not applied.
    const std::uint64_t head = store_->Head();
    auto refused = imports_->Confirm(r->id, "manager");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().reason(), "import_has_errors");
    EXPECT_EQ(store_->Head(), head);
  }
}

TEST_F(ImportTest, CodesWinOverEmailsAndUnknownCodesAreWarnedAbout) {
  Add("Ada", "Lovelace", "ada@example.com");
  Add("Bob", "Builder", "bob@example.com");
  ImportRecord r = Clean(
      "First Name,Last Name,Email,Code\n"
      "Ada,Lovelace,bob@example.com,CUST-00001\n"       // code wins: Ada gets Bob's email
      "Cat,Stevens,cat@example.com,CUST-S09-00001\n");  // no such code: new
  EXPECT_EQ(r.summary.updated, 1u);
  EXPECT_EQ(r.summary.created, 1u);
  ASSERT_EQ(r.summary.warnings.size(), 1u);
  EXPECT_EQ(r.summary.warnings[0].line, 3);
  EXPECT_EQ(r.summary.warnings[0].reason, "unknown_code");
}

TEST_F(ImportTest, WholeFileProblemsAreErrorsWithTheirLine) {
  auto malformed = Analyse("First Name,Last \"Name\nAda,Lovelace\n");
  ASSERT_FALSE(malformed);
  EXPECT_EQ(malformed.error().reason(), "invalid_csv");
  EXPECT_EQ(malformed.error().message(), "line 1: a quote inside an unquoted field");
  auto encoding = Analyse("First Name,Last Name\nAda,Lovelace\nZo\xEB,M\x81ller\n");
  ASSERT_FALSE(encoding);
  EXPECT_EQ(encoding.error().reason(), "invalid_encoding");
  EXPECT_TRUE(encoding.error().message().starts_with("line 3: byte 0x81"))
      << encoding.error().message();
  auto bad_record = Analyse("First Name,Last Name\nAda,Lovelace\nBob,\"Buil\"der\nCy,Young\n");
  ASSERT_TRUE(bad_record) << bad_record.error().ToString();
  EXPECT_EQ(Reasons(*bad_record), std::vector<std::string>{"3  invalid_csv"});
  EXPECT_EQ(bad_record->summary.created, 2u) << "the records around it are analysed";
  auto header = Analyse("Email,Phone\nada@example.com,1\n");
  ASSERT_FALSE(header);
  EXPECT_EQ(header.error().reason(), "invalid_header");
  auto empty = Analyse("");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().reason(), "empty_file");
  EXPECT_EQ(store_->Head(), 0u);
}

TEST_F(ImportTest, ReplaceDeletesOrDeactivatesWhoIsMissing) {
  Add("Keep", "Me", "keep@example.com");                       // CUST-00001: in the file
  Add("Gone", "Quietly", "gone@example.com");                  // CUST-00002: deleted
  std::string buyer = Add("Has", "History", "h@example.com");  // CUST-00003: deactivated
  ASSERT_TRUE(handler_->Execute(buyer, RecordPurchase{"tab-1", 1000, 0}, "till"));
  std::string idle = Add("Already", "Inactive", "i@example.com");  // CUST-00004
  ASSERT_TRUE(handler_->Execute(idle, RecordPurchase{"tab-2", 500, 0}, "till"));
  ASSERT_TRUE(handler_->Execute(idle, DeactivateCustomer{}, "clerk"));
  Sync();
  const std::string file = "First Name,Last Name,Email\nKeep,Me,keep@example.com\n";

  ImportRecord merge = Clean(file, ImportMode::kMerge);
  EXPECT_EQ(merge.summary.deleted + merge.summary.deactivated, 0u) << "merge never removes";

  ImportRecord replace = Apply(file, ImportMode::kReplace, {.allow_mass_removal = true});
  EXPECT_EQ(replace.summary.unchanged, 1u);
  EXPECT_EQ(replace.summary.deleted, 1u);
  EXPECT_EQ(replace.summary.deactivated, 1u);
  EXPECT_TRUE(ByCode("CUST-00002").deleted);
  EXPECT_FALSE(ByCode("CUST-00003").deleted);
  EXPECT_FALSE(ByCode("CUST-00003").active);
  EXPECT_EQ(ByCode("CUST-00003").total_spent, 1000);
  EXPECT_TRUE(ByCode("CUST-00001").active);
}

TEST_F(ImportTest, AChangeAfterTheAnalysisStopsTheConfirm) {
  std::string ada = Add("Ada", "Lovelace", "ada@example.com");
  ImportRecord r =
      Clean("First Name,Last Name,Email,Phone\nAda,Lovelace,ada@example.com,555 0100\n");
  EXPECT_EQ(r.summary.updated, 1u);
  DetailsPatch patch;
  patch[DetailField::kPhone] = "555 0100";  // someone did it by hand meanwhile
  ASSERT_TRUE(handler_->Execute(ada, ChangeDetails{patch}, "clerk"));
  Sync();
  const std::uint64_t head = store_->Head();
  auto refused = imports_->Confirm(r.id, "manager");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().reason(), "import_changed");
  EXPECT_EQ(store_->Head(), head);
}

TEST_F(ImportTest, AConfirmThatFailsHalfWayAppliesNothing) {
  Add("Ada", "Lovelace", "ada@example.com");
  std::string file = "First Name,Last Name,Email,Address\nAda,Lovelace,ada@example.com,Here\n";
  for (int i = 0; i < 20000; ++i) {
    file += "First" + std::to_string(i) + ",Last,p" + std::to_string(i) + "@example.com,Street " +
            std::to_string(i) + "\n";
  }
  ImportRecord r = Clean(file);
  EXPECT_EQ(r.summary.created, 20000u);
  const std::uint64_t head = store_->Head();
  fs_->FailTablesAfter("/bulk/", 1 << 20);  // the import's table file fails after 1 MB
  auto failed = imports_->Confirm(r.id, "manager");
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code(), StatusCode::kUnavailable) << failed.error().ToString();
  EXPECT_GE(fs_->failures(), 1);
  EXPECT_EQ(store_->Head(), head);
  Sync();
  EXPECT_EQ(projector_->stats().customers, 1u);
  EXPECT_EQ(ByCode("CUST-00001").details[DetailField::kAddress], "");

  // Once the disk is healthy again the same import applies, whole.
  fs_->Heal();
  auto applied = imports_->Confirm(r.id, "manager");
  ASSERT_TRUE(applied) << applied.error().ToString();
  Sync();
  EXPECT_EQ(projector_->stats().customers, 20001u);
  EXPECT_EQ(ByCode("CUST-00001").details[DetailField::kAddress], "Here");
}

// `text` with each accented letter of the tests' names decomposed (NFD), as a
// Mac or some CSV exports write it.
std::string Nfd(std::string text) {
  const std::pair<const char*, const char*> kDecomposed[] = {
      {"\xC3\xA9", "e\xCC\x81"},  // é
      {"\xC3\xAB", "e\xCC\x88"},  // ë
      {"\xC3\x8B", "E\xCC\x88"},  // Ë
      {"\xC3\xBC", "u\xCC\x88"},  // ü
      {"\xC3\xBA", "u\xCC\x81"},  // ú
      {"\xC3\xB1", "n\xCC\x83"},  // ñ
      {"\xC3\xB6", "o\xCC\x88"},  // ö
      {"\xC3\x85", "A\xCC\x8A"},  // Å
      {"\xC3\x89", "E\xCC\x81"},  // É
  };
  for (const auto& [nfc, nfd] : kDecomposed) {
    for (std::size_t at = text.find(nfc); at != std::string::npos; at = text.find(nfc, at)) {
      text.replace(at, std::strlen(nfc), nfd);
      at += std::strlen(nfd);
    }
  }
  return text;
}

TEST_F(ImportTest, ReimportingAnNfdCopyOfAnExportChangesNothing) {
  Add("Ren\xC3\xA9"
      "e",
      "M\xC3\xBCller", "zo\xC3\xAB@example.com", "+33 1 55 55 01 00");
  Add("Jos\xC3\xA9",
      "N\xC3\xBA\xC3\xB1"
      "ez",
      "jose@example.com");
  Add("\xC3\x85sa", "\xC3\x85ngstr\xC3\xB6m");
  const std::string exported = Export();
  const std::string nfd = Nfd(exported);
  ASSERT_NE(nfd, exported);
  const std::uint64_t head = store_->Head();
  for (ImportMode mode : {ImportMode::kMerge, ImportMode::kReplace}) {
    SCOPED_TRACE(mode == ImportMode::kMerge ? "merge" : "replace");
    ImportRecord r = Clean(nfd, mode);
    EXPECT_EQ(r.summary.records, 3u);
    EXPECT_EQ(r.summary.created, 0u);
    EXPECT_EQ(r.summary.updated, 0u);
    EXPECT_EQ(r.summary.deleted, 0u);
    EXPECT_EQ(r.summary.deactivated, 0u);
    EXPECT_EQ(r.summary.unchanged, 3u);
  }
  // Without the codes the records are matched by email and phone: the same.
  std::string no_codes;
  for (std::size_t at = 0; at < nfd.size();) {
    std::size_t end = nfd.find("\r\n", at);
    std::string line = nfd.substr(at, end - at);
    // The Code column comes before the two consent columns.
    const std::size_t sms = line.rfind(',');
    const std::size_t email = line.rfind(',', sms - 1);
    const std::size_t code = line.rfind(',', email - 1);
    no_codes += line.substr(0, code) + line.substr(email) + "\r\n";
    at = end + 2;
  }
  ImportRecord r = Clean(no_codes);
  EXPECT_EQ(r.summary.created, 1u) << "\xC3\x85sa has no email or phone to be matched by";
  EXPECT_EQ(r.summary.updated, 0u);
  EXPECT_EQ(r.summary.unchanged, 2u);
  EXPECT_EQ(store_->Head(), head);
}

TEST_F(ImportTest, NfdAndNfcEmailsAreOneCustomer) {
  Add("Zo\xC3\xAB", "Bront\xC3\xAB", "zo\xC3\xAB@example.com");  // CUST-00001
  for (const std::string& email : {Nfd("zo\xC3\xAB@example.com"), Nfd("ZO\xC3\x8B@EXAMPLE.COM"),
                                   std::string("ZO\xC3\x8B@Example.com")}) {
    SCOPED_TRACE(email);
    ImportRecord r =
        Clean("First Name,Last Name,Email\n" + Nfd("Zo\xC3\xAB,Bront\xC3\xAB,") + email + "\n");
    EXPECT_EQ(r.summary.unchanged, 1u);
    EXPECT_EQ(r.summary.created, 0u);
    EXPECT_EQ(r.summary.updated, 0u);
  }
  // Two new customers in the file that differ only in normalization are one.
  auto r = Analyse(
      "First Name,Last Name,Email\n"
      "Ana,P\xC3\xA9rez,ana.p\xC3\xA9rez@example.com\n" +
      Nfd("Ana,P\xC3\xA9rez,ana.p\xC3\xA9rez@example.com\n"));
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(Reasons(*r), std::vector<std::string>{"3  duplicate_in_file"});
}

TEST_F(ImportTest, AnNfdRecordIsStoredInNfc) {
  ImportRecord r =
      Apply(Nfd("First Name,Last Name,Email,Address\n"
                "Ren\xC3\xA9"
                "e,M\xC3\xBCller,ren\xC3\xA9"
                "e@example.com,\"1 Rue de l'\xC3\x89glise\"\n"));
  EXPECT_EQ(r.summary.created, 1u);
  CustomerRow row = ByCode("CUST-00001");
  EXPECT_EQ(row.details[DetailField::kFirstName],
            "Ren\xC3\xA9"
            "e");
  EXPECT_EQ(row.details[DetailField::kLastName], "M\xC3\xBCller");
  EXPECT_EQ(row.details[DetailField::kEmail],
            "ren\xC3\xA9"
            "e@example.com");
  EXPECT_EQ(row.details[DetailField::kAddress], "1 Rue de l'\xC3\x89glise");
}

TEST_F(ImportTest, InvisibleAndDirectionCharactersAreRowErrorsAndNothingIsWritten) {
  Add("Ada", "Lovelace", "ada@example.com");
  const std::string file =
      "First Name,Last Name,Email,Phone,Tax ID,Address,Notes\n"
      "A\u202Eda,Lovelace,ada@example.com,,,,\n"  // 2: right-to-left override
      "Bob,\u200B,bob@example.com,,,,\n"          // 3: a zero-width space as a name
      "Cy,Three,cy\u200D@example.com,,,,\n"       // 4: a joiner in an email
      "Dee,Four,,555\u200E0100,,,\n"              // 5: a left-to-right mark in a phone
      "Eve,Five,,,GB12\u00AD34,,\n"               // 6: a soft hyphen in a tax id
      "Fay,Six,,,,1 Main St\u2067x,\n"            // 7: an isolate in an address
      "Gus,Seven,,,,,note\uFEFFx\n"               // 8: a byte-order mark in notes
      "Hal\u0085,Eight,,,,,\n"                    // 9: a C1 control (NEL) in a name
      "Ivy,Nine,,,,\"1 Main St\nFlat 2\",\U0001F469\u200D\U0001F4BB\n";  // 10: fine
  const std::uint64_t head = store_->Head();
  for (ImportMode mode : {ImportMode::kMerge, ImportMode::kReplace}) {
    SCOPED_TRACE(mode == ImportMode::kMerge ? "merge" : "replace");
    auto r = Analyse(file, mode);
    ASSERT_TRUE(r) << r.error().ToString();
    EXPECT_EQ(Reasons(*r),
              (std::vector<std::string>{
                  "2 First Name invisible_character", "3 Last Name invisible_character",
                  "4 Email invisible_character", "5 Phone invisible_character",
                  "6 Tax ID invisible_character", "7 Address invisible_character",
                  "8 Notes invisible_character", "9 First Name control_character"}));
    ASSERT_FALSE(r->summary.errors.empty());
    EXPECT_NE(r->summary.errors[0].detail.find("U+202E RIGHT-TO-LEFT OVERRIDE"), std::string::npos)
        << r->summary.errors[0].detail;
    EXPECT_EQ(r->summary.rows_with_errors, 8u);
    EXPECT_EQ(r->summary.created, 1u);
    auto refused = imports_->Confirm(r->id, "manager");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().reason(), "import_has_errors");
    EXPECT_EQ(store_->Head(), head);
  }
}

TEST_F(ImportTest, UnknownImportsAreNotFound) {
  EXPECT_EQ(imports_->Confirm("3f1c2a9e-0000-4000-8000-000000000000", "m").error().reason(),
            "import_not_found");
  EXPECT_EQ(imports_->Get("../../etc/passwd").error().reason(), "import_not_found");
}

}  // namespace
}  // namespace clientele

namespace clientele {
namespace {

TEST_F(ImportTest, UploadsCutShortAreSweptAtStartAndAfterAnHourUntouched) {
  namespace fs = std::filesystem;
  auto upload = [&](const std::string& body) {
    const std::string path = imports_->UploadPath();
    std::ofstream(path) << body;
    return path;
  };
  const std::string before_start = upload("First Name,Last Name\nAda,");
  imports_->Sweep(/*starting=*/true);  // nothing is arriving before the server starts
  EXPECT_FALSE(fs::exists(before_start));
  const std::string arriving = upload("First Name,Last Name\n");
  const std::string abandoned = upload("First Name,Last Name\nAl");
  fs::last_write_time(abandoned, fs::file_time_type::clock::now() -
                                     std::chrono::milliseconds(ImportService::kAbandonedMs) -
                                     std::chrono::minutes(1));
  imports_->Sweep();
  EXPECT_TRUE(fs::exists(arriving)) << "an upload still being written stays";
  EXPECT_FALSE(fs::exists(abandoned));
  // An analysis stays for its day.
  ImportRecord analysed = Clean("First Name,Last Name\nAda,Lovelace\n");
  imports_->Sweep();
  EXPECT_TRUE(imports_->Get(analysed.id));
}

}  // namespace
}  // namespace clientele
