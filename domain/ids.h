// Identifiers: customer ids, node ids and stream names.
//
//   customer id  := a UUID in canonical lowercase text form, 36 characters
//   node id      := "hq" | store-id
//   store-id     := [a-z][a-z0-9]{0,11}   (not "hq"); e.g. "s01", "paris3"
//   stream       := "customer-" customer-id | "settings"
#pragma once

#include <string>
#include <string_view>

#include "domain/status.h"

namespace clientele {

inline constexpr std::string_view kHqNode = "hq";
inline constexpr std::string_view kSettingsStream = "settings";
inline constexpr std::string_view kCustomerStreamPrefix = "customer-";

// Returns the canonical lowercase form of `text` if it is a UUID,
// else InvalidArgument naming `field`.
Result<std::string> ParseUuid(std::string_view text, std::string_view field);

// A name-based (version 5, SHA-1) UUID: the same name always gives the same
// id, so an event derived from another is appended once however often it is
// derived.
std::string DerivedUuid(std::string_view name);

// OK if `node` is "hq" or a valid store id; else InvalidArgument naming `field`.
Status ValidateNodeId(std::string_view node, std::string_view field = "node");

inline std::string CustomerStream(std::string_view customer_id) {
  std::string s(kCustomerStreamPrefix);
  s += customer_id;
  return s;
}

}  // namespace clientele
