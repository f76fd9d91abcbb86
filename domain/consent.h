// Marketing consent: whether a customer agreed to be contacted by email and
// by SMS, and where that answer came from.
//
// Each channel has a state: never asked (no consent event for it yet),
// granted, or withdrawn (declined when asked, or taken back later). A change
// is a customer.consent_changed event in the customer's stream holding only
// the channel, the new state, the source and an edit stamp (domain/stamp.h);
// the store and the time it was given are the event's origin and time. It
// holds no name, email or phone, so it can stay in clear when personal data
// is encrypted.
//
// Sources say how the answer was collected:
//   register  given with the customer's registration (at a till or HQ)
//   import    read from a customer file (imports/customer_csv.h)
//   hq        set later in HQ's back office
//   store     set later at a store
// "hq" comes only from HQ, "store" only from a store (domain/peer_rules.h).
//
// Concurrent changes of one channel at different nodes resolve like field
// edits: the later stamp wins, whatever order they arrive in.
#pragma once

#include <array>
#include <optional>
#include <string_view>
#include <vector>

#include "domain/stamp.h"
#include "domain/status.h"

namespace clientele {

enum class ConsentChannel { kEmail, kSms };
inline constexpr int kConsentChannelCount = 2;
inline constexpr std::array<ConsentChannel, kConsentChannelCount> kAllConsentChannels = {
    ConsentChannel::kEmail, ConsentChannel::kSms};

// "email", "sms".
std::string_view ConsentChannelName(ConsentChannel c);
// InvalidArgument (`field`, "invalid_channel") for anything but "email" and "sms".
Result<ConsentChannel> ParseConsentChannel(std::string_view name, std::string_view field);

enum class ConsentSource { kRegister, kImport, kHq, kStore };
// "register", "import", "hq", "store".
std::string_view ConsentSourceName(ConsentSource s);
std::optional<ConsentSource> ParseConsentSource(std::string_view name);
// The source of a later change made at `node`: kHq at HQ, kStore elsewhere.
ConsentSource EditSource(std::string_view node);

enum class ConsentState { kNeverAsked, kGranted, kWithdrawn };
// "never_asked", "granted", "withdrawn".
std::string_view ConsentStateName(ConsentState s);

// One answer: a channel and whether the customer agrees.
struct ConsentChoice {
  ConsentChannel channel = ConsentChannel::kEmail;
  bool granted = false;
  bool operator==(const ConsentChoice&) const = default;
};

// A channel's consent as the stream says it so far.
struct ChannelConsent {
  ConsentState state = ConsentState::kNeverAsked;
  ConsentSource source = ConsentSource::kRegister;
  Stamp stamp;  // of the change that set it
  bool operator==(const ChannelConsent&) const = default;
};

struct Consents {
  std::array<ChannelConsent, kConsentChannelCount> at;

  ChannelConsent& operator[](ConsentChannel c) { return at[static_cast<int>(c)]; }
  const ChannelConsent& operator[](ConsentChannel c) const { return at[static_cast<int>(c)]; }
  // True if a change stamped `s` sets channel `c` (its stamp is at least the
  // channel's); records the stamp if so.
  bool Take(ConsentChannel c, const Stamp& s) {
    ChannelConsent& at_c = (*this)[c];
    if (s < at_c.stamp) return false;
    at_c.stamp = s;
    return true;
  }
  bool operator==(const Consents&) const = default;
};

// Checks a set of answers: at least one, each channel at most once.
// InvalidArgument ("consent", "empty_consent" / "duplicate_channel") otherwise.
Status ValidateChoices(const std::vector<ConsentChoice>& choices);

}  // namespace clientele
