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

void CustomerTable::Forget(Owner* owner, const std::string& token) {
  auto it = owner->cursors.find(token);
  if (it != owner->cursors.end()) {
    owner->rows -= it->second.rows.size();
    owner->cursors.erase(it);
  }
  owner->order.remove(token);
}

void CustomerTable::ForgetExpired(std::int64_t now_ms) {
  for (auto o = owners_.begin(); o != owners_.end();) {
    std::vector<std::string> expired;
    for (const auto& [token, snap] : o->second.cursors) {
      if (snap.expires_ms < now_ms) expired.push_back(token);
    }
    for (const std::string& token : expired) Forget(&o->second, token);
    o = o->second.cursors.empty() ? owners_.erase(o) : std::next(o);
  }
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
      ForgetExpired(now_ms);
      const std::string token = NewToken();
      Owner& owner = owners_[q.owner];
      while (!owner.order.empty() &&
             (owner.cursors.size() >= kMaxCursors || owner.rows + rows.size() > kMaxCursorRows)) {
        Forget(&owner, owner.order.front());
        ++page.cursors_evicted;
      }
      owner.rows += rows.size();
      owner.cursors[token] = {fingerprint, std::move(rows),
                              now_ms + std::chrono::milliseconds(kCursorLifetime).count()};
      owner.order.push_back(token);
      page.next_cursor = token + ":" + std::to_string(end);
    }
  } else {
    std::lock_guard lock(mu_);
    ForgetExpired(now_ms);
    const auto colon = q.cursor.find(':');
    const std::string token = q.cursor.substr(0, colon);
    std::size_t offset = 0;
    const bool parsed =
        colon != std::string::npos &&
        std::from_chars(q.cursor.data() + colon + 1, q.cursor.data() + q.cursor.size(), offset)
                .ec == std::errc();
    auto owner = owners_.find(q.owner);
    auto it = owner == owners_.end() ? decltype(owner->second.cursors)::iterator()
                                     : owner->second.cursors.find(token);
    if (owner == owners_.end() || it == owner->second.cursors.end() || !parsed) {
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
