#include "api/consent_body.h"

#include <string>

namespace clientele::api {

std::vector<ConsentChoice> ReadConsent(simdjson::dom::object o, std::string_view prefix,
                                       std::vector<FieldError>* errors) {
  std::vector<ConsentChoice> out;
  std::size_t keys = 0;
  for (auto [key, value] : o) {
    ++keys;
    const std::string field = std::string(prefix) + std::string(key);
    auto channel = ParseConsentChannel(key, field);
    if (!channel) {
      errors->push_back({field, "invalid_channel", "is not a consent channel: use email or sms"});
      continue;
    }
    std::string_view state;
    if (value.get_string().get(state) || (state != "granted" && state != "withdrawn")) {
      errors->push_back({field, "invalid_state", "must be \"granted\" or \"withdrawn\""});
      continue;
    }
    out.push_back({*channel, state == "granted"});
  }
  if (keys == 0) {
    std::string field(prefix);
    if (!field.empty() && field.back() == '.') field.pop_back();
    errors->push_back({field.empty() ? "consent" : field, "empty_consent",
                       "give the consent of at least one channel, email or sms"});
  }
  return out;
}

}  // namespace clientele::api
