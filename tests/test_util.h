// Helpers shared by the tests: temporary folders and event builders.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <string>

#include "eventstore/event.h"
#include "eventstore/uuid.h"

namespace clientele::testing {

// A fresh folder under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("clientele-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string path() const { return path_.string(); }
  std::string sub(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline NewEvent MakeEvent(std::string data = "{}", std::string type = "test.happened") {
  NewEvent e;
  e.id = NewUuid();
  e.type = std::move(type);
  e.data = std::move(data);
  e.actor = "tester";
  return e;
}

}  // namespace clientele::testing
