// A node's log, projections and import service on a fault-injecting file
// system, with helpers to add customers and to analyse and apply files.
#pragma once

#include <gtest/gtest.h>

#include <fstream>

#include "commands/command_handler.h"
#include "imports/customer_export.h"
#include "imports/import_service.h"
#include "projections/projector.h"
#include "tests/eventstore/fault_fs.h"
#include "tests/test_util.h"

namespace clientele {

class ImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = EventStore::Open({.path = dir_.sub("node"), .clock = &clock_, .env = env_.get()});
    ASSERT_TRUE(store) << store.error().ToString();
    store_ = std::move(*store);
    handler_ = std::make_unique<CommandHandler>(store_.get(), "hq", &clock_);
    ASSERT_TRUE(handler_->Init().ok());
    auto p = Projector::Open(store_.get(), dir_.sub("node/projections"));
    ASSERT_TRUE(p) << p.error().ToString();
    projector_ = std::move(*p);
    projector_->Start();
    imports_ =
        std::make_unique<ImportService>(dir_.sub("node/imports"), store_.get(), projector_.get(),
                                        handler_.get(), &clock_, "hq", options_);
  }

  // Registers a customer; returns its id.
  std::string Add(std::string first, std::string last, std::string email = "",
                  std::string phone = "") {
    CustomerDetails d;
    d[DetailField::kFirstName] = std::move(first);
    d[DetailField::kLastName] = std::move(last);
    d[DetailField::kEmail] = std::move(email);
    d[DetailField::kPhone] = std::move(phone);
    auto r = handler_->Register(d, "tester");
    EXPECT_TRUE(r) << r.error().ToString();
    Sync();
    return r->customer_id;
  }
  void Sync() { ASSERT_TRUE(projector_->WaitFor(store_->Head(), std::chrono::seconds(30))); }

  Result<ImportRecord> Analyse(const std::string& csv, ImportMode mode = ImportMode::kMerge) {
    const std::string path = imports_->UploadPath();
    std::ofstream(path, std::ios::binary) << csv;
    return imports_->Analyse(path, mode, "clerk");
  }
  // Analyses and expects a clean analysis.
  ImportRecord Clean(const std::string& csv, ImportMode mode = ImportMode::kMerge) {
    auto r = Analyse(csv, mode);
    EXPECT_TRUE(r) << r.error().ToString();
    if (!r) return {};
    for (const RowError& e : r->summary.errors) {
      ADD_FAILURE() << "line " << e.line << " " << e.column << ": " << e.reason << " " << e.detail;
    }
    return *r;
  }
  ImportRecord Apply(const std::string& csv, ImportMode mode = ImportMode::kMerge,
                     ConfirmOptions confirm = {}) {
    ImportRecord analysed = Clean(csv, mode);
    auto applied = imports_->Confirm(analysed.id, "manager", confirm);
    EXPECT_TRUE(applied) << applied.error().ToString();
    Sync();
    return applied ? *applied : ImportRecord{};
  }
  CustomerRow ByCode(const std::string& code) {
    auto row = projector_->CustomerByCode(code);
    EXPECT_TRUE(row) << code;
    return row ? *row : CustomerRow{};
  }
  std::string Export(TableSearch search = {}) {
    search.status = StatusFilter::kAll;
    CustomerExport out(*projector_, search);
    std::string file;
    while (out.Next(&file)) {
    }
    return file;
  }
  // The reasons of an analysis' errors, in order.
  static std::vector<std::string> Reasons(const ImportRecord& r) {
    std::vector<std::string> out;
    for (const RowError& e : r.summary.errors) {
      out.push_back(std::to_string(e.line) + " " + e.column + " " + e.reason);
    }
    return out;
  }

  ImportOptions options_;  // set before SetUp to change them
  testing::TempDir dir_;
  ManualClock clock_;
  std::shared_ptr<testing::FaultFileSystem> fs_ = std::make_shared<testing::FaultFileSystem>();
  std::unique_ptr<rocksdb::Env> env_ = rocksdb::NewCompositeEnv(fs_);
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<CommandHandler> handler_;
  std::unique_ptr<Projector> projector_;
  std::unique_ptr<ImportService> imports_;
};

}  // namespace clientele
