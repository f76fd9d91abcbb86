#include "domain/rules.h"

#include "domain/text.h"

namespace clientele {

Result<std::string> Reference(std::string_view field, std::string_view value, bool required) {
  auto clean = CleanLine(field, value);
  if (!clean) return clean;
  std::string v = std::move(*clean);
  std::string name(field);
  if (v.empty() && required) {
    return Error(Status::InvalidArgument(name, "required", name + " is required"));
  }
  if (v.size() > 128) {
    return Error(Status::InvalidArgument(name, "too_long", name + " must be at most 128 bytes"));
  }
  return v;
}

Result<std::string> Note(std::string_view value, bool required) {
  auto clean = CleanLines("note", value);
  if (!clean) return clean;
  std::string v = std::move(*clean);
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
