// Moments as text: the one format the API, the log's CloudEvents and the
// command line print, and the forms a person may type. Pure: "now" is passed
// in by whoever owns a Clock.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "domain/status.h"

namespace clientele {

// Parses "2026-11-23T10:15:00Z", "2026-11-23T10:15:00.250Z", "2026-11-23" (midnight
// UTC), a count of milliseconds since the epoch, or "now" (given as now_ms).
Result<std::int64_t> ParseTime(std::string_view text, std::int64_t now_ms);
// "2026-11-23T10:15:00.250Z".
std::string FormatTime(std::int64_t ms);

}  // namespace clientele
