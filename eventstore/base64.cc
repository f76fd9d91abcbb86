#include "eventstore/base64.h"

#include <openssl/evp.h>

#include <array>
#include <cstdint>

namespace clientele {

std::string Base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

namespace {

// The value of each base64 character, 64 for '=', 255 for any other byte.
constexpr std::array<std::uint8_t, 256> kValues = [] {
  std::array<std::uint8_t, 256> v{};
  v.fill(255);
  constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (std::uint8_t i = 0; i < 64; ++i) v[static_cast<unsigned char>(kAlphabet[i])] = i;
  v['='] = 64;
  return v;
}();

}  // namespace

bool Base64DecodeTo(std::string_view text, std::string* out) {
  out->clear();
  if (text.size() % 4 != 0 || text.size() > (1u << 30)) return false;
  if (text.empty()) return true;
  std::size_t pad = text.back() == '=' ? (text[text.size() - 2] == '=' ? 2 : 1) : 0;
  out->resize(text.size() / 4 * 3);
  auto* dst = reinterpret_cast<unsigned char*>(out->data());
  const auto* src = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t quads = text.size() / 4;
  for (std::size_t q = 0; q < quads; ++q, src += 4, dst += 3) {
    const std::uint32_t a = kValues[src[0]], b = kValues[src[1]], c = kValues[src[2]],
                        d = kValues[src[3]];
    if (q + 1 < quads || pad == 0) {
      if ((a | b | c | d) >= 64) return false;  // '=' or a stranger
    } else if (a >= 64 || b >= 64 || (pad == 1 && c >= 64)) {
      return false;
    }
    const std::uint32_t v = a << 18 | b << 12 | (c & 63) << 6 | (d & 63);
    dst[0] = static_cast<unsigned char>(v >> 16);
    dst[1] = static_cast<unsigned char>(v >> 8);
    dst[2] = static_cast<unsigned char>(v);
  }
  // One text per value: the bits the padding leaves over must be zero.
  const std::uint32_t last_c = kValues[static_cast<unsigned char>(text[text.size() - 2])];
  const std::uint32_t last_d = kValues[static_cast<unsigned char>(text.back())];
  if (pad == 2 &&
      (last_c != 64 || (kValues[static_cast<unsigned char>(text[text.size() - 3])] & 15) != 0)) {
    return false;
  }
  if (pad == 1 && (last_d != 64 || (last_c & 3) != 0)) return false;
  out->resize(out->size() - pad);
  return true;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  std::string out;
  if (!Base64DecodeTo(text, &out)) return std::nullopt;
  return out;
}

}  // namespace clientele
