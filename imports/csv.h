// CSV as spreadsheets and other systems write it (RFC 4180, tolerant).
//
// CsvReader reads a table: a header line naming the columns, then records.
//   - Separator: ",", ";" or tab, whichever occurs most often outside quotes
//     in the header line (none, or a tie: the first of , ; tab that ties). A
//     first line "sep=;" (Excel's hint) names it instead and is not the header.
//   - Fields optionally in double quotes (a quote inside doubled); quoted
//     fields may hold separators, quotes and line breaks. Lines end in CRLF,
//     LF or CR.
//   - Encoding: UTF-8, or Windows-1252 when the file is clearly that
//     (imports/text_encoding.h); fields come out in UTF-8 either way. A UTF-8
//     byte-order mark is skipped; UTF-16 is refused.
//   - A malformed record (a quote inside an unquoted field, text after a
//     closing quote, a quoted field never closed, a record past
//     kMaxRecordBytes) or one with more or fewer fields than the header is
//     returned with its problem, and reading goes on: from the line after the
//     one the record starts on, so that lines a stray opening quote swallowed
//     are read again as records of their own. A record whose fields are all
//     empty (an empty line) is never a field-count problem.
//
// CsvReader streams: it holds the record being read (at most kMaxRecordBytes,
// as read and as fields) and a 64 KiB block, never the file. Not thread-safe.
//
// CsvWriter writes RFC 4180 with CRLF, quoting only where needed, and defuses
// cells a spreadsheet would run as a formula.
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/status.h"
#include "imports/text_encoding.h"

namespace clientele {

// One record as read.
struct CsvRecord {
  std::int64_t line = 0;            // the line it starts on (the header is line 1)
  std::vector<std::string> fields;  // UTF-8; unreliable when `problem` is set
  // "" for a well-formed record; else "invalid_csv" (malformed) or
  // "wrong_field_count", and a sentence in `detail`.
  std::string problem;
  std::string detail;
};

class CsvReader {
 public:
  static constexpr std::size_t kMaxRecordBytes = 64 << 10;

  explicit CsvReader(std::istream* in) : in_(in) {}

  // Reads the header line and decides the separator; call it first, once.
  // nullopt for an empty file. InvalidArgument: "invalid_encoding" (UTF-16, or
  // a byte that is neither UTF-8 nor Windows-1252), "invalid_csv" (the header
  // line is malformed), both naming the line.
  Result<std::optional<std::vector<std::string>>> Header();
  // The next record (see CsvRecord for a malformed one), nullopt at the end.
  // InvalidArgument("invalid_encoding") ends the reading.
  // REQUIRES: Header() returned a header.
  Result<std::optional<CsvRecord>> Next();

  char separator() const { return separator_; }
  // What the file was read as (final once Next() returned nullopt).
  TextEncoding encoding() const { return encoding_.encoding(); }
  // Bytes of the file read so far (for progress).
  std::uint64_t bytes() const { return bytes_; }

 private:
  static constexpr std::size_t kBlockBytes = 64 << 10;

  int Get() {
    if (at_ == buf_.size() && !Refill()) return -1;
    const auto c = static_cast<unsigned char>(buf_[at_++]);
    if (c == '\n' || (c == '\r' && Peek() != '\n')) ++line_;
    return c;
  }
  int Peek() {
    if (at_ == buf_.size() && !Refill()) return -1;
    return static_cast<unsigned char>(buf_[at_]);
  }
  // Reads the next block of `in_` (keeping the record from mark_ on), and
  // shows its bytes to the encoding detector. False at the end.
  bool Refill();
  // The first block: a byte-order mark is skipped, or refused.
  Status Start();
  // Shows bytes new from `in_` to the encoding detector.
  void Show(std::string_view bytes);
  // Reads one record into `r` from where the reader is, setting its problem
  // and moving on (see Resume) if it is malformed.
  void Read(CsvRecord* r);
  // Goes on after a bad record: from the line after the one it starts on.
  void Resume();
  // If the record read spans lines, reads again from its second line and
  // returns true.
  bool Reread();
  // The record's fields in UTF-8, and a field-count problem if there is one.
  void Finish(CsvRecord* r);

  std::istream* in_;
  // Bytes of the file from mark_ (where the current record starts) on; at_
  // is the next to read. Going back to read a record's lines again is moving at_.
  std::string buf_;
  std::size_t at_ = 0, mark_ = 0;
  bool ended_ = false;  // `in_` is at its end
  char separator_ = ',';
  std::size_t columns_ = 0;  // fields in the header
  std::int64_t line_ = 1;    // the line the reader is on
  std::int64_t record_line_ = 1;
  std::uint64_t bytes_ = 0;
  // The encoding detector sees each byte once, as a block arrives, on the
  // line it counts itself (a CR, or an LF not after a CR, ends a line).
  EncodingDetector encoding_;
  std::int64_t encoding_line_ = 1;
  bool after_cr_ = false;
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
