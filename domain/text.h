// Text as Clientele stores it.
//
// Every text value a command or a file brings in (names, email, phone, tax id,
// address, notes, references) is stored
//   - as valid UTF-8,
//   - in Unicode Normalization Form C (NFC): "Rene\u0301e" typed on a Mac and
//     "Renée" typed elsewhere are one string to sorting, search, export and
//     import matching,
//   - without surrounding white space (ASCII and the Unicode space
//     separators, e.g. U+00A0 NO-BREAK SPACE and U+3000 IDEOGRAPHIC SPACE),
//   - without characters that are invisible or reorder the text around them:
//     the control characters (Unicode category Cc) and the format characters
//     (category Cf): zero-width space, joiners and word joiner, the byte-order
//     mark, the soft hyphen, the direction marks, embeddings, overrides and
//     isolates (U+200E/F, U+061C, U+202A-U+202E, U+2066-U+2069), tag
//     characters...
//
// A single line (a name, an email, a reference) refuses all of them. Several
// lines (an address, notes) may also hold tab, LF, CR, U+2028 and U+2029, and
// U+200C ZERO WIDTH NON-JOINER / U+200D ZERO WIDTH JOINER, which Persian and
// Indic spelling and emoji sequences need and which reorder nothing; every
// other Cc and Cf character, the direction controls above all, is refused.
//
// Refusals are InvalidArgument naming the field, with reason
//   "invalid_utf8"        - the bytes are not UTF-8,
//   "control_character"   - a Cc character (or a line break on a single line),
//   "invisible_character" - a Cf character, named in the message:
//       "first_name must not contain invisible or text-direction characters
//        (found U+202E RIGHT-TO-LEFT OVERRIDE)".
// These functions are pure and thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "domain/status.h"

namespace clientele {

// `s` without leading and trailing white space: ASCII space, tab, LF, CR and
// the Unicode space separators (category Zs). Bytes that are not UTF-8 are
// kept as they are.
std::string Trim(std::string_view s);

// `s` in NFC. InvalidArgument("invalid_utf8") naming `field` if `s` is not UTF-8.
Result<std::string> ToNfc(std::string_view field, std::string_view s);

// `value` in NFC and trimmed, if it is one clean line of text (see above);
// else InvalidArgument naming `field`. An empty or blank value gives "".
Result<std::string> CleanLine(std::string_view field, std::string_view value);

// As CleanLine, for text that may span several lines (see above).
Result<std::string> CleanLines(std::string_view field, std::string_view value);

// `s` in NFC, each character in lower case (Unicode simple case mapping:
// "É" -> "é", "ß" stays "ß"): the key under which emails match in any letter
// case and either normalization form. Bytes that are not UTF-8 are lowered as
// ASCII only.
std::string MatchKey(std::string_view s);

}  // namespace clientele
