// A customer's editable details and the rules every value must meet.
//
// Details are plain UTF-8 strings; an empty optional field means "not given".
// NormalizeDetails / NormalizePatch put each value in the form of
// domain/text.h (NFC, trimmed, no control, invisible or text-direction
// characters) and check it, so that the events recorded in the log only ever
// hold clean values. Address and notes may span several lines; the other
// fields are one line.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "domain/status.h"
#include "domain/text.h"

namespace clientele {

enum class DetailField { kFirstName, kLastName, kEmail, kPhone, kTaxId, kAddress, kNotes };
inline constexpr int kDetailFieldCount = 7;
inline constexpr std::array<DetailField, kDetailFieldCount> kAllDetailFields = {
    DetailField::kFirstName, DetailField::kLastName, DetailField::kEmail, DetailField::kPhone,
    DetailField::kTaxId,     DetailField::kAddress,  DetailField::kNotes};

// "first_name", "last_name", "email", "phone", "tax_id", "address", "notes".
std::string_view DetailFieldName(DetailField field);

struct CustomerDetails {
  std::array<std::string, kDetailFieldCount> values;

  std::string& operator[](DetailField f) { return values[static_cast<int>(f)]; }
  const std::string& operator[](DetailField f) const { return values[static_cast<int>(f)]; }
  bool operator==(const CustomerDetails&) const = default;
};

// A change of some fields: nullopt leaves a field as it is; an empty string
// clears an optional field (first and last name cannot be cleared).
struct DetailsPatch {
  std::array<std::optional<std::string>, kDetailFieldCount> values;

  std::optional<std::string>& operator[](DetailField f) { return values[static_cast<int>(f)]; }
  const std::optional<std::string>& operator[](DetailField f) const {
    return values[static_cast<int>(f)];
  }
  bool empty() const;
  bool operator==(const DetailsPatch&) const = default;
};

// Normalizes and validates every field; first and last name are required.
// InvalidArgument naming the first field refused, with reason "required",
// "too_long", "invalid_utf8", "control_character", "invisible_character",
// "invalid_email" or "invalid_phone".
Result<CustomerDetails> NormalizeDetails(CustomerDetails details);
// Normalizes and validates the fields the patch sets, as NormalizeDetails.
Result<DetailsPatch> NormalizePatch(DetailsPatch patch);

}  // namespace clientele
