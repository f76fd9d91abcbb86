// IdempotencyKeys: what the service remembers of writes sent with an
// Idempotency-Key, so that a retry (after a lost answer, a restart, a crash)
// gets the first answer instead of running the write again.
//
// A key belongs to one principal: two principals never see or push out each
// other's keys. Each principal has a budget (a count of keys and the bytes of
// their answers); a principal over it is refused (429) until its keys expire,
// and nobody else's key is evicted. Keys expire `lifetime` after they were
// first used, by the injected clock.
//
// Durability: records are kept in their own RocksDB database (options.path).
// A key is claimed (synced to disk) before its write runs, and its answer is
// written (through the WAL, surviving kill -9) once known. If the answer is
// lost (kill -9 before it was written, a power cut after), the claim remains:
// the retry runs the write again with the same request key, from which the
// command handler derived its events' ids, so it finds the first run's events
// in the log instead of applying them twice (Verdict::kRecover).
//
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/http.h"
#include "domain/clock.h"
#include "domain/status.h"

namespace rocksdb {
class DB;
class Env;
class WriteBatch;
}  // namespace rocksdb

namespace clientele::api {

struct IdempotencyOptions {
  std::string path;  // the RocksDB folder; "" keeps the keys in memory only (tests)
  std::chrono::milliseconds lifetime = std::chrono::hours(24);
  std::size_t max_keys_per_principal = 10000;
  std::size_t max_bytes_per_principal = 64 << 20;  // of kept answers
  std::size_t max_answer_bytes = 256 << 10;        // a larger answer is not kept
  rocksdb::Env* env = nullptr;                     // null: the default (tests: a faulty one)
};

class IdempotencyKeys {
 public:
  // Opens (creating if missing) the keys at options.path; Unavailable if it
  // cannot. `clock` must outlive the keys.
  static Result<std::unique_ptr<IdempotencyKeys>> Open(IdempotencyOptions options, Clock* clock);
  ~IdempotencyKeys();
  IdempotencyKeys(const IdempotencyKeys&) = delete;
  IdempotencyKeys& operator=(const IdempotencyKeys&) = delete;

  enum class Verdict {
    kRun,           // a new key, now claimed: run the request, then Finish or Release
    kRecover,       // claimed by a run that ended without an answer (a restart): run
                    // it again with the same request key, then Finish or Release
    kReplay,        // answered before: `answer` is the first answer
    kOtherRequest,  // the key was used with another method, path or body
    kInFlight,      // the first request with this key is still running
    kOverBudget,    // the principal holds as many keys or bytes as it may
  };
  struct Claim {
    Verdict verdict = Verdict::kRun;
    HttpResponse answer;  // kReplay
    // kRun, kRecover: when this use of the key expires. With the key it names
    // this use: the key used again after it expired is another request.
    std::int64_t expires_ms = 0;
  };

  // Claims `key` of `principal` for a request whose method, path and body
  // hash to `fingerprint`. Unavailable if the claim cannot be written.
  Result<Claim> Begin(const std::string& principal, const std::string& key,
                      const std::string& fingerprint);
  // Keeps `answer` as the key's answer. An answer of 5xx is not kept (the key
  // is released: a retry runs again). A larger answer than max_answer_bytes,
  // or one over the principal's byte budget, is not kept either: a refusal
  // (4xx, which changed nothing) releases the key, a success keeps only its
  // status and headers. Returns why the answer was not kept, or "" if it was.
  std::string Finish(const std::string& principal, const std::string& key,
                     const HttpResponse& answer);
  // Begin for several keys of one principal at once (POST /v1/batch), in
  // order: the fresh claims are written together with one sync. A key named
  // twice is kInFlight (or kOtherRequest) the second time.
  std::vector<Result<Claim>> BeginMany(
      const std::string& principal,
      const std::vector<std::pair<std::string, std::string>>& keys_and_fingerprints);
  // Finish for several keys of one principal at once (one write).
  std::vector<std::string> FinishMany(
      const std::string& principal,
      const std::vector<std::pair<std::string, const HttpResponse*>>& answers);
  // Forgets a claimed key (the request did not run).
  void Release(const std::string& principal, const std::string& key);

  // Drops the expired keys; returns how many.
  std::size_t Expire();

  // Forgets the kept answers that name any of `customer_ids` (erasures,
  // domain/personal_data.h): each keeps its status and headers only, and the
  // database is flushed and compacted so no file still holds them.
  Status Scrub(const std::vector<std::string>& customer_ids);

  struct Usage {
    std::size_t keys = 0;
    std::size_t bytes = 0;
  };
  Usage UsageOf(const std::string& principal) const;
  const IdempotencyOptions& options() const { return options_; }

 private:
  struct Record;
  IdempotencyKeys(IdempotencyOptions options, Clock* clock);
  Status Load();
  // Writes the record (into `into` if given, which the caller writes).
  Status Write(const std::string& principal, const std::string& key, const Record& record,
               const Record* replaced, rocksdb::WriteBatch* into = nullptr);
  Result<Claim> BeginLocked(const std::string& principal, const std::string& key,
                            const std::string& fingerprint, std::int64_t now_ms,
                            rocksdb::WriteBatch* into);
  std::string FinishLocked(const std::string& principal, const std::string& key,
                           const HttpResponse& answer, rocksdb::WriteBatch* into);
  void Erase(const std::string& principal, const std::string& key, const Record& record);
  // Takes back what writes that failed added to the principal's usage.
  void UnCount(const std::string& principal, std::int64_t keys, std::int64_t bytes);
  std::optional<Record> Read(const std::string& principal, const std::string& key) const;
  // Read, but an expired key not running is erased first (nullopt).
  std::optional<Record> ReadLive(const std::string& principal, const std::string& key,
                                 std::int64_t now_ms);
  std::size_t ExpireLocked(std::int64_t now_ms);

  IdempotencyOptions options_;
  Clock* clock_;
  std::unique_ptr<rocksdb::DB> db_;            // null: in memory
  std::map<std::string, std::string> memory_;  // the records when db_ is null
  mutable std::mutex mu_;
  std::map<std::string, Usage> usage_;                     // by principal
  std::set<std::pair<std::string, std::string>> running_;  // claimed in this process
  std::int64_t next_sweep_ms_ = 0;
};

}  // namespace clientele::api
