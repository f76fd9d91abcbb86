#include "projections/reports.h"

#include <rocksdb/filter_policy.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cstdio>

#include "domain/event_codec.h"
#include "domain/ids.h"
#include "eventstore/coding.h"
#include "projections/internal/report_keys.h"
#include "projections/internal/reports_impl.h"

namespace clientele {

using namespace report_keys;

namespace {

constexpr char kCheckpointKey[] = "checkpoint";
constexpr char kFormatKey[] = "format";
constexpr char kTimeZoneKey[] = "time_zone";
constexpr char kFormat[] = "1";
constexpr std::size_t kFollowBatch = 4096;
constexpr std::size_t kCatchUpBatch = 65536;
constexpr std::size_t kMaxCached = 2'000'000;   // customers' states kept while catching up
constexpr std::size_t kMaxLiveCached = 50'000;  // and while following

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  std::string msg = std::string(what) + ": " + s.ToString();
  return s.IsCorruption() ? Status::Corruption(msg) : Status::Unavailable(msg);
}

// What one customer's events in a batch add, kept apart so that a customer
// folded again (an event out of order) can replace its share.
struct Deltas : ReportSink {
  struct AddItem {
    std::int32_t day;
    std::uint16_t store;
    Figure f;
    std::int64_t v;
  };
  struct MoveItem {
    std::int32_t day;
    std::uint16_t from, to;
    std::int64_t v;
  };
  explicit Deltas(StoreNumbers* stores = nullptr) : stores(stores) {}
  StoreNumbers* stores;
  std::vector<AddItem> adds;
  std::vector<MoveItem> moves;
  std::vector<std::pair<std::int32_t, std::int64_t>> spends;
  std::int64_t sign = 1;

  void Add(std::int32_t day, std::string_view store, Figure f, std::int64_t v) override {
    adds.push_back({day, stores->Of(store), f, sign * v});
  }
  void Move(std::int32_t day, std::string_view from, std::string_view to, std::int64_t v) override {
    moves.push_back({day, stores->Of(from), stores->Of(to), sign * v});
  }
  void Spend(std::int32_t day, std::int64_t v) override { spends.emplace_back(day, sign * v); }
};

// Spend figures are added up by RocksDB (8-byte little-endian sums), so a
// batch writes what it adds without reading what is there.
class AddI64 : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice&, const rocksdb::Slice* existing, const rocksdb::Slice& value,
             std::string* out, rocksdb::Logger*) const override {
    const std::int64_t sum = (existing != nullptr ? DecodeI64(existing->ToStringView()) : 0) +
                             DecodeI64(value.ToStringView());
    out->clear();
    coding::PutLe64(out, static_cast<std::uint64_t>(sum));
    return true;
  }
  const char* Name() const override { return "clientele.AddI64"; }
};

struct Work {
  ReportCustomer state;
  Deltas deltas;
  bool late = false;
};

}  // namespace

std::uint16_t StoreNumbers::Of(std::string_view name) {
  auto it = numbers.find(name);
  if (it != numbers.end()) return it->second;
  const auto n = static_cast<std::uint16_t>(names.size());
  names.emplace_back(name);
  numbers.emplace(std::string(name), n);
  return n;
}

void Reports::Impl::Rules::Set(std::int64_t from_ms, PointsExpiry rule) {
  auto at = std::upper_bound(by_time_.begin(), by_time_.end(), from_ms,
                             [](std::int64_t t, const auto& r) { return t < r.first; });
  if (at != by_time_.begin() && std::prev(at)->first == from_ms && std::prev(at)->second == rule) {
    return;  // already known (a batch tried again)
  }
  by_time_.insert(at, {from_ms, rule});
}

PointsExpiry Reports::Impl::Rules::RuleAt(std::int64_t ms) const {
  auto at = std::upper_bound(by_time_.begin(), by_time_.end(), ms,
                             [](std::int64_t t, const auto& r) { return t < r.first; });
  return at == by_time_.begin() ? PointsExpiry{} : std::prev(at)->second;
}

Reports::Impl::~Impl() {
  stopping = true;
  position_cv.notify_all();
  if (follower.joinable()) follower.join();
  if (db != nullptr) {
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    db->Close();
    delete db;
  }
}

void Reports::Impl::SetTrouble(std::string what) {
  std::lock_guard lock(trouble_mu);
  trouble = std::move(what);
}

Status Reports::Impl::OpenDb() {
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  db_options.atomic_flush = true;
  rocksdb::ColumnFamilyOptions cf;
  cf.write_buffer_size = 16 << 20;
  // A customer's state is read by id for every GET of a customer with points:
  // a bloom filter spares the table files that do not hold it.
  rocksdb::ColumnFamilyOptions by_id = cf;
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  by_id.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  rocksdb::ColumnFamilyOptions spend = cf;
  spend.merge_operator = std::make_shared<AddI64>();
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {{rocksdb::kDefaultColumnFamilyName, cf},
                                                      {"figures", cf},
                                                      {"moves", cf},
                                                      {"spend", spend},
                                                      {"customers", by_id},
                                                      {"expiry", cf}};
  rocksdb::Status s = rocksdb::DB::Open(db_options, options.path, cfs, &handles, &db);
  return s.ok() ? Status::OK() : FromRocks(s, "opening the reports at " + options.path + " failed");
}

Status Reports::Impl::Load() {
  rocksdb::ReadOptions ro;
  std::string format, zone, checkpoint;
  rocksdb::Status f = db->Get(ro, meta_cf(), kFormatKey, &format);
  rocksdb::Status z = db->Get(ro, meta_cf(), kTimeZoneKey, &zone);
  rocksdb::Status c = db->Get(ro, meta_cf(), kCheckpointKey, &checkpoint);
  if (!f.ok() || format != kFormat || !z.ok() || zone != options.time_zone.name()) {
    if (c.ok()) {
      std::fprintf(stderr, "clientele: the reports were kept %s; rebuilding them from the log\n",
                   z.ok() && zone != options.time_zone.name()
                       ? ("in time zone " + zone + ", not " + options.time_zone.name()).c_str()
                       : "by another build");
    }
    for (auto* h : handles) {
      std::string first(1, '\0'), last(256, '\xff');
      rocksdb::Status d = db->DeleteRange(rocksdb::WriteOptions(), h, first, last);
      if (!d.ok()) return FromRocks(d, "clearing the reports failed");
    }
    rocksdb::WriteBatch b;
    b.Put(meta_cf(), kFormatKey, kFormat);
    b.Put(meta_cf(), kTimeZoneKey, options.time_zone.name());
    rocksdb::WriteOptions sync;
    sync.sync = true;
    rocksdb::Status w = db->Write(sync, &b);
    if (!w.ok()) return FromRocks(w, "writing the reports' format failed");
    checkpoint.clear();
  }
  if (checkpoint.size() == 8) position = coding::GetBe64(checkpoint);
  if (position.load() > log->Head()) {
    return Status::FailedPrecondition("", "reports_ahead_of_log",
                                      "the reports are ahead of the log (copied from another "
                                      "node?); delete the reports folder to rebuild them");
  }
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, figures_cf()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    DayStore key;
    Figures value;
    if (!DecodeFigureKey(it->key().ToStringView(), &key.first, &key.second) ||
        !DecodeFigures(it->value().ToStringView(), &value)) {
      return Status::Corruption("the reports hold a damaged figure");
    }
    figures.emplace(std::move(key), value);
  }
  if (!it->status().ok()) return FromRocks(it->status(), "loading the reports failed");
  it.reset(db->NewIterator(ro, moves_cf()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    Move key;
    if (!DecodeMoveKey(it->key().ToStringView(), &key) || it->value().size() != 8) {
      return Status::Corruption("the reports hold a damaged move");
    }
    moves.emplace(std::move(key), DecodeI64(it->value().ToStringView()));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "loading the reports failed");
  auto settings = log->ReadStream(kSettingsStream, 1, SIZE_MAX);
  if (!settings) return settings.error();
  for (const RecordedEvent& e : *settings) {
    if (e.position > position.load()) break;
    auto decoded = DecodeSettingsEvent(e.type, e.schema, e.data);
    if (decoded && std::holds_alternative<LoyaltyProgramSet>(*decoded)) {
      rules.Set(e.time_ms, std::get<LoyaltyProgramSet>(*decoded).program.expiry);
    }
  }
  return Status::OK();
}

Status Reports::Impl::ApplyBatch(const std::vector<RecordedEvent>& events) {
  if (events.empty()) return Status::OK();
  const std::uint64_t before = position.load();
  const std::uint64_t last = events.back().position;
  const TimeZone& tz = options.time_zone;
  std::unordered_map<std::string, Work> work;
  rocksdb::ReadOptions ro;
  for (const RecordedEvent& e : events) {
    if (e.stream == kSettingsStream) {
      auto decoded = DecodeSettingsEvent(e.type, e.schema, e.data);
      if (decoded && std::holds_alternative<LoyaltyProgramSet>(*decoded)) {
        rules.Set(e.time_ms, std::get<LoyaltyProgramSet>(*decoded).program.expiry);
      }
      continue;
    }
    if (!e.stream.starts_with(kCustomerStreamPrefix)) continue;
    auto decoded = DecodeCustomerEvent(e.type, e.schema, e.data);
    if (!decoded) continue;  // the projector reports what it skips
    std::string id = e.stream.substr(kCustomerStreamPrefix.size());
    auto [it, fresh] = work.try_emplace(id);
    Work& w = it->second;
    if (fresh) w.deltas.stores = &stores;
    if (fresh) {
      if (auto cached = cache.find(id); cached != cache.end()) {
        w.state = std::move(cached->second);
        cache.erase(cached);
        fresh = false;
      }
    }
    if (fresh) {
      std::string bytes;
      rocksdb::Status s = db->Get(ro, customers_cf(), id, &bytes);
      if (s.ok()) {
        if (Status st = DecodeReportCustomer(bytes, &w.state); !st.ok()) return st;
      } else if (!s.IsNotFound()) {
        return FromRocks(s, "reading the reports failed");
      }
    }
    if (w.late) continue;
    if (InOrder(w.state, e)) {
      Fold(e, *decoded, tz, rules, &w.state, &w.deltas);
    } else {
      w.late = true;
    }
  }
  // Customers with an event out of order: their whole stream folded again,
  // as it was before the batch (taken away) and as it is after (added).
  for (auto& [id, w] : work) {
    if (!w.late) continue;
    auto stream = log->ReadStream(std::string(kCustomerStreamPrefix) + id, 1, SIZE_MAX);
    if (!stream) return stream.error();
    std::vector<std::pair<const RecordedEvent*, CustomerEvent>> all;
    for (const RecordedEvent& e : *stream) {
      if (e.position > last) break;
      auto decoded = DecodeCustomerEvent(e.type, e.schema, e.data);
      if (decoded) all.emplace_back(&e, std::move(*decoded));
    }
    std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
      return std::tie(a.first->time_ms, a.first->origin, a.first->version) <
             std::tie(b.first->time_ms, b.first->origin, b.first->version);
    });
    w.deltas = Deltas(&stores);
    ReportCustomer old_state;
    w.deltas.sign = -1;
    for (const auto& [e, event] : all) {
      if (e->position <= before) Fold(*e, event, tz, rules, &old_state, &w.deltas);
    }
    const std::int64_t expiry_key = w.state.expiry_key_ms;
    w.state = ReportCustomer();
    w.state.expiry_key_ms = expiry_key;
    w.deltas.sign = 1;
    for (const auto& [e, event] : all) Fold(*e, event, tz, rules, &w.state, &w.deltas);
  }

  // Stage the new figures; memory changes only once the batch is written.
  std::map<std::pair<std::int32_t, std::uint16_t>, Figures> added;
  std::map<std::tuple<std::int32_t, std::uint16_t, std::uint16_t>, std::int64_t> moved;
  std::map<std::pair<std::int32_t, std::string>, std::int64_t> spend;
  for (auto& [id, w] : work) {
    for (const auto& a : w.deltas.adds)
      added[{a.day, a.store}][static_cast<std::size_t>(a.f)] += a.v;
    for (const auto& m : w.deltas.moves) moved[{m.day, m.from, m.to}] += m.v;
    for (const auto& [day, v] : w.deltas.spends) spend[{day, id}] += v;
  }
  std::map<DayStore, Figures> staged;
  std::map<Move, std::int64_t> staged_moves;
  {
    std::shared_lock lock(mu);
    for (const auto& [k, delta] : added) {
      DayStore key{k.first, stores.names[k.second]};
      auto known = figures.find(key);
      Figures value = known != figures.end() ? known->second : Figures{};
      for (std::size_t i = 0; i < value.size(); ++i) value[i] += delta[i];
      staged.emplace(std::move(key), value);
    }
    for (const auto& [k, delta] : moved) {
      Move key{std::get<0>(k), stores.names[std::get<1>(k)], stores.names[std::get<2>(k)]};
      auto known = moves.find(key);
      staged_moves.emplace(key, (known != moves.end() ? known->second : 0) + delta);
    }
  }
  rocksdb::WriteBatch batch;
  for (const auto& [key, value] : staged) {
    batch.Put(figures_cf(), FigureKey(key.first, key.second), EncodeFigures(value));
  }
  for (const auto& [key, value] : staged_moves) {
    std::string v;
    coding::PutLe64(&v, static_cast<std::uint64_t>(value));
    batch.Put(moves_cf(), MoveKey(key), v);
  }
  for (const auto& [key, delta] : spend) {
    if (delta == 0) continue;
    std::string v;
    coding::PutLe64(&v, static_cast<std::uint64_t>(delta));
    batch.Merge(spend_cf(), SpendKey(key.first, key.second), v);  // added up by AddI64
  }
  for (auto& [id, w] : work) {
    std::int64_t next = NextExpiryMs(w.state, tz);
    if (next != w.state.expiry_key_ms) {
      if (w.state.expiry_key_ms != 0)
        batch.Delete(expiry_cf(), ExpiryKey(w.state.expiry_key_ms, id));
      if (next != 0) batch.Put(expiry_cf(), ExpiryKey(next, id), "");
      w.state.expiry_key_ms = next;
    }
    batch.Put(customers_cf(), id, EncodeReportCustomer(w.state));
  }
  std::string checkpoint;
  coding::PutBe64(&checkpoint, last);
  batch.Put(meta_cf(), kCheckpointKey, checkpoint);
  rocksdb::Status s = db->Write(rocksdb::WriteOptions(), &batch);
  if (!s.ok()) {
    cache.clear();
    (void)db->Resume();
    return FromRocks(s, "writing the reports failed");
  }
  if (cache.size() > (catching_up ? kMaxCached : kMaxLiveCached)) cache.clear();
  for (auto& [id, w] : work) cache.insert_or_assign(id, std::move(w.state));
  {
    std::unique_lock lock(mu);
    for (auto& [key, value] : staged) figures[key] = value;
    for (auto& [key, value] : staged_moves) moves[key] = value;
  }
  {
    std::lock_guard lock(position_mu);
    position = last;
  }
  position_cv.notify_all();
  return Status::OK();
}

void Reports::Impl::Follow() {
  auto sub = log->Subscribe(position.load());
  std::vector<RecordedEvent> pending;
  while (!stopping.load()) {
    if (pending.empty()) {
      auto events = sub->Next(kFollowBatch, std::chrono::milliseconds(100));
      if (!events) {
        SetTrouble("the reports cannot read the log: " + events.error().message());
        std::unique_lock lock(position_mu);
        position_cv.wait_for(lock, std::chrono::milliseconds(500), [&] { return stopping.load(); });
        continue;
      }
      pending = std::move(*events);
    }
    Status s = ApplyBatch(pending);
    if (s.ok()) {
      pending.clear();
      SetTrouble("");
      continue;
    }
    if (s.code() == StatusCode::kCorruption) {
      SetTrouble("the reports stopped: " + s.message());
      std::fprintf(stderr, "clientele: reports stopped: %s\n", s.ToString().c_str());
      return;
    }
    // Storage refused: the same events are tried again.
    SetTrouble("the reports are waiting for storage: " + s.message());
    std::unique_lock lock(position_mu);
    position_cv.wait_for(lock, std::chrono::milliseconds(500), [&] { return stopping.load(); });
  }
}

Reports::Reports(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Reports::~Reports() = default;

Result<std::unique_ptr<Reports>> Reports::Open(EventStore* log, ReportsOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->log = log;
  impl->options = std::move(options);
  if (Status s = impl->OpenDb(); !s.ok()) return Error(s);
  if (Status s = impl->Load(); !s.ok()) return Error(s);
  return std::unique_ptr<Reports>(new Reports(std::move(impl)));
}

void Reports::Start() {
  impl_->follower = std::thread([this] { impl_->Follow(); });
}

Status Reports::CatchUp() {
  const std::uint64_t head = impl_->log->Head();
  impl_->catching_up = true;
  Status s;
  while (s.ok() && impl_->position.load() < head) {
    auto events = impl_->log->ReadAll(impl_->position.load() + 1, kCatchUpBatch);
    if (!events) {
      s = events.error();
    } else if (events->empty()) {
      break;
    } else {
      s = impl_->ApplyBatch(*events);
    }
  }
  impl_->catching_up = false;
  impl_->cache.clear();
  return s;
}

std::uint64_t Reports::position() const { return impl_->position.load(); }

bool Reports::WaitFor(std::uint64_t position, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->position_mu);
  return impl_->position_cv.wait_for(lock, timeout,
                                     [&] { return impl_->position.load() >= position; });
}

const TimeZone& Reports::time_zone() const { return impl_->options.time_zone; }

std::string Reports::Trouble() const {
  std::lock_guard lock(impl_->trouble_mu);
  return impl_->trouble;
}

}  // namespace clientele
