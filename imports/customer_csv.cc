#include "imports/customer_csv.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "domain/customer_code.h"

namespace clientele {

namespace {

// Lower case, without spaces, dashes, underscores and dots.
std::string Key(const std::string& name) {
  std::string k;
  for (unsigned char c : name) {
    if (c == ' ' || c == '-' || c == '_' || c == '.' || c == '\t') continue;
    k.push_back(static_cast<char>(std::tolower(c)));
  }
  return k;
}

const std::pair<const char*, CsvColumn> kAliases[] = {
    {"firstname", CsvColumn::kFirstName},
    {"first", CsvColumn::kFirstName},
    {"givenname", CsvColumn::kFirstName},
    {"forename", CsvColumn::kFirstName},
    {"lastname", CsvColumn::kLastName},
    {"last", CsvColumn::kLastName},
    {"surname", CsvColumn::kLastName},
    {"familyname", CsvColumn::kLastName},
    {"email", CsvColumn::kEmail},
    {"emailaddress", CsvColumn::kEmail},
    {"mail", CsvColumn::kEmail},
    {"phone", CsvColumn::kPhone},
    {"phonenumber", CsvColumn::kPhone},
    {"telephone", CsvColumn::kPhone},
    {"tel", CsvColumn::kPhone},
    {"mobile", CsvColumn::kPhone},
    {"mobilephone", CsvColumn::kPhone},
    {"cell", CsvColumn::kPhone},
    {"address", CsvColumn::kAddress},
    {"address1", CsvColumn::kAddress},
    {"addressline1", CsvColumn::kAddress},
    {"street", CsvColumn::kAddress},
    {"streetaddress", CsvColumn::kAddress},
    {"code", CsvColumn::kCode},
    {"customercode", CsvColumn::kCode},
    {"note", CsvColumn::kNotes},
    {"notes", CsvColumn::kNotes},
    {"comment", CsvColumn::kNotes},
    {"comments", CsvColumn::kNotes},
    {"taxid", CsvColumn::kTaxId},
    {"vat", CsvColumn::kTaxId},
    {"vatnumber", CsvColumn::kTaxId},
    {"taxnumber", CsvColumn::kTaxId},
};

// A cell as it was before CsvWriter defused it: "'+44 20 ..." -> "+44 20 ...".
// Spreadsheets drop the apostrophe themselves when they save.
std::string_view Undefuse(std::string_view cell) {
  if (cell.size() >= 2 && cell[0] == '\'' &&
      std::string_view("=+-@\t\r").find(cell[1]) != std::string_view::npos) {
    cell.remove_prefix(1);
  }
  return cell;
}

// The customer detail a column sets (all but the code).
std::optional<DetailField> FieldOf(CsvColumn c) {
  switch (c) {
    case CsvColumn::kFirstName:
      return DetailField::kFirstName;
    case CsvColumn::kLastName:
      return DetailField::kLastName;
    case CsvColumn::kEmail:
      return DetailField::kEmail;
    case CsvColumn::kPhone:
      return DetailField::kPhone;
    case CsvColumn::kAddress:
      return DetailField::kAddress;
    case CsvColumn::kNotes:
      return DetailField::kNotes;
    case CsvColumn::kTaxId:
      return DetailField::kTaxId;
    case CsvColumn::kCode:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

ImportRow ReadImportRow(const std::vector<std::string>& fields, const ColumnMap& map,
                        const std::vector<std::string>& header, std::int64_t line) {
  ImportRow row;
  row.line = line;
  row.blank = true;
  for (const std::string& f : fields) row.blank = row.blank && Trim(f).empty();
  if (row.blank) return row;
  // Left to right, as the file has them, so errors read in the file's order.
  std::vector<std::pair<std::size_t, CsvColumn>> columns;
  for (int i = 0; i < kCsvColumnCount; ++i) {
    if (map.at[i]) columns.emplace_back(*map.at[i], static_cast<CsvColumn>(i));
  }
  std::sort(columns.begin(), columns.end());
  for (const auto& [at, column] : columns) {
    std::string value = at < fields.size() ? Trim(Undefuse(fields[at])) : "";
    if (value.empty()) continue;  // leaves the field as it is
    if (column == CsvColumn::kCode) {
      auto code = ParseCustomerCode(value);
      if (!code) {
        row.errors.push_back({line, header[at], code.error().reason(), code.error().message()});
      } else {
        row.code = FormatCustomerCode(code->node, code->sequence);
      }
      continue;
    }
    DetailsPatch one;
    one[*FieldOf(column)] = value;
    auto checked = NormalizePatch(std::move(one));
    if (!checked) {
      row.errors.push_back({line, header[at], checked.error().reason(), checked.error().message()});
      continue;
    }
    row.patch[*FieldOf(column)] = std::move(*(*checked)[*FieldOf(column)]);
  }
  return row;
}

const std::vector<std::string>& ExportHeader() {
  static const std::vector<std::string> kHeader = {"First Name", "Last Name", "Email",
                                                   "Phone",      "Address",   "Code"};
  return kHeader;
}

Result<ColumnMap> MapHeader(const std::vector<std::string>& header) {
  ColumnMap map;
  for (std::size_t i = 0; i < header.size(); ++i) {
    const std::string key = Key(header[i]);
    std::optional<CsvColumn> column;
    for (const auto& [alias, c] : kAliases) {
      if (key == alias) column = c;
    }
    if (!column) {
      if (!header[i].empty()) map.ignored.push_back(header[i]);
      continue;
    }
    auto& slot = map.at[static_cast<int>(*column)];
    if (slot) {
      return Error(Status::InvalidArgument(
          "header", "invalid_header",
          "columns '" + header[*slot] + "' and '" + header[i] + "' both hold the same field"));
    }
    slot = i;
  }
  if (!map[CsvColumn::kFirstName] || !map[CsvColumn::kLastName]) {
    return Error(Status::InvalidArgument(
        "header", "invalid_header",
        "the first line must name the columns, with at least First Name and Last Name"));
  }
  return map;
}

}  // namespace clientele
