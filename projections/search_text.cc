#include "projections/search_text.h"

#include <utf8proc.h>

#include <cstdlib>

namespace clientele {

namespace {

bool IsApostrophe(utf8proc_int32_t c) { return c == '\'' || c == 0x2019 || c == 0x02BC; }

// Scripts written without spaces between words.
bool IsUnspaced(utf8proc_int32_t c) {
  return (c >= 0x3040 && c <= 0x30FF) ||  // Hiragana, Katakana
         (c >= 0x3400 && c <= 0x4DBF) ||  // CJK Extension A
         (c >= 0x4E00 && c <= 0x9FFF) ||  // CJK Unified Ideographs
         (c >= 0xAC00 && c <= 0xD7AF) ||  // Hangul syllables
         (c >= 0xF900 && c <= 0xFAFF) ||  // CJK Compatibility Ideographs
         (c >= 0x20000 && c <= 0x2FFFF);  // CJK Extensions B...
}

bool IsWordChar(utf8proc_int32_t c) {
  switch (utf8proc_category(c)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
      return true;
    default:
      return false;
  }
}

void Append(std::string* out, utf8proc_int32_t c) {
  utf8proc_uint8_t buf[4];
  utf8proc_ssize_t n = utf8proc_encode_char(c, buf);
  out->append(reinterpret_cast<char*>(buf), static_cast<std::size_t>(n));
}

// Calls word(folded word) for each word of `text`, and each unspaced-script
// suffix as a word of its own.
template <typename F>
void ForEachWord(std::string_view text, F word) {
  bool ascii = true;
  for (char c : text) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  if (ascii) {  // the common case, folded without utf8proc to the same result
    std::string current;
    for (char c : text) {
      if (c >= 'A' && c <= 'Z') {
        current += static_cast<char>(c - 'A' + 'a');
      } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
        current += c;
      } else if (c != '\'') {
        if (!current.empty()) word(current);
        current.clear();
      }
    }
    if (!current.empty()) word(current);
    return;
  }
  utf8proc_uint8_t* folded = nullptr;
  utf8proc_ssize_t n = utf8proc_map(
      reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
      static_cast<utf8proc_ssize_t>(text.size()), &folded,
      static_cast<utf8proc_option_t>(UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE | UTF8PROC_CASEFOLD |
                                     UTF8PROC_STRIPMARK | UTF8PROC_IGNORE));
  if (n < 0) return;  // not UTF-8: nothing to search
  std::vector<utf8proc_int32_t> chars;
  for (utf8proc_ssize_t i = 0; i < n;) {
    utf8proc_int32_t c;
    utf8proc_ssize_t len = utf8proc_iterate(folded + i, n - i, &c);
    if (len <= 0) break;
    chars.push_back(c);
    i += len;
  }
  std::free(folded);
  std::string current;
  auto flush = [&] {
    if (!current.empty()) word(current);
    current.clear();
  };
  for (std::size_t i = 0; i < chars.size(); ++i) {
    utf8proc_int32_t c = chars[i];
    if (IsApostrophe(c)) continue;
    if (!IsWordChar(c)) {
      flush();
      continue;
    }
    if (IsUnspaced(c)) {
      // Each character of an unspaced run starts a word reaching to the run's end.
      flush();
      std::string suffix;
      for (std::size_t j = i; j < chars.size() && IsUnspaced(chars[j]); ++j)
        Append(&suffix, chars[j]);
      word(suffix);
      continue;
    }
    Append(&current, c);
  }
  flush();
}

}  // namespace

std::string Fold(std::string_view text) {
  std::string out;
  ForEachWord(text, [&](const std::string& w) {
    if (!out.empty()) out += ' ';
    out += w;
  });
  return out;
}

void AppendWords(std::string_view text, std::string* out) {
  ForEachWord(text, [&](const std::string& w) {
    *out += w;
    *out += '\n';
  });
}

std::string Digits(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c >= '0' && c <= '9') out += c;
  }
  return out;
}

}  // namespace clientele
