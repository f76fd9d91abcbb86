#include "eventstore/holdings.h"

#include <iterator>

namespace clientele {

void SeqRuns::Add(std::uint64_t seq) {
  if (seq == 0) return;
  auto next = runs_.upper_bound(seq);  // the first run starting after seq
  if (next != runs_.begin()) {
    auto prev = std::prev(next);
    if (prev->second >= seq) return;  // already held
    if (prev->second + 1 == seq) {
      prev->second = seq;
      if (next != runs_.end() && next->first == seq + 1) {
        prev->second = next->second;
        runs_.erase(next);
      }
      ++held_;
      return;
    }
  }
  if (next != runs_.end() && next->first == seq + 1) {
    const std::uint64_t last = next->second;
    runs_.erase(next);
    runs_.emplace(seq, last);
  } else {
    runs_.emplace(seq, seq);
  }
  ++held_;
}

bool SeqRuns::Holds(std::uint64_t seq) const {
  auto next = runs_.upper_bound(seq);
  return next != runs_.begin() && std::prev(next)->second >= seq;
}

std::uint64_t SeqRuns::through() const {
  return !runs_.empty() && runs_.begin()->first == 1 ? runs_.begin()->second : 0;
}

std::vector<SeqRange> SeqRuns::Missing(std::uint64_t up_to, std::size_t max_ranges) const {
  std::vector<SeqRange> out;
  std::uint64_t from = 1;  // the first number not yet accounted for
  for (const auto& [first, last] : runs_) {
    if (from > up_to || out.size() >= max_ranges) return out;
    if (first > from) out.push_back({from, std::min(first - 1, up_to)});
    if (last == UINT64_MAX) return out;  // nothing above
    from = last + 1;
  }
  if (from <= up_to && out.size() < max_ranges) out.push_back({from, up_to});
  return out;
}

OriginHolding HoldingOf(const std::string& origin, const SeqRuns& runs, std::size_t max_ranges) {
  OriginHolding h;
  h.origin = origin;
  h.through = runs.through();
  h.highest = runs.highest();
  h.held = runs.held();
  h.missing = runs.Missing(h.highest, max_ranges + 1);
  if (h.missing.size() > max_ranges) {
    h.missing.resize(max_ranges);
    h.more_missing = true;
  }
  return h;
}

}  // namespace clientele
