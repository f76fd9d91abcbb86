#include "domain/time.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <random>
#include <vector>

namespace clientele {
namespace {

TEST(ParseTime, AcceptsTheDocumentedForms) {
  EXPECT_EQ(*ParseTime("2026-11-23T10:15:00Z", 0), 1'795'428'900'000);
  EXPECT_EQ(*ParseTime("2026-11-23T10:15:00.250Z", 0), 1'795'428'900'250);
  EXPECT_EQ(*ParseTime("2026-11-23", 0), 1'795'392'000'000);
  EXPECT_EQ(*ParseTime("1795428900000", 0), 1'795'428'900'000);
  EXPECT_EQ(*ParseTime("now", 42), 42);
  for (const char* bad : {"", "yesterday", "2026-13-01", "2026-11-23T10:15:00", "2026-11-23 10:15",
                          "2026-11-23T10:15:00.25Z", "-5"}) {
    EXPECT_EQ(ParseTime(bad, 0).error().reason(), "invalid_time") << bad;
  }
  EXPECT_EQ(FormatTime(1'795'428'900'250), "2026-11-23T10:15:00.250Z");
}

TEST(FormatTimeTest, AgreesWithTheCLibraryAcrossTheRange) {
  std::mt19937_64 rng(3);
  std::vector<std::int64_t> moments = {0,
                                       1,
                                       999,
                                       86'399'999,
                                       951'782'400'000 /* 2000-02-29 */,
                                       4'107'542'399'999 /* 2100-02-28T23:59:59.999 */,
                                       253'402'300'799'999 /* the last ms of 9999 */};
  for (int i = 0; i < 100'000; ++i)
    moments.push_back(static_cast<std::int64_t>(rng() % 253'402'300'800'000));
  for (std::int64_t ms : moments) {
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char want[80];
    std::snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(ms % 1000));
    ASSERT_EQ(FormatTime(ms), want) << ms;
  }
}

}  // namespace
}  // namespace clientele
