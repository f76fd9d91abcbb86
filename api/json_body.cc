#include "api/json_body.h"

#include <algorithm>

namespace clientele::api {

namespace {

// True if every number outside strings in `text` is written as JSON allows
// (RFC 8259 6): -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
bool NumbersAreJson(std::string_view text) {
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
      continue;
    }
    if (c != '-' && (c < '0' || c > '9')) continue;
    std::size_t j = i;
    auto digits = [&] {
      const std::size_t from = j;
      while (j < text.size() && text[j] >= '0' && text[j] <= '9') ++j;
      return j - from;
    };
    if (text[j] == '-') ++j;
    if (j >= text.size()) return false;
    if (text[j] == '0') {
      ++j;
    } else if (digits() == 0) {
      return false;
    }
    if (j < text.size() && text[j] == '.') {
      ++j;
      if (digits() == 0) return false;
    }
    if (j < text.size() && (text[j] == 'e' || text[j] == 'E')) {
      ++j;
      if (j < text.size() && (text[j] == '+' || text[j] == '-')) ++j;
      if (digits() == 0) return false;
    }
    // A number ends at a delimiter: anything else glued to it (01, 0x10, 1.2.3) is not JSON.
    if (j < text.size() && std::string_view(",]} \t\r\n").find(text[j]) == std::string_view::npos) {
      return false;
    }
    i = j - 1;
  }
  return true;
}

// The first key that appears twice in one object, anywhere in `e`.
std::optional<std::string> DuplicateKey(simdjson::dom::element e) {
  if (simdjson::dom::object o; !e.get_object().get(o)) {
    std::vector<std::string_view> keys;
    for (auto [key, value] : o) {
      keys.push_back(key);
      if (auto inner = DuplicateKey(value)) return inner;
    }
    std::sort(keys.begin(), keys.end());
    auto twice = std::adjacent_find(keys.begin(), keys.end());
    if (twice != keys.end()) return std::string(*twice);
  } else if (simdjson::dom::array a; !e.get_array().get(a)) {
    for (simdjson::dom::element item : a) {
      if (auto inner = DuplicateKey(item)) return inner;
    }
  }
  return std::nullopt;
}

}  // namespace

std::expected<JsonBody, HttpResponse> JsonBody::Parse(std::string_view body,
                                                      std::span<const std::string_view> fields) {
  JsonBody out;
  out.parser_ = std::make_unique<simdjson::dom::parser>();
  if (out.parser_->allocate(std::max<std::size_t>(body.size(), 64), kMaxDepth)) {
    return std::unexpected(Problem(413, "body_too_large", "the body cannot be parsed"));
  }
  simdjson::dom::element root;
  if (auto err = out.parser_->parse(body.data(), body.size()).get(root); err) {
    switch (err) {
      case simdjson::UTF8_ERROR:
        return std::unexpected(Problem(400, "invalid_utf8", "the body is not valid UTF-8"));
      case simdjson::DEPTH_ERROR:
        return std::unexpected(
            Problem(400, "too_deep",
                    "the body nests deeper than " + std::to_string(kMaxDepth) + " levels"));
      case simdjson::NUMBER_ERROR:
        if (!NumbersAreJson(body)) {
          return std::unexpected(Problem(
              400, "invalid_json",
              "the body is not valid JSON: a number is not written as JSON allows (no leading "
              "zeros, no hexadecimal)"));
        }
        return std::unexpected(Problem(422, "too_large", "a number in the body is out of range"));
      case simdjson::EMPTY:
        return std::unexpected(
            Problem(400, "invalid_json", "the body is empty; send a JSON object"));
      default:
        return std::unexpected(
            Problem(400, "invalid_json",
                    std::string("the body is not valid JSON: ") + simdjson::error_message(err)));
    }
  }
  if (root.get_object().get(out.object_)) {
    return std::unexpected(Problem(400, "not_an_object", "the body must be a JSON object"));
  }
  if (auto twice = DuplicateKey(root)) {
    return std::unexpected(Problem(
        400, "invalid_json",
        "the body is not valid JSON for this API: an object has the key \"" + *twice + "\" twice"));
  }
  out.CheckFields(fields);
  return out;
}

std::expected<JsonBody, HttpResponse> JsonBody::Of(simdjson::dom::element e,
                                                   std::span<const std::string_view> fields) {
  JsonBody out;
  if (e.get_object().get(out.object_)) {
    return std::unexpected(Problem(400, "not_an_object", "the body must be a JSON object"));
  }
  out.CheckFields(fields);
  return out;
}

void JsonBody::CheckFields(std::span<const std::string_view> fields) {
  for (auto [key, value] : object_) {
    bool known = false;
    for (std::string_view f : fields) known = known || f == key;
    if (!known) AddError(std::string(key), "unknown_field", "is not a field of this request");
  }
}

std::optional<simdjson::dom::element> JsonBody::Get(std::string_view field, bool required) {
  simdjson::dom::element e;
  if (object_.at_key(field).get(e) || e.is_null()) {
    if (required) AddError(std::string(field), "required", "is required");
    return std::nullopt;
  }
  return e;
}

bool JsonBody::Has(std::string_view field) const {
  simdjson::dom::element e;
  return !object_.at_key(field).get(e);
}

std::optional<std::string> JsonBody::String(std::string_view field, bool required) {
  auto e = Get(field, required);
  if (!e) return std::nullopt;
  std::string_view s;
  if (e->get_string().get(s)) {
    AddError(std::string(field), "wrong_type", "must be a string");
    return std::nullopt;
  }
  return std::string(s);
}

std::optional<std::int64_t> JsonBody::Integer(std::string_view field, bool required) {
  auto e = Get(field, required);
  if (!e) return std::nullopt;
  std::int64_t v;
  const auto type = e->type();
  if (type != simdjson::dom::element_type::INT64 && type != simdjson::dom::element_type::UINT64) {
    AddError(std::string(field), "wrong_type", "must be a whole number");
    return std::nullopt;
  }
  if (e->get_int64().get(v)) {
    AddError(std::string(field), "too_large", "is out of range");
    return std::nullopt;
  }
  return v;
}

std::optional<bool> JsonBody::Bool(std::string_view field, bool required) {
  auto e = Get(field, required);
  if (!e) return std::nullopt;
  bool v;
  if (e->get_bool().get(v)) {
    AddError(std::string(field), "wrong_type", "must be true or false");
    return std::nullopt;
  }
  return v;
}

std::optional<simdjson::dom::object> JsonBody::Object(std::string_view field, bool required) {
  auto e = Get(field, required);
  if (!e) return std::nullopt;
  simdjson::dom::object o;
  if (e->get_object().get(o)) {
    AddError(std::string(field), "wrong_type", "must be an object");
    return std::nullopt;
  }
  return o;
}

}  // namespace clientele::api
