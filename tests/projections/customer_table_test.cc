#include "projections/customer_table.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>

#include "projections/search_text.h"
#include "tests/projections/node_fixture.h"

namespace clientele {
namespace {

struct Person {
  const char* first;
  const char* last;
  const char* email;
  const char* phone;
};

const Person kPeople[] = {
    {"Ada", "Lovelace", "ada@example.com", "+44 20 7946 0958"},
    {"Jürgen", "Müller", "jm@example.de", "+49 (30) 1234-5678"},
    {"Lucía", "Núñez", "lucia.nunez@example.es", ""},
    {"Seán", "O'Brien", "sean@example.ie", "+353 1 555 0101"},
    {"Jean-Luc", "Picard", "jl@example.fr", "+1 (555) 010-2030"},
    {"小明", "王", "xiaoming@example.cn", "138 0013 8000"},
    {"太郎", "田中", "taro@example.jp", ""},
    {"Zoë", "Mullins", "zoe@example.com", "555.010.9999"},
    {"Bob", "Lovelace", "bob@example.com", ""},
};

class CustomerTableTest : public testing::NodeTest {
 protected:
  void SetUp() override {
    NodeTest::SetUp();
    table_ = std::make_unique<CustomerTable>(projector_.get(), &clock_);
    for (const Person& p : kPeople) ids_.push_back(Add(p.first, p.last, p.email, p.phone));
    // Balances and status: Ada has points, Jürgen credit, Seán both; Bob is deactivated.
    Run(ids_[0], RecordPurchase{"t1", 5000, 1'700'000'000'000});
    Run(ids_[1], TopUpCredit{2000, "p1", ""});
    Run(ids_[3], RecordPurchase{"t2", 900, 1'700'000'100'000});
    Run(ids_[3], TopUpCredit{100, "p2", ""});
    Run(ids_[8], DeactivateCustomer{});
    WaitForLog();
  }

  std::string Add(const char* first, const char* last, const char* email, const char* phone) {
    CustomerDetails d;
    d[DetailField::kFirstName] = first;
    d[DetailField::kLastName] = last;
    d[DetailField::kEmail] = email;
    d[DetailField::kPhone] = phone;
    auto r = handler_->Register(d, "clerk");
    EXPECT_TRUE(r) << r.error().ToString();
    return r ? r->customer_id : "";
  }
  void Run(const std::string& id, const CustomerCommand& cmd) {
    auto r = handler_->Execute(id, cmd, "clerk");
    ASSERT_TRUE(r) << r.error().ToString();
  }

  // The last names found by `search` among active customers, sorted.
  std::set<std::string> Find(const std::string& search,
                             StatusFilter status = StatusFilter::kActive) {
    TableQuery q;
    q.search = search;
    q.status = status;
    q.limit = 500;
    auto page = table_->Query(q);
    EXPECT_TRUE(page) << page.error().ToString();
    std::set<std::string> out;
    if (page) {
      for (const auto& row : page->rows) out.insert(row.details[DetailField::kLastName]);
    }
    return out;
  }

  ManualClock clock_;
  std::unique_ptr<CustomerTable> table_;
  std::vector<std::string> ids_;
};

TEST_F(CustomerTableTest, SearchFoldsCaseAccentsAndPunctuation) {
  using S = std::set<std::string>;
  struct {
    const char* search;
    S expected;
  } cases[] = {
      {"muller", S{"Müller"}},
      {"MÜLLER", S{"Müller"}},
      {"mul", S{"Müller", "Mullins"}},
      {"jurgen", S{"Müller"}},
      {"nunez", S{"Núñez"}},
      {"Núñez", S{"Núñez"}},
      {"lucia", S{"Núñez"}},
      {"obrien", S{"O'Brien"}},
      {"o'brien", S{"O'Brien"}},
      {"O’Brien", S{"O'Brien"}},
      {"sean", S{"O'Brien"}},
      {"jean", S{"Picard"}},
      {"luc", S{"Picard", "Núñez"}},  // Jean-Luc and Lucía
      {"jean-luc", S{"Picard"}},
      {"王", S{"王"}},
      {"小明", S{"王"}},
      {"明", S{"王"}},
      {"田中", S{"田中"}},
      {"太郎", S{"田中"}},
      {"zoe", S{"Mullins"}},
      {"love", S{"Lovelace"}},  // Bob Lovelace is deactivated
      {"ada love", S{"Lovelace"}},
      {"ada mul", S{}},
      {"ace", S{}},  // not the start of a word
      {"ada@", S{"Lovelace"}},
      {"lucia.nunez@example", S{"Núñez"}},
      {"example.ie", S{"O'Brien"}},
      {"zzz", S{}},
  };
  for (const auto& c : cases) EXPECT_EQ(Find(c.search), c.expected) << "search: " << c.search;
  EXPECT_EQ(Find("love", StatusFilter::kAll), (S{"Lovelace"}));
  EXPECT_EQ(Find("bob", StatusFilter::kAll), (S{"Lovelace"}));
  EXPECT_EQ(Find("bob"), (S{}));
}

TEST_F(CustomerTableTest, PhonesMatchOnDigitsWhateverTheFormatting) {
  using S = std::set<std::string>;
  struct {
    const char* search;
    S expected;
  } cases[] = {
      {"5550102030", S{"Picard"}},
      {"+1 555 010 2030", S{"Picard"}},
      {"(555) 010-2030", S{"Picard"}},
      {"010-2030", S{"Picard"}},
      {"555 010", S{"Picard", "Mullins", "O'Brien"}},  // +353 1 555 0101 too
      {"555", S{"O'Brien", "Picard", "Mullins"}},
      {"1234-5678", S{"Müller"}},
      {"4930", S{"Müller"}},
      {"13800138000", S{"王"}},
      {"999 999", S{}},  // one run of digits: 9999 is not 999999
      {"9999", S{"Mullins"}},
  };
  for (const auto& c : cases) EXPECT_EQ(Find(c.search), c.expected) << "search: " << c.search;
}

TEST_F(CustomerTableTest, CodesAreFoundInAnyCase) {
  using S = std::set<std::string>;
  EXPECT_EQ(Find("CUST-00003"), (S{"Núñez"}));
  EXPECT_EQ(Find("cust-00003"), (S{"Núñez"}));
  EXPECT_EQ(Find("00003"), (S{"Núñez"}));
  EXPECT_EQ(Find("cust").size(), 8u);  // every active customer
}

TEST_F(CustomerTableTest, Filters) {
  using S = std::set<std::string>;
  auto find = [&](bool points, bool credit, StatusFilter status) {
    TableQuery q;
    q.has_points = points;
    q.has_credit = credit;
    q.status = status;
    auto page = table_->Query(q);
    EXPECT_TRUE(page);
    S out;
    for (const auto& row : page->rows) out.insert(row.details[DetailField::kLastName]);
    return out;
  };
  EXPECT_EQ(find(true, false, StatusFilter::kActive), (S{"Lovelace", "O'Brien"}));
  EXPECT_EQ(find(false, true, StatusFilter::kActive), (S{"Müller", "O'Brien"}));
  EXPECT_EQ(find(true, true, StatusFilter::kActive), (S{"O'Brien"}));
  EXPECT_EQ(find(false, false, StatusFilter::kInactive), (S{"Lovelace"}));
  EXPECT_EQ(find(false, false, StatusFilter::kAll).size(), 9u - 1u);  // two Lovelaces
  EXPECT_EQ(find(false, false, StatusFilter::kActive).size(), 8u);
}

TEST_F(CustomerTableTest, EverySortInBothDirectionsIsTotalAndStable) {
  for (SortField sort : {SortField::kFirstName, SortField::kLastName, SortField::kPoints,
                         SortField::kCredit, SortField::kLastVisit}) {
    for (bool descending : {false, true}) {
      SCOPED_TRACE(std::string(SortFieldName(sort)) + (descending ? " desc" : " asc"));
      TableQuery q;
      q.status = StatusFilter::kAll;
      q.sort = sort;
      q.descending = descending;
      auto page = table_->Query(q);
      ASSERT_TRUE(page);
      ASSERT_EQ(page->rows.size(), 9u);
      auto key = [&](const CustomerRow& r) -> std::tuple<std::string, std::string, std::int64_t> {
        const auto& d = r.details;
        switch (sort) {
          case SortField::kFirstName:
            return {Fold(d[DetailField::kFirstName]), Fold(d[DetailField::kLastName]), 0};
          case SortField::kLastName:
            return {Fold(d[DetailField::kLastName]), Fold(d[DetailField::kFirstName]), 0};
          case SortField::kPoints:
            return {"", "", r.points};
          case SortField::kCredit:
            return {"", "", r.credit};
          case SortField::kLastVisit:
            return {"", "", r.last_visit_ms};
        }
        return {};
      };
      for (std::size_t i = 1; i < page->rows.size(); ++i) {
        auto a = key(page->rows[i - 1]), b = key(page->rows[i]);
        if (a == b) {
          EXPECT_LT(page->rows[i - 1].id, page->rows[i].id) << "ties go to the id, ascending";
        } else {
          EXPECT_EQ(descending ? a > b : a < b, true) << "row " << i;
        }
      }
      auto again = table_->Query(q);
      ASSERT_TRUE(again);
      EXPECT_EQ(again->rows, page->rows) << "the same query gives the same order";
    }
  }
  TableQuery q;  // the default: last name, ascending, accents folded
  q.status = StatusFilter::kAll;
  auto page = table_->Query(q);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->rows.front().details[DetailField::kLastName], "Lovelace");
  EXPECT_EQ(page->rows[2].details[DetailField::kLastName], "Müller");
  EXPECT_EQ(page->rows[3].details[DetailField::kLastName], "Mullins");
}

TEST_F(CustomerTableTest, PagingWhileRowsChangeNeitherSkipsNorRepeats) {
  for (int i = 0; i < 30; ++i) {
    Add(("P" + std::to_string(i)).c_str(), ("Page" + std::to_string(100 + i)).c_str(), "", "");
  }
  WaitForLog();
  TableQuery q;
  q.search = "page";
  q.limit = 7;
  auto first = table_->Query(q);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->total, 30u);
  ASSERT_EQ(first->rows.size(), 7u);
  std::vector<std::string> seen;
  for (const auto& r : first->rows) seen.push_back(r.id);

  // Rows change between pages: renamed (would reorder), new ones, new balances.
  auto all = projector_->Customers();
  int renamed = 0;
  for (const auto& row : all) {
    if (row.details[DetailField::kLastName].starts_with("Page1") && renamed < 10) {
      DetailsPatch p;
      p[DetailField::kLastName] = "Page0" + std::to_string(renamed++);  // jumps to the front
      Run(row.id, ChangeDetails{p});
    }
  }
  for (int i = 0; i < 5; ++i) Add("New", ("Page" + std::to_string(i)).c_str(), "", "");
  WaitForLog();

  std::string cursor = first->next_cursor;
  while (!cursor.empty()) {
    q.cursor = cursor;
    auto page = table_->Query(q);
    ASSERT_TRUE(page) << page.error().ToString();
    ASSERT_LE(page->rows.size(), 7u);
    for (const auto& r : page->rows) seen.push_back(r.id);
    // Asking again with the same cursor gives the same page.
    auto again = table_->Query(q);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->rows.size(), page->rows.size());
    cursor = page->next_cursor;
  }
  std::set<std::string> unique(seen.begin(), seen.end());
  EXPECT_EQ(seen.size(), 30u) << "every row of the first page's result, once";
  EXPECT_EQ(unique.size(), 30u) << "no row repeated";
}

TEST_F(CustomerTableTest, PagesOfOneRowAreTheWholeResultInOrderWhetherRowsChangeOrNot) {
  for (SortField sort : {SortField::kLastName, SortField::kCredit}) {
    for (bool descending : {false, true}) {
      SCOPED_TRACE(std::string(SortFieldName(sort)) + (descending ? " desc" : " asc"));
      TableQuery q;
      q.status = StatusFilter::kAll;
      q.sort = sort;
      q.descending = descending;
      auto whole = table_->Query(q);
      ASSERT_TRUE(whole);
      std::vector<std::string> expected;
      for (const auto& r : whole->rows) expected.push_back(r.id);
      for (bool change : {false, true}) {
        q.limit = 1;
        q.cursor.clear();
        std::vector<std::string> seen;
        for (;;) {
          auto page = table_->Query(q);
          ASSERT_TRUE(page) << page.error().ToString();
          EXPECT_EQ(page->total, expected.size());
          for (const auto& r : page->rows) seen.push_back(r.id);
          if (page->next_cursor.empty()) break;
          q.cursor = page->next_cursor;
          if (change && seen.size() == 2) {  // a top-up between pages moves a row not seen yet
            const std::string& next = expected[2] == ids_[8] ? expected[3] : expected[2];
            Run(next, TopUpCredit{100000, "p-" + q.cursor, ""});
            WaitForLog();
          }
        }
        EXPECT_EQ(seen, expected) << (change ? "rows changed between pages" : "no change");
      }
    }
  }
}

TEST_F(CustomerTableTest, BadPagingRequestsAreRefused) {
  TableQuery q;
  q.limit = 0;
  EXPECT_EQ(table_->Query(q).error().reason(), "invalid_limit");
  q.limit = 501;
  EXPECT_EQ(table_->Query(q).error().reason(), "invalid_limit");
  q.limit = 2;
  auto first = table_->Query(q);
  ASSERT_TRUE(first);
  ASSERT_FALSE(first->next_cursor.empty());
  TableQuery other = q;
  other.cursor = first->next_cursor;
  other.sort = SortField::kPoints;
  EXPECT_EQ(table_->Query(other).error().reason(), "cursor_mismatch");
  other = q;
  other.cursor = "0123456789abcdef01234567:2";
  EXPECT_EQ(table_->Query(other).error().reason(), "cursor_expired");
  other.cursor = "garbage";
  EXPECT_EQ(table_->Query(other).error().reason(), "cursor_expired");
}

TEST_F(CustomerTableTest, ACursorLastsItsLifetimeByTheTablesClock) {
  TableQuery q;
  q.status = StatusFilter::kAll;
  q.limit = 2;
  auto first = table_->Query(q);
  ASSERT_TRUE(first);
  ASSERT_FALSE(first->next_cursor.empty());
  TableQuery next = q;
  next.cursor = first->next_cursor;
  const std::int64_t lifetime_ms =
      std::chrono::milliseconds(CustomerTable::kCursorLifetime).count();

  clock_.Advance(lifetime_ms - 1);
  auto in_time = table_->Query(next);
  ASSERT_TRUE(in_time) << "a cursor 1 ms short of its lifetime: " << in_time.error().ToString();
  EXPECT_EQ(in_time->rows.size(), 2u);
  EXPECT_EQ(in_time->total, 9u);

  clock_.Advance(2);
  auto late = table_->Query(next);
  ASSERT_FALSE(late) << "a cursor 1 ms past its lifetime";
  TableQuery unknown = q;
  unknown.cursor = "0123456789abcdef01234567:2";
  const Status never_issued = table_->Query(unknown).error();
  EXPECT_EQ(late.error().code(), StatusCode::kNotFound);
  EXPECT_EQ(late.error().reason(), "cursor_expired");
  EXPECT_EQ(late.error().ToString(), never_issued.ToString()) << "as for an unknown cursor";
}

TEST_F(CustomerTableTest, CursorsBelongToTheirOwnerAndOnlyTheOwnersOldestGo) {
  TableQuery q;
  q.status = StatusFilter::kAll;
  q.limit = 2;
  q.owner = "till-1";
  auto mine = table_->Query(q);
  ASSERT_TRUE(mine);
  ASSERT_FALSE(mine->next_cursor.empty());
  TableQuery next = q;
  next.cursor = mine->next_cursor;
  TableQuery stolen = next;
  stolen.owner = "till-2";
  EXPECT_EQ(table_->Query(stolen).error().reason(), "cursor_expired")
      << "another owner's cursor is unknown";

  // Another owner opens many more cursors than anyone may hold.
  TableQuery noisy = q;
  noisy.owner = "noisy";
  std::size_t evicted = 0;
  std::vector<std::string> noisy_cursors;
  for (std::size_t i = 0; i < 10 * CustomerTable::kMaxCursors; ++i) {
    auto page = table_->Query(noisy);
    ASSERT_TRUE(page);
    evicted += page->cursors_evicted;
    noisy_cursors.push_back(page->next_cursor);
  }
  EXPECT_EQ(evicted, 9 * CustomerTable::kMaxCursors);
  auto still = table_->Query(next);
  ASSERT_TRUE(still) << "till-1's cursor outlived the burst: " << still.error().ToString();
  EXPECT_EQ(still->rows.size(), 2u);
  TableQuery newest = noisy;
  newest.cursor = noisy_cursors.back();
  EXPECT_TRUE(table_->Query(newest));
  newest.cursor = noisy_cursors.front();
  EXPECT_EQ(table_->Query(newest).error().reason(), "cursor_expired") << "its own oldest went";
}

}  // namespace
}  // namespace clientele

namespace clientele {
namespace {

// Distinct queries (sort, order, status) whose results span more than one page of 2.
std::vector<TableQuery> DistinctQueries(const std::string& owner, std::size_t n,
                                        std::size_t skip = 0) {
  std::vector<TableQuery> out;
  std::size_t i = 0;
  for (StatusFilter status : {StatusFilter::kAll, StatusFilter::kActive}) {
    for (SortField sort : {SortField::kFirstName, SortField::kLastName, SortField::kPoints,
                           SortField::kCredit, SortField::kLastVisit}) {
      for (bool descending : {false, true}) {
        if (i++ < skip || out.size() == n) continue;
        TableQuery q;
        q.owner = owner;
        q.status = status;
        q.sort = sort;
        q.descending = descending;
        q.limit = 2;
        out.push_back(q);
      }
    }
  }
  return out;
}

// Opens each query's first page; returns the queries with their cursors set.
std::vector<TableQuery> Open(CustomerTable* table, std::vector<TableQuery> queries) {
  for (TableQuery& q : queries) {
    auto page = table->Query(q);
    EXPECT_TRUE(page);
    EXPECT_FALSE(page->next_cursor.empty());
    if (page) q.cursor = page->next_cursor;
  }
  return queries;
}

TEST_F(CustomerTableTest, TheProjectorWritesOutABoundedNumberOfResultsPerChangeOwnersInTurn) {
  std::vector<std::vector<TableQuery>> owners;
  for (int o = 0; o < 3; ++o) {
    owners.push_back(Open(table_.get(), DistinctQueries("till-" + std::to_string(o), 5, 5 * o)));
  }
  Run(ids_[0], RecordPurchase{"t-pin", 100, 1'700'000'200'000});  // the table changes
  WaitForLog();
  std::size_t alive = 0;
  for (const auto& queries : owners) {
    std::size_t mine = 0;
    for (const TableQuery& q : queries) {
      auto page = table_->Query(q);
      if (page) {
        ++mine;
        EXPECT_EQ(page->rows.size(), 2u);
      } else {
        EXPECT_EQ(page.error().reason(), "cursor_expired");
      }
    }
    EXPECT_GE(mine, CustomerTable::kMaxPinsPerChange / 3) << "the owners took turns";
    EXPECT_TRUE(table_->Query(queries.back())) << "each owner's newest is kept first";
    alive += mine;
  }
  EXPECT_EQ(alive, CustomerTable::kMaxPinsPerChange) << "15 distinct queries, the rest expired";
}

TEST_F(CustomerTableTest, ExpiredCursorsCostTheProjectorNothing) {
  const std::int64_t lifetime_ms =
      std::chrono::milliseconds(CustomerTable::kCursorLifetime).count();
  Open(table_.get(), DistinctQueries("gone", 8, 0));
  clock_.Advance(lifetime_ms / 2 + 1);
  auto a = Open(table_.get(), DistinctQueries("till-a", 4, 8));
  auto b = Open(table_.get(), DistinctQueries("till-b", 4, 12));
  clock_.Advance(lifetime_ms / 2 + 1);  // "gone"'s cursors have expired, no first page since
  Run(ids_[0], RecordPurchase{"t-exp", 100, 1'700'000'200'000});
  WaitForLog();
  for (const auto& queries : {a, b}) {
    for (const TableQuery& q : queries) {
      auto page = table_->Query(q);
      EXPECT_TRUE(page) << "only the 8 live queries were written out: " << page.error().ToString();
    }
  }
}

}  // namespace
}  // namespace clientele

namespace clientele {
namespace {

TEST_F(CustomerTableTest, DeepPagesWriteTheResultOutOnceAndStayInOrderWhetherRowsChangeOrNot) {
  for (int i = 0; i < 30; ++i) {
    Add(("D" + std::to_string(i)).c_str(), ("Deep" + std::to_string(100 + i)).c_str(), "", "");
  }
  WaitForLog();
  int renames = 0;
  for (SortField sort : {SortField::kLastName, SortField::kFirstName}) {
    for (bool descending : {false, true}) {
      SCOPED_TRACE(std::string(SortFieldName(sort)) + (descending ? " desc" : " asc"));
      TableQuery q;
      q.search = "deep";
      q.sort = sort;
      q.descending = descending;
      q.limit = 500;
      auto whole = table_->Query(q);
      ASSERT_TRUE(whole);
      ASSERT_EQ(whole->total, 30u);
      std::vector<std::string> expected;
      for (const auto& r : whole->rows) expected.push_back(r.id);
      for (bool change : {false, true}) {
        q.limit = 2;
        q.cursor.clear();
        std::vector<std::string> seen;
        for (;;) {
          auto page = table_->Query(q);
          ASSERT_TRUE(page) << page.error().ToString();
          EXPECT_EQ(page->total, 30u);
          for (const auto& r : page->rows) seen.push_back(r.id);
          if (page->next_cursor.empty()) break;
          q.cursor = page->next_cursor;
          if (change && seen.size() == 2 * CustomerTable::kPinAfterPages + 4) {
            // Moves the last row, not seen yet, to the front.
            const std::string n = std::to_string(renames++);
            DetailsPatch p;
            p[DetailField::kLastName] = (descending ? "Deepzzz" : "Deep000") + n;
            p[DetailField::kFirstName] = (descending ? "Zz" : "Aa") + n;
            Run(expected.back(), ChangeDetails{p});
            WaitForLog();
          }
        }
        EXPECT_EQ(seen, expected) << (change ? "rows changed between pages" : "no change");
      }
    }
  }
}

TEST_F(CustomerTableTest, ACursorPagedDeepOutlivesABurstOfNewQueries) {
  TableQuery deep;
  deep.owner = "till-x";
  deep.status = StatusFilter::kAll;
  deep.limit = 1;
  for (std::size_t i = 0; i < CustomerTable::kPinAfterPages; ++i) {
    auto page = table_->Query(deep);
    ASSERT_TRUE(page);
    deep.cursor = page->next_cursor;
  }
  auto before = table_->Query(deep);  // deep enough: its result is written out now
  ASSERT_TRUE(before);
  ASSERT_EQ(before->rows.size(), 1u);
  // Newer queries, more than the projector writes out at the next change.
  Open(table_.get(), DistinctQueries("till-x", 8, 10));
  Open(table_.get(), DistinctQueries("till-y", 8, 12));
  Run(ids_[0], RecordPurchase{"t-deep", 100, 1'700'000'200'000});
  WaitForLog();
  auto after = table_->Query(deep);
  ASSERT_TRUE(after) << "the cursor paged deep was already written out: "
                     << after.error().ToString();
  ASSERT_EQ(after->rows.size(), 1u);
  EXPECT_EQ(after->rows[0].id, before->rows[0].id);
}

}  // namespace
}  // namespace clientele
