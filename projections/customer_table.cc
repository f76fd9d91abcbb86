#include "projections/customer_table.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cstdio>
#include <optional>

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

CustomerTable::CustomerTable(const Projector* projector, Clock* clock)
    : projector_(projector), clock_(clock), link_(std::make_shared<Link>()) {
  link_->table = this;
  projector_->WatchTable([link = link_](const TableIndex& index) {
    std::lock_guard lock(link->mu);
    if (link->table == nullptr) return false;
    link->table->Pin(index);
    return true;
  });
}

CustomerTable::~CustomerTable() {
  std::lock_guard lock(link_->mu);
  link_->table = nullptr;
}

void CustomerTable::Pin(const TableIndex& index) {
  std::lock_guard lock(mu_);
  ForgetExpired(clock_->NowMs());
  if (unpinned_ == 0) return;
  // Each owner's unpinned cursors, newest first; taken in turns, one per
  // owner, so that one owner's burst of queries cannot push out the others'.
  std::vector<std::pair<Owner*, std::vector<std::string>>> queues;
  std::size_t left = 0;
  for (auto& [name, owner] : owners_) {
    std::vector<std::string> tokens;
    for (auto t = owner.order.rbegin(); t != owner.order.rend(); ++t) {
      if (!owner.cursors.at(*t).rows) tokens.push_back(*t);
    }
    left += tokens.size();
    if (!tokens.empty()) queues.emplace_back(&owner, std::move(tokens));
  }
  std::unordered_map<std::string, std::shared_ptr<const std::vector<std::uint32_t>>> found;
  for (std::size_t turn = 0; left > 0; ++turn) {
    for (auto& [owner, tokens] : queues) {
      if (turn >= tokens.size()) continue;
      --left;
      Snapshot& snap = owner->cursors.at(tokens[turn]);
      auto it = found.find(snap.fingerprint);
      if (it == found.end()) {
        if (found.size() >= kMaxPinsPerChange) {
          Forget(owner, tokens[turn]);  // its next page answers cursor_expired
          continue;
        }
        it = found
                 .emplace(snap.fingerprint, std::make_shared<const std::vector<std::uint32_t>>(
                                                index.Find(snap.search)))
                 .first;
      }
      snap.rows = it->second;
      --unpinned_;
    }
  }
  for (auto o = owners_.begin(); o != owners_.end();) {
    o = o->second.cursors.empty() ? owners_.erase(o) : std::next(o);
  }
}

void CustomerTable::Forget(Owner* owner, const std::string& token) {
  auto it = owner->cursors.find(token);
  if (it != owner->cursors.end()) {
    owner->rows -= it->second.total;
    if (!it->second.rows) --unpinned_;
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
  std::optional<Status> failed;
  // Under the projector's read lock throughout: an unpinned snapshot is the
  // table as it is now.
  projector_->ReadTable([&](const TableIndex& index) {
    if (q.cursor.empty()) {
      TableIndex::Page found = index.FindPage(q, 0, q.limit);
      page.total = found.total;
      page_rows = std::move(found.rows);
      if (q.limit < found.total) {
        std::lock_guard lock(mu_);
        ForgetExpired(now_ms);
        const std::string token = NewToken();
        Owner& owner = owners_[q.owner];
        while (!owner.order.empty() &&
               (owner.cursors.size() >= kMaxCursors || owner.rows + found.total > kMaxCursorRows)) {
          Forget(&owner, owner.order.front());
          ++page.cursors_evicted;
        }
        owner.rows += found.total;
        owner.cursors[token] = {fingerprint, q, nullptr, found.total,
                                now_ms + std::chrono::milliseconds(kCursorLifetime).count()};
        ++unpinned_;
        owner.order.push_back(token);
        page.next_cursor = token + ":" + std::to_string(q.limit);
      }
      return;
    }
    const auto colon = q.cursor.find(':');
    const std::string token = q.cursor.substr(0, colon);
    std::size_t offset = 0;
    const bool parsed =
        colon != std::string::npos &&
        std::from_chars(q.cursor.data() + colon + 1, q.cursor.data() + q.cursor.size(), offset)
                .ec == std::errc();
    std::shared_ptr<const std::vector<std::uint32_t>> rows;
    std::size_t total = 0;
    {
      std::lock_guard lock(mu_);
      ForgetExpired(now_ms);
      auto owner = owners_.find(q.owner);
      auto it = owner == owners_.end() ? decltype(owner->second.cursors)::iterator()
                                       : owner->second.cursors.find(token);
      if (owner == owners_.end() || it == owner->second.cursors.end() || !parsed) {
        failed = Status::NotFound(
            "cursor_expired", "this cursor is unknown or has expired; start from the first page");
        return;
      }
      const Snapshot& snap = it->second;
      if (snap.fingerprint != fingerprint) {
        failed = Status::InvalidArgument(
            "cursor", "cursor_mismatch",
            "a cursor must be used with the same search, filters and sort as its first page");
        return;
      }
      rows = snap.rows;
      total = snap.total;
    }
    page.total = total;
    if (!rows && offset >= std::min(kPinAfterRows, kPinAfterPages * q.limit)) {
      // A page deep into a result not yet written out: write it out now,
      // once (the table is as its first page saw it: the projector's Pin
      // waits for this read lock), and slice it from here on, rather than
      // walk from the top of the order for every page.
      auto all = std::make_shared<const std::vector<std::uint32_t>>(index.Find(q));
      std::lock_guard lock(mu_);
      for (auto& [name, owner] : owners_) {
        for (auto& [other, snap] : owner.cursors) {
          if (!snap.rows && snap.fingerprint == fingerprint) {
            snap.rows = all;
            --unpinned_;
          }
        }
      }
      rows = std::move(all);
    }
    // A written-out result is the whole result its first page counted.
    assert(!rows || rows->size() == total);
    const std::size_t size = rows ? std::min(rows->size(), total) : total;
    offset = std::min(offset, size);
    const std::size_t end = std::min(offset + q.limit, size);
    if (rows) {
      page_rows.assign(rows->begin() + static_cast<std::ptrdiff_t>(offset),
                       rows->begin() + static_cast<std::ptrdiff_t>(end));
    } else {
      page_rows = index.FindPage(q, offset, end - offset).rows;
    }
    if (end < size) page.next_cursor = token + ":" + std::to_string(end);
  });
  if (failed) return Error(*failed);
  page.rows.reserve(page_rows.size());  // rows are large: one allocation, not a doubling series
  for (std::uint32_t row : page_rows) {
    CustomerRow r = projector_->CustomerAt(row);
    if (!r.deleted) page.rows.push_back(std::move(r));
  }
  return page;
}

}  // namespace clientele
