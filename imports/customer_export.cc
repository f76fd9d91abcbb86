#include "imports/customer_export.h"

#include "imports/csv.h"
#include "imports/customer_csv.h"

namespace clientele {

CustomerExport::CustomerExport(const Projector& projections, const TableSearch& search)
    : projections_(projections), rows_(projections.FindRows(search)) {}

bool CustomerExport::Next(std::string* out) {
  if (header_done_ && next_ >= rows_.size()) return false;
  const std::size_t start = out->size();
  if (!header_done_) {
    std::vector<std::string_view> header(ExportHeader().begin(), ExportHeader().end());
    CsvWriter::Row(header, out);
    header_done_ = true;
  }
  while (next_ < rows_.size() && out->size() - start < kChunkBytes) {
    CustomerRow r = projections_.CustomerAt(rows_[next_++]);
    if (r.id.empty() || r.deleted || r.erased) continue;  // deleted or erased since the search
    CsvWriter::Row({r.details[DetailField::kFirstName], r.details[DetailField::kLastName],
                    r.details[DetailField::kEmail], r.details[DetailField::kPhone],
                    r.details[DetailField::kAddress], r.code},
                   out);
  }
  return true;
}

}  // namespace clientele
