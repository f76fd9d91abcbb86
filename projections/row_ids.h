// Dense row numbers for customer ids.
//
// The read side numbers customers 0, 1, 2, ... in the order it first sees
// them, so that its tables are plain arrays indexed by row. RowIds maps an id
// (canonical lowercase UUID text, domain/ids.h) to its row and back, holding
// each id as 16 bytes that compare like the text.
//
// Not thread-safe: the owner guards it.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace clientele {

class RowIds {
 public:
  static constexpr std::uint32_t kNone = UINT32_MAX;

  // The row of `id`, or kNone.
  std::uint32_t Find(std::string_view id) const;
  // Numbers a new id: returns its row, or kNone if `id` is not a canonical
  // UUID. REQUIRES: Find(id) == kNone.
  std::uint32_t Add(std::string_view id);

  // True if `id` is a canonical UUID, the only ids rows are kept for.
  static bool IsCanonical(std::string_view id) {
    Key key;
    return ToKey(id, &key);
  }

  std::size_t size() const { return keys_.size(); }
  // Every row, ordered by id.
  std::vector<std::uint32_t> SortedRows() const;
  std::string Id(std::uint32_t row) const;
  // Orders rows by id, as the ids' text would order.
  bool Less(std::uint32_t a, std::uint32_t b) const {
    return std::memcmp(keys_[a].data(), keys_[b].data(), 16) < 0;
  }

 private:
  using Key = std::array<std::uint8_t, 16>;
  static bool ToKey(std::string_view id, Key* key);
  std::size_t Slot(const Key& key) const;
  void Grow();

  std::vector<Key> keys_;             // by row
  std::vector<std::uint32_t> slots_;  // open addressing: row or kNone
};

}  // namespace clientele
