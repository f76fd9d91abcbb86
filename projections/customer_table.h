// The customer table: search, filters, sorting and paging over the projections.
//
// What a search finds and in which order: projections/table_index.h. In short,
// every query word must start a word of the customer's first name, last name,
// email, phone or code, accents and letter case aside ("mul" finds "Müller",
// "o'brien" and "obrien" find "O'Brien", "cust-00042" finds that code); a
// phone-like query finds its digits anywhere in the phone whatever the
// formatting ("555 0123" finds "+1 (555) 012-3"). Sorting is by first name,
// last name (default), points, credit or last visit, either way; ties go to
// the customer id, ascending, so the order is total and stable.
//
// Paging: the first page pins the order of the whole result; later pages,
// asked for with its cursor, slice that same order, so no customer is skipped
// or repeated however rows change meanwhile. Rows show their current values;
// customers deleted meanwhile are left out. Cursors expire 10 minutes after
// their first page, by the table's Clock; the oldest go first when too many
// are open.
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

#include "domain/clock.h"
#include "domain/status.h"
#include "projections/projector.h"
#include "projections/table_index.h"

namespace clientele {

struct TableQuery : TableSearch {
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
  static constexpr std::size_t kMaxCursorRows = 16 << 20;  // over all open cursors
  static constexpr std::chrono::minutes kCursorLifetime{10};

  // `projector` and `clock` (which times cursors out) must outlive the table.
  CustomerTable(const Projector* projector, Clock* clock) : projector_(projector), clock_(clock) {}

  // A page of the table. InvalidArgument for a bad limit or a cursor used with
  // another query; NotFound("cursor_expired") for an unknown or expired cursor.
  Result<TablePage> Query(const TableQuery& query);

 private:
  struct Snapshot {
    std::string fingerprint;          // the query, less its cursor and limit
    std::vector<std::uint32_t> rows;  // the whole result, in order
    std::int64_t expires_ms;          // Clock::NowMs() after which it is gone
  };

  void Forget(const std::string& token);

  const Projector* projector_;
  Clock* clock_;
  std::mutex mu_;
  std::unordered_map<std::string, Snapshot> cursors_;
  std::list<std::string> cursor_order_;  // oldest first
  std::size_t cursor_rows_ = 0;
};

}  // namespace clientele
