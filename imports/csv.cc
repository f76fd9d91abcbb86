#include "imports/csv.h"

#include <algorithm>

namespace clientele {

namespace {

bool Blank(const std::vector<std::string>& fields) {
  for (const std::string& f : fields) {
    if (f.find_first_not_of(" \t") != std::string::npos) return false;
  }
  return true;
}

std::string SeparatorName(char separator) {
  if (separator == '\t') return "tab";
  return std::string("'") + separator + "'";
}

}  // namespace

void CsvReader::Show(std::string_view bytes) {
  for (char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    encoding_.Feed(b, encoding_line_);
    if (b == '\r' || (b == '\n' && !after_cr_)) ++encoding_line_;
    after_cr_ = b == '\r';
  }
}

bool CsvReader::Refill() {
  if (ended_) return false;
  buf_.erase(0, mark_);
  at_ -= mark_;
  mark_ = 0;
  const std::size_t old = buf_.size();
  buf_.resize(old + kBlockBytes);
  in_->read(buf_.data() + old, static_cast<std::streamsize>(kBlockBytes));
  const auto got = static_cast<std::size_t>(in_->gcount());
  buf_.resize(old + got);
  bytes_ += got;
  Show(std::string_view(buf_).substr(old));
  if (got == 0) {
    ended_ = true;
    encoding_.End();
    return false;
  }
  return true;
}

Status CsvReader::Start() {
  // Enough of the file to see a byte-order mark in, unseen by the detector.
  buf_.resize(3);
  in_->read(buf_.data(), 3);
  buf_.resize(static_cast<std::size_t>(in_->gcount()));
  bytes_ += buf_.size();
  if (buf_.starts_with("\xFF\xFE") || buf_.starts_with("\xFE\xFF")) {
    return Status::InvalidArgument(
        "file", "invalid_encoding",
        "line 1: the file is UTF-16; save the file as UTF-8 (in a spreadsheet: \"CSV UTF-8\") "
        "and upload it again");
  }
  if (buf_ == "\xEF\xBB\xBF") {
    encoding_.AssumeUtf8();
    at_ = mark_ = 3;
    return Status::OK();
  }
  Show(buf_);
  if (buf_.empty()) {
    ended_ = true;
    encoding_.End();
  }
  return Status::OK();
}

bool CsvReader::Reread() {
  const std::string_view record(buf_.data() + mark_, at_ - mark_);
  const std::size_t end = record.find_first_of("\r\n");
  if (end == std::string_view::npos) return false;
  std::size_t next = end + 1;
  if (record[end] == '\r') {
    if (next < record.size() && record[next] == '\n') {
      ++next;
    } else if (next == record.size() && Peek() == '\n') {
      Get();
      return true;  // the record ended on its first line after all
    }
  }
  at_ = mark_ + next;
  line_ = record_line_ + 1;
  return true;
}

void CsvReader::Resume() {
  if (Reread()) return;
  for (;;) {  // the record is all on its line: skip the rest of that
    mark_ = at_;
    const int c = Get();
    if (c < 0 || c == '\n') break;
    if (c == '\r') {
      if (Peek() == '\n') Get();
      break;
    }
  }
  mark_ = at_;
}

void CsvReader::Read(CsvRecord* r) {
  mark_ = at_;
  record_line_ = line_;
  r->line = line_;
  r->fields.assign(1, std::string());
  bool quoted = false;      // inside a quoted field
  bool was_quoted = false;  // the current field was quoted and closed
  auto bad = [&](const char* what) {
    r->problem = "invalid_csv";
    r->detail = what;
    Resume();
  };
  for (;;) {
    if (at_ - mark_ > kMaxRecordBytes) {
      return bad("the record is longer than 64 KiB (is a quote left open?)");
    }
    const int c = Get();
    std::string& field = r->fields.back();
    if (quoted) {
      if (c < 0) return bad("a quoted field is never closed");
      if (c == '"') {
        if (Peek() == '"') {
          Get();
          field.push_back('"');
        } else {
          quoted = false;
          was_quoted = true;
        }
      } else {
        field.push_back(static_cast<char>(c));
      }
      continue;
    }
    if (c < 0 || c == '\n') return;
    if (c == '\r') {
      if (Peek() == '\n') Get();
      return;
    }
    if (c == separator_) {
      r->fields.emplace_back();
      was_quoted = false;
      continue;
    }
    if (was_quoted) {
      if (c == ' ' || c == '\t') continue;  // spaces after a quoted field
      return bad("text after the closing quote of a field");
    }
    if (c == '"') {
      if (field.find_first_not_of(" \t") != std::string::npos) {
        return bad("a quote inside an unquoted field");
      }
      field.clear();  // spaces before a quoted field
      quoted = true;
      continue;
    }
    field.push_back(static_cast<char>(c));
  }
}

void CsvReader::Finish(CsvRecord* r) {
  if (encoding() == TextEncoding::kWindows1252) {
    for (std::string& f : r->fields) f = Windows1252ToUtf8(f);
  }
  if (!r->problem.empty() || columns_ == 0 || r->fields.size() == columns_ || Blank(r->fields)) {
    return;
  }
  r->problem = "wrong_field_count";
  r->detail = "the record has " + std::to_string(r->fields.size()) + " fields and the header " +
              std::to_string(columns_) +
              (r->fields.size() > columns_
                   ? ": does a value hold a " + SeparatorName(separator_) + " without quotes?"
                   : ": is a value or a " + SeparatorName(separator_) + " missing?");
  // A record over several lines may be a stray quote's doing: read its
  // lines again. (One on a single line has ended there: Reread moves nowhere.)
  Reread();
}

Result<std::optional<std::vector<std::string>>> CsvReader::Header() {
  if (Status s = Start(); !s.ok()) return Error(s);
  // The first line as it is, to find the separator in.
  bool named = false;  // by a "sep=" line
  for (;;) {
    if (Peek() < 0) {
      if (!encoding_.status().ok()) return Error(encoding_.status());
      return std::optional<std::vector<std::string>>();
    }
    mark_ = at_;
    const std::int64_t line = line_;
    std::size_t counts[3] = {0, 0, 0};  // , ; tab
    bool quoted = false;
    while (at_ - mark_ <= kMaxRecordBytes) {
      const int c = Get();
      if (c < 0) break;
      if (c == '"') {
        quoted = !quoted;
      } else if (!quoted && (c == '\n' || c == '\r')) {
        if (c == '\r' && Peek() == '\n') Get();
        break;
      } else if (!quoted) {
        counts[0] += c == ',';
        counts[1] += c == ';';
        counts[2] += c == '\t';
      }
    }
    const std::string_view first(buf_.data() + mark_, at_ - mark_);
    const std::string_view text = first.substr(0, first.find_first_of("\r\n"));
    if (!named && line == 1 && text.size() == 5 && (text[0] == 's' || text[0] == 'S') &&
        (text[1] == 'e' || text[1] == 'E') && (text[2] == 'p' || text[2] == 'P') &&
        text[3] == '=' && text[4] != '"') {
      separator_ = text[4];
      named = true;
      continue;
    }
    if (!named) {
      const std::size_t most = std::max({counts[0], counts[1], counts[2]});
      separator_ = most == 0 || counts[0] == most ? ',' : counts[1] == most ? ';' : '\t';
    }
    at_ = mark_;  // read it again, as the header
    line_ = line;
    break;
  }
  CsvRecord header;
  Read(&header);
  if (!encoding_.status().ok()) return Error(encoding_.status());
  if (!header.problem.empty()) {
    return Error(Status::InvalidArgument(
        "file", "invalid_csv", "line " + std::to_string(header.line) + ": " + header.detail));
  }
  Finish(&header);
  columns_ = header.fields.size();
  return std::optional<std::vector<std::string>>(std::move(header.fields));
}

Result<std::optional<CsvRecord>> CsvReader::Next() {
  if (!encoding_.status().ok()) return Error(encoding_.status());
  if (Peek() < 0) {
    if (!encoding_.status().ok()) return Error(encoding_.status());
    return std::optional<CsvRecord>();
  }
  CsvRecord r;
  Read(&r);
  if (!encoding_.status().ok()) return Error(encoding_.status());
  Finish(&r);
  return std::optional<CsvRecord>(std::move(r));
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
