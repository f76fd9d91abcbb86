// Tampering with a stored event is found by `clientele verify`, which names
// the position of the altered event.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <filesystem>
#include <fstream>

#include "eventstore/event_store.h"
#include "eventstore/record_format.h"
#include "tests/test_util.h"
#include "tests/test_util_process.h"

namespace clientele {
namespace {

using testing::MakeEvent;
using testing::RunCommand;
using testing::TempDir;

constexpr int kEvents = 50;
constexpr int kTampered = 37;

std::string Marker(int i) { return "payload-marker-" + std::to_string(1000 + i); }

// Writes kEvents events, each with a unique marker in its payload, then closes.
void WriteLog(const std::string& path) {
  auto store = EventStore::Open({.path = path});
  ASSERT_TRUE(store);
  for (int i = 1; i <= kEvents; ++i) {
    auto r = (*store)->Append("customer-" + std::to_string(i % 5), ExpectedVersion::Any(),
                              {MakeEvent("{\"m\":\"" + Marker(i) + "\"}")});
    ASSERT_TRUE(r);
  }
}

std::string Verify(const std::string& path, int* exit_code) {
  auto r = RunCommand(std::string(CLIENTELE_BIN) + " verify --data " + path);
  *exit_code = r.exit_code;
  return r.output;
}

TEST(Tamper, AFlippedByteOnDiskIsPinnedToItsEvent) {
  TempDir dir;
  WriteLog(dir.path());
  int code = -1;
  std::string out = Verify(dir.path(), &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("ok: 50 events"), std::string::npos) << out;

  // Find the stored bytes of event 37's payload in the table files and flip one.
  const std::string marker = Marker(kTampered);
  int flipped = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.sub("log"))) {
    if (entry.path().extension() != ".sst") continue;
    std::fstream f(entry.path(), std::ios::in | std::ios::out | std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    auto at = bytes.find(marker);
    if (at == std::string::npos) continue;
    f.seekp(static_cast<std::streamoff>(at + marker.size() - 1));
    f.put(static_cast<char>(bytes[at + marker.size() - 1] ^ 0x01));
    ++flipped;
  }
  ASSERT_EQ(flipped, 1) << "event 37's payload should be stored once, in one table file";

  out = Verify(dir.path(), &code);
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("BROKEN at position 37"), std::string::npos) << out;
  EXPECT_NE(out.find("36 events before it verified"), std::string::npos) << out;
}

// An attacker with database access rewrites or removes a record through RocksDB
// itself, so every block checksum is valid: the hash chain still catches it.
class RewriteTest : public ::testing::Test {
 protected:
  void SetUp() override { WriteLog(dir_.path()); }

  template <typename F>
  void WithRawDb(F edit) {
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {{rocksdb::kDefaultColumnFamilyName, {}},
                                                        {"log", {}}};
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), dir_.sub("log"), cfs, &handles, &db).ok());
    edit(db, handles[1]);
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    delete db;
  }

  TempDir dir_;
};

TEST_F(RewriteTest, AnEditedPayloadBreaksTheChainThere) {
  WithRawDb([](rocksdb::DB* db, rocksdb::ColumnFamilyHandle* log) {
    std::string key = record::PositionKey(kTampered), value;
    ASSERT_TRUE(db->Get({}, log, key, &value).ok());
    auto at = value.find(Marker(kTampered));
    ASSERT_NE(at, std::string::npos);
    value[at] = 'P';  // same length: the record still parses
    ASSERT_TRUE(db->Put({}, log, key, value).ok());
  });
  int code = -1;
  std::string out = Verify(dir_.path(), &code);
  EXPECT_EQ(code, 1);
  EXPECT_NE(out.find("BROKEN at position 37: hash mismatch"), std::string::npos) << out;
}

TEST_F(RewriteTest, ARemovedEventIsNamed) {
  WithRawDb([](rocksdb::DB* db, rocksdb::ColumnFamilyHandle* log) {
    ASSERT_TRUE(db->Delete({}, log, record::PositionKey(20)).ok());
  });
  int code = -1;
  std::string out = Verify(dir_.path(), &code);
  EXPECT_EQ(code, 1);
  EXPECT_NE(out.find("BROKEN at position 20: event 20 is missing"), std::string::npos) << out;
}

TEST_F(RewriteTest, ARecordMovedToAnotherPositionIsNamed) {
  WithRawDb([](rocksdb::DB* db, rocksdb::ColumnFamilyHandle* log) {
    std::string value;
    ASSERT_TRUE(db->Get({}, log, record::PositionKey(12), &value).ok());
    ASSERT_TRUE(db->Put({}, log, record::PositionKey(11), value).ok());
  });
  int code = -1;
  std::string out = Verify(dir_.path(), &code);
  EXPECT_EQ(code, 1);
  EXPECT_NE(out.find("BROKEN at position 11: the record stored here claims position 12"),
            std::string::npos)
      << out;
}

}  // namespace
}  // namespace clientele
