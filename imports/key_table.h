// The import analysis' index of match keys (codes, emails, phones).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace clientele {

// KeyTable: hashes of match keys -> how many rows have the key and the first two, in an
// open-addressing table: 16 bytes a slot, no allocation per key (counts past
// two, which are rare, are kept aside). Two keys with the same 64-bit hash are
// taken as one; a caller checks a single match against the row.
class KeyTable {
 public:
  static constexpr std::uint32_t kNoRow = 0xffffffff;  // "no row" in a Hit

  struct Hit {
    std::uint32_t first = kNoRow, second = kNoRow;
    std::uint32_t count = 0;
  };

  void Reserve(std::size_t keys) {
    std::size_t n = 16;
    while (n < keys * 2) n <<= 1;
    slots_.assign(n, Slot{});
  }

  void Add(std::uint64_t hash, std::uint32_t row) {
    if ((used_ + 1) * 2 > slots_.size()) Grow();
    Slot& s = Find(hash);
    if (s.first == kNoRow) {
      s.hash = hash;
      s.first = row;
      ++used_;
    } else if (s.second == kNoRow) {
      s.second = row;
    } else {
      ++more_[hash];
    }
  }

  Hit Get(std::uint64_t hash) const {
    if (slots_.empty()) return {};
    const Slot& s = slots_[Index(hash)];
    if (s.first == kNoRow) return {};
    if (s.second == kNoRow) return {s.first, kNoRow, 1};
    auto more = more_.find(hash);
    return {s.first, s.second, 2 + (more == more_.end() ? 0 : more->second)};
  }

 private:
  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t first = kNoRow, second = kNoRow;
  };

  std::size_t Index(std::uint64_t hash) const {
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = hash & mask;
    while (slots_[i].first != kNoRow && slots_[i].hash != hash) i = (i + 1) & mask;
    return i;
  }
  Slot& Find(std::uint64_t hash) { return slots_[Index(hash)]; }

  void Grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(std::max<std::size_t>(16, old.size() * 2), Slot{});
    for (const Slot& s : old) {
      if (s.first != kNoRow) Find(s.hash) = s;
    }
  }

  std::vector<Slot> slots_;
  std::size_t used_ = 0;
  std::unordered_map<std::uint64_t, std::uint32_t> more_;  // rows past the second, per key
};

}  // namespace clientele
