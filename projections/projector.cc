#include "projections/projector.h"

#include <rocksdb/db.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "domain/ids.h"
#include "eventstore/coding.h"
#include "projections/search_text.h"

namespace clientele {

namespace {

constexpr char kCheckpointKey[] = "checkpoint";
constexpr std::size_t kBatchEvents = 4096;

Status FromRocksDb(const rocksdb::Status& s, std::string_view what) {
  std::string msg = std::string(what) + ": " + s.ToString();
  if (s.IsCorruption()) return Status::Corruption(msg);
  return Status::Unavailable(msg);
}

std::string HistoryKey(std::string_view id, std::uint64_t position) {
  std::string k(id);
  coding::PutBe64(&k, position);
  return k;
}

std::string UpperCode(std::string_view code) {
  std::string out(code);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

SearchKeys KeysOf(const CustomerRow& r) {
  const CustomerDetails& d = r.details;
  return {SearchWords({d[DetailField::kFirstName], d[DetailField::kLastName],
                       d[DetailField::kEmail], d[DetailField::kPhone], r.code}),
          Digits(d[DetailField::kPhone]), Fold(d[DetailField::kFirstName]),
          Fold(d[DetailField::kLastName])};
}

}  // namespace

struct Projector::Impl {
  EventStore* log = nullptr;
  rocksdb::DB* db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::ColumnFamilyHandle* meta_cf = nullptr;
  rocksdb::ColumnFamilyHandle* customers_cf = nullptr;
  rocksdb::ColumnFamilyHandle* history_cf = nullptr;

  mutable std::shared_mutex rows_mu;
  struct Entry {
    CustomerRow row;
    SearchKeys keys;
  };
  std::unordered_map<std::string, Entry> rows;           // by id
  std::unordered_map<std::string, std::string> by_code;  // upper-case code -> id

  std::atomic<std::uint64_t> position{0};
  mutable std::mutex position_mu;
  mutable std::condition_variable position_cv;
  std::atomic<std::uint64_t> applied{0}, skipped{0};

  std::atomic<bool> stopping{false};
  std::thread follower;

  ~Impl() {
    stopping = true;
    if (follower.joinable()) follower.join();
    if (db != nullptr) {
      for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
      db->Close();
      delete db;
    }
  }

  Status Load() {
    std::string value;
    rocksdb::Status s = db->Get(rocksdb::ReadOptions(), meta_cf, kCheckpointKey, &value);
    if (s.ok() && value.size() == 8) {
      position = coding::GetBe64(value);
    } else if (!s.IsNotFound()) {
      return FromRocksDb(s, "reading the projections' checkpoint failed");
    }
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), customers_cf));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      CustomerRow row;
      if (Status st = DecodeRow(std::string_view(it->value().data(), it->value().size()), &row);
          !st.ok()) {
        return st;
      }
      by_code[UpperCode(row.code)] = row.id;
      Entry& entry = rows[row.id];
      entry.keys = KeysOf(row);
      entry.row = std::move(row);
    }
    if (!it->status().ok()) return FromRocksDb(it->status(), "loading the customer table failed");
    if (position.load() > log->Head()) {
      return Status::FailedPrecondition(
          "", "projections_ahead_of_log",
          "the projections are ahead of the log (were they copied from another node?); "
          "run clientele rebuild");
    }
    return Status::OK();
  }

  // Events applied to the rows but not yet written.
  struct Pending {
    rocksdb::WriteBatch batch;
    std::unordered_set<std::string> touched;  // ids of rows to write
    std::uint64_t last = 0;                   // the position of the last event
    std::size_t events = 0;
  };

  // Applies one event (the next in position order) to the rows and `p`.
  void ApplyOne(const RecordedEvent& e, Pending* p) {
    p->last = e.position;
    ++p->events;
    if (!e.stream.starts_with(kCustomerStreamPrefix)) return;
    std::string id = e.stream.substr(kCustomerStreamPrefix.size());
    std::unique_lock lock(rows_mu);
    CustomerRow& row = rows[id].row;
    auto entry = Apply(e, &row);
    if (!entry) {
      ++skipped;
      std::fprintf(stderr, "clientele: projections skip event %llu: %s\n",
                   static_cast<unsigned long long>(e.position), entry.error().ToString().c_str());
      if (row.id.empty()) rows.erase(id);
      return;
    }
    if (row.id.empty()) row.id = id;  // an event before the registration reached us
    if (e.type == "customer.registered") by_code[UpperCode(row.code)] = id;
    if (*entry) p->batch.Put(history_cf, HistoryKey(id, e.position), EncodeEntry(**entry));
    p->touched.insert(std::move(id));
  }

  // Writes the rows `p` touched, its history entries and the checkpoint in one
  // batch. Without the WAL (a rebuild) the caller flushes at the end instead.
  Status Commit(Pending* p, bool wal = true) {
    if (p->events == 0) return Status::OK();
    {
      std::unique_lock lock(rows_mu);
      for (const std::string& id : p->touched) {
        Entry& entry = rows[id];
        entry.keys = KeysOf(entry.row);
        p->batch.Put(customers_cf, id, EncodeRow(entry.row));
      }
    }
    std::string checkpoint;
    coding::PutBe64(&checkpoint, p->last);
    p->batch.Put(meta_cf, kCheckpointKey, checkpoint);
    rocksdb::WriteOptions wo;
    wo.disableWAL = !wal;
    rocksdb::Status s = db->Write(wo, &p->batch);
    if (!s.ok()) return FromRocksDb(s, "writing the projections failed");
    applied += p->events;
    {
      std::lock_guard lock(position_mu);
      position = p->last;
    }
    position_cv.notify_all();
    *p = Pending();
    return Status::OK();
  }

  // Applies `events` (in position order, following position) atomically.
  Status ApplyBatch(const std::vector<RecordedEvent>& events) {
    Pending p;
    for (const RecordedEvent& e : events) ApplyOne(e, &p);
    return Commit(&p);
  }

  void Follow() {
    auto sub = log->Subscribe(position.load());
    while (!stopping.load()) {
      auto events = sub->Next(kBatchEvents, std::chrono::milliseconds(100));
      Status s = events ? ApplyBatch(*events) : events.error();
      if (!s.ok()) {
        std::fprintf(stderr, "clientele: projections stopped: %s\n", s.ToString().c_str());
        return;
      }
    }
  }
};

Projector::Projector(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Projector::~Projector() = default;

Result<std::unique_ptr<Projector>> Projector::Open(EventStore* log, const std::string& path) {
  auto impl = std::make_unique<Impl>();
  impl->log = log;
  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  options.max_background_jobs = 2;
  // Rebuilds write without the WAL; flushing every family together keeps rows,
  // history and checkpoint consistent on disk whenever a flush happens.
  options.atomic_flush = true;
  rocksdb::ColumnFamilyOptions cf;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {rocksdb::kDefaultColumnFamilyName, cf}, {"customers", cf}, {"history", cf}};
  rocksdb::Status s = rocksdb::DB::Open(options, path, cfs, &impl->handles, &impl->db);
  if (!s.ok()) return Error(FromRocksDb(s, "opening the projections at " + path + " failed"));
  impl->meta_cf = impl->handles[0];
  impl->customers_cf = impl->handles[1];
  impl->history_cf = impl->handles[2];
  if (Status st = impl->Load(); !st.ok()) return Error(st);
  return std::unique_ptr<Projector>(new Projector(std::move(impl)));
}

void Projector::Start() {
  if (!impl_->follower.joinable()) impl_->follower = std::thread([this] { impl_->Follow(); });
}

Status Projector::CatchUp(const std::function<void(std::uint64_t)>& progress, std::uint64_t up_to) {
  // Large batches straight from the scan, without the WAL: the result is
  // flushed at the end, and a crash before that leaves the last flushed
  // checkpoint with its data, to be caught up again.
  constexpr std::size_t kCatchUpBatch = 65536;
  const std::uint64_t head = up_to == 0 ? impl_->log->Head() : std::min(up_to, impl_->log->Head());
  if (impl_->position.load() >= head) return Status::OK();
  Impl::Pending pending;
  Status failed;
  Status s = impl_->log->ScanAll(impl_->position.load() + 1, [&](const RecordedEvent& e) {
    impl_->ApplyOne(e, &pending);
    if (pending.events >= kCatchUpBatch || e.position >= head) {
      failed = impl_->Commit(&pending, /*wal=*/false);
      if (!failed.ok()) return false;
      if (progress) progress(impl_->position.load());
    }
    return e.position < head;
  });
  if (!s.ok()) return s;
  if (!failed.ok()) return failed;
  if (Status st = impl_->Commit(&pending, /*wal=*/false); !st.ok()) return st;
  rocksdb::Status f = impl_->db->Flush(rocksdb::FlushOptions(), impl_->handles);
  if (!f.ok()) return FromRocksDb(f, "flushing the projections failed");
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
  auto it = impl_->rows.find(std::string(id));
  if (it == impl_->rows.end()) return std::nullopt;
  return it->second.row;
}

std::optional<CustomerRow> Projector::CustomerByCode(std::string_view code) const {
  std::shared_lock lock(impl_->rows_mu);
  auto it = impl_->by_code.find(UpperCode(code));
  if (it == impl_->by_code.end()) return std::nullopt;
  return impl_->rows.at(it->second).row;
}

std::vector<CustomerRow> Projector::Customers() const {
  std::shared_lock lock(impl_->rows_mu);
  std::vector<CustomerRow> out;
  out.reserve(impl_->rows.size());
  for (const auto& [id, entry] : impl_->rows) out.push_back(entry.row);
  return out;
}

void Projector::ForEachCustomer(
    const std::function<void(const CustomerRow&, const SearchKeys&)>& fn) const {
  std::shared_lock lock(impl_->rows_mu);
  for (const auto& [id, entry] : impl_->rows) fn(entry.row, entry.keys);
}

Result<HistoryPage> Projector::History(std::string_view id, std::uint64_t before,
                                       std::size_t limit) const {
  HistoryPage page;
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->history_cf));
  const std::string start = HistoryKey(id, before == 0 ? UINT64_MAX : before - 1);
  HistoryEntry entry;
  for (it->SeekForPrev(start); it->Valid(); it->Prev()) {
    std::string_view key(it->key().data(), it->key().size());
    if (key.size() != id.size() + 8 || !key.starts_with(id)) break;
    if (page.entries.size() == limit) {
      page.next_before = page.entries.back().position;
      break;
    }
    if (Status s = DecodeEntry(std::string_view(it->value().data(), it->value().size()), &entry);
        !s.ok()) {
      return Error(s);
    }
    page.entries.push_back(entry);
  }
  if (!it->status().ok()) return Error(FromRocksDb(it->status(), "reading history failed"));
  return page;
}

ProjectorStats Projector::stats() const {
  std::shared_lock lock(impl_->rows_mu);
  return {impl_->position.load(), impl_->applied.load(), impl_->skipped.load(), impl_->rows.size()};
}

}  // namespace clientele
