// The customer file: which column is which, in files Clientele writes and in
// files other systems and spreadsheets write.
//
// Clientele exports, in this order: First Name, Last Name, Email, Phone,
// Address, Code. Reading, header names match in any letter case and order,
// ignoring spaces, dashes and underscores, with common aliases ("E-mail",
// "Email Address", "Phone Number", "Mobile", "Address1", "Address 1",
// "Street", "Customer Code"...). Columns not recognised are listed as
// ignored; a recognised column twice is an error.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "domain/details.h"
#include "domain/status.h"

namespace clientele {

enum class CsvColumn { kFirstName, kLastName, kEmail, kPhone, kAddress, kCode, kNotes, kTaxId };
inline constexpr int kCsvColumnCount = 8;

// The header row Clientele writes.
const std::vector<std::string>& ExportHeader();

struct ColumnMap {
  std::array<std::optional<std::size_t>, kCsvColumnCount> at;  // field index of each column
  std::vector<std::string> ignored;                            // header names not recognised

  const std::optional<std::size_t>& operator[](CsvColumn c) const {
    return at[static_cast<int>(c)];
  }
};

// Maps a header row. InvalidArgument ("invalid_header") when the first or last
// name column is missing or a column appears twice.
Result<ColumnMap> MapHeader(const std::vector<std::string>& header);

// One problem with one cell of the file.
struct RowError {
  std::int64_t line = 0;  // where the record starts in the file
  std::string column;     // the header's name for the column ("" for the whole row)
  std::string reason;     // e.g. "invalid_email"
  std::string detail;
};

// One record of a customer file, read against its header.
struct ImportRow {
  std::int64_t line = 0;
  bool blank = false;  // every cell empty: skipped
  std::string code;    // "" when the file gives none
  // The details the row sets; an empty cell sets nothing (the field stays as
  // it is on an existing customer).
  DetailsPatch patch;
  std::vector<RowError> errors;  // every bad cell, not just the first
};

// Reads `fields` (a record that started on `line`) through `map`, checking
// every cell with the rules of domain/details.h. A cell that CsvWriter
// defused (a ' before =, +, -, @, tab or CR) is read without the '.
ImportRow ReadImportRow(const std::vector<std::string>& fields, const ColumnMap& map,
                        const std::vector<std::string>& header, std::int64_t line);

}  // namespace clientele
