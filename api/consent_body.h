// Reading marketing consent from a request body (domain/consent.h):
//
//   {"email": "granted" | "withdrawn", "sms": "granted" | "withdrawn"}
//
// at least one channel; the same object is the body of
// PUT /v1/customers/{ref}/consent and the "consent" field of
// POST /v1/customers.
#pragma once

#include <simdjson.h>

#include <string_view>
#include <vector>

#include "api/problem.h"
#include "domain/consent.h"

namespace clientele::api {

// The choices `o` holds. Each problem is added to `errors`, named
// `prefix` + the key: "invalid_channel" for a key other than email and sms,
// "invalid_state" for a value other than "granted" and "withdrawn",
// "empty_consent" (named `prefix` without its dot) for no channel at all.
std::vector<ConsentChoice> ReadConsent(simdjson::dom::object o, std::string_view prefix,
                                       std::vector<FieldError>* errors);

}  // namespace clientele::api
