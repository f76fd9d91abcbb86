// The console's static files (console/ at the repository root), compiled in
// by CMake (api/console_files.cc.in): the node serves them without reading
// its disk, and nothing is downloaded at build or run time.
#pragma once

#include <span>
#include <string_view>

namespace clientele::api {

struct ConsoleFile {
  std::string_view name;          // "app.js": a file of console/, no folders
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view body;
};

// Every file, in name order.
std::span<const ConsoleFile> ConsoleFiles();

// The file called exactly `name`, or nullptr (also for "", "..", "a/b").
const ConsoleFile* FindConsoleFile(std::string_view name);

}  // namespace clientele::api
