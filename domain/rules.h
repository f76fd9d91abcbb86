// The rules single values of a command must meet: references, notes and
// amounts. Shared by the deciders and by the checks of what peers send
// (domain/peer_rules.h), so a value is held to one rule wherever it enters.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "domain/status.h"

namespace clientele {

// A trimmed reference (tab id, payment reference...): required if `required`,
// at most 128 bytes, no control characters. InvalidArgument naming `field`.
Result<std::string> Reference(std::string_view field, std::string_view value, bool required);

// A trimmed note: at most 500 bytes; required for manager adjustments.
Result<std::string> Note(std::string_view value, bool required);

// OK if 0 < v <= max; else InvalidArgument naming `field`.
Status PositiveAmount(std::string_view field, std::int64_t v, std::int64_t max);

// OK if v != 0 and -max <= v <= max; else InvalidArgument("delta").
Status NonZeroDelta(std::int64_t v, std::int64_t max);

}  // namespace clientele
