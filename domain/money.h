// Money and points: integer amounts with overflow-checked arithmetic.
//
// Money is an amount of the chain's one currency in minor units (cents).
// Points are whole loyalty points. Neither is ever a floating-point number.
// Every amount a command carries must lie within [-kMaxAmount, kMaxAmount] so
// that balances summed over a lifetime of operations stay far from overflow;
// the balance arithmetic is checked anyway.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace clientele {

using Money = std::int64_t;   // minor units
using Points = std::int64_t;  // whole points

// 10^12 minor units: ten billion in major units, per operation.
inline constexpr std::int64_t kMaxAmount = 1'000'000'000'000;
// The largest points figure one operation may carry.
inline constexpr std::int64_t kMaxPoints = 1'000'000'000'000;

// a + b, or nullopt on overflow.
inline std::optional<std::int64_t> CheckedAdd(std::int64_t a, std::int64_t b) {
  std::int64_t out;
  if (__builtin_add_overflow(a, b, &out)) return std::nullopt;
  return out;
}

// a - b, or nullopt on overflow.
inline std::optional<std::int64_t> CheckedSub(std::int64_t a, std::int64_t b) {
  std::int64_t out;
  if (__builtin_sub_overflow(a, b, &out)) return std::nullopt;
  return out;
}

// a + b, held at the int64 limits instead of overflowing. Balances fold
// with it, so no event in a log, however absurd, can make them undefined.
inline std::int64_t SaturatingAdd(std::int64_t a, std::int64_t b) {
  std::int64_t out;
  if (!__builtin_add_overflow(a, b, &out)) return out;
  return b > 0 ? INT64_MAX : INT64_MIN;
}

// -a, held at INT64_MAX for INT64_MIN.
inline std::int64_t SaturatingNegate(std::int64_t a) { return a == INT64_MIN ? INT64_MAX : -a; }

// "12.34" for 1234; "-0.05" for -5. For messages only: amounts travel as integers.
std::string FormatMoney(Money minor);

}  // namespace clientele
