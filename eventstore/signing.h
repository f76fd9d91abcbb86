// Proofs of origin: every event a node sends carries the signature of the
// node where it originated, and every node that receives it checks it, so
// authorship holds end to end whatever carries the event (Kafka, the HTTP
// feed, another node relaying it).
//
// Signing each event alone would cost more than everything else a node does
// per event (Ed25519 signs about 25,000 and verifies about 10,000 messages a
// second per core), so a node signs its events in batches: the leaves of a
// Merkle tree are the hashes of each event's signing bytes, and one Ed25519
// signature covers the tree's root. Each event's proof holds the key, the
// signature and the path from its leaf to the root, so every event verifies
// on its own; a verifier that has seen a root before checks the rest of its
// batch with a few hashes each.
//
//   signing bytes := "clientele/event/1" 0x00 id:16 lp(stream) lp(type)
//                    schema:varint32 time_ms:le64 lp(origin) lp(actor)
//                    lp(causation_id) lp(correlation_id) lp(data) seq:varint64
//   leaf          := SHA-256(0x00 || signing bytes)
//   parent        := SHA-256(0x01 || left || right); a level's odd last node
//                    moves up unchanged
//   signed text   := "clientele/batch/1" 0x00 lp(origin) root:32
//   proof         := 0x01 key:32 signature:64 index:varint64 count:varint64
//                    path:32 per level where the node has a sibling
//
// The signing bytes leave out what each node assigns for itself (position,
// version, hash) and the proof itself. Ed25519 signatures are deterministic.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <string_view>

#include "domain/status.h"
#include "eventstore/event.h"

namespace clientele {

inline constexpr std::size_t kPublicKeySize = 32;

// A node's Ed25519 signing key.
class NodeKey {
 public:
  // Reads the PEM private key at `path`, or creates one there (owner-only
  // permissions) when there is no file. Corruption if the file is not an
  // Ed25519 private key; Unavailable if it cannot be read or written.
  static Result<std::unique_ptr<NodeKey>> LoadOrCreate(const std::string& path);
  // A new key held only in memory (tests, benchmarks).
  static std::unique_ptr<NodeKey> Generate();
  ~NodeKey();
  NodeKey(const NodeKey&) = delete;
  NodeKey& operator=(const NodeKey&) = delete;

  // The 32 raw bytes of the public key.
  const std::string& public_key() const { return public_key_; }
  // The 64-byte Ed25519 signature of `message`.
  std::string Sign(std::string_view message) const;

 private:
  struct Pkey;
  explicit NodeKey(std::unique_ptr<Pkey> pkey);
  std::unique_ptr<Pkey> pkey_;
  std::string public_key_;
};

// Public keys as text: standard base64 of the 32 bytes (44 characters).
std::string PublicKeyText(std::string_view key);
// The key in `text`, or InvalidArgument("public_key").
Result<std::string> ParsePublicKey(std::string_view text);
// A short fingerprint for logs and listings: the first 8 bytes of
// SHA-256(0x02 || key), in hex.
std::string KeyFingerprint(std::string_view key);

// The signing bytes of `e` (see above), appended to *out.
void AppendSigningBytes(const RecordedEvent& e, std::string* out);
// True if a and b have the same signing bytes: the same event, whatever
// proof each came with and wherever each sits in a log.
bool SameEvent(const RecordedEvent& a, const RecordedEvent& b);

// Signs `events` as one batch with `key`, setting each one's signature to its
// proof. Every event must have the same origin (the key's node).
void SignBatch(const NodeKey& key, std::span<RecordedEvent*> events);

// Signs the events of `events` that originated at `origin` and carry no proof
// yet, in batches of at most `batch`; others keep the proof they came with.
void SignOwn(const NodeKey& key, std::string_view origin, std::span<RecordedEvent> events,
             std::size_t batch = 256);

// True if `signature` is the Ed25519 signature of `message` by the 32-byte
// public key `key`.
bool VerifySignature(std::string_view key, std::string_view message, std::string_view signature);

// The public key a proof names, or "" if it is not a well-formed proof.
std::string_view ProofKey(std::string_view proof);

// Checks proofs, remembering the roots it has verified (the last `capacity`
// of them). Thread-safe.
class ProofVerifier {
 public:
  explicit ProofVerifier(std::size_t capacity = 4096);
  ~ProofVerifier();
  ProofVerifier(const ProofVerifier&) = delete;
  ProofVerifier& operator=(const ProofVerifier&) = delete;

  // OK if e.signature is a proof, by the key it names, over e as sent by
  // e.origin. PermissionDenied("bad_signature") otherwise.
  Status Verify(const RecordedEvent& e);

 private:
  std::mutex mu_;
  std::set<std::string> verified_;  // key || origin || root
  std::deque<std::string> order_;   // oldest first, to forget
  std::size_t capacity_;
};

}  // namespace clientele
