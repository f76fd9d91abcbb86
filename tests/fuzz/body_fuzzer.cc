// libFuzzer target: request bodies and targets as the API parses them.
// Whatever the bytes, parsing must neither crash nor leak, and a refusal must
// be a 4xx problem. The first byte picks which route's fields to expect.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "api/http.h"
#include "api/json_body.h"

namespace {

using clientele::api::JsonBody;

const std::vector<std::vector<std::string_view>> kShapes = {
    {"first_name", "last_name", "email", "phone", "tax_id", "address", "notes"},
    {"tab_id", "amount", "paid_at"},
    {"refund_id", "tab_id", "amount"},
    {"points", "note", "reference"},
    {"delta", "note"},
    {"amount", "payment_ref", "note"},
    {"points", "per_amount", "rounding"},
    {"enabled"},
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto& shape = kShapes[data[0] % kShapes.size()];
  auto body = JsonBody::Parse(input, shape);
  if (!body) {
    if (body.error().status < 400 || body.error().status > 499 || body.error().body.empty()) {
      __builtin_trap();
    }
  } else {
    for (std::string_view field : shape) {
      (void)body->String(field);
      (void)body->Integer(field);
      (void)body->Bool(field);
      (void)body->Has(field);
    }
    if (!body->errors().empty()) {
      auto problem = clientele::api::Problem(body->errors());
      if (problem.status != 422) __builtin_trap();
    }
  }
  std::string path;
  std::map<std::string, std::string> query;
  (void)clientele::api::ParseTarget(input, &path, &query);
  return 0;
}
