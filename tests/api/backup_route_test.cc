// POST /v1/admin/backups: only a principal with backups.create may have the
// node write a backup, into a new or empty folder outside its data, named by
// an absolute path; the answer is the manifest.
#include <filesystem>
#include <fstream>

#include "tests/api/service_fixture.h"

namespace clientele::testing {
namespace {

namespace fs = std::filesystem;

class BackupRouteTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    api::ServiceOptions options;
    options.key = key_.get();
    options.backup = [this](const std::string& path) {
      return CreateBackup(store_.get(), path,
                          {.data = data_, .node = "hq", .role = "hq", .files = {"node-key.pem"}});
    };
    std::ofstream(data_ + "/node-key.pem") << "key\n";
    backups_ =
        std::make_unique<api::Service>(options, store_.get(), commands_.get(), projector_.get(),
                                       api::Authenticator(TestPrincipals()), &clock_);
  }
  void TearDown() override {
    backups_.reset();
    ServiceTest::TearDown();
  }

  Reply Backup(const std::string& path, const std::string& token = "admin") {
    return Call("POST", "/v1/admin/backups", R"({"path":")" + path + R"("})", token, {},
                backups_.get());
  }

  std::string data_ = dir_.sub("log");  // the fixture's data folder
  std::unique_ptr<api::Service> backups_;
};

TEST_F(BackupRouteTest, AnAdminGetsAVerifiedBackupAndItsManifest) {
  Create("Ada", "Lovelace");
  const std::string target = dir_.sub("backup-1");
  Reply r = Backup(target);
  ASSERT_EQ(r.status, 201) << r.body;
  auto json = r.json();
  EXPECT_EQ(json.at("format").as_string(), "clientele-backup/1");
  EXPECT_EQ(json.at("node").as_string(), "hq");
  EXPECT_EQ(json.at("path").as_string(), target);
  EXPECT_EQ(json.at("log").at("position").to_number<std::uint64_t>(), Head());
  EXPECT_EQ(json.at("log").at("hash").as_string().size(), 64u);
  EXPECT_TRUE(fs::exists(target + "/backup.json"));
  EXPECT_TRUE(fs::exists(target + "/node-key.pem"));
  EXPECT_TRUE(CheckBackup(target)) << "what the answer describes is on disk";
}

TEST_F(BackupRouteTest, OnlyBackupsCreateMayAndTheFolderMustBeNewAbsoluteAndOutsideTheData) {
  const std::string target = dir_.sub("backup-2");
  for (const char* token : {"viewer", "cashier", "no-backups.create", "only-nodes.manage",
                            "only-audit.read", "only-settings.manage", "only-sync"}) {
    SCOPED_TRACE(token);
    Reply r = Backup(target, token);
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_EQ(r.reason(), "permission_denied");
  }
  EXPECT_EQ(Backup(target, "").status, 401);
  EXPECT_EQ(Backup(target, "store").reason(), "wrong_node");
  EXPECT_FALSE(fs::exists(target)) << "nothing was written for those refused";

  EXPECT_EQ(Backup(target, "only-backups.create").status, 201);
  Reply again = Backup(target);
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(again.reason(), "backup_target_not_empty");
  Reply relative = Backup("backups/today");
  EXPECT_EQ(relative.status, 422);
  EXPECT_EQ(relative.reason(), "backup_path_not_absolute");
  Reply inside = Backup(data_ + "/backup");
  EXPECT_EQ(inside.status, 422);
  EXPECT_EQ(inside.reason(), "backup_path_inside_data");
  Reply no_path = Call("POST", "/v1/admin/backups", "{}", "admin", {}, backups_.get());
  EXPECT_EQ(no_path.status, 422);
  // A service not set up for backups says so.
  Reply unset = Call("POST", "/v1/admin/backups", R"({"path":"/tmp/x"})");
  EXPECT_EQ(unset.status, 503);
  EXPECT_EQ(unset.reason(), "backups_unavailable");
}

}  // namespace
}  // namespace clientele::testing
