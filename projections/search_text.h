// Text as the customer search sees it.
//
// Fold turns text into lower-case, accent-free words through utf8proc
// (compatibility decomposition, case folding, marks stripped): "Müller" and
// "MULLER" both fold to "muller", "Núñez" to "nunez". Apostrophes vanish
// inside words ("O'Brien" -> "obrien"); every other non-letter, non-digit
// separates words ("Jean-Luc" -> "jean luc"). In scripts written without
// spaces (Chinese, Japanese, Korean) each character starts a word of its own,
// so a search can begin at any character of a name.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace clientele {

// The folded words of `text`, separated by single spaces.
std::string Fold(std::string_view text);

// Appends the folded words of `text` to `out`, each followed by '\n'.
void AppendWords(std::string_view text, std::string* out);

// The digits of a phone number, whatever its formatting.
std::string Digits(std::string_view text);

}  // namespace clientele
