// Stamps: how concurrent edits of one customer on different nodes resolve.
//
// Every edit of a customer's details or active flag carries a stamp: a hybrid
// logical clock value and the node that made the edit. Each field keeps the
// stamp of the edit that last set it, and an edit sets a field only if its
// stamp is at least the field's (stamps compare by hlc, then node id). So
// every node ends with the same values whatever order the edits reach it in:
// per-field last-writer-wins.
//
// hlc = max(wall-clock ms × 4096, highest hlc the customer has seen + 1), so
// an edit made after seeing another always wins over it, even when the
// editing node's clock is behind. Edits recorded before stamps existed (schema
// 1) carry the zero stamp, and among equal stamps the later in the log wins.
#pragma once

#include <algorithm>
#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "domain/details.h"

namespace clientele {

struct Stamp {
  std::int64_t hlc = 0;
  std::string node;
  auto operator<=>(const Stamp&) const = default;
  bool operator==(const Stamp&) const = default;
};

inline constexpr std::int64_t kHlcTicksPerMs = 4096;

// The stamp of the next edit a node makes of a customer whose highest hlc so
// far is `seen`.
inline Stamp NextStamp(std::int64_t seen, std::int64_t now_ms, std::string_view node) {
  const std::int64_t next = seen == INT64_MAX ? seen : seen + 1;
  return Stamp{std::max(now_ms * kHlcTicksPerMs, next), std::string(node)};
}

// The stamps of a customer's editable fields: the seven details, then active.
inline constexpr int kActiveStamp = kDetailFieldCount;
struct FieldStamps {
  std::array<Stamp, kDetailFieldCount + 1> at;
  std::int64_t max_hlc = 0;

  // True if an edit stamped `s` sets field `i`; records the stamp if so.
  bool Take(int i, const Stamp& s) {
    max_hlc = std::max(max_hlc, s.hlc);
    if (s < at[i]) return false;
    at[i] = s;
    return true;
  }
  bool operator==(const FieldStamps&) const = default;
};

}  // namespace clientele
