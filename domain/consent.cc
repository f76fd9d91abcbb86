#include "domain/consent.h"

#include <string>
#include <vector>

#include "domain/ids.h"

namespace clientele {

std::string_view ConsentChannelName(ConsentChannel c) {
  return c == ConsentChannel::kSms ? "sms" : "email";
}

Result<ConsentChannel> ParseConsentChannel(std::string_view name, std::string_view field) {
  if (name == "email") return ConsentChannel::kEmail;
  if (name == "sms") return ConsentChannel::kSms;
  return Error(Status::InvalidArgument(
      std::string(field), "invalid_channel",
      "the consent channel must be email or sms, not '" + std::string(name.substr(0, 40)) + "'"));
}

std::string_view ConsentSourceName(ConsentSource s) {
  switch (s) {
    case ConsentSource::kRegister:
      return "register";
    case ConsentSource::kImport:
      return "import";
    case ConsentSource::kHq:
      return "hq";
    case ConsentSource::kStore:
      return "store";
  }
  return "register";
}

std::optional<ConsentSource> ParseConsentSource(std::string_view name) {
  for (ConsentSource s : {ConsentSource::kRegister, ConsentSource::kImport, ConsentSource::kHq,
                          ConsentSource::kStore}) {
    if (ConsentSourceName(s) == name) return s;
  }
  return std::nullopt;
}

ConsentSource EditSource(std::string_view node) {
  return node == kHqNode ? ConsentSource::kHq : ConsentSource::kStore;
}

std::string_view ConsentStateName(ConsentState s) {
  switch (s) {
    case ConsentState::kNeverAsked:
      return "never_asked";
    case ConsentState::kGranted:
      return "granted";
    case ConsentState::kWithdrawn:
      return "withdrawn";
  }
  return "never_asked";
}

Status ValidateChoices(const std::vector<ConsentChoice>& choices) {
  if (choices.empty()) {
    return Status::InvalidArgument("consent", "empty_consent",
                                   "give the consent of at least one channel (email or sms)");
  }
  std::array<bool, kConsentChannelCount> seen{};
  for (const ConsentChoice& c : choices) {
    bool& s = seen[static_cast<int>(c.channel)];
    if (s) {
      return Status::InvalidArgument(
          "consent", "duplicate_channel",
          "the " + std::string(ConsentChannelName(c.channel)) + " consent is given twice");
    }
    s = true;
  }
  return Status::OK();
}

}  // namespace clientele
