// The rules single values of a command must meet: references, notes and
// amounts. Shared by the deciders and by the checks of what peers send
// (domain/peer_rules.h), so a value is held to one rule wherever it enters.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "domain/status.h"

namespace clientele {

// A reference (tab id, payment reference...) as domain/text.h stores one line
// (NFC, trimmed, no control, invisible or text-direction characters):
// required if `required`, at most 128 bytes. InvalidArgument naming `field`.
Result<std::string> Reference(std::string_view field, std::string_view value, bool required);

// A note as domain/text.h stores text of several lines (NFC, trimmed, line
// breaks allowed, no other control, invisible or text-direction characters):
// at most 500 bytes; required for manager adjustments. InvalidArgument("note").
Result<std::string> Note(std::string_view value, bool required);

// OK if 0 < v <= max; else InvalidArgument naming `field`.
Status PositiveAmount(std::string_view field, std::int64_t v, std::int64_t max);

// OK if v != 0 and -max <= v <= max; else InvalidArgument("delta").
Status NonZeroDelta(std::int64_t v, std::int64_t max);

}  // namespace clientele
