#include "imports/text_encoding.h"

#include <cstdio>

namespace clientele {

namespace {

// Windows-1252's 0x80..0x9F (0: undefined); the rest of 0x80..0xFF is Latin-1.
constexpr char32_t kHigh[32] = {0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
                                0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

bool DefinedIn1252(unsigned char b) { return b < 0x80 || b > 0x9F || kHigh[b - 0x80] != 0; }

// How many continuation bytes a UTF-8 lead byte takes; 0 for a byte that
// cannot start a sequence (a continuation byte, an overlong C0/C1, F5..FF).
int LeadLength(unsigned char b) {
  if (b >= 0xC2 && b <= 0xDF) return 1;
  if (b >= 0xE0 && b <= 0xEF) return 2;
  if (b >= 0xF0 && b <= 0xF4) return 3;
  return 0;
}

std::string Hex(unsigned char b) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "0x%02X", b);
  return buf;
}

Status Neither(std::int64_t line, const std::string& what) {
  return Status::InvalidArgument(
      "file", "invalid_encoding",
      "line " + std::to_string(line) + ": " + what +
          "; save the file as UTF-8 (in a spreadsheet: \"CSV UTF-8\") and upload it again");
}

void AppendUtf8(char32_t c, std::string* out) {
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xE0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

}  // namespace

std::string_view TextEncodingName(TextEncoding encoding) {
  return encoding == TextEncoding::kWindows1252 ? "windows-1252" : "utf-8";
}

bool EncodingDetector::Continues(unsigned char b) const {
  if (b < 0x80 || b > 0xBF) return false;
  if (len_ != 1) return true;
  switch (seq_[0]) {  // the second byte rules out overlong forms, surrogates, > U+10FFFF
    case 0xE0:
      return b >= 0xA0;
    case 0xED:
      return b <= 0x9F;
    case 0xF0:
      return b >= 0x90;
    case 0xF4:
      return b <= 0x8F;
    default:
      return true;
  }
}

void EncodingDetector::FeedSlow(unsigned char byte, std::int64_t line) {
  if (!status_.ok()) return;
  if (need_ > 0) {
    if (Continues(byte)) {
      seq_[len_++] = byte;
      if (--need_ == 0) {
        len_ = 0;
        ValidSequence(seq_line_);
      }
      return;
    }
    Abandon();
  }
  if (byte < 0x80) return;
  const int more = LeadLength(byte);
  if (more == 0) {
    InvalidByte(byte, line);
    return;
  }
  seq_[0] = byte;
  len_ = 1;
  need_ = more;
  seq_line_ = line;
}

void EncodingDetector::End() {
  if (need_ > 0) Abandon();
}

void EncodingDetector::Abandon() {
  const int len = len_;
  len_ = need_ = 0;
  for (int i = 0; i < len; ++i) InvalidByte(seq_[i], seq_line_);
}

void EncodingDetector::ValidSequence(std::int64_t line) {
  if (mode_ == Mode::kUndecided) {
    mode_ = Mode::kUtf8;
    decided_line_ = line;
  } else if (mode_ == Mode::kWindows1252 && status_.ok()) {
    status_ = Neither(decided_line_, "byte " + Hex(decided_byte_) + " is not UTF-8, and line " +
                                         std::to_string(line) +
                                         " holds UTF-8 text, so the file is not Windows-1252 "
                                         "either: it mixes the two");
  }
}

void EncodingDetector::InvalidByte(unsigned char byte, std::int64_t line) {
  if (!status_.ok()) return;
  if (mode_ == Mode::kUtf8) {
    status_ = Neither(
        line, "byte " + Hex(byte) + " is not UTF-8" +
                  (decided_line_ > 0
                       ? ", though line " + std::to_string(decided_line_) + " holds UTF-8 text"
                       : std::string(" (the file says it is UTF-8)")));
  } else if (!DefinedIn1252(byte)) {
    status_ = Neither(line, "byte " + Hex(byte) + " is neither UTF-8 nor Windows-1252");
  } else if (mode_ == Mode::kUndecided) {
    mode_ = Mode::kWindows1252;
    decided_line_ = line;
    decided_byte_ = byte;
  }
}

std::string Windows1252ToUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 4);
  for (char ch : text) {
    const auto b = static_cast<unsigned char>(ch);
    if (b < 0x80) {
      out.push_back(ch);
    } else if (b >= 0xA0) {
      AppendUtf8(b, &out);
    } else {
      const char32_t c = kHigh[b - 0x80];
      AppendUtf8(c != 0 ? c : char32_t{0xFFFD}, &out);
    }
  }
  return out;
}

}  // namespace clientele
