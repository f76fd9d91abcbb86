#include "domain/customer_code.h"

#include <cctype>
#include <charconv>
#include <cstdio>

#include "domain/ids.h"

namespace clientele {

namespace {

Status BadCode() {
  return Status::InvalidArgument("code", "invalid_code",
                                 "code must look like CUST-00042 or CUST-S01-00042");
}

}  // namespace

std::string FormatCustomerCode(std::string_view node, std::uint64_t sequence) {
  std::string out = "CUST-";
  if (node != kHqNode) {
    for (char c : node) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    out += '-';
  }
  char digits[24];
  std::snprintf(digits, sizeof(digits), "%05llu", static_cast<unsigned long long>(sequence));
  out += digits;
  return out;
}

Result<ParsedCode> ParseCustomerCode(std::string_view code) {
  std::string upper;
  upper.reserve(code.size());
  for (char c : code) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string_view rest(upper);
  if (!rest.starts_with("CUST-")) return Error(BadCode());
  rest.remove_prefix(5);
  ParsedCode parsed;
  parsed.node = std::string(kHqNode);
  if (auto dash = rest.find('-'); dash != std::string_view::npos) {
    std::string node;
    for (char c : rest.substr(0, dash)) {
      node += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (node == kHqNode || !ValidateNodeId(node).ok()) return Error(BadCode());
    parsed.node = node;
    rest.remove_prefix(dash + 1);
  }
  if (rest.size() < 5 || rest.size() > 19) return Error(BadCode());
  for (char c : rest) {
    if (c < '0' || c > '9') return Error(BadCode());
  }
  std::from_chars(rest.data(), rest.data() + rest.size(), parsed.sequence);
  if (parsed.sequence == 0) return Error(BadCode());
  return parsed;
}

void CodeAllocator::Observe(std::string_view code) {
  auto parsed = ParseCustomerCode(code);
  if (parsed && parsed->node == node_ && parsed->sequence > highest_) {
    highest_ = parsed->sequence;
  }
}

}  // namespace clientele
