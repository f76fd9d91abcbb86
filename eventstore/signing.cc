#include "eventstore/signing.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "eventstore/atomic_file.h"
#include "eventstore/base64.h"
#include "eventstore/coding.h"
#include "eventstore/record_format.h"

namespace clientele {

namespace {

constexpr std::string_view kEventDomain{"clientele/event/1\0", 18};
constexpr std::string_view kBatchDomain{"clientele/batch/1\0", 18};
constexpr std::size_t kSignatureSize = 64;
constexpr std::size_t kHash = 32;
constexpr std::uint8_t kProofVersion = 1;

const EVP_MD* Sha256() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr) throw std::runtime_error("OpenSSL SHA-256 unavailable");
  return md;
}

// SHA-256(prefix || a || b).
std::string Hash(char prefix, std::string_view a, std::string_view b = {}) {
  // One context per thread: a verifier hashes a path of ~10 nodes per event.
  thread_local std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(),
                                                                      &EVP_MD_CTX_free);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestInit_ex(ctx.get(), Sha256(), nullptr);
  EVP_DigestUpdate(ctx.get(), &prefix, 1);
  EVP_DigestUpdate(ctx.get(), a.data(), a.size());
  EVP_DigestUpdate(ctx.get(), b.data(), b.size());
  EVP_DigestFinal_ex(ctx.get(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string Leaf(const RecordedEvent& e) {
  std::string bytes;
  bytes.reserve(128 + e.data.size());
  AppendSigningBytes(e, &bytes);
  return Hash('\0', bytes);
}

std::string SignedText(std::string_view origin, std::string_view root) {
  std::string text(kBatchDomain);
  coding::PutLp(&text, origin);
  text.append(root);
  return text;
}

struct Proof {
  std::string_view key, signature;
  std::uint64_t index = 0, count = 0;
  std::string_view path;
};

bool ParseProof(std::string_view proof, Proof* out) {
  if (proof.size() < 1 + kPublicKeySize + kSignatureSize ||
      static_cast<std::uint8_t>(proof[0]) != kProofVersion) {
    return false;
  }
  coding::Decoder in(proof.substr(1));
  if (!in.View(kPublicKeySize, &out->key) || !in.View(kSignatureSize, &out->signature) ||
      !in.Varint64(&out->index) || !in.Varint64(&out->count)) {
    return false;
  }
  if (out->count == 0 || out->index >= out->count || out->count > (1ULL << 32)) return false;
  out->path = in.rest();
  return out->path.size() % kHash == 0;
}

// The root a leaf's path leads to; false if the path has the wrong length.
bool RootOf(std::string leaf, std::uint64_t index, std::uint64_t count, std::string_view path,
            std::string* root) {
  std::string node = std::move(leaf);
  while (count > 1) {
    const bool has_sibling = (index % 2 == 1) || (index + 1 < count);
    if (has_sibling) {
      if (path.size() < kHash) return false;
      std::string_view sibling = path.substr(0, kHash);
      path.remove_prefix(kHash);
      node = index % 2 == 1 ? Hash('\1', sibling, node) : Hash('\1', node, sibling);
    }
    index /= 2;
    count = (count + 1) / 2;
  }
  if (!path.empty()) return false;
  *root = std::move(node);
  return true;
}

}  // namespace

struct NodeKey::Pkey {
  EVP_PKEY* key = nullptr;
  ~Pkey() { EVP_PKEY_free(key); }
};

NodeKey::NodeKey(std::unique_ptr<Pkey> pkey) : pkey_(std::move(pkey)) {
  unsigned char raw[kPublicKeySize];
  std::size_t len = sizeof(raw);
  if (EVP_PKEY_get_raw_public_key(pkey_->key, raw, &len) != 1 || len != kPublicKeySize) {
    throw std::runtime_error("OpenSSL cannot give an Ed25519 public key");
  }
  public_key_.assign(reinterpret_cast<char*>(raw), len);
}

NodeKey::~NodeKey() = default;

std::unique_ptr<NodeKey> NodeKey::Generate() {
  auto pkey = std::make_unique<Pkey>();
  pkey->key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (pkey->key == nullptr) throw std::runtime_error("OpenSSL cannot make an Ed25519 key");
  return std::unique_ptr<NodeKey>(new NodeKey(std::move(pkey)));
}

Result<std::unique_ptr<NodeKey>> NodeKey::LoadOrCreate(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (std::filesystem::exists(path)) {
      return Error(Status::Unavailable("cannot read the node key " + path));
    }
    std::unique_ptr<NodeKey> key = Generate();
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, key->pkey_->key, nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<std::size_t>(n));
    BIO_free(bio);
    if (Status s = WriteFileAtomically(
            path, pem, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
        !s.ok()) {
      return Error(s);
    }
    return key;
  }
  std::stringstream text;
  text << in.rdbuf();
  const std::string pem = text.str();
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  auto pkey = std::make_unique<Pkey>();
  pkey->key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (pkey->key == nullptr || EVP_PKEY_get_id(pkey->key) != EVP_PKEY_ED25519) {
    return Error(Status::Corruption(path + " is not an Ed25519 private key in PEM"));
  }
  return std::unique_ptr<NodeKey>(new NodeKey(std::move(pkey)));
}

std::string NodeKey::Sign(std::string_view message) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned char sig[kSignatureSize];
  std::size_t len = sizeof(sig);
  const bool ok =
      EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, pkey_->key) == 1 &&
      EVP_DigestSign(ctx, sig, &len, reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) throw std::runtime_error("OpenSSL Ed25519 signing failed");
  return std::string(reinterpret_cast<char*>(sig), len);
}

std::string PublicKeyText(std::string_view key) { return Base64Encode(key); }

Result<std::string> ParsePublicKey(std::string_view text) {
  auto bad = [] {
    return Error(Status::InvalidArgument("public_key", "invalid_public_key",
                                         "a public key is the base64 text of 32 bytes (44 "
                                         "characters, as `clientele key` prints it)"));
  };
  auto key = Base64Decode(text);
  if (!key || key->size() != kPublicKeySize) return bad();
  return *key;
}

std::string KeyFingerprint(std::string_view key) {
  const std::string h = Hash('\2', key);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 8; ++i) {
    out.push_back(kHex[static_cast<unsigned char>(h[i]) >> 4]);
    out.push_back(kHex[static_cast<unsigned char>(h[i]) & 0xf]);
  }
  return out;
}

void AppendSigningBytes(const RecordedEvent& e, std::string* out) {
  out->append(kEventDomain);
  std::string id;
  if (!record::IdKey(e.id, &id)) id.assign(16, '\0');
  out->append(id);
  coding::PutLp(out, e.stream);
  coding::PutLp(out, e.type);
  coding::PutVarint32(out, e.schema);
  coding::PutLe64(out, static_cast<std::uint64_t>(e.time_ms));
  coding::PutLp(out, e.origin);
  coding::PutLp(out, e.actor);
  coding::PutLp(out, e.causation_id);
  coding::PutLp(out, e.correlation_id);
  coding::PutLp(out, e.data);
  coding::PutVarint64(out, e.seq);
}

bool SameEvent(const RecordedEvent& a, const RecordedEvent& b) {
  return a.id == b.id && a.stream == b.stream && a.type == b.type && a.schema == b.schema &&
         a.time_ms == b.time_ms && a.origin == b.origin && a.actor == b.actor &&
         a.causation_id == b.causation_id && a.correlation_id == b.correlation_id &&
         a.data == b.data && a.seq == b.seq;
}

void SignBatch(const NodeKey& key, std::span<RecordedEvent*> events) {
  if (events.empty()) return;
  const std::size_t n = events.size();
  // levels[0] are the leaves; each next level is their parents.
  std::vector<std::vector<std::string>> levels(1);
  levels[0].reserve(n);
  for (RecordedEvent* e : events) levels[0].push_back(Leaf(*e));
  while (levels.back().size() > 1) {
    const std::vector<std::string>& below = levels.back();
    std::vector<std::string> up;
    up.reserve((below.size() + 1) / 2);
    for (std::size_t i = 0; i < below.size(); i += 2) {
      up.push_back(i + 1 < below.size() ? Hash('\1', below[i], below[i + 1]) : below[i]);
    }
    levels.push_back(std::move(up));
  }
  const std::string signature = key.Sign(SignedText(events[0]->origin, levels.back()[0]));
  for (std::size_t i = 0; i < n; ++i) {
    std::string proof;
    proof.reserve(1 + kPublicKeySize + kSignatureSize + 20 + kHash * levels.size());
    proof.push_back(static_cast<char>(kProofVersion));
    proof.append(key.public_key());
    proof.append(signature);
    coding::PutVarint64(&proof, i);
    coding::PutVarint64(&proof, n);
    std::size_t index = i;
    for (std::size_t level = 0; level + 1 < levels.size(); ++level, index /= 2) {
      const std::vector<std::string>& nodes = levels[level];
      if (index % 2 == 1) {
        proof.append(nodes[index - 1]);
      } else if (index + 1 < nodes.size()) {
        proof.append(nodes[index + 1]);
      }
    }
    events[i]->signature = std::move(proof);
  }
}

void SignOwn(const NodeKey& key, std::string_view origin, std::span<RecordedEvent> events,
             std::size_t batch) {
  std::vector<RecordedEvent*> own;
  for (RecordedEvent& e : events) {
    if (e.origin != origin || !e.signature.empty()) continue;
    own.push_back(&e);
    if (own.size() == batch) {
      SignBatch(key, own);
      own.clear();
    }
  }
  SignBatch(key, own);
}

std::string_view ProofKey(std::string_view proof) {
  Proof p;
  return ParseProof(proof, &p) ? p.key : std::string_view();
}

bool VerifySignature(std::string_view key, std::string_view message, std::string_view signature) {
  EVP_PKEY* pub = EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  if (pub == nullptr) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, pub) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(pub);
  return ok;
}

ProofVerifier::ProofVerifier(std::size_t capacity) : capacity_(capacity) {}
ProofVerifier::~ProofVerifier() = default;

Status ProofVerifier::Verify(const RecordedEvent& e) {
  auto bad = [](const std::string& why) { return Status::PermissionDenied("bad_signature", why); };
  Proof p;
  if (!ParseProof(e.signature, &p)) return bad("the event carries no well-formed signature");
  std::string root;
  if (!RootOf(Leaf(e), p.index, p.count, p.path, &root)) {
    return bad("the signature's path does not fit its batch");
  }
  // What was verified: this signature, by this key, over this origin's root.
  std::string remembered(p.key);
  remembered.append(p.signature);
  coding::PutLp(&remembered, e.origin);
  remembered.append(root);
  {
    std::lock_guard lock(mu_);
    if (verified_.contains(remembered)) return Status::OK();
  }
  if (!VerifySignature(p.key, SignedText(e.origin, root), p.signature))
    return bad("the signature does not verify: the event was altered or not signed by " + e.origin);
  std::lock_guard lock(mu_);
  if (verified_.insert(remembered).second) {
    order_.push_back(std::move(remembered));
    if (order_.size() > capacity_) {
      verified_.erase(order_.front());
      order_.pop_front();
    }
  }
  return Status::OK();
}

}  // namespace clientele
