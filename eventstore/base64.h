// Standard base64 (RFC 4648, with padding), encoded through OpenSSL: how binary
// values (keys, proofs of origin) travel in text headers and JSON.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace clientele {

std::string Base64Encode(std::string_view bytes);
// The bytes of `text`, or nullopt if it is not canonical padded base64 (the
// alphabet, padding only at the end, unused bits zero: one text per value).
std::optional<std::string> Base64Decode(std::string_view text);
// The same into *out, reusing its buffer; false if `text` is not canonical.
bool Base64DecodeTo(std::string_view text, std::string* out);

}  // namespace clientele
