#include "domain/time_zone.h"

#include <absl/time/civil_time.h>

#include <cstdio>

namespace clientele {

namespace {

const absl::CivilDay kEpochDay(1970, 1, 1);

}  // namespace

TimeZone::TimeZone() : name_("UTC"), zone_(absl::UTCTimeZone()) {}

Result<TimeZone> TimeZone::Load(std::string_view name) {
  TimeZone tz;
  if (name == "UTC") return tz;
  // An IANA name: never a path out of the time zone database.
  const bool plain = !name.empty() && name.front() != '/' &&
                     name.find("..") == std::string_view::npos &&
                     name.find_first_not_of(
                         "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                         "0123456789/_-+") == std::string_view::npos;
  if (!plain || !absl::LoadTimeZone(std::string(name), &tz.zone_)) {
    return Error(
        Status::InvalidArgument("time_zone", "unknown_time_zone",
                                "'" + std::string(name) +
                                    "' is not a time zone this machine knows: use an IANA "
                                    "name such as Europe/Warsaw (package tzdata), or UTC"));
  }
  tz.name_ = std::string(name);
  return tz;
}

std::int32_t TimeZone::DayOf(std::int64_t ms) const {
  return static_cast<std::int32_t>(absl::ToCivilDay(absl::FromUnixMillis(ms), zone_) - kEpochDay);
}

std::int64_t TimeZone::StartOfDay(std::int32_t day) const {
  return absl::ToUnixMillis(absl::FromCivil(kEpochDay + day, zone_));
}

std::int64_t TimeZone::EndOfMonthAfter(std::int64_t ms, int months) const {
  absl::CivilMonth next = absl::ToCivilMonth(absl::FromUnixMillis(ms), zone_) + months + 1;
  return absl::ToUnixMillis(absl::FromCivil(absl::CivilDay(next), zone_)) - 1;
}

std::int64_t TimeZone::AddMonths(std::int64_t ms, int months) const {
  absl::Time t = absl::FromUnixMillis(ms);
  absl::CivilSecond s = absl::ToCivilSecond(t, zone_);
  absl::CivilMonth m = absl::CivilMonth(s) + months;
  // The last day of month m: the day before the first of the next.
  int last = static_cast<int>(absl::CivilDay(m + 1) - 1 - absl::CivilDay(m)) + 1;
  int day = std::min(s.day(), last);
  absl::CivilSecond later(m.year(), m.month(), day, s.hour(), s.minute(), s.second());
  std::int64_t sub_ms = ms - absl::ToUnixMillis(absl::FromCivil(s, zone_));
  return absl::ToUnixMillis(absl::FromCivil(later, zone_)) + sub_ms;
}

std::string FormatDay(std::int32_t day) {
  absl::CivilDay d = kEpochDay + day;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02d", static_cast<long long>(d.year()), d.month(),
                d.day());
  return buf;
}

Result<std::int32_t> ParseDay(std::string_view text) {
  absl::CivilDay d;
  auto bad = [&] {
    return Error(Status::InvalidArgument(
        "date", "invalid_date", "'" + std::string(text) + "' is not a date like 2026-11-30"));
  };
  if (text.size() != 10 || !absl::ParseCivilTime(absl::string_view(text.data(), text.size()), &d)) {
    return bad();
  }
  if (FormatDay(static_cast<std::int32_t>(d - kEpochDay)) != text) return bad();  // 2026-02-30
  return static_cast<std::int32_t>(d - kEpochDay);
}

}  // namespace clientele
