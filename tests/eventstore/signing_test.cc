// Proofs of origin: batches signed as a Merkle tree, each event verifying on
// its own; keys, their text, and the strict base64 they travel in.
#include "eventstore/signing.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <random>

#include "eventstore/base64.h"
#include "eventstore/uuid.h"
#include "tests/test_util.h"

namespace clientele {
namespace {

using testing::TempDir;

// Where the parts of a proof sit, for batches of fewer than 128 events
// (one-byte varints): 0x01 key:32 signature:64 index count path.
constexpr std::size_t kKeyAt = 1, kSignatureAt = 33, kIndexAt = 97, kCountAt = 98, kPathAt = 99;

std::vector<RecordedEvent> Batch(std::size_t n, const std::string& origin = "s01") {
  std::vector<RecordedEvent> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    RecordedEvent& e = out[i];
    e.id = NewUuid();
    e.stream = "customer-" + NewUuid();
    e.type = "credit.topped_up";
    e.schema = 1;
    e.time_ms = 1'700'000'000'000 + static_cast<std::int64_t>(i);
    e.origin = origin;
    e.actor = "clerk@" + origin;
    e.causation_id = NewUuid();
    e.data = R"({"amount":)" + std::to_string(100 + i) + "}";
    e.seq = 1000 + i;
  }
  return out;
}

void Sign(const NodeKey& key, std::vector<RecordedEvent>* events) {
  std::vector<RecordedEvent*> ptrs;
  for (RecordedEvent& e : *events) ptrs.push_back(&e);
  SignBatch(key, ptrs);
}

// Verify with a verifier that has seen nothing.
Status VerifyAlone(const RecordedEvent& e) {
  ProofVerifier fresh;
  return fresh.Verify(e);
}

void ExpectBad(const Status& s, const std::string& what) {
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << what << ": " << s.ToString();
  EXPECT_EQ(s.reason(), "bad_signature") << what;
}

class SignBatchTest : public ::testing::TestWithParam<std::size_t> {
 protected:
  std::unique_ptr<NodeKey> key_ = NodeKey::Generate();
};

TEST_P(SignBatchTest, EveryEventVerifiesOnItsOwnAndThroughTheCache) {
  std::vector<RecordedEvent> events = Batch(GetParam());
  Sign(*key_, &events);
  ProofVerifier shared;
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(ProofKey(events[i].signature), key_->public_key()) << i;
    EXPECT_TRUE(shared.Verify(events[i]).ok()) << i;
    if (i < 16 || i % 37 == 0) {
      EXPECT_TRUE(VerifyAlone(events[i]).ok()) << i;
    }
  }
  // Every event signs with the one signature of the batch.
  for (const RecordedEvent& e : events) {
    EXPECT_EQ(e.signature.substr(kSignatureAt, 64), events[0].signature.substr(kSignatureAt, 64));
  }
}

TEST_P(SignBatchTest, ChangingAnySignedFieldBreaksTheProof) {
  std::vector<RecordedEvent> events = Batch(GetParam());
  Sign(*key_, &events);
  const std::vector<std::pair<std::string, std::function<void(RecordedEvent&)>>> changes = {
      {"data", [](RecordedEvent& e) { e.data += " "; }},
      {"type", [](RecordedEvent& e) { e.type = "credit.deducted"; }},
      {"stream", [](RecordedEvent& e) { e.stream = "customer-" + NewUuid(); }},
      {"origin", [](RecordedEvent& e) { e.origin = "s02"; }},
      {"time_ms", [](RecordedEvent& e) { e.time_ms += 1; }},
      {"seq", [](RecordedEvent& e) { e.seq += 1; }},
      {"seq to 0", [](RecordedEvent& e) { e.seq = 0; }},
      {"actor", [](RecordedEvent& e) { e.actor = "someone@else"; }},
      {"id", [](RecordedEvent& e) { e.id = NewUuid(); }},
      {"schema", [](RecordedEvent& e) { e.schema = 2; }},
      {"causation_id", [](RecordedEvent& e) { e.causation_id = ""; }},
      {"correlation_id", [](RecordedEvent& e) { e.correlation_id = NewUuid(); }},
  };
  // A verifier that has already accepted the whole batch: its cached root must
  // not let a changed event pass.
  ProofVerifier warm;
  for (const RecordedEvent& e : events) ASSERT_TRUE(warm.Verify(e).ok());
  const std::size_t n = events.size();
  for (std::size_t i : {std::size_t{0}, n / 2, n - 1}) {
    for (const auto& [field, change] : changes) {
      RecordedEvent changed = events[i];
      change(changed);
      ExpectBad(warm.Verify(changed), field + " of event " + std::to_string(i) + " (cached)");
      ExpectBad(VerifyAlone(changed), field + " of event " + std::to_string(i));
    }
  }
}

TEST_P(SignBatchTest, ProofsBelongToTheirOwnEvent) {
  std::vector<RecordedEvent> events = Batch(GetParam());
  Sign(*key_, &events);
  std::vector<RecordedEvent> stranger = Batch(1);  // another batch by the same key
  Sign(*key_, &stranger);
  ProofVerifier warm;
  for (const RecordedEvent& e : events) ASSERT_TRUE(warm.Verify(e).ok());
  ASSERT_TRUE(warm.Verify(stranger[0]).ok());
  const std::size_t n = events.size();
  for (std::size_t i : {std::size_t{0}, n - 1}) {
    RecordedEvent x = events[i], y = stranger[0];
    std::swap(x.signature, y.signature);
    ExpectBad(VerifyAlone(x), "the proof of another batch on " + std::to_string(i));
    ExpectBad(VerifyAlone(y), "the proof of event " + std::to_string(i) + " on another batch");
  }
  for (auto [a, b] :
       std::vector<std::pair<std::size_t, std::size_t>>{{0, 1}, {0, n - 1}, {n / 2, n - 1}}) {
    if (b >= n || a == b) continue;  // a batch of one has nothing to swap with
    RecordedEvent x = events[a], y = events[b];
    std::swap(x.signature, y.signature);
    ExpectBad(warm.Verify(x), "swapped proofs " + std::to_string(a) + "/" + std::to_string(b));
    ExpectBad(VerifyAlone(y), "swapped proofs " + std::to_string(b) + "/" + std::to_string(a));
  }
}

INSTANTIATE_TEST_SUITE_P(Sizes, SignBatchTest, ::testing::Values(1, 2, 3, 5, 8, 13, 256));

TEST(Proof, TruncatedExtendedOrGarbageProofsFail) {
  std::unique_ptr<NodeKey> key = NodeKey::Generate();
  std::vector<RecordedEvent> events = Batch(13);
  Sign(*key, &events);
  ProofVerifier warm;
  ASSERT_TRUE(warm.Verify(events[6]).ok());
  const std::string proof = events[6].signature;
  for (std::size_t n = 0; n < proof.size(); ++n) {
    RecordedEvent cut = events[6];
    cut.signature = proof.substr(0, n);
    ExpectBad(warm.Verify(cut), "cut to " + std::to_string(n) + " bytes");
  }
  for (std::string extra : {std::string(1, '\0'), std::string(32, '\0'), std::string(32, 'x')}) {
    RecordedEvent longer = events[6];
    longer.signature = proof + extra;
    ExpectBad(warm.Verify(longer), "extended by " + std::to_string(extra.size()));
  }
  std::mt19937 rng(7);
  for (int i = 0; i < 50; ++i) {
    RecordedEvent garbage = events[6];
    garbage.signature.resize(proof.size());
    for (char& c : garbage.signature) c = static_cast<char>(rng());
    ExpectBad(VerifyAlone(garbage), "random bytes");
  }
  RecordedEvent version = events[6];
  version.signature[0] = 2;
  ExpectBad(warm.Verify(version), "proof version 2");
  EXPECT_EQ(ProofKey(version.signature), "");
  EXPECT_EQ(ProofKey(""), "");
  EXPECT_EQ(ProofKey(proof.substr(0, 97)), "");
}

TEST(Proof, APathOrIndexOfAnotherLeafFails) {
  std::unique_ptr<NodeKey> key = NodeKey::Generate();
  std::vector<RecordedEvent> events = Batch(13);
  Sign(*key, &events);
  ProofVerifier warm;
  for (const RecordedEvent& e : events) ASSERT_TRUE(warm.Verify(e).ok());
  for (std::size_t i = 0; i < events.size(); ++i) {
    const std::string& mine = events[i].signature;
    ASSERT_EQ(static_cast<std::uint8_t>(mine[kIndexAt]), i);
    ASSERT_EQ(static_cast<std::uint8_t>(mine[kCountAt]), 13u);
    for (std::size_t j = 0; j < events.size(); ++j) {
      if (j == i) continue;
      const std::string& theirs = events[j].signature;
      // My index with their path, and their index with my path.
      RecordedEvent e = events[i];
      e.signature = mine.substr(0, kPathAt) + theirs.substr(kPathAt);
      ExpectBad(warm.Verify(e), "path of " + std::to_string(j) + " on " + std::to_string(i));
      e.signature = mine;
      e.signature[kIndexAt] = static_cast<char>(j);
      ExpectBad(warm.Verify(e), "index " + std::to_string(j) + " on " + std::to_string(i));
    }
    // Indexes at or past the count are not proofs at all.
    RecordedEvent e = events[i];
    e.signature[kIndexAt] = 13;
    ExpectBad(warm.Verify(e), "index 13");
    e.signature[kIndexAt] = static_cast<char>(i);
    e.signature[kCountAt] = 0;
    ExpectBad(warm.Verify(e), "count 0");
  }
}

TEST(Proof, AnotherKeyDoesNotVerifyWhatKeyASigned) {
  std::unique_ptr<NodeKey> a = NodeKey::Generate(), b = NodeKey::Generate();
  ASSERT_NE(a->public_key(), b->public_key());
  std::vector<RecordedEvent> events = Batch(5);
  Sign(*a, &events);
  ProofVerifier warm;
  for (const RecordedEvent& e : events) ASSERT_TRUE(warm.Verify(e).ok());
  for (const RecordedEvent& e : events) {
    RecordedEvent claimed = e;
    claimed.signature.replace(kKeyAt, kPublicKeySize, b->public_key());
    EXPECT_EQ(ProofKey(claimed.signature), b->public_key());
    ExpectBad(warm.Verify(claimed), "key B's bytes in key A's proof");
    ExpectBad(VerifyAlone(claimed), "key B's bytes in key A's proof");
  }
  // Key B's own batch of the same events verifies, under B.
  std::vector<RecordedEvent> again = events;
  Sign(*b, &again);
  EXPECT_EQ(ProofKey(again[0].signature), b->public_key());
  EXPECT_TRUE(warm.Verify(again[0]).ok());
  // 32 bytes that are no Ed25519 point, or all zeros, are refused too.
  RecordedEvent zeros = events[0];
  zeros.signature.replace(kKeyAt, kPublicKeySize, std::string(kPublicKeySize, '\0'));
  ExpectBad(VerifyAlone(zeros), "zero key");
}

TEST(Proof, TheCacheDoesNotPassADifferentEventUnderACachedRoot) {
  std::unique_ptr<NodeKey> key = NodeKey::Generate();
  std::vector<RecordedEvent> events = Batch(8);
  Sign(*key, &events);
  ProofVerifier warm(2);
  ASSERT_TRUE(warm.Verify(events[3]).ok());
  // Another event entirely, carrying a proof whose root is cached.
  RecordedEvent stranger = Batch(1)[0];
  stranger.signature = events[3].signature;
  ExpectBad(warm.Verify(stranger), "a stranger with a cached proof");
  // The same content under another origin: the cache is per origin too.
  RecordedEvent moved = events[3];
  moved.origin = "s09";
  ExpectBad(warm.Verify(moved), "another origin");
  // A cache of two forgets the oldest roots, and verifies them again correctly.
  for (int i = 0; i < 3; ++i) {
    std::vector<RecordedEvent> other = Batch(2);
    Sign(*key, &other);
    ASSERT_TRUE(warm.Verify(other[0]).ok());
  }
  EXPECT_TRUE(warm.Verify(events[4]).ok());
  ExpectBad(warm.Verify(stranger), "after forgetting");
}

// The cache remembers roots that were verified; a proof whose signature bytes
// are not the batch's signature is no proof, whether or not its root was seen
// before (a node stores the proof it received and relays it).
TEST(Proof, ASignatureIsCheckedEvenWhenItsRootIsCached) {
  std::unique_ptr<NodeKey> key = NodeKey::Generate();
  std::vector<RecordedEvent> events = Batch(4);
  Sign(*key, &events);
  RecordedEvent damaged = events[1];
  damaged.signature[kSignatureAt + 10] ^= 0x01;
  ExpectBad(VerifyAlone(damaged), "damaged signature, empty cache");
  // A batch of one, carrying the proof of another batch of one by the same key.
  std::vector<RecordedEvent> one = Batch(1), other = Batch(1);
  Sign(*key, &one);
  Sign(*key, &other);
  RecordedEvent borrowed = one[0];
  borrowed.signature = other[0].signature;
  ExpectBad(VerifyAlone(borrowed), "another batch's proof, empty cache");

  ProofVerifier warm;
  ASSERT_TRUE(warm.Verify(events[0]).ok());
  ExpectBad(warm.Verify(damaged), "damaged signature, root cached");
  ASSERT_TRUE(warm.Verify(one[0]).ok());
  ExpectBad(warm.Verify(borrowed), "another batch's proof, root cached");
}

TEST(SameEvent, IgnoresWhatEachNodeAssignsButNotTheNumber) {
  RecordedEvent a = Batch(1)[0];
  RecordedEvent b = a;
  b.position = 99;
  b.version = 7;
  b.hash = std::string(32, 'h');
  b.signature = "another proof";
  EXPECT_TRUE(SameEvent(a, b));
  std::string sa, sb;
  AppendSigningBytes(a, &sa);
  AppendSigningBytes(b, &sb);
  EXPECT_EQ(sa, sb);
  b.seq = a.seq + 1;
  EXPECT_FALSE(SameEvent(a, b));
  b = a;
  b.data = "{}";
  EXPECT_FALSE(SameEvent(a, b));
  b = a;
  b.correlation_id = "x";
  EXPECT_FALSE(SameEvent(a, b));
}

TEST(SigningBytes, StartWithTheDomainAndEndWithTheNumber) {
  RecordedEvent e = Batch(1)[0];
  e.seq = 300;  // varint 0xac 0x02
  std::string bytes;
  AppendSigningBytes(e, &bytes);
  EXPECT_EQ(bytes.substr(0, 18), std::string("clientele/event/1\0", 18));
  EXPECT_EQ(bytes.substr(bytes.size() - 2), "\xac\x02");
  std::string more = "prefix";
  AppendSigningBytes(e, &more);
  EXPECT_EQ(more, "prefix" + bytes) << "appends, never replaces";
}

TEST(NodeKeyTest, SigningIsDeterministic) {
  std::unique_ptr<NodeKey> key = NodeKey::Generate();
  const std::string s1 = key->Sign("message"), s2 = key->Sign("message");
  EXPECT_EQ(s1.size(), 64u);
  EXPECT_EQ(s1, s2);
  EXPECT_NE(key->Sign("messagf"), s1);
  EXPECT_NE(NodeKey::Generate()->Sign("message"), s1);
  std::vector<RecordedEvent> first = Batch(5);
  std::vector<RecordedEvent> second = first;
  Sign(*key, &first);
  Sign(*key, &second);
  for (std::size_t i = 0; i < first.size(); ++i) EXPECT_EQ(first[i].signature, second[i].signature);
  EXPECT_EQ(key->public_key().size(), kPublicKeySize);
}

TEST(NodeKeyTest, LoadOrCreateWritesAnOwnerOnlyKeyAndReloadsIt) {
  TempDir dir;
  const std::string path = dir.sub("node.key");
  auto created = NodeKey::LoadOrCreate(path);
  ASSERT_TRUE(created) << created.error().ToString();
  ASSERT_TRUE(std::filesystem::exists(path));
  EXPECT_EQ(std::filesystem::status(path).permissions(),
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  std::ifstream in(path);
  std::string first_line;
  std::getline(in, first_line);
  EXPECT_EQ(first_line, "-----BEGIN PRIVATE KEY-----");

  auto loaded = NodeKey::LoadOrCreate(path);
  ASSERT_TRUE(loaded) << loaded.error().ToString();
  EXPECT_EQ((*loaded)->public_key(), (*created)->public_key());
  EXPECT_EQ((*loaded)->Sign("m"), (*created)->Sign("m"));
  EXPECT_EQ(std::filesystem::status(path).permissions(),
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  // Another path, another key.
  auto other = NodeKey::LoadOrCreate(dir.sub("other.key"));
  ASSERT_TRUE(other);
  EXPECT_NE((*other)->public_key(), (*created)->public_key());
}

TEST(NodeKeyTest, LoadOrCreateRefusesWhatIsNoEd25519Key) {
  TempDir dir;
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir.sub(name), std::ios::binary) << text;
    return dir.sub(name);
  };
  const std::string garbage = write("garbage.key", "this is not a key\n");
  auto r = NodeKey::LoadOrCreate(garbage);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), StatusCode::kCorruption);
  std::ifstream still(garbage);
  std::string text((std::istreambuf_iterator<char>(still)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "this is not a key\n") << "a bad key file is left as it is";

  auto empty = NodeKey::LoadOrCreate(write("empty.key", ""));
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code(), StatusCode::kCorruption);

  // A well-formed PEM private key of another type (X25519).
  EVP_PKEY* x = EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519");
  ASSERT_NE(x, nullptr);
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, x, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  const std::string pem(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  EVP_PKEY_free(x);
  auto wrong_type = NodeKey::LoadOrCreate(write("x25519.key", pem));
  ASSERT_FALSE(wrong_type);
  EXPECT_EQ(wrong_type.error().code(), StatusCode::kCorruption);

  auto nowhere = NodeKey::LoadOrCreate(dir.sub("missing/node.key"));
  ASSERT_FALSE(nowhere);
  EXPECT_EQ(nowhere.error().code(), StatusCode::kUnavailable);
}

TEST(PublicKeyTextTest, RoundTripsAndIsStrict) {
  std::unique_ptr<NodeKey> key = NodeKey::Generate();
  const std::string text = PublicKeyText(key->public_key());
  ASSERT_EQ(text.size(), 44u);
  EXPECT_EQ(text[43], '=');
  EXPECT_NE(text[42], '=');
  auto parsed = ParsePublicKey(text);
  ASSERT_TRUE(parsed) << parsed.error().ToString();
  EXPECT_EQ(*parsed, key->public_key());
  EXPECT_EQ(PublicKeyText(std::string(32, '\0')), std::string(43, 'A') + "=");

  // The same bytes written another way: the two unused bits of the last
  // character set. Only the canonical text is a key.
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string loose = text;
  const std::size_t v = kAlphabet.find(loose[42]);
  ASSERT_EQ(v % 4, 0u) << "a canonical last character leaves the two low bits clear";
  loose[42] = kAlphabet[v + 1];
  std::vector<std::string> refused = {
      loose,
      text.substr(0, 43),                   // padding left out
      text + "=",                           // too long
      " " + text.substr(1),                 // a space
      text.substr(0, 43) + "A",             // no padding where there must be
      PublicKeyText(std::string(31, 'k')),  // 31 bytes
      PublicKeyText(std::string(33, 'k')),  // 33 bytes
      PublicKeyText(std::string(64, 'k')),  // 64 bytes
      "",
      std::string(44, '='),
  };
  std::string url_safe = PublicKeyText(std::string(32, '\xfb'));
  ASSERT_NE(url_safe.find_first_of("+/"), std::string::npos);
  for (char& c : url_safe) c = c == '+' ? '-' : c == '/' ? '_' : c;
  refused.push_back(url_safe);
  for (const std::string& t : refused) {
    auto r = ParsePublicKey(t);
    ASSERT_FALSE(r) << "'" << t << "'";
    EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.error().field(), "public_key");
  }
}

TEST(KeyFingerprintTest, IsSixteenHexDigitsOfTheKey) {
  std::unique_ptr<NodeKey> a = NodeKey::Generate(), b = NodeKey::Generate();
  const std::string fa = KeyFingerprint(a->public_key());
  EXPECT_EQ(fa.size(), 16u);
  EXPECT_EQ(fa.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(KeyFingerprint(a->public_key()), fa);
  EXPECT_NE(KeyFingerprint(b->public_key()), fa);
}

TEST(Base64, RoundTripsRandomBytes) {
  std::mt19937 rng(42);
  for (std::size_t n = 0; n <= 40; ++n) {
    for (int round = 0; round < 20; ++round) {
      std::string bytes(n, '\0');
      for (char& c : bytes) c = static_cast<char>(rng());
      const std::string text = Base64Encode(bytes);
      EXPECT_EQ(text.size(), 4 * ((n + 2) / 3));
      auto back = Base64Decode(text);
      ASSERT_TRUE(back) << n << ": " << text;
      EXPECT_EQ(*back, bytes) << n;
    }
  }
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode(std::string("\xfb\xff", 2)), "+/8=");
}

TEST(Base64, RefusesWhatIsNotCanonicalPaddedBase64) {
  for (std::string text : {
           "Zg",        // no padding
           "Zg=",       // short padding
           "Zg===",     // too much
           "Z===",      // padding for no byte
           "====",      //
           "Zg==Zg==",  // padding in the middle
           "=Zg=",      //
           "Zh==",      // unused bits set
           "Zm9=",      // unused bits set
           "Zm9v\n",    // a line break
           "Zm9v\nZm9v",
           " Zm9",  // white space
           "Zm9 ",       "Zm9v ",
           "Zm*v",  // not in the alphabet
           "Zm-v",  // URL-safe alphabet
           "Zm_v",
           "Zm9vA",  // length not a multiple of 4
           "Z",
       }) {
    EXPECT_FALSE(Base64Decode(text)) << "'" << text << "'";
  }
  EXPECT_FALSE(Base64Decode(std::string("Zg=\0", 4)));
  EXPECT_FALSE(Base64Decode(std::string("\0\0\0\0", 4)));
  EXPECT_EQ(Base64Decode(""), std::string());
}

// Every text of four characters from an alphabet of good, padding, white
// space and bad characters: each either is refused or is the encoding of what
// it decodes to.
TEST(Base64, EveryShortTextDecodesToWhatEncodesBackToIt) {
  const std::string chars = std::string("AQgw+/=-_ \n\t*") + '\0';
  std::string text(4, ' ');
  int accepted = 0;
  for (char a : chars) {
    for (char b : chars) {
      for (char c : chars) {
        for (char d : chars) {
          text = {a, b, c, d};
          auto bytes = Base64Decode(text);
          if (!bytes) continue;
          ++accepted;
          ASSERT_EQ(Base64Encode(*bytes), text);
        }
      }
    }
  }
  // Three bytes: any of the six alphabet characters in each place (6^4).
  // One byte "xy==": y's four unused bits clear (A Q g w, not + /): 6 * 4.
  // Two bytes "xyz=": z's two unused bits clear (A Q g w): 6 * 6 * 4.
  EXPECT_EQ(accepted, 1296 + 24 + 144);
}

}  // namespace
}  // namespace clientele
