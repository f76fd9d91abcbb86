#include "projections/customer_table.h"

#include <openssl/rand.h>

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace clientele {

namespace {

std::string Fingerprint(const TableQuery& q) {
  return q.search + '\x1f' + (q.has_points ? '1' : '0') + (q.has_credit ? '1' : '0') +
         static_cast<char>('0' + static_cast<int>(q.status)) +
         static_cast<char>('0' + static_cast<int>(q.sort)) + (q.descending ? '1' : '0');
}

std::string NewToken() {
  unsigned char bytes[12];
  RAND_bytes(bytes, sizeof(bytes));
  char hex[25];
  for (std::ptrdiff_t i = 0; i < 12; ++i) std::snprintf(hex + 2 * i, 3, "%02x", bytes[i]);
  return std::string(hex, 24);
}

}  // namespace

void CustomerTable::Forget(const std::string& token) {
  auto it = cursors_.find(token);
  if (it != cursors_.end()) {
    cursor_rows_ -= it->second.rows.size();
    cursors_.erase(it);
  }
  cursor_order_.remove(token);
}

Result<TablePage> CustomerTable::Query(const TableQuery& q) {
  if (q.limit < 1 || q.limit > kMaxLimit) {
    return Error(Status::InvalidArgument(
        "limit", "invalid_limit", "limit must be between 1 and " + std::to_string(kMaxLimit)));
  }
  const std::int64_t now_ms = clock_->NowMs();
  const std::string fingerprint = Fingerprint(q);
  std::vector<std::uint32_t> page_rows;
  TablePage page;
  if (q.cursor.empty()) {
    std::vector<std::uint32_t> rows = projector_->FindRows(q);
    page.total = rows.size();
    const std::size_t end = std::min(q.limit, rows.size());
    page_rows.assign(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(end));
    if (end < rows.size()) {
      std::lock_guard lock(mu_);
      const std::string token = NewToken();
      while (!cursor_order_.empty() &&
             (cursors_.size() >= kMaxCursors || cursor_rows_ + rows.size() > kMaxCursorRows)) {
        Forget(cursor_order_.front());
      }
      cursor_rows_ += rows.size();
      cursors_[token] = {fingerprint, std::move(rows),
                         now_ms + std::chrono::milliseconds(kCursorLifetime).count()};
      cursor_order_.push_back(token);
      page.next_cursor = token + ":" + std::to_string(end);
    }
  } else {
    std::lock_guard lock(mu_);
    std::vector<std::string> expired;
    for (const auto& [token, snap] : cursors_) {
      if (snap.expires_ms < now_ms) expired.push_back(token);
    }
    for (const std::string& token : expired) Forget(token);
    const auto colon = q.cursor.find(':');
    const std::string token = q.cursor.substr(0, colon);
    std::size_t offset = 0;
    const bool parsed =
        colon != std::string::npos &&
        std::from_chars(q.cursor.data() + colon + 1, q.cursor.data() + q.cursor.size(), offset)
                .ec == std::errc();
    auto it = cursors_.find(token);
    if (it == cursors_.end() || !parsed) {
      return Error(Status::NotFound(
          "cursor_expired", "this cursor is unknown or has expired; start from the first page"));
    }
    const Snapshot& snap = it->second;
    if (snap.fingerprint != fingerprint) {
      return Error(Status::InvalidArgument(
          "cursor", "cursor_mismatch",
          "a cursor must be used with the same search, filters and sort as its first page"));
    }
    page.total = snap.rows.size();
    offset = std::min(offset, snap.rows.size());
    const std::size_t end = std::min(offset + q.limit, snap.rows.size());
    page_rows.assign(snap.rows.begin() + static_cast<std::ptrdiff_t>(offset),
                     snap.rows.begin() + static_cast<std::ptrdiff_t>(end));
    if (end < snap.rows.size()) page.next_cursor = token + ":" + std::to_string(end);
  }
  for (std::uint32_t row : page_rows) {
    CustomerRow r = projector_->CustomerAt(row);
    if (!r.deleted) page.rows.push_back(std::move(r));
  }
  return page;
}

}  // namespace clientele
