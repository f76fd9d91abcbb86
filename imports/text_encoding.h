// Which text encoding a file is in, decided as its bytes stream past.
//
// A file is UTF-8 when every byte that is not ASCII belongs to a well-formed
// UTF-8 sequence (no overlong forms, no surrogates, nothing past U+10FFFF). It
// is Windows-1252 (what spreadsheets in Western Europe and the Americas save
// as "CSV" by default) when none does: not one multi-byte UTF-8 sequence, and
// every byte that is not ASCII one that Windows-1252 defines (all but 0x81,
// 0x8D, 0x8F, 0x90 and 0x9D). Any other file is neither, and is refused.
//
// The first byte that is not ASCII decides which the file is taken for; a
// later byte that does not fit makes it neither, and the detector says where.
// Pure ASCII is both, and is called UTF-8.
//
// Example:
//   EncodingDetector detect;
//   for (each byte b of the file, on line n) detect.Feed(b, n);
//   detect.End();
//   if (!detect.status().ok()) ... refuse;
//   if (detect.encoding() == TextEncoding::kWindows1252) text = Windows1252ToUtf8(text);
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "domain/status.h"

namespace clientele {

enum class TextEncoding { kUtf8, kWindows1252 };

// "utf-8", "windows-1252".
std::string_view TextEncodingName(TextEncoding encoding);

class EncodingDetector {
 public:
  // Takes the file's next byte, which is on line `line` (for messages).
  void Feed(unsigned char byte, std::int64_t line) {
    if (need_ == 0 && byte < 0x80) return;  // ASCII: the common case
    FeedSlow(byte, line);
  }
  // The file ends (an unfinished UTF-8 sequence is a byte that is not UTF-8).
  void End();
  // The file said it is UTF-8 (a byte-order mark): it is taken for UTF-8.
  void AssumeUtf8() { mode_ = Mode::kUtf8; }

  // What the file is taken for, so far.
  TextEncoding encoding() const {
    return mode_ == Mode::kWindows1252 ? TextEncoding::kWindows1252 : TextEncoding::kUtf8;
  }
  // OK, or InvalidArgument("invalid_encoding") saying on which line a byte
  // makes the file neither UTF-8 nor Windows-1252. Once set, it stays.
  const Status& status() const { return status_; }

 private:
  enum class Mode { kUndecided, kUtf8, kWindows1252 };

  void FeedSlow(unsigned char byte, std::int64_t line);
  bool Continues(unsigned char byte) const;
  void Abandon();  // the sequence begun in seq_ is not UTF-8
  void ValidSequence(std::int64_t line);
  void InvalidByte(unsigned char byte, std::int64_t line);

  Mode mode_ = Mode::kUndecided;
  std::int64_t decided_line_ = 0;   // the line of the byte that decided the mode
  unsigned char decided_byte_ = 0;  // that byte, for Windows-1252
  unsigned char seq_[4] = {};       // a UTF-8 sequence being read
  int len_ = 0, need_ = 0;          // its bytes so far, and those still to come
  std::int64_t seq_line_ = 0;
  Status status_;
};

// `text`, read as Windows-1252, in UTF-8 (a byte Windows-1252 leaves undefined
// becomes U+FFFD).
std::string Windows1252ToUtf8(std::string_view text);

}  // namespace clientele
