// Text as it is stored (domain/text.h) and the details that go through it
// (domain/details.h): NFC, trimmed, and no invisible or text-direction
// characters, each refusal naming its field.
#include "domain/text.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <vector>

#include "domain/details.h"
#include "domain/rules.h"

namespace clientele {
namespace {

// `c` in UTF-8.
std::string U(char32_t c) {
  std::string out;
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
  return out;
}

std::string Hex(char32_t c) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "U+%04X", static_cast<unsigned>(c));
  return buf;
}

// Invisible (format, Cf) characters: refused on one line and on several.
const std::vector<char32_t> kInvisible = {
    0x200B,   // zero width space
    0x2060,   // word joiner
    0xFEFF,   // zero width no-break space (byte-order mark)
    0x00AD,   // soft hyphen
    0x200E,   // left-to-right mark
    0x200F,   // right-to-left mark
    0x061C,   // arabic letter mark
    0x202A,   // left-to-right embedding
    0x202B,   // right-to-left embedding
    0x202C,   // pop directional formatting
    0x202D,   // left-to-right override
    0x202E,   // right-to-left override
    0x2066,   // left-to-right isolate
    0x2067,   // right-to-left isolate
    0x2068,   // first strong isolate
    0x2069,   // pop directional isolate
    0x180E,   // mongolian vowel separator
    0x2061,   // function application
    0xFFF9,   // interlinear annotation anchor
    0xE0001,  // language tag
    0xE0041,  // tag latin capital letter a
};
// The joiners: refused on one line, allowed on several.
const std::vector<char32_t> kJoiners = {0x200C, 0x200D};
// Control characters (Cc) other than tab, LF and CR: refused everywhere.
const std::vector<char32_t> kControls = {0x00, 0x01, 0x1B, 0x7F, 0x85, 0x9B};
// Line breaks: refused on one line, allowed on several.
const std::vector<char32_t> kBreaks = {'\t', '\n', '\r', 0x2028, 0x2029};

TEST(CleanLine, StoresNfc) {
  // "Renée" typed on a Mac: e + U+0301 COMBINING ACUTE ACCENT.
  auto v = CleanLine("first_name",
                     "Rene\xCC\x81"
                     "e");
  ASSERT_TRUE(v) << v.error().ToString();
  EXPECT_EQ(*v,
            "Ren\xC3\xA9"
            "e");
  EXPECT_EQ(*CleanLine("f",
                       "Ren\xC3\xA9"
                       "e"),
            "Ren\xC3\xA9"
            "e")
      << "NFC stays as it is";
  EXPECT_EQ(*CleanLine("f", "Mu\xCC\x88ller"), "M\xC3\xBCller");
  EXPECT_EQ(*CleanLine("f", U(0x212B)), U(0x00C5)) << "ANGSTROM SIGN is A WITH RING ABOVE";
  EXPECT_EQ(*CleanLine("f", U(0x1100) + U(0x1161)), U(0xAC00)) << "Hangul jamo compose";
  EXPECT_EQ(*CleanLine("f", "  Ada  "), "Ada");
  EXPECT_EQ(*CleanLines("notes",
                        "Rene\xCC\x81"
                        "e\nline 2"),
            "Ren\xC3\xA9"
            "e\nline 2");
}

TEST(CleanLine, RefusesBytesThatAreNotUtf8) {
  for (const char* bad : {"\xC3\x28", "\xFF", "A\xC3", "\xED\xA0\x80" /* a surrogate */}) {
    auto v = CleanLine("last_name", bad);
    ASSERT_FALSE(v) << bad;
    EXPECT_EQ(v.error().field(), "last_name");
    EXPECT_EQ(v.error().reason(), "invalid_utf8");
  }
}

TEST(Trim, RemovesAsciiAndUnicodeSpacesOnly) {
  EXPECT_EQ(Trim(" \t\r\nAda\n "), "Ada");
  EXPECT_EQ(Trim(U(0x00A0) + "Ada" + U(0x3000)), "Ada");
  EXPECT_EQ(Trim(U(0x2002) + U(0x202F) + "Ada Lovelace" + U(0x205F) + U(0x1680)), "Ada Lovelace");
  EXPECT_EQ(Trim("Jean" + U(0x00A0) + "Paul"), "Jean" + U(0x00A0) + "Paul") << "inner kept";
  EXPECT_EQ(Trim(U(0x00A0) + U(0x3000)), "");
  EXPECT_EQ(Trim(U(0x200B) + "Ada"), U(0x200B) + "Ada") << "not a space: refused, not trimmed";
  EXPECT_EQ(Trim("\xC2"), "\xC2") << "a broken sequence is kept for the UTF-8 check";
  EXPECT_EQ(Trim(" \xA0 "), "\xA0");
  EXPECT_EQ(Trim("Ada \xF0\x9F\x98\x80 "), "Ada \xF0\x9F\x98\x80");
}

TEST(CleanLine, RefusesEachInvisibleOrDirectionCharacterNamingIt) {
  std::vector<char32_t> refused = kInvisible;
  refused.insert(refused.end(), kJoiners.begin(), kJoiners.end());
  for (char32_t c : refused) {
    for (const std::string& value : {"Ada" + U(c) + "x", U(c) + "Ada", "Ada" + U(c), U(c)}) {
      SCOPED_TRACE(Hex(c));
      auto v = CleanLine("first_name", value);
      ASSERT_FALSE(v) << "accepted";
      EXPECT_EQ(v.error().code(), StatusCode::kInvalidArgument);
      EXPECT_EQ(v.error().field(), "first_name");
      EXPECT_EQ(v.error().reason(), "invisible_character");
      EXPECT_NE(v.error().message().find(Hex(c)), std::string::npos) << v.error().message();
      EXPECT_TRUE(v.error().message().starts_with("first_name ")) << v.error().message();
    }
  }
  EXPECT_EQ(CleanLine("first_name", "Ada" + U(0x202E)).error().message(),
            "first_name must not contain invisible or text-direction characters (found U+202E "
            "RIGHT-TO-LEFT OVERRIDE)");
}

TEST(CleanLine, RefusesControlCharactersAndLineBreaks) {
  std::vector<char32_t> refused = kControls;
  refused.insert(refused.end(), kBreaks.begin(), kBreaks.end());
  for (char32_t c : refused) {
    SCOPED_TRACE(Hex(c));
    auto v = CleanLine("email", "a" + U(c) + "b@example.com");
    ASSERT_FALSE(v) << "accepted";
    EXPECT_EQ(v.error().field(), "email");
    EXPECT_EQ(v.error().reason(), "control_character");
  }
}

TEST(CleanLines, KeepLineBreaksAndJoinersButRefuseTheRest) {
  for (char32_t c : kBreaks) {
    SCOPED_TRACE(Hex(c));
    EXPECT_TRUE(CleanLines("notes", "line 1" + U(c) + "line 2"));
  }
  // Persian "mi-khaham" and a family emoji need the joiners.
  for (char32_t c : kJoiners) {
    SCOPED_TRACE(Hex(c));
    EXPECT_TRUE(CleanLines("notes", U(0x0645) + U(0x06CC) + U(c) + U(0x062E)));
  }
  for (char32_t c : kInvisible) {
    SCOPED_TRACE(Hex(c));
    auto v = CleanLines("address", "1 Main St" + U(c) + "\nFlat 2");
    ASSERT_FALSE(v) << "accepted";
    EXPECT_EQ(v.error().field(), "address");
    EXPECT_EQ(v.error().reason(), "invisible_character");
  }
  for (char32_t c : kControls) {
    SCOPED_TRACE(Hex(c));
    auto v = CleanLines("notes", "a" + U(c) + "b");
    ASSERT_FALSE(v) << "accepted";
    EXPECT_EQ(v.error().reason(), "control_character");
  }
}

TEST(MatchKey, IgnoresLetterCaseAndNormalizationForm) {
  EXPECT_EQ(MatchKey("Ada@Example.COM"), "ada@example.com");
  EXPECT_EQ(MatchKey("zoe\xCC\x88@example.com"), MatchKey("zo\xC3\xAB@example.com"));
  EXPECT_EQ(MatchKey("ZOE\xCC\x88@EXAMPLE.COM"), MatchKey("zo\xC3\xAB@example.com"));
  EXPECT_EQ(MatchKey(U(0x00C9) + "mile@x.fr"), U(0x00E9) + "mile@x.fr");
  EXPECT_NE(MatchKey("zoe@example.com"), MatchKey("zo\xC3\xAB@example.com"))
      << "an accent is not a letter case";
  EXPECT_EQ(MatchKey("A\xFF"), "a\xFF") << "not UTF-8: ASCII lowered only";
}

// Every detail field, through NormalizeDetails and NormalizePatch.
struct FieldCase {
  DetailField field;
  std::string good;  // a valid value
};

std::vector<FieldCase> FieldCases() {
  return {{DetailField::kFirstName, "Ada"},         {DetailField::kLastName, "Lovelace"},
          {DetailField::kEmail, "ada@example.com"}, {DetailField::kPhone, "+44 20 7946 0001"},
          {DetailField::kTaxId, "GB123456789"},     {DetailField::kAddress, "12 St James's Square"},
          {DetailField::kNotes, "Prefers email"}};
}

void PrintTo(const FieldCase& c, std::ostream* os) { *os << DetailFieldName(c.field); }

bool Multiline(DetailField f) { return f == DetailField::kAddress || f == DetailField::kNotes; }

CustomerDetails Valid() {
  CustomerDetails d;
  for (const FieldCase& c : FieldCases()) d[c.field] = c.good;
  return d;
}

class DetailsText : public ::testing::TestWithParam<FieldCase> {};

TEST_P(DetailsText, RefusesInvisibleAndControlCharactersNamingTheField) {
  const FieldCase& fc = GetParam();
  const std::string name(DetailFieldName(fc.field));
  std::vector<std::pair<char32_t, std::string>> refused;
  for (char32_t c : kInvisible) refused.emplace_back(c, "invisible_character");
  for (char32_t c : kControls) refused.emplace_back(c, "control_character");
  if (!Multiline(fc.field)) {
    for (char32_t c : kJoiners) refused.emplace_back(c, "invisible_character");
    for (char32_t c : kBreaks) refused.emplace_back(c, "control_character");
  }
  for (const auto& [c, reason] : refused) {
    SCOPED_TRACE(Hex(c));
    // Inside the value, where trimming cannot reach it.
    std::string value = fc.good;
    value.insert(2, U(c));
    CustomerDetails d = Valid();
    d[fc.field] = value;
    auto registered = NormalizeDetails(d);
    ASSERT_FALSE(registered) << "accepted";
    EXPECT_EQ(registered.error().field(), name);
    EXPECT_EQ(registered.error().reason(), reason);
    DetailsPatch p;
    p[fc.field] = value;
    auto patched = NormalizePatch(p);
    ASSERT_FALSE(patched) << "accepted";
    EXPECT_EQ(patched.error().field(), name);
    EXPECT_EQ(patched.error().reason(), reason);
  }
}

INSTANTIATE_TEST_SUITE_P(AllFields, DetailsText, ::testing::ValuesIn(FieldCases()),
                         [](const ::testing::TestParamInfo<FieldCase>& info) {
                           return std::string(DetailFieldName(info.param.field));
                         });

TEST(DetailText, EveryFieldIsStoredInNfcTrimmedOfUnicodeSpaces) {
  for (const FieldCase& fc : FieldCases()) {
    if (fc.field == DetailField::kPhone) continue;  // a phone holds no letters
    SCOPED_TRACE(DetailFieldName(fc.field));
    // The value with an "e" + COMBINING ACUTE ACCENT before it, spaces around.
    const std::string nfd = U(0x00A0) + "e\xCC\x81" + fc.good + U(0x3000);
    const std::string nfc = "\xC3\xA9" + fc.good;
    CustomerDetails d = Valid();
    d[fc.field] = nfd;
    auto registered = NormalizeDetails(d);
    ASSERT_TRUE(registered) << registered.error().ToString();
    EXPECT_EQ((*registered)[fc.field], nfc);
    DetailsPatch p;
    p[fc.field] = nfd;
    auto patched = NormalizePatch(p);
    ASSERT_TRUE(patched) << patched.error().ToString();
    EXPECT_EQ(*(*patched)[fc.field], nfc);
  }
}

TEST(DetailText, AZeroWidthSpaceIsNotAName) {
  CustomerDetails d = Valid();
  d[DetailField::kFirstName] = U(0x200B);
  EXPECT_EQ(NormalizeDetails(d).error().reason(), "invisible_character");
  d[DetailField::kFirstName] = U(0x00A0) + U(0x3000);  // only spaces: blank
  EXPECT_EQ(NormalizeDetails(d).error().reason(), "required");
}

TEST(DetailText, LengthIsCountedInNfc) {
  // 50 x "e" + U+0301 is 150 bytes sent, 100 bytes stored: at the limit.
  std::string nfd;
  for (int i = 0; i < 50; ++i) nfd += "e\xCC\x81";
  DetailsPatch p;
  p[DetailField::kLastName] = nfd;
  auto patched = NormalizePatch(p);
  ASSERT_TRUE(patched) << patched.error().ToString();
  EXPECT_EQ((*patched)[DetailField::kLastName]->size(), 100u);
}

TEST(RulesText, ReferencesAreOneLineAndNotesSeveral) {
  auto tab = Reference("tab_id", "T" + U(0x202E) + "1", true);
  ASSERT_FALSE(tab);
  EXPECT_EQ(tab.error().field(), "tab_id");
  EXPECT_EQ(tab.error().reason(), "invisible_character");
  EXPECT_EQ(*Reference("payment_ref", "caf\x65\xCC\x81-1", true), "caf\xC3\xA9-1");
  auto note = Note("gift" + U(0x2067) + "x", false);
  ASSERT_FALSE(note);
  EXPECT_EQ(note.error().field(), "note");
  EXPECT_EQ(note.error().reason(), "invisible_character");
  EXPECT_EQ(Note("a\x01", false).error().reason(), "control_character");
  EXPECT_EQ(*Note("line 1\nline 2", true), "line 1\nline 2");
}

}  // namespace
}  // namespace clientele
