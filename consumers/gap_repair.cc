#include "consumers/gap_repair.h"

#include <algorithm>
#include <cstdio>

namespace clientele {

namespace {

constexpr std::size_t kPage = 1000;  // events per fetch or republish

std::uint64_t Count(const std::vector<SeqRange>& ranges) {
  std::uint64_t n = 0;
  for (const SeqRange& r : ranges) n += r.last - r.first + 1;
  return n;
}

std::string Text(const std::vector<SeqRange>& ranges) {
  std::string out;
  for (std::size_t i = 0; i < ranges.size() && i < 5; ++i) {
    if (!out.empty()) out += ", ";
    out += std::to_string(ranges[i].first);
    if (ranges[i].last != ranges[i].first) out += "-" + std::to_string(ranges[i].last);
  }
  if (ranges.size() > 5) out += ", ...";
  return out;
}

// Ranges of `now` that share no number with `before`: gaps not seen before.
std::uint64_t NewRanges(const std::vector<SeqRange>& now, const std::vector<SeqRange>& before) {
  std::uint64_t n = 0;
  for (const SeqRange& r : now) {
    if (Count(Subtract({r}, before)) == Count({r})) ++n;
  }
  return n;
}

OriginHolding Find(const std::vector<OriginHolding>& list, const std::string& origin) {
  for (const OriginHolding& h : list) {
    if (h.origin == origin) return h;
  }
  OriginHolding none;
  none.origin = origin;
  return none;
}

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::vector<SeqRange> Subtract(const std::vector<SeqRange>& a, const std::vector<SeqRange>& b) {
  std::vector<SeqRange> out;
  std::size_t j = 0;
  for (SeqRange r : a) {
    while (j < b.size() && b[j].last < r.first) ++j;
    std::size_t k = j;
    while (k < b.size() && b[k].first <= r.last) {
      if (b[k].first > r.first) out.push_back({r.first, b[k].first - 1});
      if (b[k].last >= r.last) {
        r.last = 0;  // all of r is covered
        r.first = 1;
        break;
      }
      r.first = b[k].last + 1;
      ++k;
    }
    if (r.first <= r.last) out.push_back(r);
  }
  return out;
}

std::vector<SeqRange> Lacking(const OriginHolding& h, std::uint64_t up_to) {
  std::vector<SeqRange> out;
  for (const SeqRange& r : h.missing) {
    if (r.first > up_to) return out;
    out.push_back({r.first, std::min(r.last, up_to)});
  }
  if (h.more_missing) return out;  // the rest is not listed; later rounds see it
  if (h.highest < up_to) out.push_back({h.highest + 1, up_to});
  return out;
}

GapRepair::GapRepair(EventStore* log, Admission* admission, GapRepairOptions options,
                     GapRepairPorts ports)
    : log_(log), admission_(admission), options_(std::move(options)), ports_(std::move(ports)) {}

GapRepair::~GapRepair() {
  stop_requested_ = true;
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void GapRepair::Start() {
  thread_ = std::thread([this] {
    bool reachable = true;
    for (;;) {
      {
        std::unique_lock lock(stop_mu_);
        if (stop_cv_.wait_for(lock, options_.interval, [this] { return stopping_; })) return;
      }
      Status s = RunOnce();
      if (!s.ok() && reachable) Log("gap repair: cannot compare with HQ: " + s.ToString());
      reachable = s.ok();
    }
  });
}

void GapRepair::Log(const std::string& line) {
  if (options_.log) {
    options_.log(line);
  } else {
    std::fprintf(stderr, "clientele: %s\n", line.c_str());
  }
}

GapRepairStatus GapRepair::status() const {
  std::lock_guard lock(mu_);
  return status_;
}

Status GapRepair::FetchMissing(const std::string& origin, const std::vector<SeqRange>& lacking,
                               OriginSync* row, std::size_t* budget) {
  // Numbers refused lately wait for their next try.
  std::vector<SeqRange> waiting;
  for (auto it = refused_.lower_bound({origin, 0});
       it != refused_.end() && it->first.first == origin; ++it) {
    if (it->second.next_round > round_) waiting.push_back({it->first.second, it->first.second});
  }
  for (const SeqRange& r : Subtract(lacking, waiting)) {
    std::uint64_t from = r.first;
    while (from <= r.last && *budget > 0) {
      if (stop_requested_) return Status::Unavailable("stopping");
      const std::size_t limit =
          std::min<std::uint64_t>({kPage, r.last - from + 1, static_cast<std::uint64_t>(*budget)});
      auto got = ports_.fetch(origin, from, limit);
      if (!got) return got.error();
      if (Status s = admission_->BeginBatch(); !s.ok()) return s;
      std::vector<RecordedEvent> admitted;
      std::uint64_t next = r.last + 1;
      for (RecordedEvent& e : *got) {
        // HQ answers in number order; anything else is not what was asked.
        if (e.origin != origin || e.seq < from || e.seq > r.last) continue;
        next = e.seq + 1;
        auto verdict = admission_->Check(e, Channel::kFeed);
        if (!verdict) {
          if (verdict.error().code() == StatusCode::kUnavailable) return verdict.error();
          auto [at, first_time] = refused_.try_emplace({origin, e.seq});
          if (first_time && refused_.size() > 100000) {
            refused_.erase(at);  // too many to remember: tried every round
          } else {
            at->second.next_round = round_ + (std::uint64_t{1} << std::min(at->second.tries, 8u));
            ++at->second.tries;
          }
          if (first_time) {
            ++row->events_refused;
            Log("gap repair: refused " + origin + " event " + std::to_string(e.seq) + " (" + e.id +
                ") from HQ's feed: " + verdict.error().ToString());
          }
          continue;
        }
        refused_.erase({origin, e.seq});
        if (*verdict == Verdict::kNew) admitted.push_back(std::move(e));
      }
      *budget -= std::min(*budget, got->size());
      if (!admitted.empty()) {
        const std::size_t n = admitted.size();
        // The keys the events came with are durable first.
        if (Status s = admission_->PersistKeys(); !s.ok()) return s;
        auto appended = log_->AppendReplicated(std::move(admitted));
        if (!appended) return appended.error();
        row->events_fetched += n;
      }
      if (got->empty() || next <= from) break;
      from = next;
    }
  }
  return Status::OK();
}

Status GapRepair::Republish(const std::vector<SeqRange>& lacking, OriginSync* row,
                            std::size_t* budget) {
  for (const SeqRange& r : lacking) {
    std::uint64_t from = r.first;
    while (from <= r.last && *budget > 0) {
      if (stop_requested_) return Status::Unavailable("stopping");
      auto events = log_->ReadOrigin(options_.node, from, std::min(kPage, *budget));
      if (!events) return events.error();
      while (!events->empty() && events->back().seq > r.last) events->pop_back();
      if (events->empty()) break;
      from = events->back().seq + 1;
      const std::size_t n = events->size();
      if (Status s = ports_.republish(std::move(*events)); !s.ok()) return s;
      row->events_republished += n;
      *budget -= std::min(*budget, n);
    }
  }
  return Status::OK();
}

Status GapRepair::RunOnce() {
  ++round_;
  auto ours = log_->Holdings(options_.max_ranges);
  if (!ours) return ours.error();
  auto peer = ports_.peer_holdings(*ours);
  if (!peer) {
    std::lock_guard lock(mu_);
    ++status_.rounds;
    status_.peer_reachable = false;
    status_.last_error = peer.error().ToString();
    return peer.error();
  }
  GapRepairStatus previous = status();
  std::map<std::string, OriginSync> rows;
  for (const OriginSync& o : previous.origins) {
    OriginSync& row = rows[o.here.origin];
    row = o;
    row.open.clear();
    row.open_events = 0;
    row.peer_known = false;
  }
  for (const OriginHolding& h : *ours) rows[h.origin].here = h;
  for (const OriginHolding& h : *peer) {
    OriginSync& row = rows[h.origin];
    row.peer = h;
    row.peer_known = true;
  }
  std::size_t budget = options_.max_events_per_round;
  Status failed;
  std::map<std::string, std::vector<SeqRange>> lacking;  // before repairing
  std::map<std::string, std::uint64_t> up_to;            // how far HQ held them a round ago
  for (auto& [origin, row] : rows) {
    row.here.origin = row.peer.origin = origin;
    if (origin == options_.node) {
      // This node's own events that HQ lacks.
      lacking[origin] = Lacking(row.peer, own_highest_);
      continue;
    }
    if (!row.peer_known) continue;
    auto prev = peer_highest_.find(origin);
    up_to[origin] = std::min(prev == peer_highest_.end() ? 0 : prev->second, row.peer.highest);
    // Beyond the last gap HQ listed, what it holds is not known this round.
    if (row.peer.more_missing && !row.peer.missing.empty()) {
      up_to[origin] = std::min(up_to[origin], row.peer.missing.back().last);
    }
    lacking[origin] = Subtract(Lacking(row.here, up_to[origin]), row.peer.missing);
  }
  for (auto& [origin, gaps] : lacking) {
    if (gaps.empty() || !failed.ok()) continue;
    OriginSync& row = rows[origin];
    const auto& before = open_[origin];
    const std::uint64_t found = NewRanges(gaps, before);
    row.gaps_found += found;
    if (found > 0) {
      Log("gap: " + std::to_string(Count(gaps)) + " event(s) of " + origin + " numbered " +
          Text(gaps) +
          (origin == options_.node ? " missing at HQ; publishing them again"
                                   : " missing here; fetching them from HQ"));
    }
    if (origin != options_.node) {
      failed = FetchMissing(origin, gaps, &row, &budget);
      continue;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now < republish_not_before_) continue;
    if (gaps.front().first == last_republished_from_) {
      backoff_ = std::min(std::max(backoff_ * 2, options_.interval), options_.max_backoff);
    } else {
      backoff_ = std::chrono::milliseconds(0);
    }
    republish_not_before_ = now + backoff_;
    last_republished_from_ = gaps.front().first;
    failed = Republish(gaps, &row, &budget);
  }
  if (lacking[options_.node].empty()) {
    backoff_ = std::chrono::milliseconds(0);
    last_republished_from_ = 0;
  }
  // What is still open: for other origins, re-read; for this node's own, HQ
  // tells at the next round.
  auto after = log_->Holdings(options_.max_ranges);
  if (!after) return after.error();
  GapRepairStatus next;
  next.rounds = previous.rounds + 1;
  next.peer_reachable = true;
  next.last_round_ms = NowMs();
  for (auto& [origin, row] : rows) {
    // Own events: open until HQ reports them. Others': what is still lacking.
    std::vector<SeqRange> open = lacking[origin];
    if (origin != options_.node && row.peer_known) {
      row.here = Find(*after, origin);
      open = Subtract(Lacking(row.here, up_to[origin]), row.peer.missing);
    }
    // Closed: found this round and repaired, or open before and not now.
    const std::vector<SeqRange>& before = open_[origin];
    const std::uint64_t closed =
        NewRanges(lacking[origin], open) + NewRanges(before, lacking[origin]);
    if (closed > 0) {
      row.gaps_repaired += closed;
      Log("gap repaired: " + std::to_string(closed) + " range(s) of " + origin +
          (origin == options_.node ? " now held by HQ" : " now held here"));
    }
    row.open = open;
    row.open_events = Count(open);
    open_[origin] = open;
    next.open_events += row.open_events;
    next.gaps_found += row.gaps_found;
    next.gaps_repaired += row.gaps_repaired;
    next.events_fetched += row.events_fetched;
    next.events_republished += row.events_republished;
    next.events_refused += row.events_refused;
    next.origins.push_back(row);
    if (row.peer_known) peer_highest_[origin] = row.peer.highest;
  }
  own_highest_ = Find(*ours, options_.node).highest;
  {
    std::lock_guard lock(mu_);
    status_ = std::move(next);
  }
  return failed;
}

}  // namespace clientele
