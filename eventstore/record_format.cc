#include "eventstore/record_format.h"

#include <uuid/uuid.h>

#include <cstring>
#include <stdexcept>

namespace clientele::record {

namespace {

void PutBe64(std::string* out, std::uint64_t v) {
  char buf[8];
  for (int i = 7; i >= 0; --i) {
    buf[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  out->append(buf, 8);
}

void PutLe64(std::string* out, std::uint64_t v) {
  char buf[8];
  for (int i = 0; i < 8; ++i) {
    buf[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  out->append(buf, 8);
}

void PutVarint32(std::string* out, std::uint32_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutLp(std::string* out, std::string_view s) {
  PutVarint32(out, static_cast<std::uint32_t>(s.size()));
  out->append(s);
}

// A cursor over a byte string; every getter fails softly past the end.
class Input {
 public:
  explicit Input(std::string_view s) : s_(s) {}
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
  bool Bytes(std::size_t n, std::string* out) {
    if (s_.size() < n) return false;
    out->assign(s_.data(), n);
    s_.remove_prefix(n);
    return true;
  }
  bool View(std::size_t n, std::string_view* out) {
    if (s_.size() < n) return false;
    *out = s_.substr(0, n);
    s_.remove_prefix(n);
    return true;
  }
  bool Lp(std::string* out) {
    std::uint32_t n;
    return Varint32(&n) && Bytes(n, out);
  }
  bool empty() const { return s_.empty(); }

 private:
  std::string_view s_;
};

}  // namespace

std::string PositionKey(std::uint64_t position) {
  std::string k;
  PutBe64(&k, position);
  return k;
}

std::uint64_t DecodePositionKey(std::string_view key) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(key[i]);
  return v;
}

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

bool IdKey(std::string_view id, std::string* key) {
  if (id.size() != 36) return false;
  char text[37];
  std::memcpy(text, id.data(), 36);
  text[36] = '\0';
  uuid_t bin;
  if (uuid_parse(text, bin) != 0) return false;
  key->assign(reinterpret_cast<const char*>(bin), 16);
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
}

std::string EncodeRecord(const RecordedEvent& e) {
  std::string out;
  out.reserve(64 + e.stream.size() + e.type.size() + e.data.size() + e.actor.size());
  out.push_back(static_cast<char>(kFormat));
  out.append(e.hash);
  EncodeCanonical(e, &out);
  return out;
}

Status DecodeRecord(std::string_view value, RecordedEvent* out) {
  RecordedEvent& e = *out;
  if (value.empty() || static_cast<std::uint8_t>(value[0]) != kFormat) {
    return Status::Corruption("unknown record format");
  }
  Input in(value.substr(1));
  std::uint64_t version = 0, time_ms = 0;
  std::string_view id;
  bool ok = in.Bytes(kHashSize, &e.hash) && in.Le64(&e.position) && in.View(16, &id) &&
            in.Lp(&e.stream) && in.Le64(&version) && in.Lp(&e.type) && in.Varint32(&e.schema) &&
            in.Le64(&time_ms) && in.Lp(&e.origin) && in.Lp(&e.actor) && in.Lp(&e.causation_id) &&
            in.Lp(&e.correlation_id) && in.Lp(&e.data) && in.empty();
  if (!ok) return Status::Corruption("record does not parse");
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
