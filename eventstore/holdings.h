// What a log holds of each origin's numbered events (RecordedEvent::seq):
// nodes compare holdings to find and repair gaps (consumers/gap_repair.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace clientele {

// How many missing ranges per origin nodes list when they compare holdings
// (GET/POST /v1/sync/holdings and gap repair use the same).
inline constexpr std::size_t kHoldingRanges = 1000;

// The numbers first..last, both included.
struct SeqRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  bool operator==(const SeqRange&) const = default;
};

struct OriginHolding {
  std::string origin;
  std::uint64_t through = 0;  // every number 1..through is here
  std::uint64_t highest = 0;  // the highest number here (0: none)
  std::uint64_t held = 0;     // how many numbers are here
  // Numbers between `through` and `highest` that are not here, lowest first;
  // at most the number of ranges asked for (`more_missing` says if cut).
  std::vector<SeqRange> missing;
  bool more_missing = false;
};

// The numbers held of one origin, kept as runs. Not thread-safe.
class SeqRuns {
 public:
  // Adds `seq` (> 0); adding a number already held changes nothing.
  void Add(std::uint64_t seq);
  bool Holds(std::uint64_t seq) const;
  std::uint64_t through() const;
  std::uint64_t highest() const { return runs_.empty() ? 0 : runs_.rbegin()->second; }
  std::uint64_t held() const { return held_; }
  // The numbers in 1..up_to not held, lowest first, at most `max_ranges`.
  std::vector<SeqRange> Missing(std::uint64_t up_to, std::size_t max_ranges) const;

 private:
  std::map<std::uint64_t, std::uint64_t> runs_;  // first -> last; disjoint, never adjacent
  std::uint64_t held_ = 0;
};

// The holding of `runs` for `origin`, listing at most `max_ranges` gaps.
OriginHolding HoldingOf(const std::string& origin, const SeqRuns& runs, std::size_t max_ranges);

}  // namespace clientele
