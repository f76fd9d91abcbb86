// Gap repair: Kafka carries events, the nodes' logs are the truth. Every
// event carries its origin's sequence number, so a node knows, per origin,
// which numbers it holds (EventStore::Holdings). A store compares its
// holdings with HQ's every `interval`:
//
//   - numbers of any other origin that HQ holds and this store lacks, and
//     that HQ already held at the previous round (so Kafka had a whole
//     interval to bring them), are fetched from HQ over its authenticated
//     HTTP feed, pass Admission (Channel::kFeed) and are appended;
//   - numbers of this store's own events that HQ lacks, and that this store
//     already held at the previous round, are published again on
//     clientele.upstream (signed, like the outbox does). If HQ still lacks
//     them afterwards (it refused them), the next attempt waits twice as
//     long, up to `max_backoff`.
//
// Whatever caused the gap (retention, a dropped or oversize message, reset
// offsets, a lost cursor, a recreated topic), the same comparison finds it.
// Gaps found, repaired and still open are counted per origin for
// /v1/sync/status and the metrics; a gap still open after a round is one
// that cannot be repaired yet (HQ unreachable, an event refused).
//
// Thread-safe: RunOnce runs on the repair thread (or a test's), status()
// from anywhere.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "consumers/admission.h"
#include "domain/status.h"
#include "eventstore/event_store.h"
#include "eventstore/holdings.h"

namespace clientele {

// How this store reaches HQ (cli/ implements them over HTTP and Kafka).
struct GapRepairPorts {
  // Tells HQ what this node holds and returns what HQ holds.
  std::function<Result<std::vector<OriginHolding>>(const std::vector<OriginHolding>& ours)>
      peer_holdings;
  // Up to `limit` events of `origin` numbered `from_seq` or more, as HQ holds
  // them, in number order.
  std::function<Result<std::vector<RecordedEvent>>(const std::string& origin,
                                                   std::uint64_t from_seq, std::size_t limit)>
      fetch;
  // Publishes this node's own events again; OK once the broker has them.
  std::function<Status(std::vector<RecordedEvent>)> republish;
};

struct GapRepairOptions {
  std::string node;  // this store
  std::chrono::milliseconds interval{5000};
  std::chrono::milliseconds max_backoff{5 * 60 * 1000};
  std::size_t max_events_per_round = 20000;
  std::size_t max_ranges = 1000;              // gaps listed per origin in holdings
  std::function<void(std::string_view)> log;  // one line per gap found or repaired
};

// One origin as this node sees it.
struct OriginSync {
  OriginHolding here;       // what this node holds
  OriginHolding peer;       // what HQ reported at the last round
  bool peer_known = false;  // HQ reported this origin
  // Numbers still missing after the last round: at this node (another
  // origin's events HQ holds) or at HQ (this node's own events).
  std::vector<SeqRange> open;
  std::uint64_t open_events = 0;
  std::uint64_t gaps_found = 0;      // ranges found missing, since start
  std::uint64_t gaps_repaired = 0;   // of those, closed by a repair
  std::uint64_t events_fetched = 0;  // appended from HQ's feed
  std::uint64_t events_republished = 0;
  std::uint64_t events_refused = 0;  // fetched but refused by Admission
};

struct GapRepairStatus {
  std::uint64_t rounds = 0;
  bool peer_reachable = false;
  std::string last_error;           // why the last round could not reach HQ
  std::int64_t last_round_ms = 0;   // wall time of the last completed round
  std::vector<OriginSync> origins;  // by origin
  std::uint64_t open_events = 0;    // over every origin
  std::uint64_t gaps_found = 0, gaps_repaired = 0, events_fetched = 0, events_republished = 0,
                events_refused = 0;
};

// `a` without the numbers in `b` (both sorted and disjoint).
std::vector<SeqRange> Subtract(const std::vector<SeqRange>& a, const std::vector<SeqRange>& b);
// The numbers in 1..up_to that `h` lacks: its gaps and everything above it.
std::vector<SeqRange> Lacking(const OriginHolding& h, std::uint64_t up_to);

class GapRepair {
 public:
  // `log` and `admission` must outlive the repair; `admission` is its own.
  GapRepair(EventStore* log, Admission* admission, GapRepairOptions options, GapRepairPorts ports);
  ~GapRepair();  // stops the thread, if started
  GapRepair(const GapRepair&) = delete;
  GapRepair& operator=(const GapRepair&) = delete;

  // Runs rounds every interval on a thread of its own.
  void Start();
  // One round. Unavailable when HQ cannot be reached or the log not read.
  Status RunOnce();
  GapRepairStatus status() const;

 private:
  Status FetchMissing(const std::string& origin, const std::vector<SeqRange>& lacking,
                      OriginSync* row, std::size_t* budget);
  Status Republish(const std::vector<SeqRange>& lacking, OriginSync* row, std::size_t* budget);
  void Log(const std::string& line);

  EventStore* log_;
  Admission* admission_;
  GapRepairOptions options_;
  GapRepairPorts ports_;

  mutable std::mutex mu_;  // guards status_
  GapRepairStatus status_;
  // Round to round (repair thread only).
  std::map<std::string, std::uint64_t> peer_highest_;  // HQ's highest per origin, last round
  std::uint64_t own_highest_ = 0;                      // this node's own highest, last round
  std::map<std::string, std::vector<SeqRange>> open_;  // per origin, after the last round
  std::chrono::steady_clock::time_point republish_not_before_{};
  // Events refused when fetched, by (origin, number): tried again after
  // 1, 2, 4... up to 256 rounds (a registry event may admit them meanwhile).
  struct Refused {
    std::uint64_t next_round = 0;
    unsigned tries = 0;
  };
  std::map<std::pair<std::string, std::uint64_t>, Refused> refused_;
  std::uint64_t round_ = 0;
  std::atomic<bool> stop_requested_{false};
  std::chrono::milliseconds backoff_{0};
  std::uint64_t last_republished_from_ = 0;

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace clientele
