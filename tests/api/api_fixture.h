// A whole node serving HTTP on a loopback port: log, command handler,
// projections, service and server, with one principal per permission mix.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <mutex>

#include "api/http_server.h"
#include "api/service.h"
#include "eventstore/system_clock.h"
#include "imports/import_service.h"
#include "tests/api/http_client.h"
#include "tests/api/test_principals.h"
#include "tests/test_util.h"

namespace clientele::testing {

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override { Boot(); }
  void TearDown() override { Shutdown(); }

  // The file system of the log (set before Boot), e.g. one that fails on purpose.
  rocksdb::Env* log_env_ = nullptr;

  void Boot(api::ServerOptions server_options = {}) {
    auto store = EventStore::Open({.path = dir_.path(), .origin = "hq", .env = log_env_});
    ASSERT_TRUE(store) << store.error().ToString();
    store_ = std::move(*store);
    commands_ = std::make_unique<CommandHandler>(store_.get(), "hq");
    ASSERT_TRUE(commands_->Init().ok());
    auto projector = Projector::Open(store_.get(), dir_.sub("projections"));
    ASSERT_TRUE(projector) << projector.error().ToString();
    projector_ = std::move(*projector);
    ASSERT_TRUE(projector_->CatchUp().ok());
    projector_->Start();
    auto reports = Reports::Open(store_.get(), {.path = dir_.sub("reports")});
    ASSERT_TRUE(reports) << reports.error().ToString();
    reports_ = std::move(*reports);
    ASSERT_TRUE(reports_->CatchUp().ok());
    reports_->Start();
    api::ServiceOptions options;
    options.reports = reports_.get();
    options.log = [this](const std::string& line) {
      std::lock_guard lock(log_mu_);
      log_lines_.push_back(line);
    };
    imports_ = std::make_unique<ImportService>(dir_.sub("imports"), store_.get(), projector_.get(),
                                               commands_.get(), &clock_, "hq");
    options.imports = imports_.get();
    service_ =
        std::make_unique<api::Service>(options, store_.get(), commands_.get(), projector_.get(),
                                       api::Authenticator(TestPrincipals()), &clock_);
    server_options.spool_to = [this](const api::HttpRequest& h) { return service_->SpoolPath(h); };
    server_options.admit = [this](const api::HttpRequest& h) { return service_->Admit(h); };
    server_options.on_limit = [this](std::string_view limit) {
      service_->metrics().LimitHit(limit);
    };
    server_options.port = 0;
    server_options.worker_threads = 8;
    auto server = api::HttpServer::Start(
        server_options, [this](const api::HttpRequest& r) { return service_->Handle(r); });
    ASSERT_TRUE(server) << server.error().ToString();
    server_ = std::move(*server);
    client_ = std::make_unique<HttpClient>(server_->port());
  }

  void Shutdown() {
    client_.reset();
    if (server_) server_->Stop();
    server_.reset();
    service_.reset();
    imports_.reset();
    reports_.reset();
    projector_.reset();
    commands_.reset();
    store_.reset();
  }

  Reply Call(const std::string& method, const std::string& target, const std::string& body = "",
             const std::string& token = "admin", std::map<std::string, std::string> headers = {}) {
    if (!token.empty()) headers["Authorization"] = "Bearer " + token;
    return client_->Call(method, target, body, headers);
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

  TempDir dir_;
  SystemClock clock_;
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<CommandHandler> commands_;
  std::unique_ptr<Projector> projector_;
  std::unique_ptr<Reports> reports_;
  std::unique_ptr<ImportService> imports_;
  std::unique_ptr<api::Service> service_;
  std::unique_ptr<api::HttpServer> server_;
  std::unique_ptr<HttpClient> client_;
  std::mutex log_mu_;
  std::vector<std::string> log_lines_;
};

}  // namespace clientele::testing
