#include "projections/projector.h"

#include <rocksdb/db.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <tuple>
#include <unordered_map>

#include "domain/event_codec.h"
#include "domain/ids.h"
#include "eventstore/coding.h"
#include "projections/row_ids.h"
#include "projections/search_text.h"

namespace clientele {

namespace {

constexpr char kCheckpointKey[] = "checkpoint";
constexpr std::size_t kBatchEvents = 4096;
constexpr std::size_t kCatchUpBatch = 65536;

Status FromRocksDb(const rocksdb::Status& s, std::string_view what) {
  std::string msg = std::string(what) + ": " + s.ToString();
  if (s.IsCorruption()) return Status::Corruption(msg);
  return Status::Unavailable(msg);
}

constexpr char kFormatKey[] = "format";
constexpr char kFormat[] = "2";
constexpr std::size_t kIdSize = 36;

// customer id, time, origin, version: the history's order (HistoryBefore).
std::string HistoryKey(std::string_view id, std::int64_t time_ms, std::string_view origin,
                       std::int64_t version) {
  std::string k(id);
  k.reserve(kIdSize + 8 + origin.size() + 1 + 8);
  coding::PutBe64(&k, static_cast<std::uint64_t>(time_ms));
  k.append(origin);
  k.push_back('\0');
  coding::PutBe64(&k, static_cast<std::uint64_t>(version));
  return k;
}

std::pair<std::uint64_t, std::uint64_t> Halves(std::string_view uuid) {
  RowIds::Key key{};
  (void)RowIds::ToKey(uuid, &key);
  std::uint64_t hi = 0, lo = 0;
  for (int i = 0; i < 8; ++i) hi = hi << 8 | key[i], lo = lo << 8 | key[i + 8];
  return {hi, lo};
}

RowIds::Key FromHalves(std::uint64_t hi, std::uint64_t lo) {
  RowIds::Key key;
  for (int i = 0; i < 8; ++i) {
    key[i] = static_cast<std::uint8_t>(hi >> (56 - 8 * i));
    key[i + 8] = static_cast<std::uint8_t>(lo >> (56 - 8 * i));
  }
  return key;
}

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

IndexedRow Indexed(const CustomerRow& r) {
  const CustomerDetails& d = r.details;
  return {d[DetailField::kFirstName],
          d[DetailField::kLastName],
          d[DetailField::kEmail],
          d[DetailField::kPhone],
          r.code,
          !r.deleted && !r.code.empty(),
          r.active,
          r.points,
          r.credit,
          r.last_visit_ms};
}

}  // namespace

struct Projector::Impl {
  EventStore* log = nullptr;
  std::string path;
  rocksdb::DB* db = nullptr;
  rocksdb::ColumnFamilyOptions cf_options;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // default, customers, history

  rocksdb::ColumnFamilyHandle* meta_cf() const { return handles[0]; }
  rocksdb::ColumnFamilyHandle* customers_cf() const { return handles[1]; }
  rocksdb::ColumnFamilyHandle* history_cf() const { return handles[2]; }

  // Rows: written by one thread (the follower or CatchUp's caller), which
  // reads them without the lock; everyone else reads under a shared lock.
  mutable std::shared_mutex rows_mu;
  RowIds ids;
  std::vector<std::string> rows;  // encoded (EncodeRow), by row number
  TableIndex index{&ids};

  std::atomic<std::uint64_t> position{0};
  mutable std::mutex position_mu;
  mutable std::condition_variable position_cv;
  std::atomic<std::uint64_t> applied{0}, skipped{0};

  std::atomic<bool> stopping{false};
  std::thread follower;

  // The settings as of the events applied (kept in memory only: Open reads
  // the settings stream, which is short).
  mutable std::mutex settings_mu;
  SettingsState settings;

  // During a rebuild, history entries gather here to be written in key order.
  struct RebuildHistory {
    struct Ref {
      std::uint64_t id_hi, id_lo;  // the key: customer id bytes,
      std::int64_t time;           // time,
      std::uint32_t origin;        // origin (in `origins`),
      std::int64_t version;        // version
      std::uint64_t at;            // the encoded entry, in `bytes`
    };
    std::string bytes;
    std::vector<Ref> refs;
    std::vector<std::string> origins;  // the few nodes events came from
    std::uint32_t Origin(const std::string& node) {
      for (std::uint32_t i = 0; i < origins.size(); ++i) {
        if (origins[i] == node) return i;
      }
      origins.push_back(node);
      return static_cast<std::uint32_t>(origins.size() - 1);
    }
  };
  std::unique_ptr<RebuildHistory> rebuild_history;

  ~Impl() {
    stopping = true;
    if (follower.joinable()) follower.join();
    if (db != nullptr) {
      for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
      db->Close();
      delete db;
    }
  }

  // Clears projections an older build wrote in another layout, so that they
  // are rebuilt from the log; then records this build's layout.
  Status CheckFormat() {
    std::string format, checkpoint;
    rocksdb::Status f = db->Get(rocksdb::ReadOptions(), meta_cf(), kFormatKey, &format);
    rocksdb::Status c = db->Get(rocksdb::ReadOptions(), meta_cf(), kCheckpointKey, &checkpoint);
    if (f.ok() && format == kFormat) return Status::OK();
    if (c.ok()) {
      std::fprintf(stderr,
                   "clientele: the projections were written by an older build; rebuilding\n");
      for (auto* cf : {meta_cf(), customers_cf(), history_cf()}) {
        std::string first(1, '\0'), last(256, '\xff');
        rocksdb::Status d = db->DeleteRange(rocksdb::WriteOptions(), cf, first, last);
        if (!d.ok()) return FromRocksDb(d, "clearing outdated projections failed");
      }
    }
    rocksdb::WriteOptions sync;
    sync.sync = true;
    rocksdb::Status w = db->Put(sync, meta_cf(), kFormatKey, kFormat);
    return w.ok() ? Status::OK() : FromRocksDb(w, "writing the projections' format failed");
  }

  Status Load() {
    if (Status st = CheckFormat(); !st.ok()) return st;
    std::string value;
    rocksdb::Status s = db->Get(rocksdb::ReadOptions(), meta_cf(), kCheckpointKey, &value);
    if (s.ok() && value.size() == 8) {
      position = coding::GetBe64(value);
    } else if (!s.IsNotFound()) {
      return FromRocksDb(s, "reading the projections' checkpoint failed");
    }
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), customers_cf()));
    CustomerRow row;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::string_view bytes(it->value().data(), it->value().size());
      if (Status st = DecodeRow(bytes, &row); !st.ok()) return st;
      const std::uint32_t n = ids.Add(row.id);
      if (n == RowIds::kNone || n != rows.size()) {
        return Status::Corruption("the customer table holds a row with a bad id: " + row.id);
      }
      rows.emplace_back(bytes);
      index.Set(n, Indexed(row));
    }
    if (!it->status().ok()) return FromRocksDb(it->status(), "loading the customer table failed");
    index.Maintain(/*force=*/true);
    // The settings up to the checkpoint; later ones come with the catch-up.
    auto events = log->ReadStream(kSettingsStream, 1, SIZE_MAX);
    if (!events) return events.error();
    for (const RecordedEvent& e : *events) {
      if (e.position > position.load()) break;
      auto decoded = DecodeSettingsEvent(e.type, e.schema, e.data);
      if (decoded) settings = Evolve(std::move(settings), *decoded);
    }
    if (position.load() > log->Head()) {
      return Status::FailedPrecondition(
          "", "projections_ahead_of_log",
          "the projections are ahead of the log (were they copied from another node?); "
          "run clientele rebuild");
    }
    return Status::OK();
  }

  // Events applied but not yet committed.
  struct Pending {
    struct Touched {
      std::uint32_t row = RowIds::kNone;  // kNone: a new customer
      CustomerRow data;
    };
    rocksdb::WriteBatch batch;
    std::unordered_map<std::string, Touched> touched;  // by id
    std::uint64_t last = 0;                            // the position of the last event
    std::size_t events = 0;
  };

  void Skip(const RecordedEvent& e, const std::string& why) {
    ++skipped;
    std::fprintf(stderr, "clientele: projections skip event %llu: %s\n",
                 static_cast<unsigned long long>(e.position), why.c_str());
  }

  // Applies one event (the next in position order) to `p`.
  void ApplyOne(const RecordedEvent& e, Pending* p) {
    p->last = e.position;
    ++p->events;
    if (e.stream == kSettingsStream) {
      auto decoded = DecodeSettingsEvent(e.type, e.schema, e.data);
      if (!decoded) return Skip(e, decoded.error().ToString());
      std::lock_guard lock(settings_mu);
      settings = Evolve(std::move(settings), *decoded);
      return;
    }
    if (!e.stream.starts_with(kCustomerStreamPrefix)) return;
    std::string_view id = std::string_view(e.stream).substr(kCustomerStreamPrefix.size());
    auto [it, inserted] = p->touched.try_emplace(std::string(id));
    Pending::Touched& t = it->second;
    if (inserted) {
      t.row = ids.Find(id);
      Status st = t.row != RowIds::kNone ? DecodeRow(rows[t.row], &t.data)
                  : RowIds::IsCanonical(id)
                      ? Status::OK()
                      : Status::InvalidArgument("", "invalid_uuid",
                                                "the customer id is not a canonical UUID");
      if (!st.ok()) {
        p->touched.erase(it);
        return Skip(e, st.ToString());
      }
    }
    auto entry = Apply(e, &t.data);
    if (!entry) {
      if (t.data.id.empty()) p->touched.erase(it);
      return Skip(e, entry.error().ToString());
    }
    if (t.data.id.empty()) t.data.id = id;  // an event before the registration reached us
    if (!*entry) return;
    if (rebuild_history) {
      const auto [hi, lo] = Halves(id);
      RebuildHistory& h = *rebuild_history;
      h.refs.push_back({hi, lo, e.time_ms, h.Origin(e.origin), e.version, h.bytes.size()});
      coding::PutLp(&h.bytes, EncodeEntry(**entry));
    } else {
      p->batch.Put(history_cf(), HistoryKey(id, e.time_ms, e.origin, e.version),
                   EncodeEntry(**entry));
    }
  }

  struct CommitMode {
    bool wal = true;       // else the caller flushes when done
    bool rows = true;      // write the rows and the checkpoint (else a rebuild writes them)
    bool maintain = true;  // keep the index quick to query (else the caller does)
  };

  // Sets the rows `p` touched in memory, and writes them, its history
  // entries and the checkpoint in one batch.
  Status Commit(Pending* p, CommitMode mode) {
    if (p->events == 0) return Status::OK();
    std::vector<std::string> encoded;
    encoded.reserve(p->touched.size());
    for (const auto& [id, t] : p->touched) encoded.push_back(EncodeRow(t.data));
    {
      std::unique_lock lock(rows_mu);
      std::size_t i = 0;
      for (auto& [id, t] : p->touched) {
        if (t.row == RowIds::kNone) {
          t.row = ids.Add(id);
          rows.emplace_back();
        }
        rows[t.row] = std::move(encoded[i++]);
        index.Set(t.row, Indexed(t.data));
        if (mode.rows) p->batch.Put(customers_cf(), id, rows[t.row]);
      }
      if (mode.maintain) index.Maintain();
    }
    if (mode.rows) {
      std::string checkpoint;
      coding::PutBe64(&checkpoint, p->last);
      p->batch.Put(meta_cf(), kCheckpointKey, checkpoint);
    }
    rocksdb::WriteOptions wo;
    wo.disableWAL = !mode.wal;
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

  // A rebuild's start: drops what an interrupted rebuild may have left.
  Status ClearHistory() {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), history_cf()));
    it->SeekToFirst();
    if (!it->Valid()) return it->status().ok() ? Status::OK() : FromRocksDb(it->status(), "");
    it.reset();
    rocksdb::Status s = db->DropColumnFamily(history_cf());
    if (s.ok()) s = db->DestroyColumnFamilyHandle(history_cf());
    if (s.ok()) s = db->CreateColumnFamily(cf_options, "history", &handles[2]);
    return s.ok() ? Status::OK() : FromRocksDb(s, "clearing the projections' history failed");
  }

  // A rebuild's end: the history, the rows and the checkpoint, written as
  // table files and ingested together.
  Status IngestRebuild() {
    const std::string history_file = path + "/rebuild-history.sst";
    const std::string rows_file = path + "/rebuild-customers.sst";
    const std::string meta_file = path + "/rebuild-checkpoint.sst";
    rocksdb::Options options(rocksdb::DBOptions(), cf_options);
    std::vector<rocksdb::IngestExternalFileArg> args;
    rocksdb::IngestExternalFileOptions ingest;
    ingest.move_files = true;
    auto write = [&](rocksdb::ColumnFamilyHandle* cf, const std::string& file,
                     auto&& put) -> rocksdb::Status {
      rocksdb::SstFileWriter writer(rocksdb::EnvOptions(), options, cf);
      rocksdb::Status s = writer.Open(file);
      if (s.ok()) s = put(writer);
      if (s.ok()) s = writer.Finish();
      if (s.ok()) {
        rocksdb::IngestExternalFileArg arg;
        arg.column_family = cf;
        arg.external_files = {file};
        arg.options = ingest;
        args.push_back(std::move(arg));
      }
      return s;
    };
    rocksdb::Status s;
    RebuildHistory& h = *rebuild_history;
    if (!h.refs.empty()) {
      // Origins ranked as their keys' bytes compare (the name, then the 0).
      std::vector<std::uint32_t> rank(h.origins.size());
      {
        std::vector<std::string> sorted;
        for (const std::string& o : h.origins) sorted.push_back(o + '\0');
        std::sort(sorted.begin(), sorted.end());
        for (std::size_t i = 0; i < h.origins.size(); ++i) {
          rank[i] = static_cast<std::uint32_t>(
              std::lower_bound(sorted.begin(), sorted.end(), h.origins[i] + '\0') - sorted.begin());
        }
      }
      std::sort(h.refs.begin(), h.refs.end(), [&](const auto& a, const auto& b) {
        return std::tie(a.id_hi, a.id_lo, a.time, rank[a.origin], a.version) <
               std::tie(b.id_hi, b.id_lo, b.time, rank[b.origin], b.version);
      });
      s = write(history_cf(), history_file, [&](rocksdb::SstFileWriter& w) {
        std::string key, value;
        for (const RebuildHistory::Ref& ref : h.refs) {
          coding::Decoder in(std::string_view(h.bytes).substr(ref.at));
          if (!in.Lp(&value)) return rocksdb::Status::Corruption("rebuild history");
          key = HistoryKey(RowIds::ToText(FromHalves(ref.id_hi, ref.id_lo)), ref.time,
                           h.origins[ref.origin], ref.version);
          rocksdb::Status put = w.Put(key, value);
          if (!put.ok()) return put;
        }
        return rocksdb::Status::OK();
      });
    }
    if (s.ok() && !rows.empty()) {
      s = write(customers_cf(), rows_file, [&](rocksdb::SstFileWriter& w) {
        for (std::uint32_t row : ids.SortedRows()) {
          rocksdb::Status put = w.Put(ids.Id(row), rows[row]);
          if (!put.ok()) return put;
        }
        return rocksdb::Status::OK();
      });
    }
    if (s.ok()) {
      s = write(meta_cf(), meta_file, [&](rocksdb::SstFileWriter& w) {
        std::string checkpoint;
        coding::PutBe64(&checkpoint, position.load());
        return w.Put(kCheckpointKey, checkpoint);
      });
    }
    if (s.ok()) s = db->IngestExternalFiles(args);
    std::error_code ignored;
    std::filesystem::remove(history_file, ignored);
    std::filesystem::remove(rows_file, ignored);
    std::filesystem::remove(meta_file, ignored);
    return s.ok() ? Status::OK() : FromRocksDb(s, "writing the rebuilt customer table failed");
  }

  void Follow() {
    auto sub = log->Subscribe(position.load());
    using Steady = std::chrono::steady_clock;
    Steady::time_point maintained = Steady::now();
    Steady::duration maintain_cost{};
    while (!stopping.load()) {
      auto events = sub->Next(kBatchEvents, std::chrono::milliseconds(100));
      Status s = events ? Status::OK() : events.error();
      if (events) {
        Pending p;
        for (const RecordedEvent& e : *events) ApplyOne(e, &p);
        // Far behind the log (a large import just landed), keeping the index
        // quick after every batch would rebuild it again and again as the
        // table grows: do it once caught up, and meanwhile only every 2 s or
        // five times as long as the last one took, whichever is longer.
        const auto start = Steady::now();
        const bool maintain = log->Head() - p.last <= 4 * kBatchEvents ||
                              start - maintained > std::max<Steady::duration>(
                                                       std::chrono::seconds(2), 5 * maintain_cost);
        s = Commit(&p, {.maintain = maintain});
        if (maintain) {
          maintained = Steady::now();
          maintain_cost = maintained - start;
        }
      }
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
  impl->path = path;
  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  options.max_background_jobs = 2;
  // Catch-ups write without the WAL; flushing every family together keeps
  // rows, history and checkpoint consistent on disk whenever a flush happens.
  options.atomic_flush = true;
  impl->cf_options.write_buffer_size = 32 << 20;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {rocksdb::kDefaultColumnFamilyName, impl->cf_options},
      {"customers", impl->cf_options},
      {"history", impl->cf_options}};
  rocksdb::Status s = rocksdb::DB::Open(options, path, cfs, &impl->handles, &impl->db);
  if (!s.ok()) return Error(FromRocksDb(s, "opening the projections at " + path + " failed"));
  if (Status st = impl->Load(); !st.ok()) return Error(st);
  return std::unique_ptr<Projector>(new Projector(std::move(impl)));
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

ProjectorStats Projector::stats() const {
  std::shared_lock lock(impl_->rows_mu);
  return {impl_->position.load(), impl_->applied.load(), impl_->skipped.load(), impl_->rows.size()};
}

}  // namespace clientele
