// An import's record as JSON: how <data>/imports/<id>.json stores it and how
// the API shows it.
//
//   {"id", "mode", "status": "analysed"|"applied", "analysed_at", "analysed_by",
//    "file": {"bytes", "records", "blank", "encoding": "utf-8"|"windows-1252",
//             "separator": ","|";"|"\t"},
//    "counts": {"new", "updated", "unchanged", "deleted", "deactivated",
//               "rows_with_errors"},
//    "existing_customers", "removes", "removal_share_percent",
//    "max_removal_percent", "mass_removal",
//    "error_count", "errors": [{"line", "column", "reason", "detail"}...],
//    "warning_count", "warnings": [...], "ignored_columns": [...],
//    "fingerprint", "first_event_id", "applied_at", "applied_by", "positions": {"first", "last"}}
//
// "removes" is deleted + deactivated; "removal_share_percent" that share of
// the existing customers, rounded up; "mass_removal" whether it is above
// "max_removal_percent" (the node's imports.max_removal_percent), which a
// confirm then refuses unless told otherwise (imports/import_service.h).
// Records written before a field existed read back with its default.
#pragma once

#include <boost/json.hpp>

#include "imports/import_service.h"

namespace clientele {

boost::json::object ImportRecordToJson(const ImportRecord& record);
// Corruption if `json` is not a record ImportRecordToJson wrote.
Result<ImportRecord> ImportRecordFromJson(const boost::json::value& json);

}  // namespace clientele
