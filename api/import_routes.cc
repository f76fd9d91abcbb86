// Customer files: the table as CSV, and imports (analyse, then confirm).
#include <fstream>

#include "api/json_body.h"
#include "api/service_internal.h"
#include "imports/customer_export.h"
#include "imports/import_record.h"

namespace clientele::api {

namespace {

HttpResponse NoImports() {
  return Problem(503, "imports_unavailable", "this server does not take customer imports");
}

}  // namespace

std::string Service::SpoolPath(const HttpRequest& head) {
  if (options_.imports == nullptr || head.method != "POST" ||
      head.path != "/v1/customers/imports") {
    return "";
  }
  auto principal = CallerOf(head);  // a token, or a session with its CSRF token
  if (!principal || !principal->Can(kManage)) return "";  // refused once the body is read
  if (principal->node != "*" && principal->node != options_.node) return "";
  return options_.imports->UploadPath();
}

HttpResponse Service::ExportCustomers(Context& ctx) {
  std::vector<FieldError> errors;
  auto search = ParseSearch(ctx, {"consent"}, StatusFilter::kAll, &errors);
  std::optional<ConsentChannel> consent;
  if (auto it = ctx.req.query.find("consent"); it != ctx.req.query.end()) {
    auto channel = ParseConsentChannel(it->second, "consent");
    if (!channel) {
      errors.push_back({"consent", "invalid_channel", "must be email or sms"});
      search.reset();
    } else {
      consent = *channel;
    }
  }
  if (!search) return Problem(errors);
  auto file = std::make_shared<CustomerExport>(*projector_, *search, consent);
  HttpResponse r;
  r.content_type = "text/csv; charset=utf-8";
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"customers.csv\"");
  r.headers.emplace_back("X-Customer-Count", std::to_string(file->customers()));
  r.stream = [file](std::string* out) { return file->Next(out); };
  return r;
}

HttpResponse Service::AnalyseImport(Context& ctx) {
  if (options_.imports == nullptr) return NoImports();
  std::vector<FieldError> errors;
  ImportMode mode = ImportMode::kMerge;
  for (const auto& [name, value] : ctx.req.query) {
    if (name != "mode") {
      errors.push_back({name, "unknown_parameter", "is not a parameter of an import"});
    } else if (auto m = ParseImportMode(value)) {
      mode = *m;
    } else {
      errors.push_back({"mode", "invalid_value", "must be merge or replace"});
    }
  }
  if (!errors.empty()) return Problem(errors);
  std::string path = ctx.req.body_file;
  if (path.empty()) {  // a body small enough to arrive in memory
    path = options_.imports->UploadPath();
    std::ofstream out(path, std::ios::binary);
    out << ctx.req.body;
    if (!out.flush()) return Problem(503, "unavailable", "the upload cannot be stored");
  }
  auto record = options_.imports->Analyse(path, mode, ctx.principal.name);
  if (!record) return Problem(record.error());
  HttpResponse r = Json(ImportRecordToJson(*record), 201);
  r.headers.emplace_back("Location", "/v1/customers/imports/" + record->id);
  return r;
}

HttpResponse Service::GetImport(Context& ctx) {
  if (options_.imports == nullptr) return NoImports();
  auto record = options_.imports->Get(ctx.params["id"]);
  if (!record) return Problem(record.error());
  return Json(ImportRecordToJson(*record));
}

HttpResponse Service::ConfirmImport(Context& ctx) {
  if (options_.imports == nullptr) return NoImports();
  ConfirmOptions confirm;
  if (!ctx.req.body.empty()) {  // {"allow_mass_removal": true}, or nothing
    auto body = JsonBody::Parse(ctx.req.body, {"allow_mass_removal"});
    if (!body) return body.error();
    confirm.allow_mass_removal = body->Bool("allow_mass_removal").value_or(false);
    if (!body->errors().empty()) return Problem(body->errors());
  }
  auto record = options_.imports->Confirm(ctx.params["id"], ctx.principal.name, confirm);
  if (!record) return Problem(record.error());
  return Json(ImportRecordToJson(*record));
}

}  // namespace clientele::api
