// An import's record as JSON: how <data>/imports/<id>.json stores it and how
// the API shows it.
//
//   {"id", "mode", "status": "analysed"|"applied", "analysed_at", "analysed_by",
//    "file": {"bytes", "records", "blank"},
//    "counts": {"new", "updated", "unchanged", "deleted", "deactivated",
//               "rows_with_errors"},
//    "error_count", "errors": [{"line", "column", "reason", "detail"}...],
//    "warning_count", "warnings": [...], "ignored_columns": [...],
//    "fingerprint", "first_event_id", "applied_at", "applied_by", "positions": {"first", "last"}}
#pragma once

#include <boost/json.hpp>

#include "imports/import_service.h"

namespace clientele {

boost::json::object ImportRecordToJson(const ImportRecord& record);
// Corruption if `json` is not a record ImportRecordToJson wrote.
Result<ImportRecord> ImportRecordFromJson(const boost::json::value& json);

}  // namespace clientele
