// Customer codes: short human codes, unique across the whole chain, assigned by
// whichever node creates the customer without asking anyone (stores work offline).
//
//   code     := "CUST-" [ TAG "-" ] SEQ
//   TAG      := the creating store's id in upper case (absent for HQ)
//   SEQ      := decimal sequence number, zero-padded to at least 5 digits
//
// e.g. "CUST-00042" (HQ's 42nd customer), "CUST-S01-00007" (store s01's 7th).
// Node ids are unique across the chain, and each node numbers only its own
// customers, so two nodes can never produce the same code. A node's next number
// is one past the highest it ever issued, as seen in its log (deleted customers
// included), so a code is never reused.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "domain/status.h"

namespace clientele {

struct ParsedCode {
  std::string node;  // "hq" or the store id (lower case)
  std::uint64_t sequence = 0;
};

std::string FormatCustomerCode(std::string_view node, std::uint64_t sequence);

// Parses a code in the grammar above; InvalidArgument("code") otherwise.
// Accepts any letter case.
Result<ParsedCode> ParseCustomerCode(std::string_view code);

// Issues the codes of one node. Not thread-safe; callers serialize.
class CodeAllocator {
 public:
  explicit CodeAllocator(std::string node) : node_(std::move(node)) {}

  // Records a code seen in the log, so that Next() never repeats it.
  void Observe(std::string_view code);
  // The next code of this node.
  std::string Next() { return FormatCustomerCode(node_, ++highest_); }

  std::uint64_t highest() const { return highest_; }

 private:
  std::string node_;
  std::uint64_t highest_ = 0;
};

}  // namespace clientele
