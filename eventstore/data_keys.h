// DataKeys: the customers' data keys (domain/personal_data.h), kept apart
// from the log.
//
// Sealing is AES-256-GCM through OpenSSL's EVP API, with a random 96-bit
// nonce per seal and associated data binding the blob to its customer and
// context (the event type):
//
//   blob  := base64( 0x01 nonce:12 ciphertext tag:16 )
//   aad   := "clientele/personal/1" 0x00 customer_id 0x00 context
//
// Data: <data>/keys, a RocksDB database of its own (owner-only files):
//   "k" customer_id  -> key:32            (a live customer's data key)
//   "e" customer_id  -> ""                (erased: never a key again)
// New keys are written without a sync; Persist syncs the WAL once for all
// those made so far, and callers call it before appending what they sealed
// (a command: once; an import: once for all its customers). Destroy deletes the key and records the
// erasure in one synced batch, then flushes the memtable and compacts every table file (the
// bottommost level forced), so that no table file or write-ahead log still
// holds the key once it returns: RocksDB removes the obsolete files at the
// end of the flush and of the compaction (no WAL archive, no recycled logs).
//
// Thread-safe. Keys are cached in memory (the process's memory is not the
// data folder); Destroy drops them from the cache first.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "domain/personal_data.h"

namespace rocksdb {
class DB;
}

namespace clientele {

inline constexpr std::size_t kDataKeySize = 32;

// The cipher alone: a blob of `plain` under `key` (32 bytes), bound to the
// customer and context; and back. Open: Corruption if the blob does not
// authenticate or is malformed.
std::string SealWithKey(std::string_view key, std::string_view customer_id,
                        std::string_view context, std::string_view plain);
Result<std::string> OpenWithKey(std::string_view key, std::string_view customer_id,
                                std::string_view context, std::string_view blob);

// The chain key: 32 random bytes every node of a chain holds (DATA/chain-key,
// owner-only), under which data keys travel between nodes:
//
//   wrapped := SealWithKey(chain_key, customer_id, "clientele/data-key", data_key)
//
// HQ makes it at its first start; a store takes it from HQ over the
// authenticated sync API (GET /v1/sync/chain-key) at its first start.
// LoadChainKey: the key in the file, or "" if there is none; Corruption if
// the file is not a chain key.
Result<std::string> LoadChainKey(const std::string& path);
// A new chain key, written at `path` (which must not exist).
Result<std::string> CreateChainKey(const std::string& path);
// Writes a chain key received from HQ at `path`.
Status SaveChainKey(const std::string& path, std::string_view key);

class DataKeys : public PersonalDataKeys {
 public:
  // Opens (creating if missing) the key store at `path`. Every key is then
  // read into memory (about 100 bytes a customer) by a background thread,
  // so that a start-up does not wait for it and later reads seldom wait on
  // a key; until then a key not yet in memory is read from disk.
  static Result<std::unique_ptr<DataKeys>> Open(const std::string& path);
  ~DataKeys() override;

  Result<std::string> Seal(std::string_view customer_id, std::string_view context,
                           std::string_view plain, bool make_key = true) override;
  Result<std::string> Open(std::string_view customer_id, std::string_view context,
                           std::string_view blob) override;
  bool Has(std::string_view customer_id) override;
  // Writes a consistent copy of the key store (a RocksDB checkpoint) into the
  // new folder `path` and returns its files, relative to `path`'s parent
  // (for a backup, eventstore/backup.h).
  Result<std::vector<std::string>> Checkpoint(const std::string& path);
  // Deletes the key, records the erasure, and compacts the store so that no
  // file in <data>/keys holds the key any more. Unavailable if the disk
  // refuses (the key may then still be on disk: try again).
  Status Destroy(std::string_view customer_id) override;
  bool Erased(std::string_view customer_id) override;
  Status Persist() override;

  // The customer's data key wrapped under `chain_key`, for sending with an
  // event of the customer; "" if this node holds no key for it (erased, or
  // never had one).
  std::string Wrapped(std::string_view chain_key, std::string_view customer_id);
  // Takes a data key that came wrapped with an event of `customer_id` whose
  // payload is `sealed_json` (of type `context`): kept only if it unwraps
  // under `chain_key`, opens that payload's sealed fields, and the customer
  // is not erased here. OK if taken or already held; FailedPrecondition
  // "customer_erased"; Corruption if it does not unwrap or open. Durable
  // once Persist returns (call it before appending the event).
  Status Take(std::string_view chain_key, std::string_view customer_id, std::string_view wrapped,
              std::string_view context, std::string_view sealed_json);

 private:
  explicit DataKeys(std::unique_ptr<rocksdb::DB> db);
  // The key of `customer_id`, or "" if none; with `make`, one is made and
  // stored durably when there is none (and the customer is not erased).
  Result<std::string> KeyOf(std::string_view customer_id, bool make);
  // Reads every key into the cache, in batches (the background thread).
  void LoadAll();
  // Stops LoadAll and waits for it: its iterator holds on to the table files
  // it reads, which an erasure must delete.
  void StopLoading();

  std::unique_ptr<rocksdb::DB> db_;
  std::mutex mu_;  // guards cache_
  std::unordered_map<std::string, std::string> cache_;
  std::array<std::mutex, 64> making_;   // by customer: one key made per customer
  std::atomic<std::uint64_t> made_{0};  // keys written
  std::mutex persist_mu_;
  std::uint64_t persisted_ = 0;  // keys made before the last sync (under persist_mu_)
  std::atomic<bool> stop_loading_{false};
  std::mutex loader_mu_;  // guards joining loader_
  std::thread loader_;    // LoadAll, until StopLoading
};

// The in-memory fake, with the same cipher: for tests and benchmarks.
class MemoryDataKeys : public PersonalDataKeys {
 public:
  Result<std::string> Seal(std::string_view customer_id, std::string_view context,
                           std::string_view plain, bool make_key = true) override;
  Result<std::string> Open(std::string_view customer_id, std::string_view context,
                           std::string_view blob) override;
  bool Has(std::string_view customer_id) override;
  Status Destroy(std::string_view customer_id) override;
  bool Erased(std::string_view customer_id) override;

 private:
  std::mutex mu_;
  std::unordered_map<std::string, std::string> keys_;
  std::unordered_set<std::string> erased_;
};

}  // namespace clientele
