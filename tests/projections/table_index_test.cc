// TableIndex against a plain reference: random rows, built, then changed
// without a rebuild (so queries mix built structures with changed rows), then
// rebuilt; every query in every sort and filter must give exactly what
// filtering and sorting the rows one by one gives.
#include "projections/table_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <tuple>

#include "projections/search_text.h"

namespace clientele {
namespace {

struct Row {
  std::string id, first, last, email, phone, code;
  bool listed = true, active = true;
  std::int64_t points = 0, credit = 0, visit = 0;
};

class TableIndexTest : public ::testing::Test {
 protected:
  static constexpr const char* kFirst[] = {"Ada",  "Zoë",   "Jean-Luc", "Seán",           "李小龍",
                                           "Mary", "Mateo", "Élodie",   "Mathilde-Marie", "Bo"};
  static constexpr const char* kLast[] = {
      "Müller",   "Mullins",           "O'Brien",         "Núñez", "van Dijk",
      "Lovelace", "Lovelacebergström", "Lovelacebergson", "王",    "Smith-Jones"};

  Row RandomRow(std::uint32_t n) {
    char id[37];
    std::snprintf(id, sizeof(id), "%08x-0000-4000-8000-%012x", static_cast<unsigned>(rng_()), n);
    Row r;
    r.id = id;
    r.first = kFirst[rng_() % std::size(kFirst)];
    r.last = kLast[rng_() % std::size(kLast)];
    if (rng_() % 4) r.email = Fold(r.first).substr(0, 4) + "." + std::to_string(n) + "@ex.com";
    if (rng_() % 4) {
      char phone[32];
      std::snprintf(phone, sizeof(phone), "+1 (%03u) 55%u-%04u", 200 + unsigned(rng_() % 5),
                    unsigned(rng_() % 3), unsigned(rng_() % 10000));
      r.phone = phone;
    }
    r.code = "CUST-" + std::to_string(10000 + n);
    Reroll(&r);
    return r;
  }

  void Reroll(Row* r) {
    r->listed = rng_() % 20 != 0;
    r->active = rng_() % 5 != 0;
    r->points = rng_() % 3 ? 0 : static_cast<std::int64_t>(rng_() % 50);
    r->credit = rng_() % 2 ? 0 : static_cast<std::int64_t>(rng_() % 20) * 100;
    r->visit = rng_() % 3 ? 0 : 1'700'000'000'000 + static_cast<std::int64_t>(rng_() % 1000);
  }

  void Set(std::uint32_t n) {
    const Row& r = rows_[n];
    index_.Set(n, {r.first, r.last, r.email, r.phone, r.code, r.listed, r.active, r.points,
                   r.credit, r.visit});
  }

  void Add() {
    const auto n = static_cast<std::uint32_t>(rows_.size());
    rows_.push_back(RandomRow(n));
    ASSERT_EQ(ids_.Add(rows_.back().id), n);
    Set(n);
  }

  static bool StartsAWord(const std::string& words, const std::string& w) {
    for (std::size_t at = 0; at < words.size();) {
      std::size_t end = words.find('\n', at);
      if (words.compare(at, w.size(), w) == 0 && at + w.size() <= end) return true;
      at = end + 1;
    }
    return false;
  }

  std::vector<std::uint32_t> Reference(const TableSearch& q) const {
    std::vector<std::string> qwords;
    std::string folded = Fold(q.search);
    for (std::size_t s = 0; s < folded.size();) {
      std::size_t e = folded.find(' ', s);
      if (e == std::string::npos) e = folded.size();
      qwords.push_back(folded.substr(s, e - s));
      s = e + 1;
    }
    const std::string digits = Digits(q.search);
    const bool by_phone =
        digits.size() >= 3 && q.search.find_first_not_of("0123456789 +-()./") == std::string::npos;
    std::vector<std::uint32_t> out;
    for (std::uint32_t n = 0; n < rows_.size(); ++n) {
      const Row& r = rows_[n];
      if (!r.listed || (q.status == StatusFilter::kActive && !r.active) ||
          (q.status == StatusFilter::kInactive && r.active) || (q.has_points && r.points == 0) ||
          (q.has_credit && r.credit == 0)) {
        continue;
      }
      std::string words;
      for (const std::string* f : {&r.first, &r.last, &r.email, &r.phone, &r.code}) {
        AppendWords(*f, &words);
      }
      bool match = true;
      if (by_phone) {
        match = Digits(r.phone).find(digits) != std::string::npos || StartsAWord(words, digits);
      } else {
        for (const std::string& w : qwords) match = match && StartsAWord(words, w);
      }
      if (match) out.push_back(n);
    }
    auto key = [&](std::uint32_t n) {
      const Row& r = rows_[n];
      switch (q.sort) {
        case SortField::kFirstName:
          return std::make_tuple(Fold(r.first), Fold(r.last), std::int64_t{0});
        case SortField::kLastName:
          return std::make_tuple(Fold(r.last), Fold(r.first), std::int64_t{0});
        case SortField::kPoints:
          return std::make_tuple(std::string(), std::string(), r.points);
        case SortField::kCredit:
          return std::make_tuple(std::string(), std::string(), r.credit);
        case SortField::kLastVisit:
          return std::make_tuple(std::string(), std::string(), r.visit);
      }
      return std::make_tuple(std::string(), std::string(), std::int64_t{0});
    };
    std::vector<decltype(key(0))> keys(rows_.size());
    for (std::uint32_t n : out) keys[n] = key(n);
    std::sort(out.begin(), out.end(), [&](std::uint32_t a, std::uint32_t b) {
      const auto &ka = keys[a], &kb = keys[b];
      if (ka != kb) return q.descending ? ka > kb : ka < kb;
      return rows_[a].id < rows_[b].id;
    });
    return out;
  }

  void CheckEveryQuery(const char* phase) {
    const char* searches[] = {"",          "m",        "MU",        "müller",        "o'brien",
                              "obrien",    "jean luc", "lovelaceb", "lovelacebergs", "555",
                              "(201) 551", "5510",     "cust-1002", "10042",         "小龍",
                              "王",        "zoe",      "ex",        "nobody",        "mary s",
                              "seán o'b",  "+1"};
    int checked = 0;
    for (const char* s : searches) {
      for (SortField sort : {SortField::kFirstName, SortField::kLastName, SortField::kPoints,
                             SortField::kCredit, SortField::kLastVisit}) {
        for (int variant = 0; variant < 4; ++variant) {
          TableSearch q;
          q.search = s;
          q.sort = sort;
          q.descending = variant & 1;
          q.status = variant == 2   ? StatusFilter::kAll
                     : variant == 3 ? StatusFilter::kInactive
                                    : StatusFilter::kActive;
          q.has_points = variant == 1;
          q.has_credit = variant == 3;
          auto expected = Reference(q);
          ASSERT_EQ(index_.Find(q), expected)
              << phase << ": '" << s << "' sort " << SortFieldName(sort) << " variant " << variant
              << " (" << expected.size() << " expected)";
          ++checked;
        }
      }
    }
    EXPECT_EQ(checked, 22 * 5 * 4);
  }

  // FindPage: every query's pages, at a few offsets and limits, are the
  // reference's slices, and its total the reference's size.
  void CheckEveryPage(const char* phase) {
    const char* searches[] = {"",     "m",   "MU", "müller", "lovelaceb", "555",
                              "5510", "zoe", "ex", "nobody", "mary s"};
    const std::size_t slices[][2] = {{0, 1}, {0, 20}, {3, 7}, {19, 500}, {2500, 50}, {0, 10000}};
    for (const char* s : searches) {
      for (SortField sort : {SortField::kFirstName, SortField::kLastName, SortField::kPoints,
                             SortField::kCredit, SortField::kLastVisit}) {
        for (int variant = 0; variant < 4; ++variant) {
          TableSearch q;
          q.search = s;
          q.sort = sort;
          q.descending = variant & 1;
          q.status = variant == 2   ? StatusFilter::kAll
                     : variant == 3 ? StatusFilter::kInactive
                                    : StatusFilter::kActive;
          q.has_points = variant == 1;
          q.has_credit = variant == 3;
          const auto expected = Reference(q);
          for (const auto& [offset, limit] : slices) {
            const TableIndex::Page page = index_.FindPage(q, offset, limit);
            const std::size_t from = std::min(offset, expected.size());
            const std::size_t to = std::min(expected.size(), from + limit);
            ASSERT_EQ(page.total, expected.size()) << phase << ": '" << s << "'";
            ASSERT_EQ(page.rows,
                      std::vector<std::uint32_t>(expected.begin() + from, expected.begin() + to))
                << phase << ": '" << s << "' sort " << SortFieldName(sort) << " variant " << variant
                << " offset " << offset << " limit " << limit;
          }
        }
      }
    }
  }

  std::mt19937 rng_{42};
  std::vector<Row> rows_;
  RowIds ids_;
  TableIndex index_{&ids_};
};

TEST_F(TableIndexTest, BuiltChangedAndRebuiltAllAnswerLikeTheReference) {
  // More rows than are sorted directly, so large results walk the built orders.
  for (int i = 0; i < 6000; ++i) Add();
  CheckEveryQuery("all rows changed, nothing built");
  index_.Maintain(/*force=*/true);
  EXPECT_EQ(index_.dirty_rows(), 0u);
  CheckEveryQuery("built");

  // Changes without a rebuild: renames, new balances, deletions, new rows.
  for (int i = 0; i < 400; ++i) {
    const std::uint32_t n = rng_() % static_cast<std::uint32_t>(rows_.size());
    Row& r = rows_[n];
    switch (rng_() % 3) {
      case 0:
        r.last = kLast[rng_() % std::size(kLast)];
        r.first = kFirst[rng_() % std::size(kFirst)];
        break;
      case 1:
        r.phone = "+44 20 " + std::to_string(5550000 + rng_() % 10000);
        break;
      default:
        Reroll(&r);
    }
    Set(n);
  }
  for (int i = 0; i < 300; ++i) Add();
  index_.Maintain();  // below the rebuild threshold: stays changed
  EXPECT_GT(index_.dirty_rows(), 0u);
  CheckEveryQuery("built, then changed");

  index_.Maintain(/*force=*/true);
  EXPECT_EQ(index_.dirty_rows(), 0u);
  CheckEveryQuery("rebuilt");
}

TEST_F(TableIndexTest, PagesAreSlicesOfTheReferenceBuiltChangedAndRebuilt) {
  for (int i = 0; i < 6000; ++i) Add();
  CheckEveryPage("all rows changed, nothing built");
  index_.Maintain(/*force=*/true);
  CheckEveryPage("built");
  for (int i = 0; i < 400; ++i) {
    const std::uint32_t n = rng_() % static_cast<std::uint32_t>(rows_.size());
    Row& r = rows_[n];
    if (rng_() % 2) {
      r.last = kLast[rng_() % std::size(kLast)];
      r.first = kFirst[rng_() % std::size(kFirst)];
    } else {
      Reroll(&r);
    }
    Set(n);
  }
  for (int i = 0; i < 300; ++i) Add();
  index_.Maintain();
  ASSERT_GT(index_.dirty_rows(), 0u);
  CheckEveryPage("built, then changed");
  index_.Maintain(/*force=*/true);
  CheckEveryPage("rebuilt");
}

// Changes below Maintain's share of the table (1/16) stay unbuilt, and every
// query sorts them again; Settle builds them once writes have stopped.
TEST_F(TableIndexTest, SettleBuildsWhatMaintainLeavesBelowItsShare) {
  for (int i = 0; i < 20000; ++i) Add();
  index_.Maintain(/*force=*/true);
  ASSERT_EQ(index_.dirty_rows(), 0u);
  for (std::uint32_t n = 0; n < 1200; ++n) {  // over kSettledRows, under 20,000 / 16
    Row& r = rows_[n * 16];
    r.last = kLast[rng_() % std::size(kLast)];
    Reroll(&r);
    Set(n * 16);
  }
  index_.Maintain();
  ASSERT_GT(index_.dirty_rows(), TableIndex::kSettledRows);
  index_.Settle();
  EXPECT_EQ(index_.dirty_rows(), 0u);
  CheckEveryQuery("settled");
  CheckEveryPage("settled");
}

TEST_F(TableIndexTest, RowsWithWordFindsExactWordsOnly) {
  for (int i = 0; i < 50; ++i) Add();
  index_.Maintain(true);
  auto rows = index_.RowsWithWord("10042");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows_[rows[0]].code, "CUST-10042");
  EXPECT_TRUE(index_.RowsWithWord("1004").empty()) << "a prefix is not the word";
}

}  // namespace
}  // namespace clientele
