#include "eventstore/record_format.h"

#include <cstring>
#include <stdexcept>

#include "eventstore/coding.h"

namespace clientele::record {

using coding::PutBe64;
using coding::PutLe64;
using coding::PutLp;
using coding::PutVarint32;

std::string PositionKey(std::uint64_t position) {
  std::string k;
  PutBe64(&k, position);
  return k;
}

std::uint64_t DecodePositionKey(std::string_view key) { return coding::GetBe64(key); }

std::string StreamKey(std::string_view stream, std::int64_t version) {
  std::string k = "S";
  k.append(stream);
  k.push_back('\0');
  PutBe64(&k, static_cast<std::uint64_t>(version));
  return k;
}

std::string StreamKeyEnd(std::string_view stream) {
  std::string k = "S";
  k.append(stream);
  k.push_back('\x01');
  return k;
}

std::int64_t StreamKeyVersion(std::string_view key, std::string_view stream) {
  return static_cast<std::int64_t>(DecodePositionKey(key.substr(stream.size() + 2, 8)));
}

std::string IdIndexKey(std::string_view key16) {
  std::string k = "I";
  k.append(key16);
  return k;
}

std::string OriginSeqKey(std::string_view origin, std::uint64_t seq) {
  std::string k = "O";
  k.append(origin);
  k.push_back('\0');
  PutBe64(&k, seq);
  return k;
}

std::string OriginSeqKeyEnd(std::string_view origin) {
  std::string k = "O";
  k.append(origin);
  k.push_back('\x01');
  return k;
}

std::string RecordedKey(std::int64_t time_ms) {
  std::string k = "R";
  PutBe64(&k, static_cast<std::uint64_t>(time_ms));
  return k;
}

std::int64_t RecordedKeyTime(std::string_view key) {
  return static_cast<std::int64_t>(coding::GetBe64(key.substr(1)));
}

bool IsRecordedKey(std::string_view key) { return key.size() == 9 && key[0] == 'R'; }

// What uuid_parse accepts (36 characters, hyphens at 8, 13, 18 and 23, hex
// digits in either case elsewhere), without its strtoul per group: every
// append and every record encoded passes here.
bool IdKey(std::string_view id, std::string* key) {
  if (id.size() != 36 || id[8] != '-' || id[13] != '-' || id[18] != '-' || id[23] != '-') {
    return false;
  }
  auto digit = [](char c) {
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
  };
  char bin[16];
  for (int i = 0, at = 0; i < 16; ++i) {
    if (at == 8 || at == 13 || at == 18 || at == 23) ++at;
    const int hi = digit(id[at]), lo = digit(id[at + 1]);
    if (hi < 0 || lo < 0) return false;
    bin[i] = static_cast<char>(hi * 16 + lo);
    at += 2;
  }
  key->assign(bin, 16);
  return true;
}

namespace {

// Writes the canonical text of a 16-byte UUID into out[0..36).
void FormatUuid(const unsigned char* bin, char* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0, o = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out[o++] = '-';
    out[o++] = kHex[bin[i] >> 4];
    out[o++] = kHex[bin[i] & 0xf];
  }
}

}  // namespace

std::string IdText(std::string_view key16) {
  std::string out(36, '\0');
  FormatUuid(reinterpret_cast<const unsigned char*>(key16.data()), out.data());
  return out;
}

void EncodeCanonical(const RecordedEvent& e, std::string* out) {
  PutLe64(out, e.position);
  std::string id;
  if (!IdKey(e.id, &id)) id.assign(16, '\0');  // callers validate ids before encoding
  out->append(id);
  PutLp(out, e.stream);
  PutLe64(out, static_cast<std::uint64_t>(e.version));
  PutLp(out, e.type);
  PutVarint32(out, e.schema);
  PutLe64(out, static_cast<std::uint64_t>(e.time_ms));
  PutLp(out, e.origin);
  PutLp(out, e.actor);
  PutLp(out, e.causation_id);
  PutLp(out, e.correlation_id);
  PutLp(out, e.data);
  if (FormatOf(e) == kFormat) {
    coding::PutVarint64(out, e.seq);
    PutLp(out, e.signature);
  }
}

std::string EncodeRecord(const RecordedEvent& e) {
  std::string out;
  out.reserve(64 + e.stream.size() + e.type.size() + e.data.size() + e.actor.size() +
              e.signature.size());
  out.push_back(static_cast<char>(FormatOf(e)));
  out.append(e.hash);
  EncodeCanonical(e, &out);
  return out;
}

Status DecodeRecord(std::string_view value, RecordedEvent* out) {
  RecordedEvent& e = *out;
  const std::uint8_t format = value.empty() ? 0 : static_cast<std::uint8_t>(value[0]);
  if (format != kFormat && format != kFormatUnsequenced) {
    return Status::Corruption("unknown record format");
  }
  coding::Decoder in(value.substr(1));
  std::uint64_t version = 0, time_ms = 0;
  std::string_view id;
  bool ok = in.Bytes(kHashSize, &e.hash) && in.Le64(&e.position) && in.View(16, &id) &&
            in.Lp(&e.stream) && in.Le64(&version) && in.Lp(&e.type) && in.Varint32(&e.schema) &&
            in.Le64(&time_ms) && in.Lp(&e.origin) && in.Lp(&e.actor) && in.Lp(&e.causation_id) &&
            in.Lp(&e.correlation_id) && in.Lp(&e.data);
  e.seq = 0;
  e.signature.clear();
  if (ok && format == kFormat) ok = in.Varint64(&e.seq) && in.Lp(&e.signature);
  if (!ok || !in.empty()) return Status::Corruption("record does not parse");
  e.id.resize(36);
  FormatUuid(reinterpret_cast<const unsigned char*>(id.data()), e.id.data());
  e.version = static_cast<std::int64_t>(version);
  e.time_ms = static_cast<std::int64_t>(time_ms);
  return Status::OK();
}

ChainHasher::ChainHasher() : md_(EVP_MD_fetch(nullptr, "SHA256", nullptr)), ctx_(EVP_MD_CTX_new()) {
  if (md_ == nullptr || ctx_ == nullptr) throw std::runtime_error("OpenSSL SHA-256 unavailable");
}

ChainHasher::~ChainHasher() {
  EVP_MD_CTX_free(ctx_);
  EVP_MD_free(md_);
}

std::string ChainHasher::Next(std::string_view prev, std::string_view canonical) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestInit_ex(ctx_, md_, nullptr);
  EVP_DigestUpdate(ctx_, prev.data(), prev.size());
  EVP_DigestUpdate(ctx_, canonical.data(), canonical.size());
  EVP_DigestFinal_ex(ctx_, out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

}  // namespace clientele::record
