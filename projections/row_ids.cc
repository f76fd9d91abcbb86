#include "projections/row_ids.h"

#include <uuid/uuid.h>

#include <algorithm>

namespace clientele {

bool RowIds::ToKey(std::string_view id, Key* key) {
  // Only the canonical form: 36 characters, lower case (domain/ids.h).
  if (id.size() != 36) return false;
  for (char c : id) {
    if (c >= 'A' && c <= 'Z') return false;
  }
  char text[37];
  id.copy(text, 36);
  text[36] = '\0';
  return uuid_parse(text, key->data()) == 0;
}

std::string RowIds::ToText(const Key& key) {
  char text[37];
  uuid_unparse_lower(key.data(), text);
  return std::string(text, 36);
}

std::uint64_t RowIds::Hash(const Key& key) {
  std::uint64_t h;
  std::memcpy(&h, key.data() + 8, 8);  // random bits in a v4 UUID; mixed anyway
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

std::size_t RowIds::Find(const Key& key, std::uint64_t hash) const {
  const std::size_t mask = slots_.size() - 1;
  const auto tag = static_cast<std::uint32_t>(hash >> 32);
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.row == kNone || (s.tag == tag && keys_[s.row] == key)) return i;
  }
}

void RowIds::Grow() {
  slots_.assign(slots_.empty() ? 1024 : slots_.size() * 2, Slot{});
  const std::size_t mask = slots_.size() - 1;
  for (std::uint32_t row = 0; row < keys_.size(); ++row) {
    const std::uint64_t h = Hash(keys_[row]);
    std::size_t i = h & mask;
    while (slots_[i].row != kNone) i = (i + 1) & mask;
    slots_[i] = {row, static_cast<std::uint32_t>(h >> 32)};
  }
}

std::uint32_t RowIds::Find(std::string_view id) const {
  Key key;
  if (slots_.empty() || !ToKey(id, &key)) return kNone;
  return slots_[Find(key, Hash(key))].row;
}

std::uint32_t RowIds::Add(std::string_view id) {
  Key key;
  if (!ToKey(id, &key)) return kNone;
  const auto row = static_cast<std::uint32_t>(keys_.size());
  keys_.push_back(key);
  if (keys_.size() * 2 > slots_.size()) {
    Grow();  // places the new key too
  } else {
    const std::uint64_t h = Hash(key);
    slots_[Find(key, h)] = {row, static_cast<std::uint32_t>(h >> 32)};
  }
  return row;
}

std::vector<std::uint32_t> RowIds::SortedRows() const {
  // Sorted on the first 8 bytes as a number; the rare ties on the rest.
  std::vector<std::pair<std::uint64_t, std::uint32_t>> keyed(keys_.size());
  for (std::uint32_t row = 0; row < keys_.size(); ++row) {
    std::uint64_t k = 0;
    for (int i = 0; i < 8; ++i) k = k << 8 | keys_[row][i];
    keyed[row] = {k, row};
  }
  std::sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first < b.first;
    return keys_[a.second] < keys_[b.second];
  });
  std::vector<std::uint32_t> rows(keyed.size());
  for (std::size_t i = 0; i < keyed.size(); ++i) rows[i] = keyed[i].second;
  return rows;
}

}  // namespace clientele
