// Byte encodings shared by the log's records and the projections' rows:
// fixed-width integers (little- and big-endian), varints and length-prefixed
// strings, and a Decoder that reads them back, failing softly past the end.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace clientele::coding {

inline void PutBe64(std::string* out, std::uint64_t v) {
  char buf[8];
  for (int i = 7; i >= 0; --i) {
    buf[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  out->append(buf, 8);
}

inline std::uint64_t GetBe64(std::string_view in) {  // REQUIRES: in.size() >= 8
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

inline void PutLe64(std::string* out, std::uint64_t v) {
  char buf[8];
  for (int i = 0; i < 8; ++i) {
    buf[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  out->append(buf, 8);
}

inline void PutVarint32(std::string* out, std::uint32_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

inline void PutVarint64(std::string* out, std::uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// Lowercase hex of `bytes`, and back (false if `hex` is not hex of whole bytes).
inline std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = kDigits[b >> 4];
    out[2 * i + 1] = kDigits[b & 15];
  }
  return out;
}

inline bool FromHex(std::string_view hex, std::string* out) {
  if (hex.size() % 2 != 0) return false;
  auto digit = [](char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
  };
  out->resize(hex.size() / 2);
  for (std::size_t i = 0; i < out->size(); ++i) {
    const int hi = digit(hex[2 * i]), lo = digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    (*out)[i] = static_cast<char>(hi * 16 + lo);
  }
  return true;
}

inline void PutLp(std::string* out, std::string_view s) {
  PutVarint32(out, static_cast<std::uint32_t>(s.size()));
  out->append(s);
}

// Reads what the Put functions wrote. Each getter returns false, consuming
// nothing useful, once the input runs out or is malformed.
class Decoder {
 public:
  explicit Decoder(std::string_view s) : s_(s) {}

  bool Le64(std::uint64_t* v) {
    if (s_.size() < 8) return false;
    *v = 0;
    for (int i = 7; i >= 0; --i) *v = (*v << 8) | static_cast<unsigned char>(s_[i]);
    s_.remove_prefix(8);
    return true;
  }
  bool Varint32(std::uint32_t* v) {
    *v = 0;
    for (int shift = 0; shift <= 28 && !s_.empty(); shift += 7) {
      auto byte = static_cast<unsigned char>(s_[0]);
      s_.remove_prefix(1);
      *v |= static_cast<std::uint32_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return true;
    }
    return false;
  }
  bool Varint64(std::uint64_t* v) {
    *v = 0;
    for (int shift = 0; shift <= 63 && !s_.empty(); shift += 7) {
      auto byte = static_cast<unsigned char>(s_[0]);
      s_.remove_prefix(1);
      *v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return true;
    }
    return false;
  }
  bool View(std::size_t n, std::string_view* out) {
    if (s_.size() < n) return false;
    *out = s_.substr(0, n);
    s_.remove_prefix(n);
    return true;
  }
  bool Bytes(std::size_t n, std::string* out) {
    std::string_view v;
    if (!View(n, &v)) return false;
    out->assign(v);
    return true;
  }
  bool Lp(std::string* out) {
    std::uint32_t n;
    return Varint32(&n) && Bytes(n, out);
  }
  bool empty() const { return s_.empty(); }
  std::string_view rest() const { return s_; }

 private:
  std::string_view s_;
};

}  // namespace clientele::coding
