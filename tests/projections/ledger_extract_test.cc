// Ledger extracts, written from a real log to a real file and checked with
// no node: an extract verifies, and each kind of tampering is caught with
// the first bad line named.
#include "projections/ledger_extract.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "commands/command_handler.h"
#include "eventstore/base64.h"
#include "projections/ledger_check.h"
#include "tests/consumers/signed_events.h"
#include "tests/test_util.h"

namespace clientele {
namespace {

constexpr std::int64_t kT0 = 1'750'000'000'000;

class LedgerExtractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = EventStore::Open({.path = dir_.sub("hq"), .origin = "hq", .clock = &clock_});
    ASSERT_TRUE(store);
    hq_ = std::move(*store);
    handler_ = std::make_unique<CommandHandler>(hq_.get(), "hq", &clock_);
    ASSERT_TRUE(handler_->Init().ok());
    for (const char* node : {"hq", "s01"}) {
      ASSERT_TRUE(handler_->ExecuteNodes(EnrollNodeKey{node, origins_.KeyText(node)}, "admin"));
    }
    a_ = Register("Ada", "Alder");
    b_ = Register("Bo", "Birch");
    At(kT0 + 1000, a_, TopUpCredit{10000, "pay-a", ""});
    At(kT0 + 1000, b_, TopUpCredit{5000, "pay-b", ""});
    // The window [kT0 + 1500, kT0 + 100000) starts here.
    At(kT0 + 2000, a_, RecordPurchase{"tab-1", 4250, kT0 + 2000});
    At(kT0 + 3000, a_, DeductCredit{1200, "", "tab-2"});
    At(kT0 + 3000, b_, DeductCredit{500, "", "tab-3"});
    DetailsPatch patch;
    patch[DetailField::kEmail] = "ada@example.com";
    At(kT0 + 3500, a_, ChangeDetails{patch});
    // Store s01 spent Ada's credit offline at kT0 + 2500; it arrives now, signed.
    clock_.Set(kT0 + 4000);
    RecordedEvent spent = origins_.Customer("s01", a_, CreditDeducted{2500, "", "s01-tab"});
    spent.time_ms = kT0 + 2500;
    spent = origins_.Signed(spent);
    store_event_ = spent.id;
    ASSERT_TRUE(hq_->AppendReplicated({spent}));
    At(kT0 + 5000, a_, AdjustCredit{100, "goodwill"});
    At(kT0 + 200'000, a_, DeductCredit{100, "", "tab-late"});  // after the window
  }

  std::string Register(const char* first, const char* last) {
    CustomerDetails d;
    d[DetailField::kFirstName] = first;
    d[DetailField::kLastName] = last;
    auto c = handler_->Register(d, "clerk");
    EXPECT_TRUE(c);
    return c->customer_id;
  }
  void At(std::int64_t ms, const std::string& id, const CustomerCommand& cmd) {
    clock_.Set(ms);
    auto r = handler_->Execute(id, cmd, "clerk");
    ASSERT_TRUE(r) << r.error().ToString();
  }
  // Exports to a file and returns its lines.
  std::vector<std::string> Export(const std::string& customer = "") {
    std::FILE* out = std::fopen(path_.c_str(), "wb");
    EXPECT_NE(out, nullptr);
    auto stats = ExportLedger(hq_.get(),
                              {.from_ms = kT0 + 1500,
                               .to_ms = kT0 + 100'000,
                               .customer = customer,
                               .key = &origins_.Key("hq"),
                               .made_at_ms = kT0 + 300'000},
                              out);
    std::fclose(out);
    EXPECT_TRUE(stats) << stats.error().ToString();
    std::ifstream in(path_);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }
  LedgerCheckReport Check(const std::vector<std::string>& lines) {
    std::ofstream out(path_, std::ios::trunc);
    for (const std::string& l : lines) out << l << "\n";
    out.close();
    auto report = CheckLedger(path_, 2);
    EXPECT_TRUE(report) << report.error().ToString();
    return report.value_or(LedgerCheckReport{});
  }
  static boost::json::object Obj(const std::string& line) {
    return boost::json::parse(line).as_object();
  }
  static std::string S(const boost::json::object& o, const char* key) {
    return std::string(o.at(key).as_string());
  }
  static std::string Field(const std::string& line, const char* key) {
    const boost::json::object o = Obj(line);
    const boost::json::value& v = o.at(key);
    return v.is_string() ? std::string(v.as_string()) : boost::json::serialize(v);
  }
  // The index of the first line satisfying `pred`.
  template <typename Pred>
  static std::size_t Find(const std::vector<std::string>& lines, Pred pred) {
    for (std::size_t i = 1; i < lines.size(); ++i) {
      if (lines[i].starts_with("{\"kind\"") && pred(Obj(lines[i]))) return i;
    }
    ADD_FAILURE() << "no such line";
    return 0;
  }

  testing::TempDir dir_;
  const std::string path_ = dir_.sub("extract.jsonl");
  ManualClock clock_{kT0};
  testing::Origins origins_;
  std::unique_ptr<EventStore> hq_;
  std::unique_ptr<CommandHandler> handler_;
  std::string a_, b_, store_event_;
};

TEST_F(LedgerExtractTest, AnExtractVerifies) {
  auto lines = Export();
  auto report = Check(lines);
  ASSERT_TRUE(report.ok) << "line " << report.bad_line << ": " << report.problem;
  // Ada: points earned, -12.00, the store's -25.00, the e-mail change, +1.00;
  // Bo: -5.00. The purchase itself and the late deduction are outside.
  EXPECT_EQ(report.entries, 5u);
  EXPECT_EQ(report.lines, 6u);
  EXPECT_EQ(report.customers, 2u);
  EXPECT_EQ(report.signed_events, 1u);  // the store's, with its proof
  EXPECT_EQ(report.node, "hq");
  EXPECT_NE(report.signed_by.find("hq (key fingerprint"), std::string::npos) << report.signed_by;
  ASSERT_EQ(lines.size(), 1u + 2u + 6u + 1u);  // header, openings, lines, end

  // Ada opens at 100.00 of credit; her last balance is the node's.
  const std::size_t opening = 1;
  EXPECT_EQ(Obj(lines[opening]).at("opening").at("credit").as_int64(), 10000);
  EXPECT_EQ(S(Obj(lines[opening]).at("opening").as_object(), "customer"), a_);
  const std::size_t last_a = Find(lines, [&](const auto& o) {
    return S(o, "customer") == a_ && S(o, "type") == "credit.adjusted";
  });
  EXPECT_EQ(Obj(lines[last_a]).at("credit_after").as_int64(), 10000 - 1200 - 2500 + 100);
  const std::size_t store_line =
      Find(lines, [&](const auto& o) { return S(o, "id") == store_event_; });
  EXPECT_EQ(Field(lines[store_line], "origin"), "s01");
  EXPECT_EQ(Field(lines[store_line], "time"), "2025-06-15T15:06:42.500Z");
  EXPECT_EQ(Field(lines[store_line], "recorded"), "2025-06-15T15:06:44.000Z");

  // One customer, by code: only her lines.
  auto one = Export("cust-00002");
  auto one_report = Check(one);
  ASSERT_TRUE(one_report.ok) << one_report.problem;
  EXPECT_EQ(one_report.entries, 1u);
  EXPECT_EQ(one_report.customer, b_);
}

TEST_F(LedgerExtractTest, AnEditedAmountIsNamed) {
  auto lines = Export();
  const std::size_t i =
      Find(lines, [](const auto& o) { return S(o, "type") == "credit.deducted"; });
  const std::string id = Field(lines[i], "id");
  const std::string was = "\"credit_change\":-1200";
  ASSERT_NE(lines[i].find(was), std::string::npos) << lines[i];
  lines[i].replace(lines[i].find(was), was.size(), "\"credit_change\":-120");
  auto report = Check(lines);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.bad_line, i + 1);
  EXPECT_EQ(report.bad_event, id);
  EXPECT_NE(report.problem.find("credit_change is -120 but the hashed record says -1200"),
            std::string::npos)
      << report.problem;

  // Edited inside the hashed bytes instead: the link breaks there.
  lines = Export();
  std::string canonical = *Base64Decode(Field(lines[i], "canonical"));
  ASSERT_NE(canonical.find("\"amount\":1200"), std::string::npos);
  canonical.replace(canonical.find("\"amount\":1200"), 13, "\"amount\":1100");
  const std::string old_b64 = Field(lines[i], "canonical");
  lines[i].replace(lines[i].find(old_b64), old_b64.size(), Base64Encode(canonical));
  report = Check(lines);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.bad_line, i + 1);
  EXPECT_NE(report.problem.find("broken link"), std::string::npos) << report.problem;

  // A balance after that does not add up.
  lines = Export();
  const std::string after = "\"credit_after\":8800";
  ASSERT_NE(lines[i].find(after), std::string::npos) << lines[i];
  lines[i].replace(lines[i].find(after), after.size(), "\"credit_after\":9800");
  report = Check(lines);
  EXPECT_EQ(report.bad_line, i + 1);
  EXPECT_NE(report.problem.find("credit_after is 9800 but opening + changes give 8800"),
            std::string::npos)
      << report.problem;
}

TEST_F(LedgerExtractTest, ARemovedEntryIsNamed) {
  auto lines = Export();
  // Take out Ada's deduction at HQ: her next line shows the gap.
  const std::size_t i = Find(lines, [&](const auto& o) {
    return S(o, "customer") == a_ && S(o, "type") == "credit.deducted";
  });
  std::size_t next = i + 1;
  while (!lines[next].starts_with("{\"kind\"") || Field(lines[next], "customer") != a_) ++next;
  const std::string next_id = Field(lines[next], "id");
  lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(i));
  auto report = Check(lines);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.bad_line, next);  // its line number once one line above is gone
  EXPECT_EQ(report.bad_event, next_id);
  EXPECT_NE(report.problem.find("a line of it is missing"), std::string::npos) << report.problem;

  // The last lines cut off, the end line kept: the counts tell.
  lines = Export();
  lines.erase(lines.end() - 2);
  report = Check(lines);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.bad_line, lines.size());
  EXPECT_NE(report.problem.find("the end line counts 6 lines but the extract has 5"),
            std::string::npos)
      << report.problem;
}

TEST_F(LedgerExtractTest, ReorderedEntriesAreNamed) {
  auto lines = Export();
  // Two neighbouring lines of different customers swapped.
  auto event_line = [&](std::size_t k) { return lines[k].starts_with("{\"kind\""); };
  std::size_t i = 1;
  while (!event_line(i) || !event_line(i + 1) ||
         Field(lines[i], "customer") == Field(lines[i + 1], "customer")) {
    ++i;
  }
  const std::string moved_down = Field(lines[i], "id");
  std::swap(lines[i], lines[i + 1]);
  auto report = Check(lines);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.bad_line, i + 2);
  EXPECT_EQ(report.bad_event, moved_down);
  EXPECT_NE(report.problem.find("lines were reordered"), std::string::npos) << report.problem;
}

TEST_F(LedgerExtractTest, ABrokenLinkIsNamed) {
  auto lines = Export();
  const std::size_t i = Find(lines, [&](const auto& o) { return S(o, "id") == store_event_; });
  const std::string prev = Field(lines[i], "prev_hash");
  std::string changed = prev;
  changed[10] = changed[10] == '0' ? '1' : '0';
  lines[i].replace(lines[i].find(prev), prev.size(), changed);
  auto report = Check(lines);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.bad_line, i + 1);
  EXPECT_EQ(report.bad_event, store_event_);
  EXPECT_NE(report.problem.find("broken link"), std::string::npos) << report.problem;
}

TEST_F(LedgerExtractTest, SignaturesAreCheckedAgainstTheRegistryInTheHeader) {
  auto lines = Export();
  // The store's key taken out of the header: its event's proof no longer counts.
  auto header = Obj(lines[0]);
  boost::json::array kept;
  for (const auto& k : header.at("keys").as_array()) {
    if (S(k.as_object(), "node") != "s01") kept.push_back(k);
  }
  header["keys"] = kept;
  lines[0] = boost::json::serialize(header);
  const std::size_t i = Find(lines, [&](const auto& o) { return S(o, "id") == store_event_; });
  auto report = Check(lines);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.bad_line, i + 1);
  EXPECT_NE(report.problem.find("proof of origin"), std::string::npos) << report.problem;

  // Anything else changed after the extract was made: the digest tells.
  lines = Export();
  lines[0].insert(lines[0].size() - 1, ",\"note\":\"edited\"");
  report = Check(lines);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.bad_line, lines.size());
  EXPECT_NE(report.problem.find("digest"), std::string::npos) << report.problem;
}

TEST_F(LedgerExtractTest, BadInputIsRefusedClearly) {
  std::FILE* out = std::fopen(path_.c_str(), "wb");
  auto backwards = ExportLedger(hq_.get(), {.from_ms = kT0, .to_ms = kT0}, out);
  ASSERT_FALSE(backwards);
  EXPECT_EQ(backwards.error().reason(), "invalid_window");
  auto nobody =
      ExportLedger(hq_.get(), {.from_ms = 0, .to_ms = kT0, .customer = "CUST-00077"}, out);
  ASSERT_FALSE(nobody);
  EXPECT_EQ(nobody.error().reason(), "customer_not_found");
  std::fclose(out);
  auto missing = CheckLedger(dir_.sub("no-such-file"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), StatusCode::kUnavailable);
  auto report = Check({"{\"hello\":1}"});
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.bad_line, 1u);
  EXPECT_NE(report.problem.find("not a ledger extract"), std::string::npos) << report.problem;
}

}  // namespace
}  // namespace clientele
