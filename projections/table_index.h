// The customer table's index: search, filters and sort orders over rows
// numbered densely (projections/row_ids.h), held in memory.
//
// Search: the query is folded like the rows (projections/search_text.h) and
// every query word must be the start of some word of the customer's first
// name, last name, email, phone or code. A query of only digits and phone
// punctuation with at least 3 digits is instead one run of digits, found
// anywhere in the phone's digits or at the start of a word.
//
// Layout. Each row's folded words live in one text arena: last name, first
// name, email, phone and code words, each ended by '\n', then the phone's
// digits. Built from that, and rebuilt now and then:
//   - every word start as (arena offset, row), sorted by the word: a query
//     word's matches are one binary-searched range;
//   - the rows containing each 3-digit run of their phone: phone searches
//     check only the rows of the query's rarest run;
//   - one row order per sort field.
// Rows changed since the last build are "dirty": the built structures skip
// them and queries check them one by one against their current values, then
// merge them into the built order. When the dirty rows grow past a share of
// the table, Maintain rebuilds.
//
// Not thread-safe: the owner guards it (one writer, many readers); the
// readers' cache of search totals has its own lock.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "projections/row_ids.h"

namespace clientele {

enum class SortField { kFirstName, kLastName, kPoints, kCredit, kLastVisit };
enum class StatusFilter { kActive, kInactive, kAll };

std::string_view SortFieldName(SortField f);  // "first_name", "last_name", "points", ...
std::optional<SortField> ParseSortField(std::string_view name);

// What to find and in which order. Names sort folded (last name, then first
// name, or the reverse); ties go to the customer id, ascending either way.
struct TableSearch {
  std::string search;
  bool has_points = false;                      // only customers with non-zero points
  bool has_credit = false;                      // only customers with non-zero credit
  StatusFilter status = StatusFilter::kActive;  // POS search shows active customers only
  SortField sort = SortField::kLastName;
  bool descending = false;
};

// What the index needs of a row.
struct IndexedRow {
  std::string_view first_name, last_name, email, phone, code;
  bool listed = false;  // registered and not deleted: shown in the table
  bool active = false;
  std::int64_t points = 0, credit = 0, last_visit_ms = 0;
};

class TableIndex {
 public:
  // `ids` numbers the rows; it must outlive the index.
  explicit TableIndex(const RowIds* ids) : ids_(ids) {}

  // Sets row `row` (at most one past the last row set) to `r`.
  void Set(std::uint32_t row, const IndexedRow& r);
  // Rebuilds what too many changes have made slow to query (everything if
  // `force`). Call after a batch of Sets.
  void Maintain(bool force = false);
  // Rebuilds what has more than a few changed rows (kSettledRows), however
  // small a share of the table: for when the writes have stopped (after a
  // large import, Maintain leaves up to 1/16 of the table to every query).
  void Settle();
  static constexpr std::size_t kSettledRows = 1024;

  // The rows matching `q`, in its order.
  std::vector<std::uint32_t> Find(const TableSearch& q) const;
  // Rows [offset, offset + limit) of Find(q), and the size of Find(q). The
  // work is in proportion to offset + limit and the rows changed since the
  // last build, plus, for a search, its matches (to count them): not to the
  // table. Without a search the total comes from counters kept by Set.
  struct Page {
    std::vector<std::uint32_t> rows;
    std::size_t total = 0;
  };
  Page FindPage(const TableSearch& q, std::size_t offset, std::size_t limit) const;
  // The rows with a word equal to `word` (folded), in no particular order.
  std::vector<std::uint32_t> RowsWithWord(std::string_view word) const;

  std::size_t dirty_rows() const { return text_dirty_rows_.size() + num_dirty_rows_.size(); }

 private:
  struct Text {  // a row's text in the arena
    std::uint32_t off = 0;
    std::uint16_t last = 0, first = 0;  // name lengths (words, '\n'-ended)
    std::uint16_t words = 0;            // every word, names first
    std::uint16_t digits = 0;
  };
  struct Entry {  // a word start
    std::uint32_t off;
    std::uint32_t row;
  };
  enum Flag : std::uint8_t { kListed = 1, kActive = 2 };

  std::string_view LastName(const Text& t) const { return {arena_.data() + t.off, t.last}; }
  std::string_view FirstName(const Text& t) const {
    return {arena_.data() + t.off + t.last, t.first};
  }
  std::string_view Words(const Text& t) const { return {arena_.data() + t.off, t.words}; }
  std::string_view DigitsOf(const Text& t) const {
    return {arena_.data() + t.off + t.words, t.digits};
  }
  std::uint64_t Key8(std::uint32_t off) const;

  void Rebuild(bool force, std::size_t limit);  // what has more than `limit` changed rows
  // `id_rank`: each row's place in id order, the tie-break.
  void BuildText(const std::vector<std::uint32_t>& id_rank);
  void BuildNumbers(const std::vector<std::uint32_t>& id_rank);

  bool Passes(std::uint32_t row, const TableSearch& q) const;
  // Matching rows as a bitset; nullopt: every row (an empty search).
  std::optional<std::vector<std::uint64_t>> Match(const TableSearch& q) const;
  // Calls fn(row) for the rows with a word starting with (or equal to) `word`,
  // a row possibly more than once.
  template <typename F>
  void ForEachWordMatch(std::string_view word, bool exact, F fn) const;
  void MatchDigits(std::string_view digits, std::vector<std::uint64_t>* bits) const;
  // Compares row a's current value of `sort` with row b's, current or as last
  // built; ids aside.
  int CompareKey(SortField sort, std::uint32_t a, std::uint32_t b, bool built_b) const;
  // Orders rows by `sort` (ties by id), ascending: row a's current value
  // against row b's, current or as last built.
  int Compare(SortField sort, std::uint32_t a, std::uint32_t b, bool built_b = false) const;
  // The rows of `bits` passing q's filters, sorted.
  // Only the first `keep` are sorted (the rest follow in no order).
  std::vector<std::uint32_t> SortDirect(const TableSearch& q,
                                        const std::vector<std::uint64_t>& bits,
                                        std::size_t keep = SIZE_MAX) const;
  std::vector<std::uint32_t> Walk(const TableSearch& q,
                                  const std::vector<std::uint64_t>* bits) const;
  // Whether a row matches the search (null: every row does).
  using RowTest = std::function<bool(std::uint32_t)>;
  // Rows [offset, offset + limit) of what Walk gives for the rows passing
  // `test` and q's filters, walking only as far as needed; `total` is the
  // size of that result. nullopt if that took more than `max_steps` rows of
  // the order.
  std::optional<std::vector<std::uint32_t>> WalkPage(const TableSearch& q, const RowTest* test,
                                                     std::size_t total, std::size_t offset,
                                                     std::size_t limit,
                                                     std::size_t max_steps = SIZE_MAX) const;
  // The changed rows passing `test` (null: all) and q's filters, sorted by
  // q.sort ascending, and where each falls in the built order.
  void Extra(const TableSearch& q, const RowTest* test, std::vector<std::uint32_t>* extra,
             std::vector<std::size_t>* at) const;
  // Whether row `row`'s current text matches the search `search` (not empty),
  // as Match finds it.
  bool RowMatches(std::uint32_t row, const std::vector<std::string>& words,
                  const std::string& digits, bool by_phone) const;
  // Listed rows passing q's filters, from the counters.
  std::size_t CountListed(const TableSearch& q) const;
  static int Bucket(std::uint8_t flags, std::int64_t points, std::int64_t credit);

  const RowIds* ids_;

  // Current values, by row.
  std::string arena_;
  std::size_t arena_live_ = 0;  // bytes of current rows' text
  std::vector<Text> text_;
  std::vector<std::uint8_t> flags_;
  std::vector<std::int64_t> points_, credit_, visit_;
  // Listed rows by bucket: active 1, non-zero points 2, non-zero credit 4.
  std::size_t listed_[8] = {};
  std::uint64_t version_ = 0;  // counts Sets
  // The totals of recent searches (search and filters), while version_ is
  // cache_version_: readers share the index, so under its own lock.
  mutable std::mutex cache_mu_;
  mutable std::uint64_t cache_version_ = 0;
  mutable std::unordered_map<std::string, std::size_t> cached_totals_;

  // Rows changed since the last build: text (names, words, digits) or numbers.
  std::vector<std::uint8_t> text_dirty_, num_dirty_;
  std::vector<std::uint32_t> text_dirty_rows_, num_dirty_rows_;

  // Built.
  std::vector<Entry> words_;                // sorted by word
  std::vector<std::uint32_t> gram_start_;   // 1001 offsets into gram_rows_
  std::vector<std::uint32_t> gram_rows_;    // rows by 3-digit run of the phone
  std::vector<std::uint32_t> order_[5];     // rows by SortField, ascending
  std::vector<Text> built_text_;            // text_ as of the build
  std::vector<std::int64_t> built_num_[3];  // points_, credit_, visit_ as of the build
};

}  // namespace clientele
