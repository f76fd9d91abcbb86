#include "projections/internal/extract_writer.h"

#include <unistd.h>

#include <cerrno>

namespace clientele::extract_internal {

Sink::Sink(std::FILE* out) : out_(out), ctx_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr);
}

Sink::~Sink() { EVP_MD_CTX_free(ctx_); }

Status Sink::Write(std::string_view bytes) {
  EVP_DigestUpdate(ctx_, bytes.data(), bytes.size());
  auto failed = [] { return Status::Unavailable("writing the extract failed"); };
  if (bytes.size() < (64 << 10)) {
    return std::fwrite(bytes.data(), 1, bytes.size(), out_) == bytes.size() ? Status::OK()
                                                                            : failed();
  }
  // A batch of lines goes straight to the file, not through the FILE's buffer.
  if (std::fflush(out_) != 0) return failed();
  const int fd = fileno(out_);
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return failed();
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return Status::OK();
}

std::string Sink::Digest() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_, md, &len);
  return std::string(reinterpret_cast<char*>(md), len);
}

ExtractWriter::ExtractWriter(Sink* sink) : sink_(sink) {
  blocks_[0].reserve(kBlock + (64 << 10));
  blocks_[1].reserve(kBlock + (64 << 10));
  thread_ = std::thread([this] { Run(); });
}

ExtractWriter::~ExtractWriter() { Finish(); }

void ExtractWriter::Hand() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return ready_ == -1; });
  ready_ = current_;
  cv_.notify_all();
  current_ ^= 1;
  blocks_[current_].clear();
}

Status ExtractWriter::Finish() {
  if (!finished_) {
    finished_ = true;
    if (!blocks_[current_].empty()) Hand();
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return ready_ == -1; });
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  return status_;
}

void ExtractWriter::Run() {
  for (;;) {
    int b;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return done_ || ready_ != -1; });
      if (ready_ == -1) return;  // done
      b = ready_;
    }
    Status s = status_.ok() ? sink_->Write(blocks_[b]) : Status::OK();
    {
      std::lock_guard lock(mu_);
      if (status_.ok()) status_ = s;
      ready_ = -1;
    }
    cv_.notify_all();
  }
}

}  // namespace clientele::extract_internal
