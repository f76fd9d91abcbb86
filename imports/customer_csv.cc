#include "imports/customer_csv.h"

#include <algorithm>
#include <cctype>
#include <functional>
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
    {"streetaddress1", CsvColumn::kAddress},          // Square
    {"defaultaddressaddress1", CsvColumn::kAddress},  // Shopify
    {"address2", CsvColumn::kAddress2},
    {"addressline2", CsvColumn::kAddress2},
    {"streetaddress2", CsvColumn::kAddress2},
    {"defaultaddressaddress2", CsvColumn::kAddress2},
    {"zip", CsvColumn::kPostalCode},
    {"zipcode", CsvColumn::kPostalCode},
    {"postalcode", CsvColumn::kPostalCode},
    {"postcode", CsvColumn::kPostalCode},
    {"defaultaddresszip", CsvColumn::kPostalCode},
    {"city", CsvColumn::kCity},
    {"town", CsvColumn::kCity},
    {"defaultaddresscity", CsvColumn::kCity},
    {"province", CsvColumn::kRegion},
    {"state", CsvColumn::kRegion},
    {"region", CsvColumn::kRegion},
    {"defaultaddressprovince", CsvColumn::kRegion},
    {"provincecode", CsvColumn::kRegionCode},
    {"statecode", CsvColumn::kRegionCode},
    {"defaultaddressprovincecode", CsvColumn::kRegionCode},
    {"country", CsvColumn::kCountry},
    {"defaultaddresscountry", CsvColumn::kCountry},
    {"countrycode", CsvColumn::kCountryCode},
    {"defaultaddresscountrycode", CsvColumn::kCountryCode},
    {"defaultaddressphone", CsvColumn::kAddressPhone},
    {"code", CsvColumn::kCode},
    {"customercode", CsvColumn::kCode},
    {"note", CsvColumn::kNotes},
    {"notes", CsvColumn::kNotes},
    {"comment", CsvColumn::kNotes},
    {"comments", CsvColumn::kNotes},
    {"memo", CsvColumn::kNotes},  // Square
    {"taxid", CsvColumn::kTaxId},
    {"vat", CsvColumn::kTaxId},
    {"vatnumber", CsvColumn::kTaxId},
    {"taxnumber", CsvColumn::kTaxId},
    {"acceptsemailmarketing", CsvColumn::kEmailConsent},  // Shopify, ours
    {"acceptsmarketing", CsvColumn::kEmailConsent},       // Shopify's older export
    {"emailconsent", CsvColumn::kEmailConsent},
    {"emailmarketing", CsvColumn::kEmailConsent},
    {"emailoptin", CsvColumn::kEmailConsent},
    {"emailsubscriptionstatus", CsvColumn::kEmailConsent},  // Square
    {"acceptssmsmarketing", CsvColumn::kSmsConsent},        // Shopify, ours
    {"smsconsent", CsvColumn::kSmsConsent},
    {"smsmarketing", CsvColumn::kSmsConsent},
    {"smsoptin", CsvColumn::kSmsConsent},
};

// A consent cell: true grants, false withdraws, nullopt is not a consent.
std::optional<bool> ParseConsentCell(std::string_view cell) {
  std::string v;
  for (unsigned char c : cell) {
    if (c != ' ' && c != '_' && c != '-') v.push_back(static_cast<char>(std::tolower(c)));
  }
  for (std::string_view yes : {"yes", "y", "true", "1", "granted", "subscribed", "optedin"}) {
    if (v == yes) return true;
  }
  for (std::string_view no : {"no", "n", "false", "0", "withdrawn", "unsubscribed", "notsubscribed",
                              "optedout", "declined"}) {
    if (v == no) return false;
  }
  return std::nullopt;
}

// The address's columns, in the order their values are joined.
constexpr CsvColumn kAddressParts[] = {
    CsvColumn::kAddress,    CsvColumn::kAddress2, CsvColumn::kPostalCode, CsvColumn::kCity,
    CsvColumn::kRegionCode, CsvColumn::kRegion,   CsvColumn::kCountry,    CsvColumn::kCountryCode};

// Whether a column holds text in words, where a leading ' before a letter is
// part of the value ('t Hooft, 's-Gravenhage), rather than an identifier or a
// number (phone, email, postal code, code...), where it never is.
bool Words(CsvColumn c) {
  switch (c) {
    case CsvColumn::kFirstName:
    case CsvColumn::kLastName:
    case CsvColumn::kAddress:
    case CsvColumn::kAddress2:
    case CsvColumn::kCity:
    case CsvColumn::kRegion:
    case CsvColumn::kCountry:
    case CsvColumn::kNotes:
      return true;
    default:
      return false;
  }
}

// A cell of column `c` trimmed, without the ' a spreadsheet or an exporter put
// in front to keep it text.
std::string Clean(std::string_view cell, CsvColumn c) {
  std::string v = Trim(cell);
  if (!v.empty() && v[0] == '\'') {
    const auto next = static_cast<unsigned char>(v.size() > 1 ? v[1] : '\0');
    const bool letter = std::isalpha(next) || next >= 0x80;
    if (!letter || !Words(c)) v = Trim(std::string_view(v).substr(1));
  }
  return v;
}

// The address a record's cells make: "Address1, Address2, Zip City,
// Province, Country", without the parts it has not.
std::string JoinAddress(const std::function<std::string(CsvColumn)>& cell) {
  std::string city = cell(CsvColumn::kPostalCode);
  if (std::string name = cell(CsvColumn::kCity); !name.empty()) {
    city += (city.empty() ? "" : " ") + name;
  }
  std::string region = cell(CsvColumn::kRegionCode);
  if (region.empty()) region = cell(CsvColumn::kRegion);
  std::string country = cell(CsvColumn::kCountry);
  if (country.empty()) country = cell(CsvColumn::kCountryCode);
  std::string address;
  for (const std::string& part :
       {cell(CsvColumn::kAddress), cell(CsvColumn::kAddress2), city, region, country}) {
    if (part.empty()) continue;
    if (!address.empty()) address += ", ";
    address += part;
  }
  return address;
}

// The customer detail a column sets on its own (the address's parts and its
// phone are read together; the code is no detail).
std::optional<DetailField> FieldOf(CsvColumn c) {
  switch (c) {
    case CsvColumn::kFirstName:
      return DetailField::kFirstName;
    case CsvColumn::kLastName:
      return DetailField::kLastName;
    case CsvColumn::kEmail:
      return DetailField::kEmail;
    case CsvColumn::kNotes:
      return DetailField::kNotes;
    case CsvColumn::kTaxId:
      return DetailField::kTaxId;
    default:
      return std::nullopt;
  }
}

}  // namespace

std::optional<std::size_t> ColumnMap::Of(DetailField field) const {
  switch (field) {
    case DetailField::kFirstName:
      return (*this)[CsvColumn::kFirstName];
    case DetailField::kLastName:
      return (*this)[CsvColumn::kLastName];
    case DetailField::kEmail:
      return (*this)[CsvColumn::kEmail];
    case DetailField::kPhone:
      return (*this)[CsvColumn::kPhone] ? (*this)[CsvColumn::kPhone]
                                        : (*this)[CsvColumn::kAddressPhone];
    case DetailField::kTaxId:
      return (*this)[CsvColumn::kTaxId];
    case DetailField::kNotes:
      return (*this)[CsvColumn::kNotes];
    case DetailField::kAddress: {
      std::optional<std::size_t> first;
      for (CsvColumn c : kAddressParts) {
        if (const auto& at = (*this)[c]; at && (!first || *at < *first)) first = at;
      }
      return first;
    }
  }
  return std::nullopt;
}

ImportRow ReadImportRow(const std::vector<std::string>& fields, const ColumnMap& map,
                        const std::vector<std::string>& header, std::int64_t line) {
  ImportRow row;
  row.line = line;
  row.blank = true;
  for (const std::string& f : fields) row.blank = row.blank && Trim(f).empty();
  if (row.blank) return row;
  auto cell = [&](CsvColumn c) {
    const auto& at = map[c];
    return at && *at < fields.size() ? Clean(fields[*at], c) : std::string();
  };
  // What the record sets, and the column it comes from.
  struct Value {
    std::size_t at;
    std::optional<DetailField> field;  // nullopt: the code
    std::string text;
  };
  std::vector<Value> values;
  for (CsvColumn c : {CsvColumn::kFirstName, CsvColumn::kLastName, CsvColumn::kEmail,
                      CsvColumn::kTaxId, CsvColumn::kNotes, CsvColumn::kCode}) {
    if (std::string v = cell(c); !v.empty()) values.push_back({*map[c], FieldOf(c), std::move(v)});
  }
  if (std::string phone = cell(CsvColumn::kPhone); !phone.empty()) {
    values.push_back({*map[CsvColumn::kPhone], DetailField::kPhone, std::move(phone)});
  } else if (phone = cell(CsvColumn::kAddressPhone); !phone.empty()) {
    values.push_back({*map[CsvColumn::kAddressPhone], DetailField::kPhone, std::move(phone)});
  }
  if (std::string address = JoinAddress(cell); !address.empty()) {
    values.push_back({*map.Of(DetailField::kAddress), DetailField::kAddress, std::move(address)});
  }
  for (ConsentChannel channel : kAllConsentChannels) {
    const CsvColumn c =
        channel == ConsentChannel::kSms ? CsvColumn::kSmsConsent : CsvColumn::kEmailConsent;
    const std::string v = cell(c);
    if (v.empty()) continue;
    auto given = ParseConsentCell(v);
    if (!given) {
      row.errors.push_back({line, header[*map[c]], "invalid_consent",
                            "a consent is yes or no (or true/false, granted/withdrawn), not '" +
                                v.substr(0, 40) + "'"});
      continue;
    }
    row.consent[static_cast<int>(channel)] = *given;
  }
  // Left to right, as the file has them, so errors read in the file's order.
  std::sort(values.begin(), values.end(),
            [](const Value& a, const Value& b) { return a.at < b.at; });
  for (Value& v : values) {
    if (!v.field) {
      auto code = ParseCustomerCode(v.text);
      if (!code) {
        row.errors.push_back({line, header[v.at], code.error().reason(), code.error().message()});
      } else {
        row.code = FormatCustomerCode(code->node, code->sequence);
      }
      continue;
    }
    DetailsPatch one;
    one[*v.field] = std::move(v.text);
    auto checked = NormalizePatch(std::move(one));
    if (!checked) {
      row.errors.push_back(
          {line, header[v.at], checked.error().reason(), checked.error().message()});
      continue;
    }
    row.patch[*v.field] = std::move(*(*checked)[*v.field]);
  }
  return row;
}

const std::vector<std::string>& ExportHeader() {
  static const std::vector<std::string> kHeader = {"First Name",
                                                   "Last Name",
                                                   "Email",
                                                   "Phone",
                                                   "Address",
                                                   "Code",
                                                   "Accepts Email Marketing",
                                                   "Accepts SMS Marketing"};
  return kHeader;
}

std::string_view ConsentCell(ConsentState state) {
  switch (state) {
    case ConsentState::kGranted:
      return "yes";
    case ConsentState::kWithdrawn:
      return "no";
    case ConsentState::kNeverAsked:
      return "";
  }
  return "";
}

std::vector<ConsentChoice> ImportRow::ConsentChoices() const {
  std::vector<ConsentChoice> out;
  for (ConsentChannel c : kAllConsentChannels) {
    if (const auto& given = consent[static_cast<int>(c)]) out.push_back({c, *given});
  }
  return out;
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
