#include "domain/time.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <ctime>

namespace clientele {

Result<std::int64_t> ParseTime(std::string_view text, std::int64_t now_ms) {
  auto bad = [&] {
    return Error(Status::InvalidArgument(
        "as_of", "invalid_time",
        "time must look like 2026-11-23T10:15:00Z or 2026-11-23, or be milliseconds since "
        "1970 or 'now'"));
  };
  if (text == "now") return now_ms;
  if (!text.empty() && std::all_of(text.begin(), text.end(), ::isdigit)) {
    std::int64_t ms = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
    if (ec != std::errc() || end != text.data() + text.size()) return bad();
    return ms;
  }
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0, n = 0;
  std::string t(text);
  if (t.size() == 10) {
    if (std::sscanf(t.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10) return bad();
  } else {
    if (std::sscanf(t.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &n) != 6) {
      return bad();
    }
    std::string_view rest = std::string_view(t).substr(n);
    if (rest.starts_with(".") && rest.size() == 5 && rest.back() == 'Z' && std::isdigit(rest[1]) &&
        std::isdigit(rest[2]) && std::isdigit(rest[3])) {
      ms = (rest[1] - '0') * 100 + (rest[2] - '0') * 10 + (rest[3] - '0');
    } else if (rest != "Z") {
      return bad();
    }
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return bad();
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<std::int64_t>(timegm(&tm)) * 1000 + ms;
}

namespace {

// "2026-11-23T10:15:00.250Z" without the C library (ledger extracts format
// millions): the civil date of a day count, from Howard Hinnant's
// chrono-compatible low-level date algorithms. REQUIRES: 0 <= ms, year <= 9999.
std::string FormatTimeFast(std::int64_t ms) {
  const std::int64_t secs = ms / 1000;
  const auto milli = static_cast<unsigned>(ms % 1000);
  const auto sod = static_cast<unsigned>(secs % 86400);
  const std::int64_t days = secs / 86400 + 719468;
  const std::int64_t era = days / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned day = doy - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  const auto year = static_cast<unsigned>(yoe + era * 400 + (month <= 2 ? 1 : 0));
  char buf[24];
  auto put = [&buf](int at, unsigned v, int digits) {
    for (int i = digits - 1; i >= 0; --i, v /= 10) buf[at + i] = static_cast<char>('0' + v % 10);
  };
  put(0, year, 4);
  buf[4] = '-';
  put(5, month, 2);
  buf[7] = '-';
  put(8, day, 2);
  buf[10] = 'T';
  put(11, sod / 3600, 2);
  buf[13] = ':';
  put(14, sod / 60 % 60, 2);
  buf[16] = ':';
  put(17, sod % 60, 2);
  buf[19] = '.';
  put(20, milli, 3);
  buf[23] = 'Z';
  return std::string(buf, 24);
}

}  // namespace

std::string FormatTime(std::int64_t ms) {
  if (ms >= 0 && ms < 253'402'300'800'000) return FormatTimeFast(ms);  // years 1970-9999
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[80];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

}  // namespace clientele
