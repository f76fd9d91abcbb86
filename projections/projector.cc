#include "projections/projector.h"

#include <rocksdb/db.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <shared_mutex>
#include <thread>

#include "projections/internal/projector_impl.h"
#include "projections/search_text.h"

namespace clientele {

using namespace projection_internal;

namespace {

bool SameCode(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) !=
        std::toupper(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

Projector::Projector(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Projector::~Projector() = default;

Result<std::unique_ptr<Projector>> Projector::Open(EventStore* log, const std::string& path,
                                                   PersonalDataKeys* keys) {
  auto impl = std::make_unique<Impl>();
  impl->log = log;
  impl->keys = keys;
  impl->path = path;
  if (Status st = impl->OpenDb(); !st.ok()) return Error(st);
  if (Status st = impl->Load(); !st.ok()) return Error(st);
  return std::unique_ptr<Projector>(new Projector(std::move(impl)));
}

void Projector::OnErased(std::function<void(const std::vector<std::string>&)> hook) {
  std::lock_guard lock(impl_->on_erased_mu);
  impl_->on_erased = std::move(hook);
}

void Projector::Start() {
  if (!impl_->follower.joinable()) impl_->follower = std::thread([this] { impl_->Follow(); });
}

Status Projector::CatchUp(const std::function<void(std::uint64_t)>& progress, std::uint64_t up_to) {
  // Large batches straight from the scan, without the WAL, flushed at the end.
  Impl& impl = *impl_;
  const std::uint64_t head = up_to == 0 ? impl.log->Head() : std::min(up_to, impl.log->Head());
  if (impl.position.load() >= head) return Status::OK();
  const bool rebuild = impl.position.load() == 0 && impl.rows.empty();
  if (rebuild) {
    if (Status st = impl.ClearHistory(); !st.ok()) return st;
    impl.rebuild_history = std::make_unique<Impl::RebuildHistory>();
  }
  const Impl::CommitMode mode{.wal = false, .rows = !rebuild, .maintain = false};
  Impl::Pending pending;
  Status failed;
  Status s = impl.log->ScanAll(impl.position.load() + 1, [&](const RecordedEvent& e) {
    impl.ApplyOne(e, &pending);
    if (pending.events >= kCatchUpBatch || e.position >= head) {
      failed = impl.Commit(&pending, mode);
      if (!failed.ok()) return false;
      if (progress) progress(impl.position.load());
    }
    return e.position < head;
  });
  if (!s.ok()) return s;
  if (!failed.ok()) return failed;
  if (Status st = impl.Commit(&pending, mode); !st.ok()) return st;
  rocksdb::Status f = impl.db->Flush(rocksdb::FlushOptions(), impl.handles);
  if (!f.ok()) return FromRocksDb(f, "flushing the projections failed");
  if (rebuild) {
    Status st = impl.IngestRebuild();
    impl.rebuild_history.reset();
    if (!st.ok()) return st;
  }
  if (!impl.erased.empty()) {
    if (Status st = impl.ScrubErased(); !st.ok()) return st;
  }
  std::unique_lock lock(impl.rows_mu);
  impl.index.Maintain(/*force=*/rebuild);
  return Status::OK();
}

std::uint64_t Projector::position() const { return impl_->position.load(); }

bool Projector::WaitFor(std::uint64_t position, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->position_mu);
  return impl_->position_cv.wait_for(lock, timeout,
                                     [&] { return impl_->position.load() >= position; });
}

std::optional<CustomerRow> Projector::Customer(std::string_view id) const {
  std::shared_lock lock(impl_->rows_mu);
  const std::uint32_t row = impl_->ids.Find(id);
  if (row == RowIds::kNone) return std::nullopt;
  CustomerRow out;
  if (!DecodeRow(impl_->rows[row], &out).ok()) return std::nullopt;
  return out;
}

std::optional<CustomerRow> Projector::CustomerByCode(std::string_view code) const {
  std::string folded = Fold(code);  // "CUST-S01-00007" -> "cust s01 00007": look up the last word
  const std::string last = folded.substr(folded.rfind(' ') + 1);
  std::shared_lock lock(impl_->rows_mu);
  CustomerRow out;
  for (std::uint32_t row : impl_->index.RowsWithWord(last)) {
    if (DecodeRow(impl_->rows[row], &out).ok() && SameCode(out.code, code)) return out;
  }
  return std::nullopt;
}

std::vector<CustomerRow> Projector::Customers() const {
  std::shared_lock lock(impl_->rows_mu);
  std::vector<CustomerRow> out(impl_->rows.size());
  for (std::size_t i = 0; i < out.size(); ++i) (void)DecodeRow(impl_->rows[i], &out[i]);
  return out;
}

std::vector<std::uint32_t> Projector::FindRows(const TableSearch& search) const {
  std::shared_lock lock(impl_->rows_mu);
  return impl_->index.Find(search);
}

CustomerRow Projector::CustomerAt(std::uint32_t row) const {
  std::shared_lock lock(impl_->rows_mu);
  CustomerRow out;
  if (row < impl_->rows.size()) (void)DecodeRow(impl_->rows[row], &out);
  return out;
}

void Projector::ReadTable(const std::function<void(const TableIndex&)>& fn) const {
  std::shared_lock lock(impl_->rows_mu);
  fn(impl_->index);
}

void Projector::WatchTable(std::function<bool(const TableIndex&)> before_change) const {
  std::lock_guard lock(impl_->watchers_mu);
  impl_->watchers.push_back(std::move(before_change));
}

Result<HistoryPage> Projector::History(std::string_view id, std::string_view before,
                                       std::size_t limit) const {
  // The whole history, oldest first, for the balances after each entry.
  std::vector<HistoryEntry> all;
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->history_cf()));
  for (it->Seek(id); it->Valid(); it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    if (key.size() <= kIdSize + 8 || !key.starts_with(id)) break;
    HistoryEntry& entry = all.emplace_back();
    if (Status s = DecodeEntry(std::string_view(it->value().data(), it->value().size()), &entry);
        !s.ok()) {
      return Error(s);
    }
  }
  if (!it->status().ok()) return Error(FromRocksDb(it->status(), "reading history failed"));
  SetBalancesAfter(&all);
  std::size_t end = all.size();  // entries [0, end) come before `before`
  if (!before.empty()) {
    auto at = std::find_if(all.begin(), all.end(),
                           [&](const HistoryEntry& e) { return e.event_id == before; });
    if (at == all.end()) {
      return Error(
          Status::NotFound("invalid_before", "before must be the id of an entry of this history"));
    }
    end = static_cast<std::size_t>(at - all.begin());
  }
  HistoryPage page;
  while (end > 0 && page.entries.size() < limit) page.entries.push_back(std::move(all[--end]));
  if (end > 0 && !page.entries.empty()) page.next_before = page.entries.back().event_id;
  return page;
}

SettingsState Projector::Settings() const {
  std::lock_guard lock(impl_->settings_mu);
  return impl_->settings;
}

std::string Projector::Trouble() const {
  std::lock_guard lock(impl_->trouble_mu);
  return impl_->trouble;
}

ProjectorStats Projector::stats() const {
  std::shared_lock lock(impl_->rows_mu);
  return {impl_->position.load(), impl_->applied.load(), impl_->skipped.load(), impl_->rows.size()};
}

}  // namespace clientele
