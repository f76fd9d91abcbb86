#include "imports/customer_export.h"

#include "imports/csv.h"
#include "imports/customer_csv.h"

namespace clientele {

CustomerExport::CustomerExport(const Projector& projections, const TableSearch& search,
                               std::optional<ConsentChannel> consent)
    : projections_(projections), consent_(consent), rows_(projections.FindRows(search)) {
  if (!consent) return;
  std::erase_if(rows_, [&](std::uint32_t at) {
    return projections.CustomerAt(at).consent(*consent).consent.state != ConsentState::kGranted;
  });
}

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
    if (consent_ && r.consent(*consent_).consent.state != ConsentState::kGranted) {
      continue;  // withdrawn since the search
    }
    CsvWriter::Row({r.details[DetailField::kFirstName], r.details[DetailField::kLastName],
                    r.details[DetailField::kEmail], r.details[DetailField::kPhone],
                    r.details[DetailField::kAddress], r.code,
                    ConsentCell(r.consent(ConsentChannel::kEmail).consent.state),
                    ConsentCell(r.consent(ConsentChannel::kSms).consent.state)},
                   out);
  }
  return true;
}

}  // namespace clientele
