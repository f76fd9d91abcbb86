#include "api/idempotency.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <filesystem>

#include "eventstore/coding.h"

namespace clientele::api {

// Layout (one keyspace, the same in memory and in RocksDB):
//   'k' principal \0 key          -> the record
//   'x' be64(expires) principal \0 key -> ""   (expiry order)
struct IdempotencyKeys::Record {
  enum State : std::uint8_t { kClaimed = 0, kAnswered = 1, kAnsweredNotKept = 2 };
  std::string fingerprint;
  std::int64_t expires_ms = 0;
  State state = kClaimed;
  HttpResponse answer;

  std::string Encode() const {
    std::string out;
    out.push_back(static_cast<char>(state));
    coding::PutBe64(&out, static_cast<std::uint64_t>(expires_ms));
    coding::PutLp(&out, fingerprint);
    coding::PutVarint32(&out, static_cast<std::uint32_t>(answer.status));
    coding::PutLp(&out, answer.content_type);
    coding::PutVarint32(&out, static_cast<std::uint32_t>(answer.headers.size()));
    for (const auto& [name, value] : answer.headers) {
      coding::PutLp(&out, name);
      coding::PutLp(&out, value);
    }
    coding::PutLp(&out, answer.body);
    return out;
  }

  static std::optional<Record> Decode(std::string_view in) {
    if (in.size() < 9 || static_cast<std::uint8_t>(in[0]) > kAnsweredNotKept) return std::nullopt;
    Record r;
    r.state = static_cast<State>(in[0]);
    r.expires_ms = static_cast<std::int64_t>(coding::GetBe64(in.substr(1)));
    coding::Decoder d(in.substr(9));
    std::uint32_t status = 0;
    std::uint32_t headers = 0;
    if (!d.Lp(&r.fingerprint) || !d.Varint32(&status) || !d.Lp(&r.answer.content_type) ||
        !d.Varint32(&headers) || headers > 256) {
      return std::nullopt;
    }
    r.answer.status = static_cast<int>(status);
    for (std::uint32_t i = 0; i < headers; ++i) {
      std::string name, value;
      if (!d.Lp(&name) || !d.Lp(&value)) return std::nullopt;
      r.answer.headers.emplace_back(std::move(name), std::move(value));
    }
    if (!d.Lp(&r.answer.body)) return std::nullopt;
    return r;
  }
};

namespace {

std::string RecordKey(const std::string& principal, const std::string& key) {
  std::string k = "k";
  k += principal;
  k.push_back('\0');
  k += key;
  return k;
}

std::string ExpiryKey(std::int64_t expires_ms, const std::string& principal,
                      const std::string& key) {
  std::string k = "x";
  coding::PutBe64(&k, static_cast<std::uint64_t>(expires_ms));
  k += principal;
  k.push_back('\0');
  k += key;
  return k;
}

// What a record costs its principal: its key and its encoding.
std::size_t Cost(const std::string& key, const std::string& encoded) {
  return key.size() + encoded.size();
}

}  // namespace

IdempotencyKeys::IdempotencyKeys(IdempotencyOptions options, Clock* clock)
    : options_(std::move(options)), clock_(clock) {}

IdempotencyKeys::~IdempotencyKeys() = default;

Result<std::unique_ptr<IdempotencyKeys>> IdempotencyKeys::Open(IdempotencyOptions options,
                                                               Clock* clock) {
  std::unique_ptr<IdempotencyKeys> keys(new IdempotencyKeys(std::move(options), clock));
  if (!keys->options_.path.empty()) {
    rocksdb::Options db_options;
    db_options.create_if_missing = true;
    db_options.max_background_jobs = 1;
    db_options.keep_log_file_num = 2;
    db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
    if (keys->options_.env != nullptr) db_options.env = keys->options_.env;
    rocksdb::DB* db = nullptr;
    rocksdb::Status s = rocksdb::DB::Open(db_options, keys->options_.path, &db);
    if (!s.ok()) {
      return Error(Status::Unavailable("cannot open the idempotency keys at " +
                                       keys->options_.path + ": " + s.ToString()));
    }
    keys->db_.reset(db);
  }
  if (Status st = keys->Load(); !st.ok()) return Error(st);
  return keys;
}

Status IdempotencyKeys::Load() {
  std::lock_guard lock(mu_);
  if (!db_) return Status::OK();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek("k"); it->Valid() && it->key().starts_with("k"); it->Next()) {
    const std::string_view k(it->key().data(), it->key().size());
    const std::size_t nul = k.find('\0');
    if (nul == std::string_view::npos) continue;
    Usage& u = usage_[std::string(k.substr(1, nul - 1))];
    u.keys += 1;
    u.bytes += Cost(std::string(k.substr(nul + 1)), it->value().ToString());
  }
  if (!it->status().ok()) {
    return Status::Unavailable("cannot read the idempotency keys: " + it->status().ToString());
  }
  ExpireLocked(clock_->NowMs());
  return Status::OK();
}

std::optional<IdempotencyKeys::Record> IdempotencyKeys::Read(const std::string& principal,
                                                             const std::string& key) const {
  const std::string k = RecordKey(principal, key);
  std::string value;
  if (db_) {
    if (!db_->Get(rocksdb::ReadOptions(), k, &value).ok()) return std::nullopt;
  } else {
    auto it = memory_.find(k);
    if (it == memory_.end()) return std::nullopt;
    value = it->second;
  }
  return Record::Decode(value);
}

Status IdempotencyKeys::Write(const std::string& principal, const std::string& key,
                              const Record& record, const Record* replaced,
                              rocksdb::WriteBatch* into) {
  // A claim is synced: it must be on disk before the write it names runs.
  const bool sync = record.state == Record::kClaimed;
  const std::string k = RecordKey(principal, key);
  const std::string encoded = record.Encode();
  const std::string x = ExpiryKey(record.expires_ms, principal, key);
  std::size_t replaced_cost = 0;
  if (replaced != nullptr) replaced_cost = Cost(key, replaced->Encode());
  if (db_ && into != nullptr) {
    into->Put(k, encoded);
    into->Put(x, "");
  } else if (db_) {
    rocksdb::WriteBatch batch;
    batch.Put(k, encoded);
    batch.Put(x, "");
    rocksdb::WriteOptions write_options;
    write_options.sync = sync;
    rocksdb::Status s = db_->Write(write_options, &batch);
    if (!s.ok()) return Status::Unavailable("cannot keep the idempotency key: " + s.ToString());
  } else {
    memory_[k] = encoded;
    memory_[x] = "";
  }
  Usage& u = usage_[principal];
  if (replaced == nullptr) u.keys += 1;
  u.bytes = u.bytes - std::min(u.bytes, replaced_cost) + Cost(key, encoded);
  return Status::OK();
}

void IdempotencyKeys::Erase(const std::string& principal, const std::string& key,
                            const Record& record) {
  const std::string k = RecordKey(principal, key);
  const std::string x = ExpiryKey(record.expires_ms, principal, key);
  if (db_) {
    rocksdb::WriteBatch batch;
    batch.Delete(k);
    batch.Delete(x);
    // A failed delete leaves a record that expires later: nothing is lost.
    (void)db_->Write(rocksdb::WriteOptions(), &batch);
  } else {
    memory_.erase(k);
    memory_.erase(x);
  }
  auto it = usage_.find(principal);
  if (it == usage_.end()) return;
  it->second.keys -= std::min<std::size_t>(it->second.keys, 1);
  it->second.bytes -= std::min(it->second.bytes, Cost(key, record.Encode()));
  if (it->second.keys == 0) usage_.erase(it);
}

std::size_t IdempotencyKeys::ExpireLocked(std::int64_t now_ms) {
  next_sweep_ms_ = now_ms + 60 * 1000;
  std::string end = "x";
  // Entries expiring at or before now_ms.
  coding::PutBe64(&end, static_cast<std::uint64_t>(std::max<std::int64_t>(now_ms, 0)) + 1);
  struct Expired {
    std::string principal, key, entry;
  };
  std::vector<Expired> expired;
  auto note = [&](std::string_view x) {
    const std::string_view rest = x.substr(9);
    const std::size_t nul = rest.find('\0');
    if (nul != std::string_view::npos) {
      expired.push_back(
          {std::string(rest.substr(0, nul)), std::string(rest.substr(nul + 1)), std::string(x)});
    }
  };
  if (db_) {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    for (it->Seek("x"); it->Valid() && it->key().ToString() < end; it->Next()) {
      if (it->key().size() > 9) note(std::string_view(it->key().data(), it->key().size()));
    }
  } else {
    for (auto it = memory_.lower_bound("x"); it != memory_.end() && it->first < end; ++it) {
      if (it->first.size() > 9) note(it->first);
    }
  }
  std::size_t dropped = 0;
  for (const auto& [principal, key, entry] : expired) {
    if (running_.contains({principal, key})) continue;
    auto record = Read(principal, key);
    if (!record || record->expires_ms != static_cast<std::int64_t>(
                                             coding::GetBe64(std::string_view(entry).substr(1)))) {
      if (db_) {  // an entry left by a failed write: its record is gone or newer
        (void)db_->Delete(rocksdb::WriteOptions(), entry);
      } else {
        memory_.erase(entry);
      }
      continue;
    }
    if (record->expires_ms > now_ms) continue;
    Erase(principal, key, *record);
    ++dropped;
  }
  return dropped;
}

std::size_t IdempotencyKeys::Expire() {
  std::lock_guard lock(mu_);
  return ExpireLocked(clock_->NowMs());
}

Result<IdempotencyKeys::Claim> IdempotencyKeys::Begin(const std::string& principal,
                                                      const std::string& key,
                                                      const std::string& fingerprint) {
  std::lock_guard lock(mu_);
  const std::int64_t now_ms = clock_->NowMs();
  if (now_ms >= next_sweep_ms_) ExpireLocked(now_ms);
  return BeginLocked(principal, key, fingerprint, now_ms, nullptr);
}

std::vector<Result<IdempotencyKeys::Claim>> IdempotencyKeys::BeginMany(
    const std::string& principal, const std::vector<std::pair<std::string, std::string>>& keys) {
  std::lock_guard lock(mu_);
  const std::int64_t now_ms = clock_->NowMs();
  if (now_ms >= next_sweep_ms_) ExpireLocked(now_ms);
  std::vector<Result<Claim>> out;
  out.reserve(keys.size());
  rocksdb::WriteBatch batch;
  std::vector<std::size_t> fresh;  // the claims written into `batch`
  std::int64_t keys_added = 0;     // what those claims added to the principal's usage
  std::int64_t bytes_added = 0;
  std::map<std::string, std::size_t> seen;  // key -> its first use here
  for (const auto& [key, fingerprint] : keys) {
    if (auto it = seen.find(key); it != seen.end()) {
      // An answered key answers again; a new one's claim may not be written
      // yet: the second use waits for the first.
      const Result<Claim>& first = out[it->second];
      Claim again;
      if (keys[it->second].second != fingerprint) {
        again.verdict = Verdict::kOtherRequest;
      } else if (first &&
                 (first->verdict == Verdict::kReplay || first->verdict == Verdict::kOtherRequest)) {
        again = *first;
      } else {
        again.verdict = Verdict::kInFlight;
      }
      out.push_back(std::move(again));
      continue;
    }
    seen.emplace(key, out.size());
    // A claim is written into `batch` for a new key and for an expired one
    // (erased, then claimed anew): both are rolled back if the batch fails.
    (void)ReadLive(principal, key, now_ms);  // an expired key's erasure is not rolled back
    const std::uint32_t written = batch.Count();
    const Usage before = usage_.contains(principal) ? usage_.at(principal) : Usage{};
    out.push_back(BeginLocked(principal, key, fingerprint, now_ms, &batch));
    if (batch.Count() != written) {
      fresh.push_back(out.size() - 1);
      const Usage after = usage_.contains(principal) ? usage_.at(principal) : Usage{};
      keys_added += static_cast<std::int64_t>(after.keys) - static_cast<std::int64_t>(before.keys);
      bytes_added +=
          static_cast<std::int64_t>(after.bytes) - static_cast<std::int64_t>(before.bytes);
    }
  }
  if (db_ && batch.Count() > 0) {
    rocksdb::WriteOptions write_options;
    write_options.sync = true;  // claims are on disk before their writes run
    rocksdb::Status s = db_->Write(write_options, &batch);
    if (!s.ok()) {
      const Status failed = Status::Unavailable("cannot keep the idempotency key: " + s.ToString());
      for (std::size_t i : fresh) {
        running_.erase({principal, keys[i].first});
        out[i] = Error(failed);
      }
      UnCount(principal, keys_added, bytes_added);
    }
  }
  return out;
}

void IdempotencyKeys::UnCount(const std::string& principal, std::int64_t keys, std::int64_t bytes) {
  auto it = usage_.find(principal);
  if (it == usage_.end()) return;
  Usage& u = it->second;
  u.keys =
      static_cast<std::size_t>(std::max<std::int64_t>(0, static_cast<std::int64_t>(u.keys) - keys));
  u.bytes = static_cast<std::size_t>(
      std::max<std::int64_t>(0, static_cast<std::int64_t>(u.bytes) - bytes));
  if (u.keys == 0) usage_.erase(it);
}

std::optional<IdempotencyKeys::Record> IdempotencyKeys::ReadLive(const std::string& principal,
                                                                 const std::string& key,
                                                                 std::int64_t now_ms) {
  std::optional<Record> record = Read(principal, key);
  if (record && record->expires_ms <= now_ms && !running_.contains({principal, key})) {
    Erase(principal, key, *record);
    record.reset();
  }
  return record;
}

Result<IdempotencyKeys::Claim> IdempotencyKeys::BeginLocked(const std::string& principal,
                                                            const std::string& key,
                                                            const std::string& fingerprint,
                                                            std::int64_t now_ms,
                                                            rocksdb::WriteBatch* into) {
  Claim claim;
  std::optional<Record> record = ReadLive(principal, key, now_ms);
  if (record) {
    if (record->fingerprint != fingerprint) {
      claim.verdict = Verdict::kOtherRequest;
    } else if (record->state != Record::kClaimed) {
      claim.verdict = Verdict::kReplay;
      claim.answer = record->answer;
    } else if (running_.contains({principal, key})) {
      claim.verdict = Verdict::kInFlight;
    } else {
      claim.verdict = Verdict::kRecover;
      claim.expires_ms = record->expires_ms;
      running_.insert({principal, key});
    }
    return claim;
  }
  const Usage used = usage_.contains(principal) ? usage_.at(principal) : Usage{};
  Record fresh;
  fresh.fingerprint = fingerprint;
  fresh.expires_ms = now_ms + options_.lifetime.count();
  if (used.keys + 1 > options_.max_keys_per_principal ||
      used.bytes + Cost(key, fresh.Encode()) > options_.max_bytes_per_principal) {
    claim.verdict = Verdict::kOverBudget;
    return claim;
  }
  if (Status st = Write(principal, key, fresh, nullptr, into); !st.ok()) return Error(st);
  running_.insert({principal, key});
  claim.expires_ms = fresh.expires_ms;
  return claim;
}

std::string IdempotencyKeys::Finish(const std::string& principal, const std::string& key,
                                    const HttpResponse& answer) {
  std::lock_guard lock(mu_);
  return FinishLocked(principal, key, answer, nullptr);
}

std::vector<std::string> IdempotencyKeys::FinishMany(
    const std::string& principal,
    const std::vector<std::pair<std::string, const HttpResponse*>>& answers) {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  out.reserve(answers.size());
  rocksdb::WriteBatch batch;
  std::vector<std::size_t> batched;  // the answers written into `batch`
  std::int64_t bytes_added = 0;      // what they changed in the principal's usage
  for (const auto& [key, answer] : answers) {
    const std::uint32_t written = batch.Count();
    const std::size_t before = usage_.contains(principal) ? usage_.at(principal).bytes : 0;
    out.push_back(FinishLocked(principal, key, *answer, &batch));
    if (batch.Count() != written) {
      batched.push_back(out.size() - 1);
      const std::size_t after = usage_.contains(principal) ? usage_.at(principal).bytes : 0;
      bytes_added += static_cast<std::int64_t>(after) - static_cast<std::int64_t>(before);
    }
  }
  if (db_ && batch.Count() > 0) {
    // As Finish: if the answers are lost, the claims stay and a retry
    // recovers them from the log.
    if (rocksdb::Status s = db_->Write(rocksdb::WriteOptions(), &batch); !s.ok()) {
      UnCount(principal, 0, bytes_added);
      for (std::size_t i : batched) {
        out[i] =
            "the answer could not be kept (" + s.ToString() + "); a retry recovers it from the log";
      }
    }
  }
  return out;
}

std::string IdempotencyKeys::FinishLocked(const std::string& principal, const std::string& key,
                                          const HttpResponse& answer, rocksdb::WriteBatch* into) {
  running_.erase({principal, key});
  std::optional<Record> record = Read(principal, key);
  if (!record) return "the key was forgotten while its request ran";
  if (answer.status >= 500) {
    Erase(principal, key, *record);
    return "an answer of " + std::to_string(answer.status) + " is not kept; a retry runs again";
  }
  Record done = *record;
  done.state = Record::kAnswered;
  done.answer.status = answer.status;
  done.answer.content_type = answer.content_type;
  done.answer.headers = answer.headers;
  done.answer.body = answer.body;
  std::string why;
  const Usage used = usage_.contains(principal) ? usage_.at(principal) : Usage{};
  const std::size_t before = Cost(key, record->Encode());
  const std::size_t after = Cost(key, done.Encode());
  if (answer.body.size() > options_.max_answer_bytes) {
    why = "the answer (" + std::to_string(answer.body.size()) +
          " bytes) is larger than idempotency.max_answer_bytes (" +
          std::to_string(options_.max_answer_bytes) + ")";
  } else if (used.bytes - std::min(used.bytes, before) + after > options_.max_bytes_per_principal) {
    why = "keeping the answer would pass idempotency.max_bytes_per_principal (" +
          std::to_string(options_.max_bytes_per_principal) + ")";
  }
  if (!why.empty()) {
    if (answer.status >= 400) {  // a refusal changed nothing: a retry may run again
      Erase(principal, key, *record);
      return why + "; a retry runs again";
    }
    done.state = Record::kAnsweredNotKept;
    done.answer.body = R"({"detail":"this request was done; its answer was too large to keep"})";
    done.answer.content_type = "application/json";
    why += "; a retry gets the status and headers only";
  }
  if (Status st = Write(principal, key, done, &*record, into); !st.ok()) {
    // The claim stays: a retry finds the first run's events in the log.
    return "the answer could not be kept (" + st.message() + "); a retry recovers it from the log";
  }
  return why;
}

void IdempotencyKeys::Release(const std::string& principal, const std::string& key) {
  std::lock_guard lock(mu_);
  running_.erase({principal, key});
  if (auto record = Read(principal, key)) Erase(principal, key, *record);
}

IdempotencyKeys::Usage IdempotencyKeys::UsageOf(const std::string& principal) const {
  std::lock_guard lock(mu_);
  auto it = usage_.find(principal);
  return it == usage_.end() ? Usage{} : it->second;
}

Status IdempotencyKeys::Scrub(const std::vector<std::string>& customer_ids) {
  std::lock_guard lock(mu_);
  // Every answer about the customer holds its id; what names the customer
  // keeps its status and headers only, as an answer too large to keep does.
  std::vector<std::pair<std::string, Record>> scrubbed;
  auto names = [&](std::string_view text) {
    for (const std::string& id : customer_ids) {
      if (text.find(id) != std::string_view::npos) return true;
    }
    return false;
  };
  auto consider = [&](std::string_view k, std::string_view value) {
    if (!names(value)) return;
    auto r = Record::Decode(value);
    if (!r || !names(r->answer.body)) return;
    r->answer.body.clear();
    r->state = Record::kAnsweredNotKept;
    scrubbed.emplace_back(std::string(k), std::move(*r));
  };
  if (db_) {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    for (it->Seek("k"); it->Valid() && it->key().starts_with("k"); it->Next()) {
      consider(it->key().ToStringView(), it->value().ToStringView());
    }
    if (!it->status().ok()) return Status::Unavailable("cannot read the idempotency keys");
  } else {
    for (auto it = memory_.lower_bound("k"); it != memory_.end() && it->first.starts_with("k");
         ++it) {
      consider(it->first, it->second);
    }
  }
  rocksdb::WriteBatch batch;
  for (const auto& [k, r] : scrubbed) {
    const std::string encoded = r.Encode();
    const std::size_t nul = k.find('\0');
    if (nul != std::string::npos) {
      Usage& u = usage_[k.substr(1, nul - 1)];
      std::string old;
      if (db_) {
        (void)db_->Get(rocksdb::ReadOptions(), k, &old);
      } else {
        old = memory_[k];
      }
      u.bytes -= std::min(u.bytes, old.size() - std::min(old.size(), encoded.size()));
    }
    if (db_) {
      batch.Put(k, encoded);
    } else {
      memory_[k] = encoded;
    }
  }
  if (!db_ || customer_ids.empty()) return Status::OK();
  rocksdb::Status st = db_->Write(rocksdb::WriteOptions(), &batch);
  // The old answers linger in the memtable, its WAL and the table files.
  if (st.ok()) st = db_->Flush(rocksdb::FlushOptions());
  if (st.ok()) {
    rocksdb::CompactRangeOptions co;
    co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    st = db_->CompactRange(co, nullptr, nullptr);
  }
  if (!st.ok())
    return Status::Unavailable("scrubbing the idempotency keys failed: " + st.ToString());
  return Status::OK();
}

}  // namespace clientele::api
