// The wall clock, as a Clock.
#pragma once

#include <chrono>

#include "domain/clock.h"

namespace clientele {

class SystemClock : public Clock {
 public:
  std::int64_t NowMs() override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  // A process-wide instance.
  static SystemClock* Default() {
    static SystemClock clock;
    return &clock;
  }
};

}  // namespace clientele
