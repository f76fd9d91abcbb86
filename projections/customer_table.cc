#include "projections/customer_table.h"

#include <openssl/rand.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <tuple>

#include "projections/search_text.h"

namespace clientele {

namespace {

// A folded query: all its words must start words of the row; a phone-like
// query may instead match the row's phone digits.
struct Matcher {
  explicit Matcher(std::string_view query) {
    std::string folded = Fold(query);
    for (std::size_t start = 0; start < folded.size();) {
      std::size_t end = folded.find(' ', start);
      if (end == std::string::npos) end = folded.size();
      words.push_back(folded.substr(start, end - start));
      start = end + 1;
    }
    bool phone_like = true;
    for (char c : query) {
      phone_like = phone_like && ((c >= '0' && c <= '9') || c == ' ' || c == '+' || c == '-' ||
                                  c == '(' || c == ')' || c == '.' || c == '/');
    }
    digits = Digits(query);
    by_phone = phone_like && digits.size() >= 3;
  }

  static bool StartsWord(const std::string& blob, const std::string& word) {
    for (std::size_t at = blob.find(word); at != std::string::npos; at = blob.find(word, at + 1)) {
      if (at == 0 || blob[at - 1] == '\n') return true;
    }
    return false;
  }

  bool Matches(const SearchKeys& k) const {
    if (words.empty()) return true;
    if (by_phone) {  // one run of digits: within the phone's digits, or the start of a word
      return (!k.digits.empty() && k.digits.find(digits) != std::string::npos) ||
             StartsWord(k.words, digits);
    }
    for (const std::string& w : words) {
      if (!StartsWord(k.words, w)) return false;
    }
    return true;
  }

  std::vector<std::string> words;
  std::string digits;
  bool by_phone = false;
};

struct Hit {
  std::string id;
  std::string first, second;  // folded names, in sort order (names sorts)
  std::int64_t number = 0;    // points, credit or last visit (number sorts)
};

std::string Fingerprint(const TableQuery& q) {
  return q.search + '\x1f' + (q.has_points ? '1' : '0') + (q.has_credit ? '1' : '0') +
         static_cast<char>('0' + static_cast<int>(q.status)) +
         static_cast<char>('0' + static_cast<int>(q.sort)) + (q.descending ? '1' : '0');
}

std::string NewToken() {
  unsigned char bytes[12];
  RAND_bytes(bytes, sizeof(bytes));
  char hex[25];
  for (int i = 0; i < 12; ++i) std::snprintf(hex + 2 * i, 3, "%02x", bytes[i]);
  return std::string(hex, 24);
}

}  // namespace

std::string_view SortFieldName(SortField f) {
  switch (f) {
    case SortField::kFirstName:
      return "first_name";
    case SortField::kLastName:
      return "last_name";
    case SortField::kPoints:
      return "points";
    case SortField::kCredit:
      return "credit";
    case SortField::kLastVisit:
      return "last_visit";
  }
  return "";
}

std::optional<SortField> ParseSortField(std::string_view name) {
  for (SortField f : {SortField::kFirstName, SortField::kLastName, SortField::kPoints,
                      SortField::kCredit, SortField::kLastVisit}) {
    if (SortFieldName(f) == name) return f;
  }
  return std::nullopt;
}

std::vector<std::string> CustomerTable::Run(const TableQuery& q) const {
  const Matcher matcher(q.search);
  const bool by_name = q.sort == SortField::kFirstName || q.sort == SortField::kLastName;
  std::vector<Hit> hits;
  projector_->ForEachCustomer([&](const CustomerRow& row, const SearchKeys& keys) {
    if (row.deleted || row.code.empty()) return;
    if (q.status == StatusFilter::kActive && !row.active) return;
    if (q.status == StatusFilter::kInactive && row.active) return;
    if ((q.has_points && row.points == 0) || (q.has_credit && row.credit == 0)) return;
    if (!matcher.Matches(keys)) return;
    Hit h{row.id, {}, {}, 0};
    switch (q.sort) {
      case SortField::kFirstName:
        h.first = keys.first_name;
        h.second = keys.last_name;
        break;
      case SortField::kLastName:
        h.first = keys.last_name;
        h.second = keys.first_name;
        break;
      case SortField::kPoints:
        h.number = row.points;
        break;
      case SortField::kCredit:
        h.number = row.credit;
        break;
      case SortField::kLastVisit:
        h.number = row.last_visit_ms;
        break;
    }
    hits.push_back(std::move(h));
  });
  std::sort(hits.begin(), hits.end(), [&](const Hit& a, const Hit& b) {
    int c = by_name
                ? (a.first != b.first ? (a.first < b.first ? -1 : 1)
                                      : (a.second == b.second ? 0 : (a.second < b.second ? -1 : 1)))
                : (a.number == b.number ? 0 : (a.number < b.number ? -1 : 1));
    if (c != 0) return q.descending ? c > 0 : c < 0;
    return a.id < b.id;  // the tie-break: ascending either way
  });
  std::vector<std::string> ids;
  ids.reserve(hits.size());
  for (Hit& h : hits) ids.push_back(std::move(h.id));
  return ids;
}

Result<TablePage> CustomerTable::Query(const TableQuery& q) {
  if (q.limit < 1 || q.limit > kMaxLimit) {
    return Error(Status::InvalidArgument(
        "limit", "invalid_limit", "limit must be between 1 and " + std::to_string(kMaxLimit)));
  }
  const auto now = std::chrono::steady_clock::now();
  std::string token;
  std::size_t offset = 0;
  std::vector<std::string> page_ids;
  TablePage page;
  {
    std::lock_guard lock(mu_);
    std::erase_if(cursors_, [&](const auto& kv) { return kv.second.expires < now; });
    std::erase_if(cursor_order_, [&](const std::string& t) { return !cursors_.contains(t); });
    if (q.cursor.empty()) {
      Snapshot snap{Fingerprint(q), Run(q), 0, now + kCursorLifetime};
      if (snap.ids.size() > q.limit) {
        token = NewToken();
        if (cursors_.size() >= kMaxCursors) {
          cursors_.erase(cursor_order_.front());
          cursor_order_.pop_front();
        }
        cursor_order_.push_back(token);
        cursors_[token] = std::move(snap);
      } else {
        page.total = snap.ids.size();
        page_ids = std::move(snap.ids);
      }
    } else {
      auto colon = q.cursor.find(':');
      token = q.cursor.substr(0, colon);
      auto it = cursors_.find(token);
      bool parsed =
          colon != std::string::npos &&
          std::from_chars(q.cursor.data() + colon + 1, q.cursor.data() + q.cursor.size(), offset)
                  .ec == std::errc();
      if (it == cursors_.end() || !parsed) {
        return Error(Status::NotFound(
            "cursor_expired", "this cursor is unknown or has expired; start from the first page"));
      }
      if (it->second.fingerprint != Fingerprint(q)) {
        return Error(Status::InvalidArgument(
            "cursor", "cursor_mismatch",
            "a cursor must be used with the same search, filters and sort as its first page"));
      }
    }
    if (!token.empty()) {
      const Snapshot& snap = cursors_[token];
      page.total = snap.ids.size();
      offset = std::min(offset, snap.ids.size());
      std::size_t end = std::min(offset + q.limit, snap.ids.size());
      page_ids.assign(snap.ids.begin() + static_cast<std::ptrdiff_t>(offset),
                      snap.ids.begin() + static_cast<std::ptrdiff_t>(end));
      if (end < snap.ids.size()) page.next_cursor = token + ":" + std::to_string(end);
    }
  }
  for (const std::string& id : page_ids) {
    if (page.rows.size() == q.limit) break;
    auto row = projector_->Customer(id);
    if (row && !row->deleted) page.rows.push_back(std::move(*row));
  }
  return page;
}

}  // namespace clientele
