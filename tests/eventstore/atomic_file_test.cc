// WriteFileAtomically: the whole new content or the old, with its
// permissions, through a temporary of its own that never follows a link.
#include "eventstore/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/test_util.h"

namespace clientele {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(AtomicFileTest, ReplacesTheContentWithItsPermissionsAndLeavesNothingBehind) {
  TempDir dir;
  const std::string path = dir.path() + "/cursor";
  ASSERT_TRUE(WriteFileAtomically(path, "1\n").ok());
  ASSERT_TRUE(
      WriteFileAtomically(path, "2\n", fs::perms::owner_read | fs::perms::owner_write).ok());
  EXPECT_EQ(Read(path), "2\n");
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) files += e.is_regular_file();
  EXPECT_EQ(files, 1) << "no temporary left";
}

TEST(AtomicFileTest, ALinkPlantedWhereATemporaryWouldGoIsNotFollowed) {
  TempDir dir, elsewhere;
  const std::string target = elsewhere.path() + "/victim";
  std::ofstream(target) << "keep me";
  const std::string path = dir.path() + "/principals.json";
  fs::create_symlink(target, path + ".tmp");
  ASSERT_TRUE(WriteFileAtomically(path, "{}").ok());
  EXPECT_EQ(Read(target), "keep me");
  EXPECT_EQ(Read(path), "{}");
}

TEST(AtomicFileTest, AFolderThatCannotBeWrittenIsAnErrorNamingIt) {
  Status s = WriteFileAtomically("/nonexistent-folder/file", "x");
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("/nonexistent-folder/file"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace clientele
