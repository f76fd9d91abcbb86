#include "eventstore/data_keys.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "eventstore/atomic_file.h"
#include "eventstore/base64.h"

namespace clientele {

namespace {

constexpr char kVersion = 0x01;
constexpr std::size_t kNonceSize = 12;
constexpr std::size_t kTagSize = 16;

std::string Aad(std::string_view customer_id, std::string_view context) {
  std::string aad = "clientele/personal/1";
  aad.push_back('\0');
  aad += customer_id;
  aad.push_back('\0');
  aad += context;
  return aad;
}

// AES-256-GCM fetched once: OpenSSL 3 looks a cipher up by name at every
// init otherwise (an implicit fetch), which costs more than sealing a short
// blob.
const EVP_CIPHER* Gcm() {
  static EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  if (cipher == nullptr) throw std::runtime_error("OpenSSL has no AES-256-GCM");
  return cipher;
}

struct CipherContext {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  ~CipherContext() { EVP_CIPHER_CTX_free(ctx); }
};

EVP_CIPHER_CTX* ThreadContext() {
  thread_local CipherContext c;
  return c.ctx;
}

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string KeyName(char kind, std::string_view customer_id) {
  std::string k(1, kind);
  k += customer_id;
  return k;
}

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  return Status::Unavailable(std::string(what) + ": " + s.ToString());
}

Status NoKey(std::string_view customer_id) {
  return Status::NotFound("no_key", "no data key for customer " + std::string(customer_id));
}

Status Unavailable(std::string_view customer_id) {
  return Status::FailedPrecondition(
      "customer", "personal_data_unavailable",
      "this node has no key for the personal data of customer " + std::string(customer_id) +
          " yet (it comes with the customer's events); try again once they have arrived");
}

Status ErasedStatus(std::string_view customer_id) {
  return Status::FailedPrecondition("customer", "customer_erased",
                                    "customer " + std::string(customer_id) + " was erased");
}

std::string NewKey() {
  std::string key(kDataKeySize, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), kDataKeySize) != 1) {
    throw std::runtime_error("RAND_bytes failed");  // a broken RNG is a fatal bug
  }
  return key;
}

}  // namespace

std::string SealWithKey(std::string_view key, std::string_view customer_id,
                        std::string_view context, std::string_view plain) {
  std::string raw(1 + kNonceSize + plain.size() + kTagSize, '\0');
  raw[0] = kVersion;
  auto* nonce = reinterpret_cast<unsigned char*>(raw.data() + 1);
  auto* out = nonce + kNonceSize;
  if (RAND_bytes(nonce, kNonceSize) != 1) throw std::runtime_error("RAND_bytes failed");
  const std::string aad = Aad(customer_id, context);
  EVP_CIPHER_CTX* ctx = ThreadContext();
  int len = 0, fin = 0;
  if (EVP_EncryptInit_ex(ctx, Gcm(), nullptr, U(key), nonce) != 1 ||
      EVP_EncryptUpdate(ctx, nullptr, &len, U(aad), static_cast<int>(aad.size())) != 1 ||
      EVP_EncryptUpdate(ctx, out, &len, U(plain), static_cast<int>(plain.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx, out + len, &fin) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kTagSize, out + plain.size()) != 1) {
    throw std::runtime_error("AES-256-GCM encryption failed");
  }
  return Base64Encode(raw);
}

Result<std::string> OpenWithKey(std::string_view key, std::string_view customer_id,
                                std::string_view context, std::string_view blob) {
  auto raw = Base64Decode(blob);
  if (!raw || raw->size() < 1 + kNonceSize + kTagSize || (*raw)[0] != kVersion) {
    return Error(Status::Corruption("a sealed blob is malformed"));
  }
  const auto* nonce = U(*raw) + 1;
  const std::size_t n = raw->size() - 1 - kNonceSize - kTagSize;
  const auto* in = nonce + kNonceSize;
  unsigned char tag[kTagSize];
  std::memcpy(tag, in + n, kTagSize);
  std::string plain(n, '\0');
  const std::string aad = Aad(customer_id, context);
  EVP_CIPHER_CTX* ctx = ThreadContext();
  int len = 0, fin = 0;
  auto* out = reinterpret_cast<unsigned char*>(plain.data());
  if (EVP_DecryptInit_ex(ctx, Gcm(), nullptr, U(key), nonce) != 1 ||
      EVP_DecryptUpdate(ctx, nullptr, &len, U(aad), static_cast<int>(aad.size())) != 1 ||
      EVP_DecryptUpdate(ctx, out, &len, in, static_cast<int>(n)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kTagSize, tag) != 1 ||
      EVP_DecryptFinal_ex(ctx, out + len, &fin) != 1) {
    return Error(Status::Corruption("a sealed blob of customer " + std::string(customer_id) +
                                    " does not authenticate"));
  }
  return plain;
}

// ---- DataKeys ---------------------------------------------------------------

DataKeys::DataKeys(std::unique_ptr<rocksdb::DB> db) : db_(std::move(db)) {}
DataKeys::~DataKeys() { StopLoading(); }

void DataKeys::StopLoading() {
  stop_loading_ = true;
  std::lock_guard lock(loader_mu_);
  if (loader_.joinable()) loader_.join();
}

Result<std::unique_ptr<DataKeys>> DataKeys::Open(const std::string& path) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.recycle_log_file_num = 0;  // a recycled WAL would keep old keys in its tail
  options.WAL_ttl_seconds = 0;       // no archive of old WALs
  options.WAL_size_limit_MB = 0;
  options.max_log_file_size = 0;
  options.keep_log_file_num = 4;  // the info LOG: never values
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, path, &raw);
  if (!s.ok()) return Error(FromRocks(s, "cannot open the data keys at " + path));
  std::unique_ptr<DataKeys> keys(new DataKeys(std::unique_ptr<rocksdb::DB>(raw)));
  keys->loader_ = std::thread([k = keys.get()] { k->LoadAll(); });
  return keys;
}

// Every key is read into memory in one sequential pass, beside the start-up:
// a rebuild or a catch-up then opens each customer's fields without a random
// read of its key (32 bytes and the id per customer; the cache holds each key
// once used anyway). A key the pass has not read (it stops at the first
// erasure) is read when first used.
void DataKeys::LoadAll() {
  std::vector<std::pair<std::string, std::string>> batch;
  auto add = [&] {
    std::lock_guard lock(mu_);
    for (auto& [id, key] : batch) cache_.emplace(std::move(id), std::move(key));
    batch.clear();
  };
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek("k"); it->Valid() && it->key().starts_with("k"); it->Next()) {
    if (it->value().size() != kDataKeySize) continue;
    batch.emplace_back(std::string(it->key().data() + 1, it->key().size() - 1),
                       it->value().ToString());
    if (batch.size() == 1024) {
      add();
      if (stop_loading_) return;
    }
  }
  add();
  if (!it->status().ok()) {  // not fatal: a key not read here is read when used
    std::fprintf(stderr, "clientele: reading the data keys into memory stopped: %s\n",
                 it->status().ToString().c_str());
  }
}

Result<std::string> DataKeys::KeyOf(std::string_view customer_id, bool make) {
  const std::string id(customer_id);
  {
    std::lock_guard lock(mu_);
    if (auto it = cache_.find(id); it != cache_.end()) return it->second;
  }
  // One customer's key is looked up and made by one thread at a time; other
  // customers' go on (and their writes are grouped by RocksDB).
  std::lock_guard making(making_[std::hash<std::string>{}(id) % making_.size()]);
  {
    std::lock_guard lock(mu_);
    if (auto it = cache_.find(id); it != cache_.end()) return it->second;
  }
  std::string key;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), KeyName('k', customer_id), &key);
  if (s.ok() && key.size() == kDataKeySize) {
    std::lock_guard lock(mu_);
    cache_.emplace(id, key);
    return key;
  }
  if (!s.ok() && !s.IsNotFound()) return Error(FromRocks(s, "reading a data key failed"));
  if (!make) return std::string();
  std::string ignored;
  s = db_->Get(rocksdb::ReadOptions(), KeyName('e', customer_id), &ignored);
  if (s.ok()) return Error(ErasedStatus(customer_id));
  if (!s.IsNotFound()) return Error(FromRocks(s, "reading the erased customers failed"));
  key = NewKey();
  s = db_->Put(rocksdb::WriteOptions(), KeyName('k', customer_id), key);  // Persist syncs
  if (!s.ok()) return Error(FromRocks(s, "storing a data key failed"));
  made_.fetch_add(1);
  std::lock_guard lock(mu_);
  cache_.emplace(id, key);
  return key;
}

Status DataKeys::Persist() {
  const std::uint64_t made = made_.load();
  std::lock_guard lock(persist_mu_);
  if (persisted_ >= made) return Status::OK();
  const std::uint64_t now = made_.load();
  rocksdb::Status s = db_->SyncWAL();
  if (!s.ok()) return FromRocks(s, "syncing the data keys failed");
  persisted_ = now;
  return Status::OK();
}

Result<std::string> DataKeys::Seal(std::string_view customer_id, std::string_view context,
                                   std::string_view plain, bool make_key) {
  auto key = KeyOf(customer_id, make_key);
  if (!key) return Error(key.error());
  if (key->empty()) {
    if (Erased(customer_id)) return Error(ErasedStatus(customer_id));
    return Error(Unavailable(customer_id));
  }
  return SealWithKey(*key, customer_id, context, plain);
}

bool DataKeys::Has(std::string_view customer_id) {
  auto key = KeyOf(customer_id, false);
  return key && !key->empty();
}

Result<std::string> DataKeys::Open(std::string_view customer_id, std::string_view context,
                                   std::string_view blob) {
  auto key = KeyOf(customer_id, false);
  if (!key) return Error(key.error());
  if (key->empty()) return Error(NoKey(customer_id));
  return OpenWithKey(*key, customer_id, context, blob);
}

Status DataKeys::Destroy(std::string_view customer_id) {
  // Before anything is erased: the pass would otherwise put the key back in
  // memory from its older view, and keep the files that hold it on disk.
  StopLoading();
  const std::string id(customer_id);
  std::lock_guard making(making_[std::hash<std::string>{}(id) % making_.size()]);
  std::lock_guard lock(mu_);
  cache_.erase(id);
  rocksdb::WriteBatch batch;
  batch.Delete(KeyName('k', customer_id));
  batch.Put(KeyName('e', customer_id), "");
  rocksdb::WriteOptions wo;
  wo.sync = true;
  rocksdb::Status s = db_->Write(wo, &batch);
  if (!s.ok()) return FromRocks(s, "destroying a data key failed");
  // The key may sit in the memtable (and its WAL) and in table files: flush
  // (a new WAL; the old one is deleted) and rewrite every table file.
  s = db_->Flush(rocksdb::FlushOptions());
  if (!s.ok()) return FromRocks(s, "flushing the data keys failed");
  rocksdb::CompactRangeOptions co;
  co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  s = db_->CompactRange(co, nullptr, nullptr);
  if (!s.ok()) return FromRocks(s, "compacting the data keys failed");
  return Status::OK();
}

Result<std::vector<std::string>> DataKeys::Checkpoint(const std::string& path) {
  rocksdb::Checkpoint* raw = nullptr;
  rocksdb::Status s = rocksdb::Checkpoint::Create(db_.get(), &raw);
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  if (s.ok()) s = checkpoint->CreateCheckpoint(path);
  if (!s.ok()) return Error(FromRocks(s, "copying the data keys failed"));
  std::vector<std::string> files;
  const std::filesystem::path folder(path);
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    if (entry.is_regular_file(ec)) {
      files.push_back((folder.filename() / entry.path().filename()).string());
    }
  }
  return files;
}

bool DataKeys::Erased(std::string_view customer_id) {
  std::string ignored;
  return db_->Get(rocksdb::ReadOptions(), KeyName('e', customer_id), &ignored).ok();
}

constexpr std::string_view kWrapContext = "clientele/data-key";

std::string DataKeys::Wrapped(std::string_view chain_key, std::string_view customer_id) {
  if (chain_key.size() != kDataKeySize) return "";
  auto key = KeyOf(customer_id, false);
  if (!key || key->empty()) return "";
  return SealWithKey(chain_key, customer_id, kWrapContext, *key);
}

Status DataKeys::Take(std::string_view chain_key, std::string_view customer_id,
                      std::string_view wrapped, std::string_view context,
                      std::string_view sealed_json) {
  if (chain_key.size() != kDataKeySize) return Status::OK();  // no chain key: nothing to take
  auto key = OpenWithKey(chain_key, customer_id, kWrapContext, wrapped);
  if (!key || key->size() != kDataKeySize) {
    return Status::Corruption("a data key for " + std::string(customer_id) +
                              " does not unwrap under the chain key");
  }
  // It must open the event it came with: a key that opens nothing is refused.
  const std::string_view marker = "\"sealed\":\"";
  const std::size_t at = sealed_json.find(marker);
  if (at == std::string_view::npos) return Status::OK();
  const std::size_t from = at + marker.size();
  const std::size_t to = sealed_json.find('"', from);
  if (to == std::string_view::npos) return Status::Corruption("a sealed field is cut short");
  if (!OpenWithKey(*key, customer_id, context, sealed_json.substr(from, to - from))) {
    return Status::Corruption("a data key for " + std::string(customer_id) +
                              " does not open the event it came with");
  }
  const std::string id(customer_id);
  std::lock_guard making(making_[std::hash<std::string>{}(id) % making_.size()]);
  {
    std::lock_guard lock(mu_);
    if (cache_.contains(id)) return Status::OK();
  }
  // Held but not read into memory yet: the key held stays.
  std::string held;
  rocksdb::Status got = db_->Get(rocksdb::ReadOptions(), KeyName('k', customer_id), &held);
  if (got.ok() && held.size() == kDataKeySize) {
    std::lock_guard lock(mu_);
    cache_.emplace(id, held);
    return Status::OK();
  }
  if (!got.ok() && !got.IsNotFound()) return FromRocks(got, "reading a data key failed");
  std::string existing;
  if (db_->Get(rocksdb::ReadOptions(), KeyName('e', customer_id), &existing).ok()) {
    return ErasedStatus(customer_id);
  }
  rocksdb::Status s = db_->Put(rocksdb::WriteOptions(), KeyName('k', customer_id), *key);
  if (!s.ok()) return FromRocks(s, "storing a data key failed");
  made_.fetch_add(1);  // durable at the next Persist
  std::lock_guard lock(mu_);
  cache_.emplace(id, *key);
  return Status::OK();
}

Result<std::string> LoadChainKey(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::string();
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  auto key = Base64Decode(text);
  if (!key || key->size() != kDataKeySize) {
    return Error(Status::Corruption(path + " is not a chain key (32 bytes in base64)"));
  }
  return *key;
}

Status SaveChainKey(const std::string& path, std::string_view key) {
  if (key.size() != kDataKeySize) {
    return Status::InvalidArgument("chain_key", "invalid_chain_key", "a chain key is 32 bytes");
  }
  return WriteFileAtomically(path, Base64Encode(key) + "\n");
}

Result<std::string> CreateChainKey(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    return Error(Status::FailedPrecondition("chain_key", "chain_key_exists", path + " exists"));
  }
  std::string key = NewKey();
  if (Status s = SaveChainKey(path, key); !s.ok()) return Error(s);
  return key;
}

// ---- MemoryDataKeys ---------------------------------------------------------

Result<std::string> MemoryDataKeys::Seal(std::string_view customer_id, std::string_view context,
                                         std::string_view plain, bool make_key) {
  std::string key;
  {
    std::lock_guard lock(mu_);
    if (erased_.contains(std::string(customer_id))) return Error(ErasedStatus(customer_id));
    auto it = keys_.find(std::string(customer_id));
    if (it == keys_.end()) {
      if (!make_key) return Error(Unavailable(customer_id));
      it = keys_.emplace(std::string(customer_id), NewKey()).first;
    }
    key = it->second;
  }
  return SealWithKey(key, customer_id, context, plain);
}

bool MemoryDataKeys::Has(std::string_view customer_id) {
  std::lock_guard lock(mu_);
  return keys_.contains(std::string(customer_id));
}

Result<std::string> MemoryDataKeys::Open(std::string_view customer_id, std::string_view context,
                                         std::string_view blob) {
  std::string key;
  {
    std::lock_guard lock(mu_);
    auto it = keys_.find(std::string(customer_id));
    if (it == keys_.end()) return Error(NoKey(customer_id));
    key = it->second;
  }
  return OpenWithKey(key, customer_id, context, blob);
}

Status MemoryDataKeys::Destroy(std::string_view customer_id) {
  std::lock_guard lock(mu_);
  keys_.erase(std::string(customer_id));
  erased_.insert(std::string(customer_id));
  return Status::OK();
}

bool MemoryDataKeys::Erased(std::string_view customer_id) {
  std::lock_guard lock(mu_);
  return erased_.contains(std::string(customer_id));
}

}  // namespace clientele
