// Data keys and sealed payloads: AES-256-GCM bound to customer and context,
// keys kept durably and destroyed for good (eventstore/data_keys.h,
// domain/event_codec.h).
#include "eventstore/data_keys.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "domain/event_codec.h"
#include "tests/test_util.h"

namespace clientele {
namespace {

using testing::AllBytes;

constexpr const char* kAda = "0b8a7c1e-4f3d-4c2a-9e1f-2d3c4b5a6978";
constexpr const char* kBob = "1c9b8d2f-5a4e-4d3b-8f2a-3e4d5c6b7a89";

CustomerRegistered Registration() {
  CustomerDetails d;
  d[DetailField::kFirstName] = "Zelphira";
  d[DetailField::kLastName] = "Quorndike";
  d[DetailField::kEmail] = "zq@example.com";
  d[DetailField::kNotes] = "likes \"quotes\"";
  return CustomerRegistered{kAda, "CUST-00001", d, ""};
}

// The key of `customer_id` as stored in the key store at `path` (closed),
// or "" if it is not there.
std::string StoredKey(const std::string& path, const std::string& customer_id) {
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::OpenForReadOnly(rocksdb::Options(), path, &raw).ok()) return "";
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string key;
  if (!db->Get(rocksdb::ReadOptions(), "k" + customer_id, &key).ok()) return "";
  return key;
}

TEST(DataKeysTest, SealedBlobsOpenOnlyForTheirCustomerAndContext) {
  MemoryDataKeys keys;
  auto blob = keys.Seal(kAda, "customer.registered", "secret");
  ASSERT_TRUE(blob) << blob.error().ToString();
  EXPECT_EQ(blob->find("secret"), std::string::npos);
  EXPECT_EQ(*keys.Open(kAda, "customer.registered", *blob), "secret");
  // Two seals of the same text differ (a fresh nonce each).
  EXPECT_NE(*keys.Seal(kAda, "customer.registered", "secret"), *blob);
  ASSERT_TRUE(keys.Seal(kBob, "customer.registered", "x"));
  auto other_customer = keys.Open(kBob, "customer.registered", *blob);
  ASSERT_FALSE(other_customer);
  EXPECT_EQ(other_customer.error().code(), StatusCode::kCorruption);
  auto other_context = keys.Open(kAda, "customer.details_changed", *blob);
  ASSERT_FALSE(other_context);
  EXPECT_EQ(other_context.error().code(), StatusCode::kCorruption);
  std::string tampered = *blob;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(keys.Open(kAda, "customer.registered", tampered));
}

TEST(DataKeysTest, DestroyedKeysAreGoneAndNeverMadeAgain) {
  MemoryDataKeys keys;
  auto blob = keys.Seal(kAda, "c", "secret");
  ASSERT_TRUE(keys.Destroy(kAda).ok());
  EXPECT_TRUE(keys.Erased(kAda));
  auto opened = keys.Open(kAda, "c", *blob);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().reason(), "no_key");
  auto sealed = keys.Seal(kAda, "c", "again");
  ASSERT_FALSE(sealed);
  EXPECT_EQ(sealed.error().reason(), "customer_erased");
}

TEST(DataKeysTest, KeysSurviveAReopenAndLeaveNoByteOnDiskOnceDestroyed) {
  clientele::testing::TempDir dir;
  const std::string path = dir.sub("keys");
  std::string blob;
  {
    auto keys = DataKeys::Open(path);
    ASSERT_TRUE(keys) << keys.error().ToString();
    blob = *(*keys)->Seal(kAda, "c", "secret");
    ASSERT_TRUE((*keys)->Seal(kBob, "c", "other"));
  }
  const std::string key = StoredKey(path, kAda);
  ASSERT_EQ(key.size(), kDataKeySize);
  EXPECT_NE(AllBytes(path).find(key), std::string::npos) << "the key is stored";
  {
    auto keys = DataKeys::Open(path);
    ASSERT_TRUE(keys);
    EXPECT_EQ(*(*keys)->Open(kAda, "c", blob), "secret");
    ASSERT_TRUE((*keys)->Destroy(kAda).ok());
    EXPECT_FALSE((*keys)->Open(kAda, "c", blob));
    // Not even while the store is still open.
    EXPECT_EQ(AllBytes(path).find(key), std::string::npos);
  }
  EXPECT_EQ(AllBytes(path).find(key), std::string::npos);
  auto keys = DataKeys::Open(path);
  ASSERT_TRUE(keys);
  EXPECT_TRUE((*keys)->Erased(kAda));
  EXPECT_FALSE((*keys)->Erased(kBob));
  EXPECT_EQ((*keys)->Seal(kAda, "c", "x").error().reason(), "customer_erased");
  EXPECT_TRUE((*keys)->Seal(kBob, "c", "x"));
}

TEST(DataKeysTest, AKeyDestroyedWhileTheKeysAreReadIntoMemoryIsGoneFromMemoryAndDisk) {
  clientele::testing::TempDir dir;
  const std::string path = dir.sub("keys");
  std::string blob;
  constexpr int kOthers = 20000;
  {
    auto keys = DataKeys::Open(path);
    ASSERT_TRUE(keys) << keys.error().ToString();
    for (int i = 0; i < kOthers; ++i) {
      ASSERT_TRUE((*keys)->Seal("customer-" + std::to_string(i), "c", "x"));
    }
    blob = *(*keys)->Seal(kAda, "c", "secret");
  }
  const std::string key = StoredKey(path, kAda);
  ASSERT_EQ(key.size(), kDataKeySize);
  auto keys = DataKeys::Open(path);
  ASSERT_TRUE(keys);
  // At once, while the keys are being read into memory.
  ASSERT_TRUE((*keys)->Destroy(kAda).ok());
  EXPECT_EQ(AllBytes(path).find(key), std::string::npos);
  auto opened = (*keys)->Open(kAda, "c", blob);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().reason(), "no_key");
  EXPECT_FALSE((*keys)->Has(kAda));
  // The others are still there, read into memory or from disk.
  for (int i = 0; i < kOthers; i += 997) {
    EXPECT_TRUE((*keys)->Has("customer-" + std::to_string(i))) << i;
  }
  EXPECT_TRUE((*keys)->Has("customer-" + std::to_string(kOthers - 1)));
}

TEST(DataKeysTest, AKeyComingWithAnEventNeverReplacesTheKeyHeldRightAfterOpen) {
  clientele::testing::TempDir dir;
  const std::string path = dir.sub("keys");
  std::string own_blob;
  constexpr int kOthers = 20000;
  constexpr const char* kLast = "zz-last";  // read into memory last
  {
    auto keys = DataKeys::Open(path);
    ASSERT_TRUE(keys) << keys.error().ToString();
    for (int i = 0; i < kOthers; ++i) {
      ASSERT_TRUE((*keys)->Seal("customer-" + std::to_string(i), "c", "x"));
    }
    own_blob = *(*keys)->Seal(kLast, "c", "sealed here");
    ASSERT_TRUE((*keys)->Persist().ok());
  }
  // Another node's key for the same customer, wrapped under the chain key,
  // with an event it sealed.
  const std::string chain_key(kDataKeySize, '\x5a');
  const std::string other_key(kDataKeySize, '\x33');
  const std::string wrapped = SealWithKey(chain_key, kLast, "clientele/data-key", other_key);
  const std::string sealed_json =
      R"({"sealed":")" + SealWithKey(other_key, kLast, "c", "sealed there") + R"("})";
  auto keys = DataKeys::Open(path);
  ASSERT_TRUE(keys);
  // At once, while the held keys are still being read into memory.
  ASSERT_TRUE((*keys)->Take(chain_key, kLast, wrapped, "c", sealed_json).ok());
  auto opened = (*keys)->Open(kLast, "c", own_blob);
  ASSERT_TRUE(opened) << opened.error().ToString();
  EXPECT_EQ(*opened, "sealed here");
  keys->reset();
  auto reopened = DataKeys::Open(path);
  ASSERT_TRUE(reopened);
  auto opened_again = (*reopened)->Open(kLast, "c", own_blob);
  ASSERT_TRUE(opened_again) << opened_again.error().ToString();
  EXPECT_EQ(*opened_again, "sealed here");
}

TEST(SealedPayloadTest, PersonalFieldsAreSealedTheRestStaysClear) {
  MemoryDataKeys keys;
  const CustomerEvent reg = Registration();
  auto json = EncodeSealedPayload(reg, kAda, &keys);
  ASSERT_TRUE(json) << json.error().ToString();
  EXPECT_EQ(json->find("Zelphira"), std::string::npos) << *json;
  EXPECT_EQ(json->find("zq@example"), std::string::npos) << *json;
  EXPECT_NE(json->find("CUST-00001"), std::string::npos) << *json;
  EXPECT_TRUE(PayloadIsSealed(*json));
  EXPECT_FALSE(PayloadIsSealed(EncodePayload(reg)));

  auto opened = DecodeCustomerEvent("customer.registered", 1, *json, &keys, kAda);
  ASSERT_TRUE(opened) << opened.error().ToString();
  EXPECT_EQ(*opened, reg);

  // Without a key: everything but the personal fields.
  auto blind = DecodeCustomerEvent("customer.registered", 1, *json);
  ASSERT_TRUE(blind) << blind.error().ToString();
  const auto& r = std::get<CustomerRegistered>(*blind);
  EXPECT_EQ(r.code, "CUST-00001");
  EXPECT_EQ(r.customer_id, kAda);
  EXPECT_EQ(r.details, CustomerDetails{});

  // Sealed for another customer: it does not open, the fields stay absent.
  auto foreign = DecodeCustomerEvent("customer.registered", 1, *json, &keys, kBob);
  ASSERT_TRUE(foreign);
  EXPECT_EQ(std::get<CustomerRegistered>(*foreign).details, CustomerDetails{});
  // Only a registration makes a key; a note for a customer without one here
  // is refused rather than sealed under a key no other node has.
  auto no_key = EncodeSealedPayload(CreditAdjusted{5, "why"}, kBob, &keys);
  ASSERT_FALSE(no_key);
  EXPECT_EQ(no_key.error().reason(), "personal_data_unavailable");

  // Erased: the fields are gone, the event still decodes.
  ASSERT_TRUE(keys.Destroy(kAda).ok());
  auto erased = DecodeCustomerEvent("customer.registered", 1, *json, &keys, kAda);
  ASSERT_TRUE(erased);
  EXPECT_EQ(std::get<CustomerRegistered>(*erased).details, CustomerDetails{});
}

TEST(SealedPayloadTest, NotesAreSealedAmountsStayClearAndOldClearPayloadsStillRead) {
  MemoryDataKeys keys;
  ASSERT_TRUE(keys.Seal(kAda, "customer.registered", "{}", true));  // registered here
  const CustomerEvent top_up = CreditToppedUp{2500, "pay-1", "for Zelphira"};
  auto json = EncodeSealedPayload(top_up, kAda, &keys);
  ASSERT_TRUE(json);
  EXPECT_EQ(json->find("Zelphira"), std::string::npos);
  EXPECT_NE(json->find("2500"), std::string::npos);
  auto blind = DecodeCustomerEvent("credit.topped_up", 1, *json);
  ASSERT_TRUE(blind);
  EXPECT_EQ(std::get<CreditToppedUp>(*blind), (CreditToppedUp{2500, "pay-1", ""}));
  EXPECT_EQ(*DecodeCustomerEvent("credit.topped_up", 1, *json, &keys, kAda), top_up);
  // A payload without personal fields is left as it was.
  const CustomerEvent bought = PurchaseRecorded{"t1", 100, 5};
  EXPECT_EQ(*EncodeSealedPayload(bought, kAda, &keys), EncodePayload(bought));
  // A log written before sealing: clear fields read as they did.
  const CustomerEvent reg = Registration();
  EXPECT_EQ(*DecodeCustomerEvent("customer.registered", 1, EncodePayload(reg), &keys, kAda), reg);
}

}  // namespace
}  // namespace clientele
