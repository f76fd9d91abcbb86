#include "imports/customer_import.h"

#include <openssl/evp.h>

#include <algorithm>
#include <memory>
#include <unordered_map>

#include "domain/event_codec.h"
#include "domain/text.h"
#include "imports/csv.h"
#include "imports/key_table.h"

namespace clientele {

namespace {

constexpr std::uint32_t kNoRow = KeyTable::kNoRow;

std::uint64_t KeyHash(char kind, std::string_view key) {
  std::string k(1, kind);
  k += key;
  return std::hash<std::string>{}(k);
}

// Emails match in any letter case and either Unicode normalization form, so
// that one stored before names were normalized still matches (domain/text.h).
std::string EmailKey(std::string_view email) { return MatchKey(email); }

std::string PhoneDigits(std::string_view phone) {
  std::string d;
  for (char c : phone) {
    if (c >= '0' && c <= '9') d.push_back(c);
  }
  return d;
}

CustomerState StateOf(const CustomerRow& r) {
  CustomerState s;
  s.registered = true;
  s.deleted = r.deleted;
  s.id = r.id;
  s.code = r.code;
  s.details = r.details;
  s.origin_store = r.origin_store;
  s.active = r.active;
  s.points = r.points;
  s.credit = r.credit;
  s.total_spent = r.total_spent;
  s.last_visit_ms = r.last_visit_ms;
  s.has_history = r.points != 0 || r.credit != 0 || r.total_spent != 0 || r.last_visit_ms != 0;
  s.stamps = r.stamps;
  for (ConsentChannel c : kAllConsentChannels) s.consents[c] = r.consent(c).consent;
  return s;
}

// Incremental SHA-256 of the changes, in order.
class Fingerprint {
 public:
  Fingerprint() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr); }
  ~Fingerprint() { EVP_MD_CTX_free(ctx_); }
  void Add(std::string_view s) {
    const std::uint64_t n = s.size();
    EVP_DigestUpdate(ctx_, &n, sizeof(n));
    EVP_DigestUpdate(ctx_, s.data(), s.size());
  }
  std::string Hex() {
    unsigned char md[32];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_, md, &len);
    static const char* kHex = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) {
      out.push_back(kHex[md[i] >> 4]);
      out.push_back(kHex[md[i] & 15]);
    }
    return out;
  }

 private:
  EVP_MD_CTX* ctx_;
};

class Planner {
 public:
  Planner(ImportMode mode, const Projector& projections, const SettingsState& settings,
          const ImportChangeFn& on_change)
      : projections_(projections), settings_(settings), on_change_(on_change) {
    summary_.mode = mode;
  }

  Result<ImportSummary> Run(std::istream& in, const ImportProgressFn& progress) {
    CsvReader reader(&in);
    auto header = reader.Header();
    if (!header) return Error(header.error());
    if (!*header) {
      return Error(Status::InvalidArgument("file", "empty_file",
                                           "the file is empty: the first line must name the "
                                           "columns, with at least First Name and Last Name"));
    }
    header_ = std::move(**header);
    auto map = MapHeader(header_);
    if (!map) return Error(map.error());
    map_ = std::move(*map);
    summary_.ignored_columns = map_.ignored;
    IndexCustomers();
    for (;;) {
      auto record = reader.Next();
      if (!record) return Error(record.error());
      if (!*record) break;
      if (!(*record)->problem.empty()) {  // its fields cannot be trusted
        ++summary_.records;
        ++summary_.rows_with_errors;
        AddError({(*record)->line, "", (*record)->problem, (*record)->detail});
      } else if (Status s = Record((*record)->fields, (*record)->line); !s.ok()) {
        return Error(s);
      }
      if (progress && (summary_.records + summary_.blank) % 16384 == 0) {
        progress({reader.bytes(), summary_.records + summary_.blank});
      }
    }
    if (summary_.mode == ImportMode::kReplace) {
      if (Status s = RemoveMissing(); !s.ok()) return Error(s);
    }
    summary_.bytes = reader.bytes();
    summary_.encoding = reader.encoding();
    summary_.separator = reader.separator();
    if (progress) progress({reader.bytes(), summary_.records + summary_.blank});
    summary_.fingerprint = fingerprint_.Hex();
    return std::move(summary_);
  }

 private:
  // Every listed customer (not deleted) by code, email and phone digits.
  void IndexCustomers() {
    TableSearch all;
    all.status = StatusFilter::kAll;
    rows_ = projections_.FindRows(all);
    std::sort(rows_.begin(), rows_.end());
    summary_.customers = rows_.size();
    codes_.Reserve(rows_.size());
    emails_.Reserve(rows_.size());
    phones_.Reserve(rows_.size());
    first_line_.assign(rows_.size(), 0);
    for (std::uint32_t i = 0; i < rows_.size(); ++i) {
      CustomerRow r = projections_.CustomerAt(rows_[i]);
      codes_.Add(KeyHash('c', r.code), i);
      const std::string& email = r.details[DetailField::kEmail];
      if (!email.empty()) emails_.Add(KeyHash('e', EmailKey(email)), i);
      std::string digits = PhoneDigits(r.details[DetailField::kPhone]);
      if (!digits.empty()) phones_.Add(KeyHash('p', digits), i);
    }
  }

  // The header's name for a column, or `fallback`.
  std::string ColumnName(CsvColumn c, std::string_view fallback) const {
    if (const auto& at = map_[c]; at) return header_[*at];
    if (c == CsvColumn::kPhone && map_[CsvColumn::kAddressPhone]) {
      return header_[*map_[CsvColumn::kAddressPhone]];
    }
    return std::string(fallback);
  }
  std::string ColumnOfField(std::string_view field) const {
    for (DetailField f : kAllDetailFields) {
      if (DetailFieldName(f) != field) continue;
      if (const auto at = map_.Of(f)) return header_[*at];
    }
    return std::string(field);
  }

  void AddError(RowError e) {
    ++summary_.error_count;
    if (summary_.errors.size() < ImportSummary::kMaxListed) summary_.errors.push_back(std::move(e));
  }
  void AddWarning(RowError w) {
    ++summary_.warning_count;
    if (summary_.warnings.size() < ImportSummary::kMaxListed) {
      summary_.warnings.push_back(std::move(w));
    }
  }

  // The existing customer a key finds: its index in rows_, kNoRow for none,
  // or an "ambiguous_match" error.
  std::uint32_t Match(const KeyTable& table, char kind, const std::string& key, CsvColumn column,
                      std::string_view what, const ImportRow& row, bool* ambiguous) {
    KeyTable::Hit hit = table.Get(KeyHash(kind, key));
    if (hit.count == 0) return kNoRow;
    if (hit.count > 1) {
      *ambiguous = true;
      std::string codes = projections_.CustomerAt(rows_[hit.first]).code;
      if (hit.second != kNoRow) codes += ", " + projections_.CustomerAt(rows_[hit.second]).code;
      if (hit.count > 2) codes += " and " + std::to_string(hit.count - 2) + " more";
      AddError({row.line, ColumnName(column, what), "ambiguous_match",
                std::to_string(hit.count) + " customers have this " + std::string(what) + " (" +
                    codes + "); add a Code column to say which"});
      return kNoRow;
    }
    return hit.first;
  }

  Status Record(const std::vector<std::string>& fields, std::int64_t line) {
    ImportRow row = ReadImportRow(fields, map_, header_, line);
    if (row.blank) {
      ++summary_.blank;
      return Status::OK();
    }
    ++summary_.records;
    bool bad = !row.errors.empty();
    for (RowError& e : row.errors) AddError(std::move(e));

    // Which customer the record is.
    std::uint32_t match = kNoRow;
    CustomerRow existing;
    bool ambiguous = false;
    if (!row.code.empty()) {
      KeyTable::Hit hit = codes_.Get(KeyHash('c', row.code));
      if (hit.count == 1) {
        existing = projections_.CustomerAt(rows_[hit.first]);
        if (existing.code == row.code) match = hit.first;
      }
      if (match == kNoRow) {
        AddWarning({line, ColumnName(CsvColumn::kCode, "code"), "unknown_code",
                    "no customer has code " + row.code +
                        "; the record is matched by email or phone, or added with a new code"});
      }
    }
    const auto& email = row.patch[DetailField::kEmail];
    if (match == kNoRow && email) {
      match = Match(emails_, 'e', EmailKey(*email), CsvColumn::kEmail, "email", row, &ambiguous);
      if (match != kNoRow) {
        existing = projections_.CustomerAt(rows_[match]);
        if (EmailKey(existing.details[DetailField::kEmail]) != EmailKey(*email)) match = kNoRow;
      }
    }
    const auto& phone = row.patch[DetailField::kPhone];
    if (match == kNoRow && !ambiguous && phone && !PhoneDigits(*phone).empty()) {
      const std::string digits = PhoneDigits(*phone);
      match = Match(phones_, 'p', digits, CsvColumn::kPhone, "phone", row, &ambiguous);
      if (match != kNoRow) {
        existing = projections_.CustomerAt(rows_[match]);
        if (PhoneDigits(existing.details[DetailField::kPhone]) != digits) match = kNoRow;
      }
    }
    bad = bad || ambiguous;

    // The same customer twice in the file.
    if (match != kNoRow) {
      if (first_line_[match] != 0) {
        AddError({line, "", "duplicate_in_file",
                  "customer " + existing.code + " is also on line " +
                      std::to_string(first_line_[match])});
        bad = true;
      } else {
        first_line_[match] = static_cast<std::uint32_t>(line);
      }
    } else if (!ambiguous) {
      std::vector<std::uint64_t> keys;
      if (email) keys.push_back(KeyHash('e', EmailKey(*email)));
      if (phone && !PhoneDigits(*phone).empty()) keys.push_back(KeyHash('p', PhoneDigits(*phone)));
      std::optional<std::int64_t> earlier;
      for (std::uint64_t k : keys) {
        KeyTable::Hit hit = new_keys_.Get(k);
        if (hit.count > 0 && !earlier) earlier = new_lines_[hit.first];
      }
      if (earlier) {
        AddError({line, "", "duplicate_in_file",
                  "the same new customer (by email or phone) is also on line " +
                      std::to_string(*earlier)});
        bad = true;
      } else {
        new_lines_.push_back(line);
        for (std::uint64_t k : keys) {
          new_keys_.Add(k, static_cast<std::uint32_t>(new_lines_.size() - 1));
        }
      }
    }
    if (bad) {
      ++summary_.rows_with_errors;
      return Status::OK();
    }
    return match == kNoRow ? Create(row) : Update(row, existing);
  }

  Status Create(const ImportRow& row) {
    ImportChange change;
    change.kind = ImportChange::Kind::kCreate;
    change.line = row.line;
    for (DetailField f : kAllDetailFields) {
      if (row.patch[f]) change.details[f] = *row.patch[f];
    }
    auto details = NormalizeDetails(change.details);
    if (!details) {
      AddError({row.line, ColumnOfField(details.error().field()), details.error().reason(),
                "a new customer's " + details.error().message()});
      ++summary_.rows_with_errors;
      return Status::OK();
    }
    change.details = std::move(*details);
    change.consents = row.ConsentChoices();
    ++summary_.created;
    fingerprint_.Add("create");
    fingerprint_.Add(std::to_string(row.line));
    for (const std::string& v : change.details.values) fingerprint_.Add(v);
    for (const ConsentChoice& c : change.consents) {
      fingerprint_.Add(std::string(ConsentChannelName(c.channel)) + (c.granted ? "=1" : "=0"));
    }
    return Emit(std::move(change));
  }

  Status Update(const ImportRow& row, const CustomerRow& existing) {
    ImportChange change;
    change.kind = ImportChange::Kind::kUpdate;
    change.line = row.line;
    change.before = StateOf(existing);
    change.version = existing.version;
    DetailsPatch patch = row.patch;
    auto& email = patch[DetailField::kEmail];
    if (email && EmailKey(*email) == EmailKey(existing.details[DetailField::kEmail])) {
      email.reset();  // emails match in any letter case: the same email is no change
    }
    auto events = Decide(change.before, settings_, ChangeDetails{std::move(patch)});
    if (!events) {
      AddError({row.line, ColumnOfField(events.error().field()), events.error().reason(),
                events.error().message()});
      ++summary_.rows_with_errors;
      return Status::OK();
    }
    if (std::vector<ConsentChoice> choices = row.ConsentChoices(); !choices.empty()) {
      auto consent =
          Decide(change.before, settings_, SetConsent{std::move(choices), ConsentSource::kImport});
      if (!consent) {
        AddError({row.line, "", consent.error().reason(), consent.error().message()});
        ++summary_.rows_with_errors;
        return Status::OK();
      }
      events->insert(events->end(), consent->begin(), consent->end());
    }
    if (events->empty()) {
      ++summary_.unchanged;
      return Status::OK();
    }
    change.events = std::move(*events);
    ++summary_.updated;
    AddToFingerprint("update", change);
    return Emit(std::move(change));
  }

  // Replace mode: every customer no record matched.
  Status RemoveMissing() {
    for (std::uint32_t i = 0; i < rows_.size(); ++i) {
      if (first_line_[i] != 0) continue;
      CustomerRow r = projections_.CustomerAt(rows_[i]);
      if (r.deleted || r.id.empty()) continue;  // deleted since the index was made
      ImportChange change;
      change.before = StateOf(r);
      change.version = r.version;
      if (!change.before.has_history) {
        auto history = projections_.History(r.id, "", 1);
        change.before.has_history = !history || !history->entries.empty();
      }
      auto deleted = Decide(change.before, settings_, DeleteCustomer{});
      if (deleted) {
        change.kind = ImportChange::Kind::kDelete;
        change.events = std::move(*deleted);
        ++summary_.deleted;
      } else {
        auto deactivated = Decide(change.before, settings_, DeactivateCustomer{});
        if (!deactivated || deactivated->empty()) continue;  // already inactive
        change.kind = ImportChange::Kind::kDeactivate;
        change.events = std::move(*deactivated);
        ++summary_.deactivated;
      }
      AddToFingerprint(change.kind == ImportChange::Kind::kDelete ? "delete" : "deactivate",
                       change);
      if (Status s = Emit(std::move(change)); !s.ok()) return s;
    }
    return Status::OK();
  }

  void AddToFingerprint(std::string_view kind, const ImportChange& change) {
    fingerprint_.Add(kind);
    fingerprint_.Add(std::to_string(change.line));
    fingerprint_.Add(change.before.id);
    fingerprint_.Add(std::to_string(change.version));
    for (const CustomerEvent& e : change.events) {
      fingerprint_.Add(EventTypeName(e));
      fingerprint_.Add(EncodePayload(e));
    }
  }

  Status Emit(ImportChange&& change) {
    if (!on_change_) return Status::OK();
    return on_change_(std::move(change));
  }

  const Projector& projections_;
  const SettingsState& settings_;
  const ImportChangeFn& on_change_;
  ImportSummary summary_;
  Fingerprint fingerprint_;
  std::vector<std::string> header_;
  ColumnMap map_;
  std::vector<std::uint32_t> rows_;  // listed customers' row numbers, ascending
  KeyTable codes_, emails_, phones_;
  std::vector<std::uint32_t> first_line_;  // per rows_ entry: the record that matched it
  KeyTable new_keys_;                      // new customers' emails and phones
  std::vector<std::int64_t> new_lines_;    // -> their lines
};

}  // namespace

std::string_view ImportModeName(ImportMode mode) {
  return mode == ImportMode::kReplace ? "replace" : "merge";
}

std::optional<ImportMode> ParseImportMode(std::string_view name) {
  if (name == "merge") return ImportMode::kMerge;
  if (name == "replace") return ImportMode::kReplace;
  return std::nullopt;
}

Result<ImportSummary> PlanImport(std::istream& in, ImportMode mode, const Projector& projections,
                                 const SettingsState& settings, const ImportChangeFn& on_change,
                                 const ImportProgressFn& progress) {
  Planner planner(mode, projections, settings, on_change);
  return planner.Run(in, progress);
}

}  // namespace clientele
