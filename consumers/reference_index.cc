#include "consumers/reference_index.h"

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>

#include "domain/event_codec.h"
#include "domain/overloaded.h"
#include "eventstore/coding.h"

namespace clientele {

namespace {

constexpr char kPositionKey[] = "";  // every reference's key is longer

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  std::string msg = std::string(what) + ": " + s.ToString();
  return s.IsCorruption() ? Status::Corruption(msg) : Status::Unavailable(msg);
}

void EncodeEntries(const std::vector<ReferenceEntry>& entries, std::string* out) {
  for (const ReferenceEntry& e : entries) {
    out->push_back(e.points ? 'p' : 'r');
    coding::PutLp(out, e.event_id);
  }
}

bool DecodeEntries(std::string_view in, std::vector<ReferenceEntry>* out) {
  coding::Decoder d(in);
  while (!d.empty()) {
    std::string_view tag;
    ReferenceEntry e;
    if (!d.View(1, &tag) || (tag[0] != 'p' && tag[0] != 'r') || !d.Lp(&e.event_id)) return false;
    e.points = tag[0] == 'p';
    out->push_back(std::move(e));
  }
  return true;
}

// The types that can be about a reference (the rest are not decoded).
bool MayHaveReference(const std::string& type) {
  return type == "purchase.recorded" || type == "purchase.refunded" || type == "credit.topped_up" ||
         type == "loyalty.points_earned" || type == "loyalty.points_reversed";
}

}  // namespace

bool ReferenceOfEvent(const RecordedEvent& e, ReferenceOf* out) {
  if (!MayHaveReference(e.type)) return false;
  auto decoded = DecodeCustomerEvent(e.type, e.schema, e.data);
  if (!decoded) return false;  // the projections report undecodable events
  return std::visit(Overloaded{
                        [&](const PurchaseRecorded& p) {
                          *out = {"purchase", p.tab_id, false};
                          return true;
                        },
                        [&](const PurchaseRefunded& r) {
                          *out = {"refund", r.refund_id, false};
                          return true;
                        },
                        [&](const CreditToppedUp& t) {
                          *out = {"top_up", t.payment_ref, false};
                          return true;
                        },
                        [&](const PointsEarned& p) {
                          *out = {"purchase", p.tab_id, true};
                          return true;
                        },
                        [&](const PointsReversed& r) {
                          *out = {"refund", r.refund_id, true};
                          return true;
                        },
                        [](const auto&) { return false; },
                    },
                    *decoded);
}

Result<std::unique_ptr<ReferenceIndex>> ReferenceIndex::Open(const std::string& path) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.max_background_jobs = 1;
  options.write_buffer_size = 8 << 20;
  // Most lookups are of a reference seen for the first time: bloom filters
  // (in the memtable too) answer those without a search.
  options.memtable_prefix_bloom_size_ratio = 0.1;
  options.memtable_whole_key_filtering = true;
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, path, &db);
  if (!s.ok()) return Error(FromRocks(s, "opening the reference index at " + path + " failed"));
  std::unique_ptr<ReferenceIndex> index(new ReferenceIndex(db));
  if (Status st = index->Load(); !st.ok()) return Error(st);
  return index;
}

ReferenceIndex::~ReferenceIndex() {
  db_->Close();
  delete db_;
}

Status ReferenceIndex::Load() {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), kPositionKey, &value);
  if (s.IsNotFound()) {
    position_ = 0;
    return Status::OK();
  }
  if (!s.ok()) return FromRocks(s, "reading the reference index failed");
  if (value.size() != 8) return Status::Corruption("the reference index holds a damaged position");
  position_ = coding::GetBe64(value);
  return Status::OK();
}

std::string ReferenceIndex::Key(std::string_view stream, std::string_view kind,
                                std::string_view reference) {
  std::string key;
  coding::PutLp(&key, stream);
  coding::PutLp(&key, kind);
  key.append(reference);
  return key;
}

Result<ReferenceIndex::Entries> ReferenceIndex::Stage(
    const std::vector<RecordedEvent>& events) const {
  Entries staged;
  for (const RecordedEvent& e : events) {
    ReferenceOf of;
    if (!ReferenceOfEvent(e, &of)) continue;
    auto [it, fresh] = staged.try_emplace(Key(e.stream, of.kind, of.reference));
    if (fresh) {
      std::string value;
      rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), it->first, &value);
      if (!s.ok() && !s.IsNotFound())
        return Error(FromRocks(s, "reading the reference index failed"));
      if (s.ok() && !DecodeEntries(value, &it->second)) {
        return Error(Status::Corruption("the reference index holds a damaged entry"));
      }
    }
    ReferenceEntry entry{of.points, e.id};
    auto& list = it->second;
    if (std::find(list.begin(), list.end(), entry) == list.end()) list.push_back(std::move(entry));
  }
  return staged;
}

Status ReferenceIndex::Commit(const Entries& staged, std::uint64_t position) {
  rocksdb::WriteBatch batch;
  std::string value;
  for (const auto& [key, entries] : staged) {
    value.clear();
    EncodeEntries(entries, &value);
    batch.Put(key, value);
  }
  value.clear();
  coding::PutBe64(&value, position);
  batch.Put(kPositionKey, value);
  rocksdb::Status s = db_->Write(rocksdb::WriteOptions(), &batch);
  if (!s.ok()) {
    (void)db_->Resume();
    return FromRocks(s, "writing the reference index failed");
  }
  position_ = position;
  return Status::OK();
}

Status ReferenceIndex::Clear() {
  std::string last(256, '\xff');
  rocksdb::Status s =
      db_->DeleteRange(rocksdb::WriteOptions(), db_->DefaultColumnFamily(), kPositionKey, last);
  if (s.ok()) s = db_->Delete(rocksdb::WriteOptions(), kPositionKey);
  if (!s.ok()) return FromRocks(s, "clearing the reference index failed");
  position_ = 0;
  return Status::OK();
}

}  // namespace clientele
