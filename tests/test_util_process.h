// Running the clientele executable from a test.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace clientele::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs a shell command line and captures what it prints.
inline CommandResult RunCommand(const std::string& command) {
  CommandResult r;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return r;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) r.output.append(buf, n);
  int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace clientele::testing

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <thread>
#include <vector>

namespace clientele::testing {

// Polls `done` every `poll` until it holds or `timeout` passes; returns
// whether it holds.
template <typename F>
bool Eventually(F done, std::chrono::milliseconds timeout = std::chrono::seconds(60),
                std::chrono::milliseconds poll = std::chrono::milliseconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(poll);
  }
  return done();
}

// A child process with its output captured and a pipe to its standard input.
// Killed with SIGKILL when destroyed, unless it was stopped before.
class ChildProcess {
 public:
  explicit ChildProcess(std::vector<std::string> argv) {
    int out[2], in[2];
    if (::pipe(out) != 0 || ::pipe(in) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      ::dup2(out[1], 2);
      ::dup2(in[0], 0);
      ::close(out[0]);
      ::close(in[1]);
      std::vector<char*> args;
      for (std::string& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::close(out[1]);
    ::close(in[0]);
    out_ = out[0];
    in_ = in[1];
    ::fcntl(out_, F_SETFL, O_NONBLOCK);
  }
  ~ChildProcess() {
    if (pid_ > 0) Stop(SIGKILL);
    if (out_ >= 0) ::close(out_);
    if (in_ >= 0) ::close(in_);
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Waits until the output matches `pattern`; the first group, or "" on timeout.
  std::string WaitFor(const std::string& pattern, std::chrono::seconds timeout) {
    const std::regex re(pattern);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::smatch m;
    while (std::chrono::steady_clock::now() < deadline) {
      Drain();
      if (std::regex_search(output_, m, re)) return m.size() > 1 ? m[1].str() : m[0].str();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return "";
  }
  void WriteLine(const std::string& line) {
    const std::string text = line + "\n";
    (void)!::write(in_, text.data(), text.size());
  }
  // Sends `sig`, waits, returns the exit code (or -signal).
  int Stop(int sig) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    Drain();
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }
  const std::string& output() {
    Drain();
    return output_;
  }

 private:
  void Drain() {
    char buf[4096];
    ssize_t n;
    while (out_ >= 0 && (n = ::read(out_, buf, sizeof(buf))) > 0) output_.append(buf, n);
  }
  pid_t pid_ = -1;
  int out_ = -1, in_ = -1;
  std::string output_;
};

}  // namespace clientele::testing
