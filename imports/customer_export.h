// The customer file Clientele writes: RFC 4180, UTF-8, CRLF, with the header
// First Name, Last Name, Email, Phone, Address, Code, Accepts Email Marketing,
// Accepts SMS Marketing (imports/customer_csv.h), one
// record per customer the search finds, in the table's order. Cells a
// spreadsheet would run as a formula are defused (imports/csv.h).
//
// Streamed: the export holds the list of matching row numbers (4 bytes a
// customer) and produces the file in chunks, reading each customer as its
// record is written.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/consent.h"
#include "projections/projector.h"

namespace clientele {

class CustomerExport {
 public:
  static constexpr std::size_t kChunkBytes = 64 << 10;

  // `projections` must outlive the export. With `consent`, only the
  // customers who granted marketing consent on that channel are in the file.
  CustomerExport(const Projector& projections, const TableSearch& search,
                 std::optional<ConsentChannel> consent = std::nullopt);

  // Appends the next part of the file (about kChunkBytes) to `out`; false
  // once the whole file has been given.
  bool Next(std::string* out);
  // Customers in the file.
  std::size_t customers() const { return rows_.size(); }

 private:
  const Projector& projections_;
  std::optional<ConsentChannel> consent_;
  std::vector<std::uint32_t> rows_;
  std::size_t next_ = 0;
  bool header_done_ = false;
};

}  // namespace clientele
