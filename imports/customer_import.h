// Planning a customer import: what a customer file would change.
//
// PlanImport reads the file once, as a stream, and decides for each record:
//   - it matches an existing customer by code, else by email (any letter
//     case), else by phone digits; a key shared by several customers is an
//     "ambiguous_match" error, never a guess;
//   - a matched record updates the fields whose cells are not empty (an
//     empty cell leaves the field as it is) and the marketing consent its
//     consent cells give (source "import"), or, if nothing differs, is
//     unchanged;
//   - an unmatched record is a new customer (first and last name required);
//   - the same customer twice in one file is a "duplicate_in_file" error on
//     the later record;
//   - in replace mode, every customer no record matched is deleted, or
//     deactivated if it has purchase, points or credit history (already
//     inactive ones stay as they are);
//   - a record the CSV reader finds malformed or with more or fewer fields
//     than the header (imports/csv.h) is an error on its line, and the rest
//     of the file is analysed.
// Rows with errors change nothing. Each decided change goes to `on_change`,
// in file order, then the replace-mode removals; the summary counts them and
// fingerprints them, so that a later plan of the same file can be checked to
// make exactly the changes an analysis showed.
//
// Memory: per existing customer a few index slots; per new record one slot
// for its email and phone; never the file itself.
#pragma once

#include <cstdint>
#include <functional>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/customer.h"
#include "domain/status.h"
#include "imports/customer_csv.h"
#include "imports/text_encoding.h"
#include "projections/projector.h"

namespace clientele {

enum class ImportMode { kMerge, kReplace };
std::string_view ImportModeName(ImportMode mode);  // "merge", "replace"
std::optional<ImportMode> ParseImportMode(std::string_view name);

// One change an import makes to one customer.
struct ImportChange {
  enum class Kind { kCreate, kUpdate, kDelete, kDeactivate };
  Kind kind = Kind::kCreate;
  std::int64_t line = 0;  // the record's line; 0 for a customer missing from the file
  // kCreate: the new customer's details (id and code are given when applied)
  // and the consent its record gives (source "import").
  CustomerDetails details;
  std::vector<ConsentChoice> consents;
  // Otherwise: the customer as the projections have it, its stream version,
  // and the events decided (not yet stamped: see StampEdits).
  CustomerState before;
  std::int64_t version = 0;
  std::vector<CustomerEvent> events;
};

struct ImportSummary {
  static constexpr std::size_t kMaxListed = 1000;  // errors and warnings listed, each

  ImportMode mode = ImportMode::kMerge;
  std::uint64_t records = 0;  // records read, blank ones aside
  std::uint64_t blank = 0;    // records with every cell empty: skipped
  std::uint64_t created = 0, updated = 0, unchanged = 0, deleted = 0, deactivated = 0;
  std::uint64_t rows_with_errors = 0;
  std::uint64_t error_count = 0, warning_count = 0;
  std::vector<RowError> errors;    // the first kMaxListed, in file order
  std::vector<RowError> warnings;  // e.g. a code no customer has
  std::vector<std::string> ignored_columns;
  std::string fingerprint;                      // SHA-256 (hex) of every change, in order
  std::uint64_t bytes = 0;                      // of the file
  TextEncoding encoding = TextEncoding::kUtf8;  // what the file was read as
  char separator = ',';
  std::uint64_t customers = 0;  // there were (not deleted), when planned

  // Customers the import removes: deleted and deactivated.
  std::uint64_t removals() const { return deleted + deactivated; }
  // removals() as a share of `customers`, in percent rounded up (so that it
  // is above a whole-number limit exactly when the share is).
  std::uint64_t RemovalSharePercent() const {
    return customers == 0 ? 0 : (removals() * 100 + customers - 1) / customers;
  }
  // Whether it removes more than `max_percent` % of the customers.
  bool MassRemoval(int max_percent) const {
    return removals() * 100 > static_cast<std::uint64_t>(max_percent) * customers;
  }
};

struct ImportProgress {
  std::uint64_t bytes = 0;    // read so far
  std::uint64_t records = 0;  // read so far
};

using ImportChangeFn = std::function<Status(ImportChange&&)>;
using ImportProgressFn = std::function<void(const ImportProgress&)>;

// Plans the import of the customer file `in` against the customers in
// `projections` (with `settings`). InvalidArgument for a file that cannot be
// read as a whole: "invalid_encoding" (with the line of the byte),
// "invalid_csv" (a malformed header line), "invalid_header", "empty_file".
// An error `on_change` returns stops the plan and is returned.
Result<ImportSummary> PlanImport(std::istream& in, ImportMode mode, const Projector& projections,
                                 const SettingsState& settings,
                                 const ImportChangeFn& on_change = {},
                                 const ImportProgressFn& progress = {});

}  // namespace clientele
