// The clock port. The domain never reads the wall clock; whoever needs "now"
// is handed a Clock. SystemClock (eventstore/system_clock.h) is the real one.
#pragma once

#include <atomic>
#include <cstdint>

namespace clientele {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch, UTC. Thread-safe.
  virtual std::int64_t NowMs() = 0;
};

// A clock that moves only when told to. Thread-safe.
class ManualClock : public Clock {
 public:
  explicit ManualClock(std::int64_t now_ms = 1'700'000'000'000) : now_(now_ms) {}
  std::int64_t NowMs() override { return now_.load(); }
  void Set(std::int64_t now_ms) { now_.store(now_ms); }
  void Advance(std::int64_t ms) { now_.fetch_add(ms); }

 private:
  std::atomic<std::int64_t> now_;
};

}  // namespace clientele
