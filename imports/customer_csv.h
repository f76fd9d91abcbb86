// The customer file: which column is which, in files Clientele writes and in
// files other systems and spreadsheets write.
//
// Clientele exports, in this order: First Name, Last Name, Email, Phone,
// Address, Code, Accepts Email Marketing, Accepts SMS Marketing (yes, no, or
// empty while never asked). Reading, header names match in any letter case and order,
// ignoring spaces, dashes, underscores and dots, with common aliases
// ("E-mail", "Email Address", "Phone Number", "Mobile", "Address1",
// "Street", "Customer Code", "Memo"...) and the columns of Shopify's and
// Square's customer exports. Columns not recognised are listed as ignored; a
// recognised column twice is an error.
//
// An address in parts (Shopify's "Default Address Address1", "... Address2",
// "... Zip", "... City", "... Province Code", "... Country Code"; Square's
// "Street Address 1", "Postal Code", "State"...) becomes one address:
//   Address1, Address2, Zip City, Province, Country
// leaving out the parts a record has not (a province code is taken before a
// province name, a country name before a country code). A file's "Address"
// column is the first part. A record without a Phone takes its address's
// phone (Shopify's "Default Address Phone").
//
// Marketing consent: "Accepts Email Marketing" and "Accepts SMS Marketing"
// (Shopify's export and ours), "Accepts Marketing" (Shopify's older export:
// email), "Email Subscription Status" (Square), "Email Consent", "SMS
// Consent"... A cell yes, y, true, 1, granted, subscribed grants; no, n,
// false, 0, withdrawn, unsubscribed, not subscribed withdraws (any letter
// case); an empty cell leaves the consent as it is; anything else is an
// "invalid_consent" error. Imported consent has the source "import".
//
// Cells: surrounding white space is trimmed, and a leading ' that a
// spreadsheet or an exporter put in front of a value to keep it text
// ("'+49 30 901820", "'02134", "'SW1Y 4JH", and "'=..." as CsvWriter defuses
// formulas) is dropped. In names, address lines and places, and notes it is
// kept when a letter follows it, as in 't Hooft and 's-Gravenhage; a lone ' is
// an empty cell.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "domain/consent.h"
#include "domain/details.h"
#include "domain/status.h"

namespace clientele {

enum class CsvColumn {
  kFirstName,
  kLastName,
  kEmail,
  kPhone,
  kAddress,  // the whole address, or its first line
  kCode,
  kNotes,
  kTaxId,
  kAddress2,  // the address in parts, as kAddress's banner says
  kPostalCode,
  kCity,
  kRegion,
  kRegionCode,
  kCountry,
  kCountryCode,
  kAddressPhone,  // the phone when a record has no kPhone
  kEmailConsent,  // marketing consent (domain/consent.h), as the banner says
  kSmsConsent,
};
inline constexpr int kCsvColumnCount = 18;

// The header row Clientele writes.
const std::vector<std::string>& ExportHeader();

struct ColumnMap {
  std::array<std::optional<std::size_t>, kCsvColumnCount> at;  // field index of each column
  std::vector<std::string> ignored;                            // header names not recognised

  const std::optional<std::size_t>& operator[](CsvColumn c) const {
    return at[static_cast<int>(c)];
  }
  // The column a detail is read from, for messages: the phone's own, else the
  // address's phone; the address' first in the file.
  std::optional<std::size_t> Of(DetailField field) const;
};

// Maps a header row. InvalidArgument ("invalid_header") when the first or last
// name column is missing or a column appears twice.
Result<ColumnMap> MapHeader(const std::vector<std::string>& header);

// One problem with one cell of the file.
struct RowError {
  std::int64_t line = 0;  // where the record starts in the file
  std::string column;     // the header's name for the column ("" for the whole row)
  std::string reason;     // e.g. "invalid_email"
  std::string detail;
};

// One record of a customer file, read against its header.
struct ImportRow {
  std::int64_t line = 0;
  bool blank = false;  // every cell empty: skipped
  std::string code;    // "" when the file gives none
  // The details the row sets; an empty cell sets nothing (the field stays as
  // it is on an existing customer).
  DetailsPatch patch;
  // The consent the row gives, by ConsentChannel; nullopt: an empty cell.
  std::array<std::optional<bool>, kConsentChannelCount> consent;
  std::vector<RowError> errors;  // every bad cell, not just the first

  // The consent cells as choices (empty if the row has none).
  std::vector<ConsentChoice> ConsentChoices() const;
};

// Reads `fields` (a record that started on `line`) through `map`, checking
// every cell with the rules of domain/details.h (cells cleaned as the banner
// says; missing trailing cells are empty).
// The export's consent cell of a channel: "yes", "no", or "" when never asked.
std::string_view ConsentCell(ConsentState state);

ImportRow ReadImportRow(const std::vector<std::string>& fields, const ColumnMap& map,
                        const std::vector<std::string>& header, std::int64_t line);

}  // namespace clientele
