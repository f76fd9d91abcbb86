// Running the clientele executable from a test.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

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
// Killed with SIGKILL when destroyed, unless it was stopped before. Its output
// is read as it comes, on a thread of its own, so a child that writes much
// (a request log, a library's log lines) never blocks on a full pipe.
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
    reader_ = std::thread([this] { Read(); });
  }
  ~ChildProcess() {
    if (pid_ > 0) Stop(SIGKILL);
    stop_reading_ = true;
    if (reader_.joinable()) reader_.join();
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
      const std::string text = output();
      if (std::regex_search(text, m, re)) return m.size() > 1 ? m[1].str() : m[0].str();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return "";
  }
  void WriteLine(const std::string& line) {
    const std::string text = line + "\n";
    (void)!::write(in_, text.data(), text.size());
  }
  // Sends `sig`, waits, returns the exit code (or -signal).
  pid_t pid() const { return pid_; }
  int Stop(int sig) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    // What the child wrote before it ended is read before Stop returns.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!read_all_.load() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }
  // Everything the child has written so far.
  std::string output() {
    std::lock_guard lock(mu_);
    return output_;
  }

 private:
  // Reads the child's output until it ends (every writer closed the pipe).
  void Read() {
    char buf[4096];
    while (!stop_reading_.load()) {
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const ssize_t n = ::read(out_, buf, sizeof(buf));
      if (n > 0) {
        std::lock_guard lock(mu_);
        output_.append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        break;
      }
    }
    read_all_ = true;
  }
  pid_t pid_ = -1;
  int out_ = -1, in_ = -1;
  std::mutex mu_;
  std::string output_;
  std::atomic<bool> stop_reading_{false}, read_all_{false};
  std::thread reader_;
};

}  // namespace clientele::testing
