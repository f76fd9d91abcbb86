#include "api/problem.h"

#include <boost/json.hpp>

namespace clientele::api {

namespace {

std::string_view TitleFor(int status) {
  switch (status) {
    case 400:
      return "Malformed request";
    case 401:
      return "Not authenticated";
    case 403:
      return "Not allowed";
    case 404:
      return "Not found";
    case 405:
      return "Method not allowed";
    case 408:
      return "Request too slow";
    case 409:
      return "Refused by the current state";
    case 412:
      return "Changed since you read it";
    case 413:
      return "Request too large";
    case 415:
      return "Unsupported media type";
    case 422:
      return "Invalid input";
    case 429:
      return "Too many requests";
    case 431:
      return "Request headers too large";
    case 503:
      return "Temporarily unavailable";
    default:
      return "Internal error";
  }
}

}  // namespace

int HttpStatusFor(const Status& s) {
  switch (s.code()) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 422;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kConflict:
      return 409;
    case StatusCode::kFailedPrecondition:
      return s.reason() == "version_mismatch" ? 412 : 409;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kCorruption:
    case StatusCode::kInternal:
      return 500;
  }
  return 500;
}

HttpResponse Problem(int status, std::string_view reason, std::string_view detail,
                     const std::vector<FieldError>& errors) {
  boost::json::object o;
  o["type"] = "urn:clientele:problem:" + std::string(reason);
  o["title"] = TitleFor(status);
  o["status"] = status;
  o["detail"] = detail;
  o["reason"] = reason;
  if (!errors.empty()) {
    boost::json::array list;
    for (const FieldError& e : errors) {
      list.push_back(
          boost::json::object{{"field", e.field}, {"reason", e.reason}, {"detail", e.detail}});
    }
    o["errors"] = std::move(list);
  }
  HttpResponse r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.body = boost::json::serialize(o);
  if (status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"clientele\"");
  return r;
}

HttpResponse Problem(const Status& s) {
  std::vector<FieldError> errors;
  if (s.code() == StatusCode::kInvalidArgument && !s.field().empty()) {
    errors.push_back({s.field(), s.reason(), s.message()});
  }
  return Problem(HttpStatusFor(s), s.reason(), s.message(), errors);
}

HttpResponse Problem(const std::vector<FieldError>& errors) {
  std::string detail =
      errors.size() == 1 ? errors[0].detail : std::to_string(errors.size()) + " fields are invalid";
  return Problem(422, errors.size() == 1 ? errors[0].reason : "validation_failed", detail, errors);
}

}  // namespace clientele::api
