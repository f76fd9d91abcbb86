// Errors as RFC 9457 problem details (application/problem+json):
//
//   {"type": "urn:clientele:problem:insufficient_credit", "title": "Refused by the
//    customer's current state", "status": 409, "detail": "...", "reason":
//    "insufficient_credit", "errors": [{"field": "amount", "reason": "...",
//    "detail": "..."}]}
//
// `type` ends with the stable reason slug of the domain's Status
// (domain/status.h); clients branch on it, people read `detail`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/http.h"
#include "domain/status.h"

namespace clientele::api {

struct FieldError {
  std::string field;
  std::string reason;
  std::string detail;
};

// The HTTP status a Status maps to: InvalidArgument 422, NotFound 404,
// Conflict 409, FailedPrecondition 409 (412 for "version_mismatch"),
// Unauthenticated 401, PermissionDenied 403, Unavailable 503, others 500.
int HttpStatusFor(const Status& s);

HttpResponse Problem(int status, std::string_view reason, std::string_view detail,
                     const std::vector<FieldError>& errors = {});
// A Status as a problem; an InvalidArgument naming a field lists it in `errors`.
HttpResponse Problem(const Status& s);
// Several validation failures at once (422).
HttpResponse Problem(const std::vector<FieldError>& errors);

}  // namespace clientele::api
