// The chain's time zone: which day a moment falls on, for reports and for the
// expiry of points. Days are numbered in the zone's own calendar, 0 being
// 1970-01-01. Zones are IANA names ("Europe/Warsaw") read from the system's
// time zone database (tzdata); "UTC" needs none.
#pragma once

#include <absl/time/time.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "domain/status.h"

namespace clientele {

class TimeZone {
 public:
  TimeZone();  // UTC
  // InvalidArgument ("unknown_time_zone") for a name the database does not hold.
  static Result<TimeZone> Load(std::string_view name);

  const std::string& name() const { return name_; }

  // The day a moment (UTC milliseconds) falls on in this zone.
  std::int32_t DayOf(std::int64_t ms) const;
  // The first moment of `day` in this zone, in UTC milliseconds.
  std::int64_t StartOfDay(std::int32_t day) const;
  // The last millisecond of `day`.
  std::int64_t EndOfDay(std::int32_t day) const { return StartOfDay(day + 1) - 1; }
  // The last millisecond of the month `months` after the month `ms` falls in
  // (months = 0: the end of that same month).
  std::int64_t EndOfMonthAfter(std::int64_t ms, int months) const;
  // The same wall-clock time `months` later; a day past the end of that month
  // becomes its last day (31 Jan + 1 month = 28 or 29 Feb).
  std::int64_t AddMonths(std::int64_t ms, int months) const;

 private:
  std::string name_;
  absl::TimeZone zone_;
};

// "2026-11-30" for a day number, and back. InvalidArgument ("invalid_date")
// for anything else than a real date written so.
std::string FormatDay(std::int32_t day);
Result<std::int32_t> ParseDay(std::string_view text);

}  // namespace clientele
