// Lines for standard error, written by a background thread in batches so
// that request threads never wait on the terminal or the journal. Lines are
// written within `flush_every` and when the log is destroyed.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

namespace clientele {

class LineLog {
 public:
  explicit LineLog(std::FILE* out = stderr,
                   std::chrono::milliseconds flush_every = std::chrono::milliseconds(100))
      : out_(out), flush_every_(flush_every), writer_([this] { Run(); }) {}
  ~LineLog() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_one();
    writer_.join();
  }

  void Write(const std::string& line) {
    std::lock_guard lock(mu_);
    pending_ += line;
    pending_ += '\n';
  }

 private:
  void Run() {
    std::string batch;
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait_for(lock, flush_every_, [&] { return stopping_; });
      batch.swap(pending_);
      const bool last = stopping_;
      lock.unlock();
      if (!batch.empty()) {
        std::fwrite(batch.data(), 1, batch.size(), out_);
        std::fflush(out_);
        batch.clear();
      }
      if (last) return;
      lock.lock();
    }
  }

  std::FILE* out_;
  std::chrono::milliseconds flush_every_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string pending_;
  bool stopping_ = false;
  std::thread writer_;
};

}  // namespace clientele
