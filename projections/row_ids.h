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
  using Key = std::array<std::uint8_t, 16>;

  // The 16 bytes of a canonical UUID; false if `id` is not one.
  static bool ToKey(std::string_view id, Key* key);
  // The canonical text of a key.
  static std::string ToText(const Key& key);

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
  std::string Id(std::uint32_t row) const { return ToText(keys_[row]); }
  // Orders rows by id, as the ids' text would order.
  bool Less(std::uint32_t a, std::uint32_t b) const {
    return std::memcmp(keys_[a].data(), keys_[b].data(), 16) < 0;
  }

 private:
  struct Slot {
    std::uint32_t row = kNone;  // kNone: empty
    std::uint32_t tag = 0;      // hash bits, compared before the key
  };
  static std::uint64_t Hash(const Key& key);
  std::size_t Find(const Key& key, std::uint64_t hash) const;  // its slot or an empty one
  void Grow();

  std::vector<Key> keys_;    // by row
  std::vector<Slot> slots_;  // open addressing
};

}  // namespace clientele
