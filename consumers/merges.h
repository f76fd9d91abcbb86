// Settling merges, done by HQ as it follows its log (domain/merge.h says what
// a merge is and the convergence rule).
//
// For every customer that was ever merged (a duplicate: a customer.merged on
// its stream), whenever its stream gets an event HQ reads the stream and:
//   1. voids each of its merges that loses: every merge of it but the one with
//      the smallest merge id, and in a cycle of merges (A into B while B into
//      A) the merge with the largest id. A void returns to the duplicate what
//      left it under that merge (the merge's transfer and every forward made
//      under it) and takes it back from that merge's survivor: one
//      customer.merge_settled (kind "void") on each stream;
//   2. forwards what the duplicate holds after its winning merge (a sale a
//      store recorded offline on the old code, a transfer that arrived after
//      the merge, what a void gave back) to the survivor: one
//      customer.merge_settled (kind "forward") on each stream.
// Both ends of a settlement are appended together (one bulk append), with ids
// derived from the merge (a void) or from the duplicate's stream version (a
// forward), so a re-check after a crash appends nothing twice. A forward to a
// survivor that is itself merged is forwarded on in its turn.
//
// The customers ever merged are kept in a file (one id a line), written
// before the check's checkpoint moves past their merge.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "domain/status.h"
#include "eventstore/event_store.h"

namespace clientele {

class MergeSettler {
 public:
  // Loads the merged customers from `path`; if the file is missing and
  // `checked` > 0, finds them in the log up to `checked` (and writes it).
  static Result<std::unique_ptr<MergeSettler>> Open(EventStore* log, std::string path,
                                                    std::uint64_t checked);

  // Settles what `appended` (events just appended to the log) calls for.
  // Returns how many settlement events it appended.
  Result<int> Settle(const std::vector<RecordedEvent>& appended);

 private:
  MergeSettler(EventStore* log, std::string path) : log_(log), path_(std::move(path)) {}
  Status Remember(const std::string& customer_id);
  // Settles one merged customer; adds the settlements appended to `count`.
  Status SettleCustomer(const std::string& customer_id, int* count);

  EventStore* log_;
  std::string path_;
  std::unordered_set<std::string> merged_;
};

}  // namespace clientele
