// Reading a JSON request body: one object, known fields only, each of the
// expected type. Every problem is collected as a FieldError, so that a client
// hears about all its mistakes at once.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/problem.h"
#include "domain/status.h"

namespace clientele::api {

class JsonBody {
 public:
  static constexpr std::size_t kMaxDepth = 16;

  // Parses `body`, which must be a JSON object of at most kMaxDepth levels
  // whose fields are all in `fields`. The error is a ready 400/422 problem.
  static std::expected<JsonBody, HttpResponse> Parse(std::string_view body,
                                                     std::span<const std::string_view> fields);
  static std::expected<JsonBody, HttpResponse> Parse(
      std::string_view body, std::initializer_list<std::string_view> fields) {
    return Parse(body, std::span<const std::string_view>(fields.begin(), fields.size()));
  }

  // A body already parsed: `e`, part of a larger document (POST /v1/batch's
  // commands), read as Parse reads a whole body. `e` must outlive the body.
  static std::expected<JsonBody, HttpResponse> Of(simdjson::dom::element e,
                                                  std::span<const std::string_view> fields);

  // The field's value, or nullopt when absent or null (an error if required)
  // or of the wrong type (an error).
  std::optional<std::string> String(std::string_view field, bool required = false);
  std::optional<std::int64_t> Integer(std::string_view field, bool required = false);
  std::optional<bool> Bool(std::string_view field, bool required = false);
  // A nested object; valid while this body lives.
  std::optional<simdjson::dom::object> Object(std::string_view field, bool required = false);
  bool Has(std::string_view field) const;
  // The whole body; valid while this body lives.
  simdjson::dom::object root() const { return object_; }

  const std::vector<FieldError>& errors() const { return errors_; }
  void AddError(std::string field, std::string reason, std::string detail) {
    errors_.push_back({std::move(field), std::move(reason), std::move(detail)});
  }

 private:
  JsonBody() = default;
  std::optional<simdjson::dom::element> Get(std::string_view field, bool required);
  void CheckFields(std::span<const std::string_view> fields);

  std::unique_ptr<simdjson::dom::parser> parser_;
  simdjson::dom::object object_;
  std::vector<FieldError> errors_;
};

}  // namespace clientele::api
