// `clientele serve` as a child process, for the process tests.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include "tests/test_util.h"
#include "tests/test_util_process.h"

namespace clientele::testing {

// `clientele serve` on `data`, listening on a port the system picks.
class ServeProcess {
 public:
  explicit ServeProcess(const std::string& data, std::vector<std::string> more = {})
      : process_(Args(data, std::move(more))) {
    const std::string port =
        process_.WaitFor(R"(listening on http://127\.0\.0\.1:(\d+))", std::chrono::seconds(120));
    if (port.empty()) {
      ADD_FAILURE() << "the server did not start: " << process_.output();
      return;
    }
    port_ = static_cast<unsigned short>(std::stoi(port));
  }

  unsigned short port() const { return port_; }
  // Sends `sig` and returns the exit status (or -signal).
  int StopWith(int sig) { return process_.Stop(sig); }
  std::string output() { return process_.output(); }
  // Waits (up to 30 s) for the output to match `pattern`; its first group, or
  // the whole match, or "" if it never came.
  std::string WaitFor(const std::string& pattern) {
    return process_.WaitFor(pattern, std::chrono::seconds(30));
  }
  pid_t pid() const { return process_.pid(); }
  // Resident memory, from /proc (0 if unknown).
  std::size_t RssBytes() const {
    std::ifstream in("/proc/" + std::to_string(pid()) + "/status");
    std::string line;
    while (std::getline(in, line)) {
      if (line.starts_with("VmRSS:")) return std::stoull(line.substr(6)) * 1024;
    }
    return 0;
  }

 private:
  static std::vector<std::string> Args(const std::string& data, std::vector<std::string> more) {
    std::vector<std::string> args = {CLIENTELE_BIN, "serve",    "--data",
                                     data,          "--listen", "127.0.0.1:0"};
    args.insert(args.end(), more.begin(), more.end());
    return args;
  }

  ChildProcess process_;
  unsigned short port_ = 0;
};

inline std::string Token(const TempDir& dir) {
  std::ifstream in(dir.sub("first-token"));
  std::string token;
  in >> token;
  return token;
}

}  // namespace clientele::testing
