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

#include "domain/status.h"

namespace clientele {

enum class CsvColumn { kFirstName, kLastName, kEmail, kPhone, kAddress, kCode, kNotes, kTaxId };
inline constexpr int kCsvColumnCount = 8;

// The header row Clientele writes.
const std::vector<std::string>& ExportHeader();

struct ColumnMap {
  std::array<std::optional<std::size_t>, kCsvColumnCount> at;  // field index of each column
  std::vector<std::string> ignored;                              // header names not recognised

  const std::optional<std::size_t>& operator[](CsvColumn c) const {
    return at[static_cast<int>(c)];
  }
};

// Maps a header row. InvalidArgument ("invalid_header") when the first or last
// name column is missing or a column appears twice.
Result<ColumnMap> MapHeader(const std::vector<std::string>& header);

}  // namespace clientele
