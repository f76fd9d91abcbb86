// Helpers shared by the tests: temporary folders and event builders.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
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

// Every byte of every file under `dir`, read as it is now (files that a
// running node adds or removes meanwhile may be missed, never an error).
inline std::string AllBytes(const std::string& dir) {
  std::string all;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (!it->is_regular_file(ec)) continue;
    std::ifstream in(it->path(), std::ios::binary);
    all.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return all;
}

inline NewEvent MakeEvent(std::string data = "{}", std::string type = "test.happened") {
  NewEvent e;
  e.id = NewUuid();
  e.type = std::move(type);
  e.data = std::move(data);
  e.actor = "tester";
  return e;
}

}  // namespace clientele::testing
