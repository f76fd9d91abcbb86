#include "domain/details.h"

#include "domain/text.h"

namespace clientele {

namespace {

struct FieldRule {
  std::size_t max_bytes;
  bool multiline;  // may hold line breaks
};

FieldRule RuleFor(DetailField f) {
  switch (f) {
    case DetailField::kFirstName:
    case DetailField::kLastName:
      return {100, false};
    case DetailField::kEmail:
      return {254, false};
    case DetailField::kPhone:
      return {32, false};
    case DetailField::kTaxId:
      return {64, false};
    case DetailField::kAddress:
      return {500, true};
    case DetailField::kNotes:
      return {2000, true};
  }
  return {0, false};
}

Status Invalid(DetailField f, std::string reason, const std::string& what) {
  std::string name(DetailFieldName(f));
  return Status::InvalidArgument(name, std::move(reason), name + " " + what);
}

Status ValidateEmail(std::string_view v) {
  auto at = v.find('@');
  bool ok = at != std::string_view::npos && at > 0 && v.find('@', at + 1) == std::string_view::npos;
  if (ok) {
    std::string_view domain = v.substr(at + 1);
    auto dot = domain.rfind('.');
    ok = dot != std::string_view::npos && dot > 0 && dot + 1 < domain.size();
  }
  for (char c : v) ok = ok && c != ' ';
  if (!ok) return Invalid(DetailField::kEmail, "invalid_email", "must look like name@example.com");
  return Status::OK();
}

Status ValidatePhone(std::string_view v) {
  int digits = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (!(c == ' ' || c == '-' || c == '(' || c == ')' || c == '.' || c == '/' ||
                 (c == '+' && i == 0))) {
      return Invalid(DetailField::kPhone, "invalid_phone",
                     "may hold only digits, spaces, a leading '+' and - ( ) . /");
    }
  }
  if (digits < 3) return Invalid(DetailField::kPhone, "invalid_phone", "needs at least 3 digits");
  return Status::OK();
}

// `value` as it is stored: in NFC, trimmed and checked against the rules of
// `f`. An empty result means "not given"; the caller decides if that may be.
Result<std::string> CleanValue(DetailField f, std::string_view value) {
  FieldRule rule = RuleFor(f);
  std::string_view name = DetailFieldName(f);
  auto v = rule.multiline ? CleanLines(name, value) : CleanLine(name, value);
  if (!v || v->empty()) return v;
  if (v->size() > rule.max_bytes) {
    return Error(
        Invalid(f, "too_long", "must be at most " + std::to_string(rule.max_bytes) + " bytes"));
  }
  if (f == DetailField::kEmail) {
    if (Status s = ValidateEmail(*v); !s.ok()) return Error(s);
  }
  if (f == DetailField::kPhone) {
    if (Status s = ValidatePhone(*v); !s.ok()) return Error(s);
  }
  return v;
}

bool Required(DetailField f) { return f == DetailField::kFirstName || f == DetailField::kLastName; }

}  // namespace

std::string_view DetailFieldName(DetailField field) {
  switch (field) {
    case DetailField::kFirstName:
      return "first_name";
    case DetailField::kLastName:
      return "last_name";
    case DetailField::kEmail:
      return "email";
    case DetailField::kPhone:
      return "phone";
    case DetailField::kTaxId:
      return "tax_id";
    case DetailField::kAddress:
      return "address";
    case DetailField::kNotes:
      return "notes";
  }
  return "";
}

bool DetailsPatch::empty() const {
  for (const auto& v : values) {
    if (v) return false;
  }
  return true;
}

Result<CustomerDetails> NormalizeDetails(CustomerDetails details) {
  for (DetailField f : kAllDetailFields) {
    auto v = CleanValue(f, details[f]);
    if (!v) return Error(v.error());
    if (v->empty() && Required(f)) {
      return Error(Invalid(f, "required", "is required and must not be blank"));
    }
    details[f] = std::move(*v);
  }
  return details;
}

Result<DetailsPatch> NormalizePatch(DetailsPatch patch) {
  for (DetailField f : kAllDetailFields) {
    if (!patch[f]) continue;
    auto v = CleanValue(f, *patch[f]);
    if (!v) return Error(v.error());
    if (v->empty() && Required(f)) {
      return Error(Invalid(f, "required", "is required and must not be blank"));
    }
    patch[f] = std::move(*v);
  }
  return patch;
}

}  // namespace clientele
