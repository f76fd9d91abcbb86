// A full disk under a serving node: writes answer 503 storage_unavailable
// and change nothing while it lasts, /readyz says why, and once space is back
// writes work again without a restart; no acknowledged write is lost, also
// across a reopen of the log.
#include <rocksdb/env.h>

#include "tests/api/api_fixture.h"
#include "tests/eventstore/fault_fs.h"
#include "tests/test_util_process.h"

namespace clientele::testing {
namespace {

class DiskFullTest : public ApiTest {
 protected:
  void SetUp() override {
    log_env_ = env_.get();
    ApiTest::SetUp();
  }
  std::shared_ptr<FaultFileSystem> fs_ = std::make_shared<FaultFileSystem>();
  std::unique_ptr<rocksdb::Env> env_ = rocksdb::NewCompositeEnv(fs_);
};

TEST_F(DiskFullTest, WritesWaitOutAFullDiskWithoutARestartAndLoseNothing) {
  std::vector<std::string> acknowledged;
  for (int i = 0; i < 5; ++i) {
    acknowledged.push_back(
        std::string(Create("Before", "N" + std::to_string(i)).at("id").as_string()));
  }
  const std::string id = acknowledged.front();
  ASSERT_EQ(
      Call("POST", "/v1/customers/" + id + "/credit/top-up", R"({"amount":700,"payment_ref":"p1"})")
          .status,
      200);
  const std::uint64_t head = store_->Head();

  fs_->SetFull(true);
  for (int i = 0; i < 3; ++i) {
    Reply create = Call("POST", "/v1/customers", R"({"first_name":"During","last_name":"Full"})");
    EXPECT_EQ(create.status, 503) << create.body;
    EXPECT_EQ(create.reason(), "storage_unavailable") << create.body;
    Reply deduct = Call("POST", "/v1/customers/" + id + "/credit/deduct", R"({"amount":300})");
    EXPECT_EQ(deduct.status, 503) << deduct.body;
    EXPECT_EQ(deduct.reason(), "storage_unavailable");
  }
  EXPECT_EQ(store_->Head(), head) << "nothing was written";
  Reply ready = Call("GET", "/readyz", "", "");
  EXPECT_EQ(ready.status, 503) << ready.body;
  EXPECT_EQ(ready.json().at("status").as_string(), "storage_unavailable") << ready.body;
  EXPECT_NE(ready.body.find("No space"), std::string::npos) << ready.body;
  // Reads go on from memory.
  EXPECT_EQ(Call("GET", "/v1/customers/" + id).json().at("credit").to_number<int>(), 700);

  fs_->SetFull(false);  // space is back: no restart
  Reply after;
  ASSERT_TRUE(Eventually(
      [&] {
        after = Call("POST", "/v1/customers/" + id + "/credit/deduct", R"({"amount":300})");
        return after.status != 503;
      },
      std::chrono::seconds(10)))
      << after.body;
  EXPECT_EQ(after.status, 200) << after.body;
  EXPECT_EQ(after.json().at("credit").to_number<int>(), 400) << "deducted once, not per 503";
  for (int i = 0; i < 5; ++i) {
    Reply r = Call("POST", "/v1/customers", R"({"first_name":"After","last_name":"Full"})");
    ASSERT_EQ(r.status, 201) << r.body;
    acknowledged.push_back(std::string(r.json().at("id").as_string()));
  }
  EXPECT_TRUE(Eventually([&] { return Call("GET", "/readyz", "", "").status == 200; },
                         std::chrono::seconds(10)));

  // Everything acknowledged is there, and stays there across a reopen.
  Shutdown();
  Boot();
  for (const std::string& c : acknowledged) {
    EXPECT_EQ(Call("GET", "/v1/customers/" + c).status, 200) << c;
  }
  EXPECT_EQ(Call("GET", "/v1/customers/" + id).json().at("credit").to_number<int>(), 400);
  EXPECT_EQ(Call("GET", "/v1/customers?search=Full&limit=1").json().at("total").to_number<int>(), 5)
      << "none of the refused creates was written";
}

}  // namespace
}  // namespace clientele::testing
