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
// or repeated however rows change meanwhile. A first page costs work in
// proportion to the page, not to the result: the result is kept as the query
// itself while the table has not changed, and written out (once per distinct
// query) just before the projector's next change (Projector::WatchTable).
// A page deep into a result (kPinAfterRows, kPinAfterPages) writes it out
// then, so that deep pages cost their own rows, not all the rows before them.
// Rows show their current values; customers deleted meanwhile are left out.
// Cursors expire 10 minutes after their first page, by the table's Clock.
// The projector writes out at most kMaxPinsPerChange distinct results before
// a change; other cursors opened since the last change expire then.
// Cursors belong to their owner (the principal that asked for the first
// page): another owner's cursor is unknown to a query, and when an owner holds
// too many cursors or rows, its own oldest go first, never another owner's.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
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
  std::string owner;       // who pages: a cursor is known only to its owner
};

struct TablePage {
  std::vector<CustomerRow> rows;
  std::string next_cursor;          // "" on the last page
  std::size_t total = 0;            // rows in the whole result
  std::size_t cursors_evicted = 0;  // the owner's older cursors dropped for this one
};

class CustomerTable {
 public:
  static constexpr std::size_t kMaxLimit = 500;
  // Per owner; a single result larger than kMaxCursorRows still gets its
  // cursor, once the owner's others are gone.
  static constexpr std::size_t kMaxCursors = 16;
  static constexpr std::size_t kMaxCursorRows = 4 << 20;
  static constexpr std::chrono::minutes kCursorLifetime{10};
  // The distinct queries whose results the projector writes out before a
  // change (on its thread, while readers wait). Cursors beyond that are
  // dropped (their next page answers cursor_expired), each owner's newest
  // kept first and the owners taking turns.
  static constexpr std::size_t kMaxPinsPerChange = 8;
  // A cursor's page at least this deep (rows, or pages of its limit) writes
  // out the whole result, on the reader's thread, so that paging on slices
  // it instead of walking the order from its top again.
  static constexpr std::size_t kPinAfterRows = 2000;
  static constexpr std::size_t kPinAfterPages = 8;

  // `projector` and `clock` (which times cursors out) must outlive the table.
  CustomerTable(const Projector* projector, Clock* clock);
  ~CustomerTable();
  CustomerTable(const CustomerTable&) = delete;
  CustomerTable& operator=(const CustomerTable&) = delete;

  // A page of the table. InvalidArgument for a bad limit or a cursor used with
  // another query; NotFound("cursor_expired") for an unknown or expired cursor.
  Result<TablePage> Query(const TableQuery& query);

 private:
  struct Snapshot {
    std::string fingerprint;  // the query, less its cursor and limit
    TableSearch search;       // the query, to find its rows while the table is unchanged
    // The whole result, in order, once the table has changed since the
    // first page; null before.
    std::shared_ptr<const std::vector<std::uint32_t>> rows;
    std::size_t total = 0;    // rows in the whole result
    std::int64_t expires_ms;  // Clock::NowMs() after which it is gone
  };

  struct Owner {
    std::unordered_map<std::string, Snapshot> cursors;  // by token
    std::list<std::string> order;                       // oldest first
    std::size_t rows = 0;
  };
  void Forget(Owner* owner, const std::string& token);
  void ForgetExpired(std::int64_t now_ms);
  // Writes out every result still kept as its query, from `index` as the
  // first pages saw it. Called before the table changes.
  void Pin(const TableIndex& index);

  const Projector* projector_;
  Clock* clock_;
  std::mutex mu_;
  std::unordered_map<std::string, Owner> owners_;
  std::size_t unpinned_ = 0;  // snapshots whose rows are null
  // The projector's way to this table, cut when the table goes (either may
  // go first).
  struct Link {
    std::mutex mu;
    CustomerTable* table;
  };
  std::shared_ptr<Link> link_;
};

}  // namespace clientele
