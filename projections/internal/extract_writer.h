// The writing side of ExportLedger (projections/ledger_extract.h): lines are
// hashed into the extract's digest and written on a thread of their own while
// the log is scanned and the lines formatted on the caller's. Text is handed
// over in blocks, double-buffered: the scanner fills one while the writer
// writes the other.
//
// Thread-safety: Buffer, Wrote and Finish from one (the scanning) thread.
#pragma once

#include <openssl/evp.h>

#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

#include "domain/status.h"

namespace clientele::extract_internal {

// Writes to a FILE, hashing everything written for the end line.
class Sink {
 public:
  explicit Sink(std::FILE* out);
  ~Sink();
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;

  Status Write(std::string_view bytes);
  // SHA-256 of everything written (32 bytes). Call once.
  std::string Digest();

 private:
  std::FILE* out_;
  EVP_MD_CTX* ctx_;
};

class ExtractWriter {
 public:
  // `sink` must outlive the writer.
  explicit ExtractWriter(Sink* sink);
  // Finishes (if not done) and joins the thread.
  ~ExtractWriter();
  ExtractWriter(const ExtractWriter&) = delete;
  ExtractWriter& operator=(const ExtractWriter&) = delete;

  // The block being filled: append whole lines, then call Wrote.
  std::string* Buffer() { return &blocks_[current_]; }
  // Hands the block over once it is large enough.
  void Wrote() {
    if (blocks_[current_].size() >= kBlock) Hand();
  }
  // Writes what is left and waits for it; the first write error, if any.
  Status Finish();

 private:
  static constexpr std::size_t kBlock = 1 << 20;
  void Hand();  // hands the current block to the writer
  void Run();

  Sink* sink_;
  std::string blocks_[2];
  int current_ = 0;  // the block the scanner fills

  std::mutex mu_;
  std::condition_variable cv_;
  int ready_ = -1;  // the block handed to the writer and not yet written, or -1
  bool done_ = false;
  bool finished_ = false;
  Status status_;  // the first write error
  std::thread thread_;
};

}  // namespace clientele::extract_internal
