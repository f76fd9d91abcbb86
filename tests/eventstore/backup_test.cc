// Backups (eventstore/backup.h): taken while appends go on, they hold every
// event acknowledged before they began and verify; they go only into a new
// or empty folder outside the data folder; a restore goes only into an empty
// folder and refuses a backup with a changed byte or a changed manifest,
// leaving nothing behind.
#include "eventstore/backup.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "tests/test_util.h"

namespace clientele {
namespace {

namespace fs = std::filesystem;
using testing::MakeEvent;
using testing::TempDir;

class BackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = EventStore::Open({.path = data_, .origin = "s01"});
    ASSERT_TRUE(store) << store.error().ToString();
    store_ = std::move(*store);
    std::ofstream(data_ + "/node-key.pem") << "-----BEGIN PRIVATE KEY-----\nkey\n";
    std::ofstream(data_ + "/outbox-cursor") << "0 cluster\n";
    fs::create_directories(data_ + "/imports");
    std::ofstream(data_ + "/imports/abc.json") << "{}\n";
    std::ofstream(data_ + "/imports/abc.csv") << "not backed up\n";
    for (int i = 0; i < 20; ++i) Append();
  }

  std::uint64_t Append() {
    auto r = store_->Append("customer-" + std::to_string(next_++ % 7), ExpectedVersion::Any(),
                            {MakeEvent()});
    EXPECT_TRUE(r) << r.error().ToString();
    return r ? r->positions.back() : 0;
  }

  BackupOptions Options() const {
    return {.data = data_,
            .node = "s01",
            .role = "store",
            .files = {"node-key.pem", "hq-key", "outbox-cursor", "imports/abc.json"}};
  }

  // Every file under `folder` with its bytes.
  static std::map<std::string, std::string> Contents(const std::string& folder) {
    std::map<std::string, std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(folder)) {
      if (!e.is_regular_file()) continue;
      std::ifstream in(e.path(), std::ios::binary);
      out[e.path().lexically_relative(folder).generic_string()] =
          std::string((std::istreambuf_iterator<char>(in)), {});
    }
    return out;
  }

  // Replaces the file with a copy whose byte at `at` is changed (a new
  // inode: the backup's table files are hard links to the node's).
  static void ChangeByte(const std::string& path, std::size_t at) {
    std::string bytes;
    {
      std::ifstream in(path, std::ios::binary);
      bytes.assign((std::istreambuf_iterator<char>(in)), {});
    }
    ASSERT_LT(at, bytes.size());
    bytes[at] = static_cast<char>(bytes[at] ^ 0x01);
    fs::remove(path);
    std::ofstream(path, std::ios::binary) << bytes;
  }

  TempDir dir_;
  std::string data_ = dir_.sub("data");
  std::unique_ptr<EventStore> store_;
  int next_ = 0;
};

TEST_F(BackupTest, TakenWhileAppendingItHoldsEveryAcknowledgedEventAndRestores) {
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> acknowledged{0};
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      auto r = store_->Append("customer-w" + std::to_string(i % 5), ExpectedVersion::Any(),
                              {MakeEvent()});
      ASSERT_TRUE(r) << r.error().ToString();
      acknowledged = r->positions.back();
    }
  });
  while (acknowledged.load() < 200) std::this_thread::yield();
  const std::uint64_t before = store_->Head();
  const std::string target = dir_.sub("backup");
  auto made = CreateBackup(store_.get(), target, Options());
  const std::uint64_t after = store_->Head();
  stop = true;
  writer.join();
  ASSERT_TRUE(made) << made.error().ToString();
  EXPECT_GE(made->position, before) << "every event acknowledged before the backup began";
  EXPECT_LE(made->position, after);
  EXPECT_EQ(made->events, made->position);
  EXPECT_EQ(made->own_highest, made->position) << "every event is the node's own";
  EXPECT_EQ(made->hash.size(), 64u);
  EXPECT_EQ(made->node, "s01");
  EXPECT_EQ(made->role, "store");
  EXPECT_GT(after, before) << "appends went on meanwhile";

  // The manifest lists the small files (those present), the log and nothing else.
  std::set<std::string> listed;
  for (const BackupFile& f : made->files) listed.insert(f.path);
  EXPECT_TRUE(listed.contains("node-key.pem"));
  EXPECT_TRUE(listed.contains("outbox-cursor"));
  EXPECT_TRUE(listed.contains("imports/abc.json"));
  EXPECT_FALSE(listed.contains("imports/abc.csv"));
  EXPECT_FALSE(listed.contains("hq-key")) << "missing files are skipped";
  EXPECT_TRUE(listed.contains("log/CURRENT"));
  auto on_disk = Contents(target);
  EXPECT_EQ(on_disk.size(), listed.size() + 1) << "every file but backup.json is listed";
  auto parsed = ParseBackupManifest(on_disk.at("backup.json"));
  ASSERT_TRUE(parsed) << parsed.error().ToString();
  EXPECT_EQ(parsed->position, made->position);
  EXPECT_EQ(parsed->hash, made->hash);
  EXPECT_EQ(parsed->files.size(), made->files.size());

  // The owner's alone.
  for (const auto& e : fs::recursive_directory_iterator(target)) {
    struct stat st {};
    ASSERT_EQ(::stat(e.path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, e.is_directory() ? 0700u : 0600u) << e.path();
  }
  struct stat top {};
  ASSERT_EQ(::stat(target.c_str(), &top), 0);
  EXPECT_EQ(top.st_mode & 0777, 0700u);

  // Checked where it is, it verifies and nothing in it changes.
  auto checked = CheckBackup(target);
  ASSERT_TRUE(checked) << checked.error().ToString();
  EXPECT_EQ(Contents(target), on_disk) << "a check writes nothing into the backup";

  // Restored into a new folder: the same events, the small files, a clean chain.
  const std::string restored = dir_.sub("restored");
  auto back = RestoreBackup(target, restored);
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(Contents(restored + "/imports").at("abc.json"), "{}\n");
  auto reopened = EventStore::Open({.path = restored, .origin = "s01"});
  ASSERT_TRUE(reopened) << reopened.error().ToString();
  EXPECT_EQ((*reopened)->Head(), made->position);
  auto original = store_->ReadAll(1, before);
  auto copy = (*reopened)->ReadAll(1, before);
  ASSERT_TRUE(original && copy);
  ASSERT_EQ(copy->size(), before);
  for (std::size_t i = 0; i < before; ++i) EXPECT_EQ((*copy)[i].id, (*original)[i].id);
  auto report = (*reopened)->Verify();
  ASSERT_TRUE(report && report->ok);
  // The restored node writes on after the backup's head (its index rebuilt).
  auto more = (*reopened)->Append("customer-new", ExpectedVersion::NoStream(), {MakeEvent()});
  ASSERT_TRUE(more) << more.error().ToString();
  EXPECT_EQ(more->positions[0], made->position + 1);
}

TEST_F(BackupTest, ATargetThatIsNotNewAndEmptyOrNotAbsoluteOrInsideTheDataIsRefused) {
  const std::string full = dir_.sub("full");
  fs::create_directories(full);
  std::ofstream(full + "/keep.txt") << "mine";
  auto refused = CreateBackup(store_.get(), full, Options());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.error().reason(), "backup_target_not_empty");
  EXPECT_EQ(Contents(full).size(), 1u) << "nothing added";
  std::ofstream(dir_.sub("a-file")) << "x";
  EXPECT_EQ(CreateBackup(store_.get(), dir_.sub("a-file"), Options()).error().reason(),
            "backup_target_not_empty");

  EXPECT_EQ(CreateBackup(store_.get(), "relative/backup", Options()).error().reason(),
            "backup_path_not_absolute");
  for (const std::string& inside : {data_, data_ + "/backup", data_ + "/../data/b", data_ + "/"}) {
    SCOPED_TRACE(inside);
    auto r = CreateBackup(store_.get(), inside, Options());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().reason(), "backup_path_inside_data");
  }
  EXPECT_FALSE(fs::exists(data_ + "/backup"));
  EXPECT_EQ(CreateBackup(store_.get(), dir_.sub("no/such/parent"), Options()).error().reason(),
            "backup_parent_missing");

  // A trailing '/' names the same folder.
  auto slashed = CreateBackup(store_.get(), dir_.sub("slashed") + "/", Options());
  ASSERT_TRUE(slashed) << slashed.error().ToString();
  EXPECT_TRUE(fs::exists(dir_.sub("slashed") + "/backup.json"));

  // An empty folder is fine; a second backup into it is not.
  const std::string empty = dir_.sub("empty");
  fs::create_directories(empty);
  ASSERT_TRUE(CreateBackup(store_.get(), empty, Options()));
  EXPECT_EQ(CreateBackup(store_.get(), empty, Options()).error().reason(),
            "backup_target_not_empty");
}

TEST_F(BackupTest, RestoreGoesOnlyIntoAnEmptyFolder) {
  const std::string backup = dir_.sub("backup");
  ASSERT_TRUE(CreateBackup(store_.get(), backup, Options()));
  // A node's data folder (this one is in use) and any folder holding a file.
  auto over_data = RestoreBackup(backup, data_);
  ASSERT_FALSE(over_data);
  EXPECT_EQ(over_data.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(over_data.error().reason(), "restore_target_not_empty");
  const std::string other = dir_.sub("other");
  fs::create_directories(other);
  std::ofstream(other + "/principals.json") << "{}";
  EXPECT_EQ(RestoreBackup(backup, other).error().reason(), "restore_target_not_empty");
  EXPECT_EQ(Contents(other).size(), 1u);
  // Not a backup at all.
  auto none = RestoreBackup(other, dir_.sub("fresh"));
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().reason(), "no_backup_manifest");
  EXPECT_FALSE(fs::exists(dir_.sub("fresh")));
  // An existing empty folder is fine.
  const std::string empty = dir_.sub("empty");
  fs::create_directories(empty);
  EXPECT_TRUE(RestoreBackup(backup, empty));
}

TEST_F(BackupTest, AChangedByteInAnyListedFileIsRefusedAndNothingIsLeft) {
  const std::string backup = dir_.sub("backup");
  auto made = CreateBackup(store_.get(), backup, Options());
  ASSERT_TRUE(made) << made.error().ToString();
  const auto pristine = Contents(backup);
  std::vector<std::string> victims = {"node-key.pem", "log/CURRENT"};
  for (const BackupFile& f : made->files) {
    if (f.path.ends_with(".sst") || f.path.ends_with(".log")) {
      if (f.bytes > 0) victims.push_back(f.path);
    }
  }
  ASSERT_GE(victims.size(), 3u);
  int tries = 0;
  for (const std::string& victim : victims) {
    SCOPED_TRACE(victim);
    ChangeByte(backup + "/" + victim, pristine.at(victim).size() / 2);
    const std::string restored = dir_.sub("restored-" + std::to_string(++tries));
    auto r = RestoreBackup(backup, restored);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), StatusCode::kCorruption);
    EXPECT_NE(r.error().message().find(victim), std::string::npos) << r.error().ToString();
    EXPECT_FALSE(fs::exists(restored)) << "nothing left behind";
    auto checked = CheckBackup(backup);
    ASSERT_FALSE(checked);
    EXPECT_EQ(checked.error().code(), StatusCode::kCorruption);
    std::ofstream(backup + "/" + victim, std::ios::binary | std::ios::trunc) << pristine.at(victim);
  }
  ASSERT_TRUE(CheckBackup(backup)) << "whole again";

  // A manifest made to agree with a changed file is caught by the chain
  // when the change is in an event; a file added to the log is refused.
  std::ofstream(backup + "/log/999999.log") << "extra";
  auto extra = CheckBackup(backup);
  ASSERT_FALSE(extra);
  EXPECT_NE(extra.error().message().find("log/999999.log"), std::string::npos);
  fs::remove(backup + "/log/999999.log");
  std::string manifest = pristine.at("backup.json");
  const std::size_t at = manifest.find(made->hash);
  ASSERT_NE(at, std::string::npos);
  manifest[at] = manifest[at] == '0' ? '1' : '0';
  std::ofstream(backup + "/backup.json", std::ios::trunc) << manifest;
  auto wrong_head = RestoreBackup(backup, dir_.sub("restored-head"));
  ASSERT_FALSE(wrong_head);
  EXPECT_EQ(wrong_head.error().code(), StatusCode::kCorruption);
  EXPECT_NE(wrong_head.error().message().find("manifest says"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_.sub("restored-head")));
  std::ofstream(backup + "/backup.json", std::ios::trunc) << "{\"format\": \"other\"}";
  EXPECT_EQ(CheckBackup(backup).error().code(), StatusCode::kCorruption);
}

TEST(BackupManifestTest, RoundTripsAndRefusesPathsOutsideTheBackup) {
  BackupManifest m{.node = "hq",
                   .role = "hq",
                   .created_ms = 1'700'000'000'123,
                   .source = "/var/lib/clientele",
                   .position = 7,
                   .events = 7,
                   .hash = std::string(64, 'a'),
                   .own_highest = 5,
                   .files = {{"log/CURRENT", 16, std::string(64, 'b')},
                             {"node-key.pem", 119, std::string(64, 'c')}}};
  const std::string text = BackupManifestJson(m);
  auto back = ParseBackupManifest(text);
  ASSERT_TRUE(back) << back.error().ToString() << text;
  EXPECT_EQ(back->created_ms, m.created_ms);
  EXPECT_EQ(back->own_highest, 5u);
  EXPECT_EQ(back->files.size(), 2u);
  EXPECT_EQ(back->files[1].bytes, 119u);
  for (const std::string bad :
       {"../etc/passwd", "/etc/passwd", "log/../../x", "a//b", "./x", "backup.json", "log/ x"}) {
    SCOPED_TRACE(bad);
    BackupManifest evil = m;
    evil.files[0].path = bad;
    auto r = ParseBackupManifest(BackupManifestJson(evil));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), StatusCode::kCorruption);
  }
}

}  // namespace
}  // namespace clientele
