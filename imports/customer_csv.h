// The customer file: which column is which, in files Clientele writes and in
// files other systems and spreadsheets write.
//
// Clientele exports, in this order: First Name, Last Name, Email, Phone,
// Address, Code. Reading, header names match in any letter case and order,
// ignoring spaces, dashes, underscores and dots, with common aliases
// ("E-mail", "Email Address", "Phone Number", "Mobile", "Address1",
// "Street", "Customer Code", "Memo"...) and the columns of Shopify's and
// Square's customer exports. Columns not recognised are listed as ignored; a
// recognised column twice is an error.
//
// An address in parts (Shopify's "Default Address Address1", "... Address2",
// "... Zip", "... City", "... Province Code", "... Country Code"; Square's
// "Street Address 1", "Postal Code", "State"...) becomes one address:
//   Address1, Address2, Zip City, Province, Country
// leaving out the parts a record has not (a province code is taken before a
// province name, a country name before a country code). A file's "Address"
// column is the first part. A record without a Phone takes its address's
// phone (Shopify's "Default Address Phone").
//
// Cells: surrounding white space is trimmed, and a leading ' that a
// spreadsheet or an exporter put in front of a value to keep it text
// ("'+49 30 901820", "'02134", "'SW1Y 4JH", and "'=..." as CsvWriter defuses
// formulas) is dropped. In names, address lines and places, and notes it is
// kept when a letter follows it, as in 't Hooft and 's-Gravenhage; a lone ' is
// an empty cell.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "domain/details.h"
#include "domain/status.h"

namespace clientele {

enum class CsvColumn {
  kFirstName,
  kLastName,
  kEmail,
  kPhone,
  kAddress,  // the whole address, or its first line
  kCode,
  kNotes,
  kTaxId,
  kAddress2,  // the address in parts, as kAddress's banner says
  kPostalCode,
  kCity,
  kRegion,
  kRegionCode,
  kCountry,
  kCountryCode,
  kAddressPhone,  // the phone when a record has no kPhone
};
inline constexpr int kCsvColumnCount = 16;

// The header row Clientele writes.
const std::vector<std::string>& ExportHeader();

struct ColumnMap {
  std::array<std::optional<std::size_t>, kCsvColumnCount> at;  // field index of each column
  std::vector<std::string> ignored;                            // header names not recognised

  const std::optional<std::size_t>& operator[](CsvColumn c) const {
    return at[static_cast<int>(c)];
  }
  // The column a detail is read from, for messages: the phone's own, else the
  // address's phone; the address' first in the file.
  std::optional<std::size_t> Of(DetailField field) const;
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
// every cell with the rules of domain/details.h (cells cleaned as the banner
// says; missing trailing cells are empty).
ImportRow ReadImportRow(const std::vector<std::string>& fields, const ColumnMap& map,
                        const std::vector<std::string>& header, std::int64_t line);

}  // namespace clientele
