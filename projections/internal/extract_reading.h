// Reading a ledger extract (projections/ledger_check.cc): its lines in
// blocks, and the fields of a line.
#pragma once

#include <simdjson.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "eventstore/base64.h"
#include "eventstore/coding.h"

namespace clientele::extract_internal {

namespace dom = simdjson::dom;

// Reads the fields of one JSON object, remembering the first that is missing
// or of the wrong kind.
//
// Asked for in the order an extract writes them, each field is found a step
// or two after the last; any other order still works, by lookup.
class Fields {
 public:
  explicit Fields(dom::object o) : o_(o), next_(o.begin()), end_(o.end()) {}
  std::string_view Str(const char* key) {
    std::string_view v;
    if (Get(key).get_string().get(v) != simdjson::SUCCESS) Bad(key, "a string");
    return v;
  }
  std::int64_t Int(const char* key) {
    std::int64_t v = 0;
    if (Get(key).get_int64().get(v) != simdjson::SUCCESS) Bad(key, "an integer");
    return v;
  }
  std::uint64_t Uint(const char* key) {
    std::uint64_t v = 0;
    if (Get(key).get_uint64().get(v) != simdjson::SUCCESS) Bad(key, "a whole number");
    return v;
  }
  bool Bool(const char* key) {
    bool v = false;
    if (Get(key).get_bool().get(v) != simdjson::SUCCESS) Bad(key, "true or false");
    return v;
  }
  // 32 bytes as 64 hex digits, into *out (reusing its buffer).
  void Hash(const char* key, std::string* out) {
    std::string_view hex = Str(key);
    if (problem_.empty() && (hex.size() != 64 || !coding::FromHex(hex, out))) {
      Bad(key, "64 hex digits");
    }
  }
  // Decodes into *out (reusing its buffer).
  void Base64(const char* key, std::string* out) {
    std::string_view text = Str(key);
    if (problem_.empty() && !Base64DecodeTo(text, out)) Bad(key, "base64");
  }
  std::string Base64(const char* key) {
    std::string out;
    Base64(key, &out);
    return out;
  }
  const std::string& problem() const { return problem_; }

 private:
  simdjson::simdjson_result<dom::element> Get(const char* key) {
    for (auto it = next_; it != end_; ++it) {  // usually the next one, or the one after
      if (it.key() == key) {
        next_ = it;
        ++next_;
        return it.value();
      }
    }
    return o_[key];
  }
  void Bad(const char* key, const char* what) {
    if (problem_.empty()) problem_ = std::string("'") + key + "' is missing or not " + what;
  }
  dom::object o_;
  dom::object::iterator next_, end_;
  std::string problem_;
};

// Reads the file in blocks of whole lines, with simdjson's padding after the
// last byte of each block.
class LineReader {
 public:
  explicit LineReader(std::FILE* in) : in_(in) {}
  // The next block of whole lines (the last may lack its newline at the end
  // of the file), as views into the block; false at the end of the file.
  bool Next(std::vector<std::string_view>* lines) {
    lines->clear();
    constexpr std::size_t kBlock = 8 << 20;
    // Keep the unread rest (a line cut by the last block) at the front.
    std::memmove(buf_.data(), buf_.data() + consumed_, size_ - consumed_);
    size_ -= consumed_;
    consumed_ = 0;
    bool eof = false;
    std::size_t start = 0;
    while (lines->empty() && !eof) {
      buf_.resize(size_ + kBlock + simdjson::SIMDJSON_PADDING);
      const std::size_t got = std::fread(buf_.data() + size_, 1, kBlock, in_);
      size_ += got;
      eof = got < kBlock;
      for (;;) {
        const void* nl = std::memchr(buf_.data() + start, '\n', size_ - start);
        if (nl == nullptr) break;
        const std::size_t at = static_cast<const char*>(nl) - buf_.data();
        lines->emplace_back(buf_.data() + start, at - start);
        start = at + 1;
      }
    }
    if (eof && start < size_) {
      lines->emplace_back(buf_.data() + start, size_ - start);
      start = size_;
    }
    consumed_ = start;
    return !lines->empty();
  }
  // `line` of the last block with its newline, if it had one.
  std::string_view WithNewline(std::string_view line) const {
    const bool nl = line.data() + line.size() < buf_.data() + size_;
    return {line.data(), line.size() + (nl ? 1 : 0)};
  }
  bool failed() const { return std::ferror(in_) != 0; }

 private:
  std::FILE* in_;
  std::string buf_;  // size_ bytes read, then at least SIMDJSON_PADDING more
  std::size_t size_ = 0;
  std::size_t consumed_ = 0;
};

}  // namespace clientele::extract_internal
