#include "projections/row_ids.h"

#include <algorithm>

namespace clientele {

namespace {

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

constexpr bool IsDash(std::size_t i) { return i == 8 || i == 13 || i == 18 || i == 23; }

}  // namespace

bool RowIds::ToKey(std::string_view id, Key* key) {
  if (id.size() != 36) return false;
  std::size_t out = 0;
  for (std::size_t i = 0; i < 36;) {
    if (IsDash(i)) {
      if (id[i] != '-') return false;
      ++i;
      continue;
    }
    int hi = Hex(id[i]), lo = Hex(id[i + 1]);
    if (hi < 0 || lo < 0) return false;
    (*key)[out++] = static_cast<std::uint8_t>(hi << 4 | lo);
    i += 2;
  }
  return true;
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

std::string RowIds::ToText(const Key& key) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kDigits[key[i] >> 4];
    out += kDigits[key[i] & 15];
  }
  return out;
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
