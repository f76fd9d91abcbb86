// CSV as spreadsheets and other systems write it (RFC 4180, tolerant):
// comma-separated, fields optionally in double quotes (a quote inside doubled),
// quoted fields may hold commas, quotes and line breaks; lines end in CRLF or
// LF; a UTF-8 byte-order mark at the start is skipped.
//
// CsvReader streams: it reads one record at a time from an std::istream and
// never holds more than the record being read. CsvWriter writes RFC 4180 with
// CRLF, quoting only where needed, and defuses cells a spreadsheet would run
// as a formula.
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/status.h"

namespace clientele {

class CsvReader {
 public:
  explicit CsvReader(std::istream* in) : in_(in) {}

  // The next record's fields, nullopt at the end of the input, or
  // InvalidArgument naming the line (a quote inside an unquoted field, text
  // after a closing quote, a quoted field never closed).
  Result<std::optional<std::vector<std::string>>> Next();
  // The line the last record returned started on (1 for the first).
  std::int64_t line() const { return record_line_; }
  // Bytes read so far (for progress).
  std::uint64_t bytes() const { return bytes_; }

 private:
  int Get();
  int Peek();

  std::istream* in_;
  bool started_ = false;
  std::int64_t line_ = 1;  // the line the reader is on
  std::int64_t record_line_ = 0;
  std::uint64_t bytes_ = 0;
};

class CsvWriter {
 public:
  // Appends one record, ending in CRLF, to `out`.
  static void Row(const std::vector<std::string_view>& fields, std::string* out);
  // A cell as written: a leading =, +, -, @, tab or CR (which a spreadsheet
  // would take for a formula) gets a ' in front; quoted when it holds a
  // comma, a quote, CR or LF.
  static void Cell(std::string_view value, std::string* out);
};

}  // namespace clientele
