// The routes of marketing consent and of the customer's own data
// (api/service.h, domain/consent.h, api/personal_data.h).
#include <boost/json.hpp>

#include "api/consent_body.h"
#include "api/json_body.h"
#include "api/personal_data.h"
#include "api/service_internal.h"
#include "domain/ids.h"

namespace clientele::api {

HttpResponse Service::SetConsentRoute(Context& ctx) {
  auto body = JsonBody::Parse(ctx.req.body, {"email", "sms"});
  if (!body) return body.error();
  // Keys other than the channels are reported by ReadConsent as invalid_channel.
  std::vector<FieldError> errors;
  std::vector<ConsentChoice> choices = ReadConsent(body->root(), "", &errors);
  if (!errors.empty()) return Problem(errors);
  return Execute(ctx, SetConsent{std::move(choices), EditSource(options_.node)});
}

HttpResponse Service::PersonalDataRoute(Context& ctx) {
  const std::string& ref = ctx.params["ref"];
  // A deleted customer is still held in the log: its document is given too.
  auto id = ParseUuid(ref, "ref");
  auto row = id ? projector_->Customer(*id) : projector_->CustomerByCode(ref);
  if (!row) return Problem(404, "customer_not_found", "there is no customer " + ref);
  auto stream = log_->ReadStream(CustomerStream(row->id), 1, SIZE_MAX);
  if (!stream) return Problem(stream.error());
  // The row as of the last event read, so the document agrees with itself.
  if (!stream->empty() && row->version < stream->back().version) {
    projector_->WaitFor(stream->back().position, options_.read_your_write_timeout);
    if (auto fresh = projector_->Customer(row->id)) row = std::move(fresh);
  }
  HttpResponse r = Json(RenderPersonalData(*row, *stream, commands_->keys(), clock_->NowMs(),
                                           options_.node, ctx.principal.name));
  r.headers.emplace_back("Content-Disposition",
                         "attachment; filename=\"personal-data-" + row->code + ".json\"");
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

}  // namespace clientele::api
