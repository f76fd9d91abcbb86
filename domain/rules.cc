#include "domain/rules.h"

#include "domain/details.h"

namespace clientele {

// A trimmed reference (tab id, payment reference...): required, at most 128 bytes.
Result<std::string> Reference(std::string_view field, std::string_view value, bool required) {
  std::string v = Trim(value);
  std::string name(field);
  if (v.empty() && required) {
    return Error(Status::InvalidArgument(name, "required", name + " is required"));
  }
  if (v.size() > 128) {
    return Error(Status::InvalidArgument(name, "too_long", name + " must be at most 128 bytes"));
  }
  for (unsigned char c : v) {
    if (c < 0x20 || c == 0x7f) {
      return Error(Status::InvalidArgument(name, "control_character",
                                           name + " must not contain control characters"));
    }
  }
  return v;
}

// A trimmed note: at most 500 bytes; required for manager adjustments.
Result<std::string> Note(std::string_view value, bool required) {
  std::string v = Trim(value);
  if (v.empty() && required) {
    return Error(Status::InvalidArgument("note", "note_required",
                                         "a note saying why is required for an adjustment"));
  }
  if (v.size() > 500) {
    return Error(Status::InvalidArgument("note", "too_long", "note must be at most 500 bytes"));
  }
  return v;
}

Status PositiveAmount(std::string_view field, std::int64_t v, std::int64_t max) {
  std::string name(field);
  if (v <= 0) {
    return Status::InvalidArgument(name, "not_positive", name + " must be greater than zero");
  }
  if (v > max) {
    return Status::InvalidArgument(name, "too_large",
                                   name + " must be at most " + std::to_string(max));
  }
  return Status::OK();
}

Status NonZeroDelta(std::int64_t v, std::int64_t max) {
  if (v == 0) return Status::InvalidArgument("delta", "zero", "delta must not be zero");
  if (v > max || v < -max) {
    return Status::InvalidArgument(
        "delta", "too_large",
        "delta must be between -" + std::to_string(max) + " and " + std::to_string(max));
  }
  return Status::OK();
}

}  // namespace clientele
