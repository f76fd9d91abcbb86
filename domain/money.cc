#include "domain/money.h"

#include <cstdio>

namespace clientele {

std::string FormatMoney(Money minor) {
  // Work in unsigned so that INT64_MIN has a magnitude.
  bool negative = minor < 0;
  std::uint64_t magnitude =
      negative ? ~static_cast<std::uint64_t>(minor) + 1 : static_cast<std::uint64_t>(minor);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%s%llu.%02llu", negative ? "-" : "",
                static_cast<unsigned long long>(magnitude / 100),
                static_cast<unsigned long long>(magnitude % 100));
  return buf;
}

}  // namespace clientele
