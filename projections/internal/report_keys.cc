#include "projections/internal/report_keys.h"

#include "eventstore/coding.h"

namespace clientele::report_keys {

namespace {

std::uint32_t Biased(std::int32_t day) { return static_cast<std::uint32_t>(day) ^ 0x80000000u; }

void PutBe32(std::string* out, std::uint32_t v) {
  for (int i = 3; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::int32_t GetDay(std::string_view key) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(key[i]);
  return static_cast<std::int32_t>(v ^ 0x80000000u);
}

}  // namespace

std::string DayPrefix(std::int32_t day) {
  std::string k;
  PutBe32(&k, Biased(day));
  return k;
}

std::string FigureKey(std::int32_t day, std::string_view store) {
  std::string k = DayPrefix(day);
  k.append(store);
  return k;
}

bool DecodeFigureKey(std::string_view key, std::int32_t* day, std::string* store) {
  if (key.size() < 4) return false;
  *day = GetDay(key);
  store->assign(key.substr(4));
  return true;
}

std::string MoveKey(const std::tuple<std::int32_t, std::string, std::string>& move) {
  std::string k = DayPrefix(std::get<0>(move));
  coding::PutLp(&k, std::get<1>(move));
  k.append(std::get<2>(move));
  return k;
}

bool DecodeMoveKey(std::string_view key, std::tuple<std::int32_t, std::string, std::string>* move) {
  if (key.size() < 4) return false;
  std::get<0>(*move) = GetDay(key);
  coding::Decoder d(key.substr(4));
  if (!d.Lp(&std::get<1>(*move))) return false;
  std::get<2>(*move).assign(d.rest());
  return true;
}

std::string SpendKey(std::int32_t day, std::string_view customer_id) {
  std::string k = DayPrefix(day);
  k.append(customer_id);
  return k;
}

std::int32_t SpendKeyDay(std::string_view key) { return GetDay(key); }

std::string ExpiryKey(std::int64_t ms, std::string_view customer_id) {
  std::string k;
  coding::PutBe64(&k, static_cast<std::uint64_t>(ms));
  k.append(customer_id);
  return k;
}

std::string EncodeFigures(const Figures& f) {
  std::string out;
  for (std::int64_t v : f) {
    auto u = static_cast<std::uint64_t>(v);
    coding::PutVarint64(&out, (u << 1) ^ static_cast<std::uint64_t>(v >> 63));
  }
  return out;
}

bool DecodeFigures(std::string_view bytes, Figures* f) {
  f->fill(0);
  coding::Decoder d(bytes);
  for (std::size_t i = 0; i < f->size() && !d.empty(); ++i) {
    std::uint64_t u;
    if (!d.Varint64(&u)) return false;
    (*f)[i] = static_cast<std::int64_t>((u >> 1) ^ (~(u & 1) + 1));
  }
  return true;
}

std::int64_t DecodeI64(std::string_view le64) {
  if (le64.size() != 8) return 0;
  std::uint64_t v;
  coding::Decoder(le64).Le64(&v);
  return static_cast<std::int64_t>(v);
}

}  // namespace clientele::report_keys
