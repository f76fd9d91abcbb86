#include "domain/text.h"

#include <simdjson.h>
#include <utf8proc.h>

#include <cstdio>
#include <cstdlib>

namespace clientele {

namespace {

bool IsAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

bool IsAsciiSpace(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The character that starts `s` and its length in bytes; a length <= 0 if
// `s` does not start with a UTF-8 character.
utf8proc_ssize_t Decode(std::string_view s, utf8proc_int32_t* c) {
  return utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data()),
                          static_cast<utf8proc_ssize_t>(s.size()), c);
}

// The character `*rest` starts with, removed from it. A byte that starts no
// UTF-8 character is taken alone, as U+FFFD.
utf8proc_int32_t Next(std::string_view* rest) {
  utf8proc_int32_t c = static_cast<unsigned char>((*rest)[0]);
  utf8proc_ssize_t len = 1;
  if (c >= 0x80) {
    len = Decode(*rest, &c);
    if (len <= 0) {
      c = 0xFFFD;
      len = 1;
    }
  }
  rest->remove_prefix(static_cast<std::size_t>(len));
  return c;
}

bool IsSpace(utf8proc_int32_t c) {
  return (c < 0x80 && IsAsciiSpace(static_cast<unsigned char>(c))) ||
         utf8proc_category(c) == UTF8PROC_CATEGORY_ZS;
}

// Names of the format characters people meet most; others are shown by number.
const char* FormatCharacterName(utf8proc_int32_t c) {
  switch (c) {
    case 0x00AD:
      return "SOFT HYPHEN";
    case 0x061C:
      return "ARABIC LETTER MARK";
    case 0x180E:
      return "MONGOLIAN VOWEL SEPARATOR";
    case 0x200B:
      return "ZERO WIDTH SPACE";
    case 0x200C:
      return "ZERO WIDTH NON-JOINER";
    case 0x200D:
      return "ZERO WIDTH JOINER";
    case 0x200E:
      return "LEFT-TO-RIGHT MARK";
    case 0x200F:
      return "RIGHT-TO-LEFT MARK";
    case 0x202A:
      return "LEFT-TO-RIGHT EMBEDDING";
    case 0x202B:
      return "RIGHT-TO-LEFT EMBEDDING";
    case 0x202C:
      return "POP DIRECTIONAL FORMATTING";
    case 0x202D:
      return "LEFT-TO-RIGHT OVERRIDE";
    case 0x202E:
      return "RIGHT-TO-LEFT OVERRIDE";
    case 0x2060:
      return "WORD JOINER";
    case 0x2066:
      return "LEFT-TO-RIGHT ISOLATE";
    case 0x2067:
      return "RIGHT-TO-LEFT ISOLATE";
    case 0x2068:
      return "FIRST STRONG ISOLATE";
    case 0x2069:
      return "POP DIRECTIONAL ISOLATE";
    case 0x2028:
      return "LINE SEPARATOR";
    case 0x2029:
      return "PARAGRAPH SEPARATOR";
    case 0xFEFF:
      return "ZERO WIDTH NO-BREAK SPACE (byte-order mark)";
    default:
      return nullptr;
  }
}

// "U+202E RIGHT-TO-LEFT OVERRIDE", or "U+0001".
std::string Describe(utf8proc_int32_t c) {
  char code[16];
  std::snprintf(code, sizeof(code), "U+%04X", static_cast<unsigned>(c));
  std::string out = code;
  if (const char* name = FormatCharacterName(c)) {
    out += ' ';
    out += name;
  }
  return out;
}

// What `c` is to a text value, if it may not be there.
enum class Refusal { kNone, kControl, kNotOneLine, kInvisible };

Refusal Check(utf8proc_int32_t c, bool multiline) {
  if (c == '\t' || c == '\n' || c == '\r' || c == 0x2028 || c == 0x2029) {
    return multiline ? Refusal::kNone : Refusal::kNotOneLine;
  }
  if (c < 0x80) return c < 0x20 || c == 0x7f ? Refusal::kControl : Refusal::kNone;
  switch (utf8proc_category(c)) {
    case UTF8PROC_CATEGORY_CC:
      return Refusal::kControl;
    case UTF8PROC_CATEGORY_CF:
      // The joiners shape Persian, Indic scripts and emoji, and reorder nothing.
      if (multiline && (c == 0x200C || c == 0x200D)) return Refusal::kNone;
      return Refusal::kInvisible;
    default:
      return Refusal::kNone;
  }
}

Result<std::string> Clean(std::string_view field, std::string_view value, bool multiline) {
  auto nfc = ToNfc(field, value);
  if (!nfc) return nfc;
  std::string v = Trim(*nfc);
  utf8proc_int32_t c = 0;
  Refusal refusal = Refusal::kNone;
  for (std::string_view rest = v; !rest.empty() && refusal == Refusal::kNone;) {
    c = Next(&rest);
    refusal = Check(c, multiline);
  }
  const std::string name(field);
  switch (refusal) {
    case Refusal::kNone:
      return v;
    case Refusal::kControl:
      return Error(Status::InvalidArgument(
          name, "control_character",
          name + " must not contain control characters (found " + Describe(c) + ")"));
    case Refusal::kNotOneLine:
      return Error(Status::InvalidArgument(
          name, "control_character",
          name + " must be one line, without tabs or control characters (found " + Describe(c) +
              ")"));
    case Refusal::kInvisible:
      return Error(Status::InvalidArgument(
          name, "invisible_character",
          name + " must not contain invisible or text-direction characters (found " + Describe(c) +
              ")"));
  }
  return v;
}

}  // namespace

std::string Trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e) {
    const unsigned char byte = static_cast<unsigned char>(s[b]);
    if (byte < 0x80) {
      if (!IsAsciiSpace(byte)) break;
      ++b;
      continue;
    }
    utf8proc_int32_t c;
    utf8proc_ssize_t len = Decode(s.substr(b, e - b), &c);
    if (len <= 0 || !IsSpace(c)) break;
    b += static_cast<std::size_t>(len);
  }
  while (e > b) {
    const unsigned char byte = static_cast<unsigned char>(s[e - 1]);
    if (byte < 0x80) {
      if (!IsAsciiSpace(byte)) break;
      --e;
      continue;
    }
    // The last character starts at most 3 continuation bytes back.
    std::size_t start = e - 1;
    while (start > b && e - start < 4 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) {
      --start;
    }
    utf8proc_int32_t c;
    utf8proc_ssize_t len = Decode(s.substr(start, e - start), &c);
    if (len != static_cast<utf8proc_ssize_t>(e - start) || !IsSpace(c)) break;
    e = start;
  }
  return std::string(s.substr(b, e - b));
}

Result<std::string> ToNfc(std::string_view field, std::string_view s) {
  if (IsAscii(s)) return std::string(s);  // ASCII is its own NFC
  const std::string name(field);
  auto invalid = [&] {
    return Error(Status::InvalidArgument(name, "invalid_utf8", name + " is not valid UTF-8"));
  };
  if (!simdjson::validate_utf8(s.data(), s.size())) return invalid();
  utf8proc_uint8_t* out = nullptr;
  utf8proc_ssize_t n = utf8proc_map(
      reinterpret_cast<const utf8proc_uint8_t*>(s.data()), static_cast<utf8proc_ssize_t>(s.size()),
      &out, static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  if (n < 0) return invalid();
  std::string nfc(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
  std::free(out);
  return nfc;
}

Result<std::string> CleanLine(std::string_view field, std::string_view value) {
  return Clean(field, value, false);
}

Result<std::string> CleanLines(std::string_view field, std::string_view value) {
  return Clean(field, value, true);
}

std::string MatchKey(std::string_view s) {
  auto nfc = ToNfc("", s);
  if (!nfc || IsAscii(*nfc)) {
    std::string out = nfc ? std::move(*nfc) : std::string(s);
    for (char& c : out) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
  }
  std::string out;
  std::string_view rest = *nfc;
  out.reserve(rest.size());
  while (!rest.empty()) {
    const utf8proc_int32_t c = Next(&rest);
    if (c < 0x80) {
      out += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
      continue;
    }
    utf8proc_uint8_t buf[4];
    utf8proc_ssize_t n = utf8proc_encode_char(utf8proc_tolower(c), buf);
    out.append(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(n));
  }
  return out;
}

}  // namespace clientele
