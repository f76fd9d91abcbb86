#include "imports/csv.h"

namespace clientele {

int CsvReader::Get() {
  const int c = in_->get();
  if (c == std::char_traits<char>::eof()) return -1;
  ++bytes_;
  if (c == '\n') ++line_;
  return c;
}

int CsvReader::Peek() {
  const int c = in_->peek();
  return c == std::char_traits<char>::eof() ? -1 : c;
}

Result<std::optional<std::vector<std::string>>> CsvReader::Next() {
  if (!started_) {
    started_ = true;
    if (Peek() == 0xEF) {  // a UTF-8 byte-order mark
      std::string bom(3, '\0');
      in_->read(bom.data(), 3);
      bytes_ += static_cast<std::uint64_t>(in_->gcount());
      if (bom != "\xEF\xBB\xBF") {
        return Error(Status::InvalidArgument(
            "file", "invalid_csv", "line 1: the file starts with bytes that are not UTF-8"));
      }
    }
  }
  if (Peek() < 0) return std::optional<std::vector<std::string>>();
  record_line_ = line_;
  auto bad = [&](const std::string& what) {
    return Error(Status::InvalidArgument("file", "invalid_csv",
                                         "line " + std::to_string(line_) + ": " + what));
  };
  std::vector<std::string> fields(1);
  bool quoted = false;      // inside a quoted field
  bool was_quoted = false;  // the current field was quoted and closed
  for (;;) {
    const int c = Get();
    if (quoted) {
      if (c < 0) {
        return Error(Status::InvalidArgument(
            "file", "invalid_csv",
            "line " + std::to_string(record_line_) + ": a quoted field is never closed"));
      }
      if (c == '"') {
        if (Peek() == '"') {
          Get();
          fields.back().push_back('"');
        } else {
          quoted = false;
          was_quoted = true;
        }
      } else {
        fields.back().push_back(static_cast<char>(c));
      }
      continue;
    }
    if (c < 0 || c == '\n') break;
    if (c == '\r') {
      if (Peek() == '\n') Get();
      break;
    }
    if (c == ',') {
      fields.emplace_back();
      was_quoted = false;
      continue;
    }
    if (was_quoted) return bad("text after the closing quote of a field");
    if (c == '"') {
      if (!fields.back().empty()) return bad("a quote inside an unquoted field");
      quoted = true;
      continue;
    }
    fields.back().push_back(static_cast<char>(c));
  }
  return std::optional<std::vector<std::string>>(std::move(fields));
}

void CsvWriter::Cell(std::string_view value, std::string* out) {
  const bool formula = !value.empty() && (value[0] == '=' || value[0] == '+' || value[0] == '-' ||
                                          value[0] == '@' || value[0] == '\t' || value[0] == '\r');
  const bool quote = formula || value.find_first_of(",\"\r\n") != std::string_view::npos;
  if (quote) out->push_back('"');
  if (formula) out->push_back('\'');
  for (char c : value) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  if (quote) out->push_back('"');
}

void CsvWriter::Row(const std::vector<std::string_view>& fields, std::string* out) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out->push_back(',');
    Cell(fields[i], out);
  }
  out->append("\r\n");
}

}  // namespace clientele
