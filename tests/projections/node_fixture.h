// A node for projection tests: a log in a temporary folder, a command handler
// on it, and its projections following it.
#pragma once

#include <gtest/gtest.h>

#include "commands/command_handler.h"
#include "projections/projector.h"
#include "tests/test_util.h"

namespace clientele::testing {

class NodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = EventStore::Open({.path = dir_.sub("node")});
    ASSERT_TRUE(store) << store.error().ToString();
    store_ = std::move(*store);
    handler_ = std::make_unique<CommandHandler>(store_.get(), "hq");
    ASSERT_TRUE(handler_->Init().ok());
    OpenProjector();
  }
  // (Re)opens the projections and lets them follow the log.
  void OpenProjector() {
    projector_.reset();
    auto p = Projector::Open(store_.get(), dir_.sub("node/projections"));
    ASSERT_TRUE(p) << p.error().ToString();
    projector_ = std::move(*p);
    projector_->Start();
  }
  // Waits until the projections have applied everything in the log.
  void WaitForLog() { ASSERT_TRUE(projector_->WaitFor(store_->Head(), std::chrono::seconds(30))); }

  TempDir dir_;
  std::unique_ptr<EventStore> store_;
  std::unique_ptr<CommandHandler> handler_;
  std::unique_ptr<Projector> projector_;
};

}  // namespace clientele::testing
