// A node without a network: log, command handler, projections, imports and
// the API service, called directly with HttpRequest values. The node is HQ,
// with a signing key made for the test (key_). Everything reads one
// ManualClock, which starts at the real time and moves only when told.
// Personal fields are sealed with data keys in dir_/keys (eventstore/data_keys.h).
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cctype>
#include <map>
#include <memory>
#include <string>

#include "api/service.h"
#include "eventstore/data_keys.h"
#include "eventstore/signing.h"
#include "eventstore/system_clock.h"
#include "imports/import_service.h"
#include "tests/api/reply.h"
#include "tests/api/test_principals.h"
#include "tests/test_util.h"

namespace clientele::testing {

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = EventStore::Open({.path = dir_.sub("log"), .origin = "hq", .clock = &clock_});
    ASSERT_TRUE(store) << store.error().ToString();
    store_ = std::move(*store);
    auto keys = DataKeys::Open(dir_.sub("keys"));
    ASSERT_TRUE(keys) << keys.error().ToString();
    data_keys_ = std::move(*keys);
    commands_ = std::make_unique<CommandHandler>(store_.get(), "hq", &clock_, data_keys_.get());
    ASSERT_TRUE(commands_->Init().ok());
    auto projector = Projector::Open(store_.get(), dir_.sub("projections"), data_keys_.get());
    ASSERT_TRUE(projector) << projector.error().ToString();
    projector_ = std::move(*projector);
    ASSERT_TRUE(projector_->CatchUp().ok());
    projector_->Start();
    imports_ = std::make_unique<ImportService>(dir_.sub("imports"), store_.get(), projector_.get(),
                                               commands_.get(), &clock_, "hq");
    service_ = NewService(imports_.get());
  }

  void TearDown() override {
    service_.reset();
    imports_.reset();
    projector_.reset();
    commands_.reset();
    data_keys_.reset();
    store_.reset();
  }

  // A service on this node's log, commands and projections, signing with key_.
  std::unique_ptr<api::Service> NewService(ImportService* imports) {
    api::ServiceOptions options;
    options.imports = imports;
    options.key = key_.get();
    return std::make_unique<api::Service>(options, store_.get(), commands_.get(), projector_.get(),
                                          api::Authenticator(TestPrincipals()), &clock_);
  }

  // `target` is a path with its query; `token` ("" for none) goes in an
  // Authorization header, `headers` as they are.
  Reply Call(const std::string& method, const std::string& target, const std::string& body = "",
             const std::string& token = "admin", std::map<std::string, std::string> headers = {},
             api::Service* service = nullptr) {
    api::HttpRequest request;
    request.method = method;
    EXPECT_TRUE(api::ParseTarget(target, &request.path, &request.query)) << target;
    if (!token.empty()) headers["Authorization"] = "Bearer " + token;
    for (const auto& [name, value] : headers) request.headers[Lower(name)] = value;
    request.body = body;
    request.request_id = "test-" + std::to_string(++requests_);
    api::HttpResponse r = (service != nullptr ? service : service_.get())->Handle(request);
    Reply a;
    a.status = r.status;
    if (!r.content_type.empty()) a.headers["content-type"] = r.content_type;
    for (const auto& [name, value] : r.headers) a.headers[Lower(name)] = value;
    a.body = r.body;
    if (r.stream) {
      a.body.clear();
      while (r.stream(&a.body)) {
      }
    }
    return a;
  }

  // Creates a customer; returns its JSON.
  boost::json::object Create(const std::string& first, const std::string& last,
                             const std::string& extra = "") {
    Reply r = Call("POST", "/v1/customers",
                   R"({"first_name":")" + first + R"(","last_name":")" + last + "\"" + extra + "}");
    EXPECT_EQ(r.status, 201) << r.body;
    auto v = r.json();
    return v.is_object() ? v.as_object() : boost::json::object();
  }

  std::uint64_t Head() const { return store_->Head(); }

  static std::string Lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

  TempDir dir_;
  ManualClock clock_{SystemClock::Default()->NowMs()};
  std::unique_ptr<NodeKey> key_ = NodeKey::Generate();  // HQ's
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<DataKeys> data_keys_;
  std::unique_ptr<CommandHandler> commands_;
  std::unique_ptr<Projector> projector_;
  std::unique_ptr<ImportService> imports_;
  std::unique_ptr<api::Service> service_;
  int requests_ = 0;
};

}  // namespace clientele::testing
