#include "domain/time.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace clientele
