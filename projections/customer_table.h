// The customer table: search, filters, sorting and paging over the projections.
//
// Search: the query is folded like the rows (projections/search_text.h) and
// every query word must be the start of some word of the customer's first
// name, last name, email, phone or code: "mul" finds "Müller", "o'brien" and
// "obrien" find "O'Brien", "cust-00042" finds that code. A query of only
// digits and phone punctuation, with at least 3 digits, is taken as one run of
// digits instead: it finds every customer whose phone digits contain it,
// whatever the formatting ("555 0123" finds "+1 (555) 012-3"), or a word
// starting with it ("00042" finds CUST-00042).
//
// Sorting is by first name, last name (default), points, credit or last
// visit, either way; names compare folded, and ties go to the customer id, so
// the order is total and stable.
//
// Paging: the first page pins the order of the whole result; later pages,
// asked for with its cursor, slice that same order, so no customer is skipped
// or repeated however rows change meanwhile. Rows show their current values;
// customers deleted meanwhile are left out. Cursors expire after 10 minutes.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "domain/status.h"
#include "projections/projector.h"

namespace clientele {

enum class SortField { kFirstName, kLastName, kPoints, kCredit, kLastVisit };
enum class StatusFilter { kActive, kInactive, kAll };

std::string_view SortFieldName(SortField f);  // "first_name", "last_name", "points", ...
std::optional<SortField> ParseSortField(std::string_view name);

struct TableQuery {
  std::string search;
  bool has_points = false;                      // only customers with non-zero points
  bool has_credit = false;                      // only customers with non-zero credit
  StatusFilter status = StatusFilter::kActive;  // POS search shows active customers only
  SortField sort = SortField::kLastName;
  bool descending = false;
  std::size_t limit = 50;  // 1..500
  std::string cursor;      // "" for the first page
};

struct TablePage {
  std::vector<CustomerRow> rows;
  std::string next_cursor;  // "" on the last page
  std::size_t total = 0;    // rows in the whole result
};

class CustomerTable {
 public:
  static constexpr std::size_t kMaxLimit = 500;
  static constexpr std::size_t kMaxCursors = 64;
  static constexpr std::chrono::minutes kCursorLifetime{10};

  // `projector` must outlive the table.
  explicit CustomerTable(const Projector* projector) : projector_(projector) {}

  // A page of the table. InvalidArgument for a bad limit or a cursor used with
  // another query; NotFound("cursor_expired") for an unknown or expired cursor.
  Result<TablePage> Query(const TableQuery& query);

 private:
  struct Snapshot {
    std::string fingerprint;       // the query, less its cursor and limit
    std::vector<std::string> ids;  // the whole result, in order
    std::size_t offset = 0;        // where the next page starts
    std::chrono::steady_clock::time_point expires;
  };

  std::vector<std::string> Run(const TableQuery& query) const;

  const Projector* projector_;
  std::mutex mu_;
  std::unordered_map<std::string, Snapshot> cursors_;
  std::list<std::string> cursor_order_;  // oldest first
};

}  // namespace clientele
