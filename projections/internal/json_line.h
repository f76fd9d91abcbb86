// The opening and event lines of a ledger extract (projections/ledger_extract.h).
// Written by hand rather than through Boost.JSON: their fields are fixed and
// an extract has millions of them (BENCHMARKS.md, "Audit extracts"); every
// string that is not hex, base64 or a time goes through JSON escaping.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "domain/time.h"
#include "eventstore/base64.h"
#include "eventstore/coding.h"
#include "eventstore/event.h"
#include "eventstore/record_format.h"

namespace clientele::json_line {

// Appends `s` as a JSON string.
inline void Str(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(ch);
    } else if (c < 0x20) {
      out->append("\\u00");
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 15]);
    } else {
      out->push_back(ch);
    }
  }
  out->push_back('"');
}

inline void Int(std::int64_t v, std::string* out) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, static_cast<std::size_t>(r.ptr - buf));
}

inline void Uint(std::uint64_t v, std::string* out) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, static_cast<std::size_t>(r.ptr - buf));
}

// ,"key":
inline void Key(std::string_view key, std::string* out) {
  out->push_back(',');
  out->push_back('"');
  out->append(key);
  out->append("\":");
}

inline void Opening(std::string_view customer, std::string_view code, std::int64_t version,
                    std::int64_t points, std::int64_t credit, std::string* out) {
  out->append("{\"opening\":{\"customer\":");
  Str(customer, out);
  Key("code", out);
  Str(code, out);
  Key("version", out);
  Int(version, out);
  Key("points", out);
  Int(points, out);
  Key("credit", out);
  Int(credit, out);
  out->append("}}\n");
}

struct EventLine {
  const RecordedEvent* e = nullptr;
  std::string_view customer;
  std::int64_t recorded_ms = -1;  // <= 0: unknown
  bool in_window = false;
  bool entry = false;
  std::int64_t points_change = 0, credit_change = 0, points_after = 0, credit_after = 0;
  std::string_view prev_hash;  // 32 bytes
  std::string_view canonical;
};

inline void Event(const EventLine& f, std::string* out) {
  const RecordedEvent& e = *f.e;
  out->append(f.entry ? "{\"kind\":\"entry\"" : "{\"kind\":\"event\"");
  Key("position", out);
  Uint(e.position, out);
  Key("id", out);
  Str(e.id, out);
  Key("type", out);
  Str(e.type, out);
  Key("customer", out);
  Str(f.customer, out);
  Key("version", out);
  Int(e.version, out);
  Key("origin", out);
  Str(e.origin, out);
  Key("seq", out);
  Uint(e.seq, out);
  Key("time", out);
  Str(FormatTime(e.time_ms), out);
  Key("recorded", out);
  if (f.recorded_ms > 0) {
    Str(FormatTime(f.recorded_ms), out);
  } else {
    out->append("null");
  }
  Key("in_window", out);
  out->append(f.in_window ? "true" : "false");
  if (f.entry) {
    Key("points_change", out);
    Int(f.points_change, out);
    Key("credit_change", out);
    Int(f.credit_change, out);
    Key("points_after", out);
    Int(f.points_after, out);
    Key("credit_after", out);
    Int(f.credit_after, out);
  }
  Key("prev_hash", out);
  out->push_back('"');
  out->append(coding::Hex(f.prev_hash));
  out->push_back('"');
  Key("hash", out);
  out->push_back('"');
  out->append(coding::Hex(e.hash));
  out->push_back('"');
  Key("format", out);
  Uint(record::FormatOf(e), out);
  Key("canonical", out);
  out->push_back('"');
  out->append(Base64Encode(f.canonical));
  out->append("\"}\n");
}

}  // namespace clientele::json_line
