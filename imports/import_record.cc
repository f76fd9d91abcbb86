#include "imports/import_record.h"

#include "domain/time.h"

namespace clientele {

namespace json = boost::json;

namespace {

json::array Problems(const std::vector<RowError>& list) {
  json::array out;
  for (const RowError& e : list) {
    out.push_back(json::object{
        {"line", e.line}, {"column", e.column}, {"reason", e.reason}, {"detail", e.detail}});
  }
  return out;
}

std::vector<RowError> ProblemsFrom(const json::array& list) {
  std::vector<RowError> out;
  for (const json::value& v : list) {
    const json::object& o = v.as_object();
    out.push_back(
        {o.at("line").to_number<std::int64_t>(), json::value_to<std::string>(o.at("column")),
         json::value_to<std::string>(o.at("reason")), json::value_to<std::string>(o.at("detail"))});
  }
  return out;
}

// Milliseconds from an RFC 3339 UTC time FormatTime wrote ("...Z").
std::int64_t ParseTime(const json::value& v) {
  if (!v.is_string()) return 0;
  std::tm tm{};
  int ms = 0;
  const std::string s(v.as_string());
  if (std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) < 6) {
    return 0;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<std::int64_t>(timegm(&tm)) * 1000 + ms;
}

}  // namespace

json::object ImportRecordToJson(const ImportRecord& r) {
  const ImportSummary& s = r.summary;
  json::object o;
  o["id"] = r.id;
  o["mode"] = std::string(ImportModeName(s.mode));
  o["status"] = r.applied ? "applied" : "analysed";
  o["analysed_at"] = FormatTime(r.analysed_ms);
  o["analysed_by"] = r.actor;
  o["file"] = json::object{{"bytes", s.bytes},
                           {"records", s.records},
                           {"blank", s.blank},
                           {"encoding", TextEncodingName(s.encoding)},
                           {"separator", std::string(1, s.separator)}};
  o["counts"] = json::object{{"new", s.created},
                             {"updated", s.updated},
                             {"unchanged", s.unchanged},
                             {"deleted", s.deleted},
                             {"deactivated", s.deactivated},
                             {"rows_with_errors", s.rows_with_errors}};
  o["existing_customers"] = s.customers;
  o["removes"] = s.removals();
  o["removal_share_percent"] = s.RemovalSharePercent();
  o["max_removal_percent"] = r.max_removal_percent;
  o["mass_removal"] = s.MassRemoval(r.max_removal_percent);
  o["error_count"] = s.error_count;
  o["errors"] = Problems(s.errors);
  o["warning_count"] = s.warning_count;
  o["warnings"] = Problems(s.warnings);
  json::array ignored;
  for (const std::string& c : s.ignored_columns) ignored.push_back(json::value(c));
  o["ignored_columns"] = std::move(ignored);
  o["fingerprint"] = s.fingerprint;
  if (r.first_event_id.empty()) {
    o["first_event_id"] = nullptr;
  } else {
    o["first_event_id"] = r.first_event_id;
  }
  if (r.applied) {
    o["applied_at"] = FormatTime(r.applied_ms);
    o["applied_by"] = r.applied_by;
    o["positions"] = json::object{{"first", r.first_position}, {"last", r.last_position}};
  } else {
    o["applied_at"] = nullptr;
    o["applied_by"] = nullptr;
    o["positions"] = nullptr;
  }
  return o;
}

Result<ImportRecord> ImportRecordFromJson(const json::value& v) {
  try {
    const json::object& o = v.as_object();
    ImportRecord r;
    r.id = json::value_to<std::string>(o.at("id"));
    auto mode = ParseImportMode(json::value_to<std::string>(o.at("mode")));
    if (!mode) return Error(Status::Corruption("unknown import mode"));
    ImportSummary& s = r.summary;
    s.mode = *mode;
    r.applied = o.at("status").as_string() == "applied";
    r.analysed_ms = ParseTime(o.at("analysed_at"));
    r.actor = json::value_to<std::string>(o.at("analysed_by"));
    const json::object& file = o.at("file").as_object();
    s.bytes = file.at("bytes").to_number<std::uint64_t>();
    s.records = file.at("records").to_number<std::uint64_t>();
    s.blank = file.at("blank").to_number<std::uint64_t>();
    if (const json::value* e = file.if_contains("encoding"); e && *e == "windows-1252") {
      s.encoding = TextEncoding::kWindows1252;
    }
    if (const json::value* sep = file.if_contains("separator");
        sep && sep->is_string() && sep->as_string().size() == 1) {
      s.separator = sep->as_string()[0];
    }
    if (const json::value* n = o.if_contains("existing_customers")) {
      s.customers = n->to_number<std::uint64_t>();
    }
    if (const json::value* p = o.if_contains("max_removal_percent")) {
      r.max_removal_percent = p->to_number<int>();
    }
    const json::object& c = o.at("counts").as_object();
    s.created = c.at("new").to_number<std::uint64_t>();
    s.updated = c.at("updated").to_number<std::uint64_t>();
    s.unchanged = c.at("unchanged").to_number<std::uint64_t>();
    s.deleted = c.at("deleted").to_number<std::uint64_t>();
    s.deactivated = c.at("deactivated").to_number<std::uint64_t>();
    s.rows_with_errors = c.at("rows_with_errors").to_number<std::uint64_t>();
    s.error_count = o.at("error_count").to_number<std::uint64_t>();
    s.errors = ProblemsFrom(o.at("errors").as_array());
    s.warning_count = o.at("warning_count").to_number<std::uint64_t>();
    s.warnings = ProblemsFrom(o.at("warnings").as_array());
    for (const json::value& col : o.at("ignored_columns").as_array()) {
      s.ignored_columns.push_back(json::value_to<std::string>(col));
    }
    s.fingerprint = json::value_to<std::string>(o.at("fingerprint"));
    if (o.at("first_event_id").is_string()) {
      r.first_event_id = json::value_to<std::string>(o.at("first_event_id"));
    }
    if (r.applied) {
      r.applied_ms = ParseTime(o.at("applied_at"));
      r.applied_by = json::value_to<std::string>(o.at("applied_by"));
      r.first_position = o.at("positions").at("first").to_number<std::uint64_t>();
      r.last_position = o.at("positions").at("last").to_number<std::uint64_t>();
    }
    return r;
  } catch (const std::exception& e) {
    return Error(Status::Corruption(std::string("an import record does not parse: ") + e.what()));
  }
}

}  // namespace clientele
