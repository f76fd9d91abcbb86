// Text through the API: names sent in NFD are stored and answered in NFC, and
// invisible or text-direction characters are refused with the field named,
// writing nothing.
#include <cstdio>
#include <vector>

#include "tests/api/service_fixture.h"

namespace clientele::testing {
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

const std::string kRenee =
    "Ren\xC3\xA9"
    "e";  // NFC: U+00E9

TEST_F(ServiceTest, NamesSentInNfdAreStoredAndAnsweredInNfc) {
  // JSON escapes for "Rene\u0301e Mu\u0308ller", an email with an NFD "ë".
  Reply created = Call("POST", "/v1/customers",
                       R"({"first_name":"Rene\u0301e","last_name":"Mu\u0308ller",)"
                       R"("email":"zoe\u0308@example.com"})");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id(created.json().at("id").as_string());
  EXPECT_EQ(created.json().at("first_name").as_string(), kRenee);
  EXPECT_EQ(created.json().at("last_name").as_string(), "M\xC3\xBCller");
  EXPECT_EQ(created.json().at("email").as_string(), "zo\xC3\xAB@example.com");
  Reply read = Call("GET", "/v1/customers/" + id);
  EXPECT_EQ(read.json().at("first_name").as_string(), kRenee);

  // The same name again, in either form, is no change.
  const std::uint64_t head = Head();
  for (const std::string& body :
       {std::string(R"({"first_name":"Rene\u0301e"})"), R"({"first_name":")" + kRenee + "\"}"}) {
    Reply same = Call("PATCH", "/v1/customers/" + id, body);
    EXPECT_EQ(same.status, 200) << same.body;
    EXPECT_EQ(Head(), head) << body;
  }
  Reply found = Call("GET", "/v1/customers?search=" + std::string("Ren%C3%A9e"));
  EXPECT_EQ(found.json().at("total").to_number<int>(), 1) << found.body;
  Reply csv = Call("GET", "/v1/customers/export.csv");
  EXPECT_NE(csv.body.find(kRenee + ",M\xC3\xBCller,zo\xC3\xAB@example.com"), std::string::npos)
      << csv.body;
}

TEST_F(ServiceTest, InvisibleAndDirectionCharactersAreRefusedWithTheFieldNamed) {
  const std::string id(Create("Ada", "Lovelace").at("id").as_string());
  ASSERT_EQ(
      Call("POST", "/v1/customers/" + id + "/credit/top-up", R"({"amount":500,"payment_ref":"p0"})")
          .status,
      200);
  const std::vector<char32_t> invisible = {0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x200E,
                                           0x200F, 0x061C, 0x202A, 0x202B, 0x202C, 0x202D,
                                           0x202E, 0x2066, 0x2067, 0x2068, 0x2069, 0x00AD};
  const std::vector<std::pair<std::string, std::string>> single = {{"first_name", "Ada"},
                                                                   {"last_name", "Lovelace"},
                                                                   {"email", "ada@example.com"},
                                                                   {"phone", "+44 20 7946 0001"},
                                                                   {"tax_id", "GB123"}};
  const std::vector<std::pair<std::string, std::string>> multi = {{"address", "1 Main St"},
                                                                  {"notes", "Likes tea"}};
  const std::uint64_t head = Head();
  auto expect_refused = [&](const Reply& r, const std::string& field, const std::string& reason) {
    EXPECT_EQ(r.status, 422) << r.body;
    EXPECT_EQ(r.reason(), reason) << r.body;
    auto json = r.json();
    ASSERT_TRUE(json.is_object()) << r.body;
    ASSERT_TRUE(json.as_object().contains("errors")) << r.body;
    const auto& e = json.at("errors").as_array().at(0);
    EXPECT_EQ(e.at("field").as_string(), field) << r.body;
    EXPECT_EQ(e.at("reason").as_string(), reason) << r.body;
    EXPECT_EQ(Head(), head) << "the log did not move";
  };
  for (char32_t c : invisible) {
    SCOPED_TRACE(Hex(c));
    for (const auto& [field, good] : single) {
      SCOPED_TRACE(field);
      const std::string bad = good.substr(0, 2) + U(c) + good.substr(2);
      std::string create =
          R"({"first_name":"Ada","last_name":"Lovelace",")" + field + "\":\"" + bad + "\"}";
      if (field == "first_name" || field == "last_name") {
        create = R"({"first_name":"Ada","last_name":"Lovelace"})";
        create.replace(create.find(good), good.size(), bad);
      }
      expect_refused(Call("POST", "/v1/customers", create), field, "invisible_character");
      expect_refused(Call("PATCH", "/v1/customers/" + id, "{\"" + field + "\":\"" + bad + "\"}"),
                     field, "invisible_character");
    }
    if (c == 0x200C || c == 0x200D) continue;  // joiners: allowed in text of several lines
    for (const auto& [field, good] : multi) {
      SCOPED_TRACE(field);
      const std::string bad = good + U(c) + "\\nline 2";
      expect_refused(Call("PATCH", "/v1/customers/" + id, "{\"" + field + "\":\"" + bad + "\"}"),
                     field, "invisible_character");
    }
    expect_refused(Call("POST", "/v1/customers/" + id + "/credit/top-up",
                        R"({"amount":500,"payment_ref":"p)" + U(c) + "1\"}"),
                   "payment_ref", "invisible_character");
    expect_refused(Call("POST", "/v1/customers/" + id + "/credit/deduct",
                        R"({"amount":5,"note":"lunch)" + U(c) + "x\"}"),
                   "note", "invisible_character");
  }
  // A line break in a name, a C1 control anywhere.
  expect_refused(Call("PATCH", "/v1/customers/" + id, R"({"last_name":"Love\nlace"})"), "last_name",
                 "control_character");
  expect_refused(Call("PATCH", "/v1/customers/" + id, R"({"notes":"a\u0085b"})"), "notes",
                 "control_character");

  // The problem document, whole.
  Reply r = Call("POST", "/v1/customers", R"({"first_name":"Ada\u202Eecalevol","last_name":"L"})");
  EXPECT_EQ(
      r.body,
      R"json({"type":"urn:clientele:problem:invisible_character","title":"Invalid input",)json"
      R"json("status":422,"detail":"first_name must not contain invisible or )json"
      R"json(text-direction characters (found U+202E RIGHT-TO-LEFT OVERRIDE)",)json"
      R"json("reason":"invisible_character","errors":[{"field":"first_name",)json"
      R"json("reason":"invisible_character","detail":"first_name must not contain )json"
      R"json(invisible or text-direction characters (found U+202E RIGHT-TO-LEFT )json"
      R"json(OVERRIDE)"}]})json");
  EXPECT_EQ(Head(), head);
}

TEST_F(ServiceTest, TextOfSeveralLinesKeepsItsLinesAndJoiners) {
  const std::string id(Create("Ada", "Lovelace").at("id").as_string());
  const std::string family = U(0x1F469) + U(0x200D) + U(0x1F4BB);  // woman technologist
  Reply r = Call("PATCH", "/v1/customers/" + id,
                 R"({"address":"1 Main St\nFlat 2","notes":"VIP )" + family + "\"}");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json().at("address").as_string(), "1 Main St\nFlat 2");
  EXPECT_EQ(r.json().at("notes").as_string(), "VIP " + family);
}

}  // namespace
}  // namespace clientele::testing
