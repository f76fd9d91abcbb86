// The limit on failed sign-ins (POST /v1/session): `name_failures` failures
// for one name within `window` lock that name for `lock` (its right password
// included); `address_failures` failures from one client address within
// `window` lock that address for `lock`. A success clears the name's
// failures. Names nobody has are counted like the others, so a lock tells
// nothing about which names exist. Kept in memory, by the injected Clock.
//
// Bounded: at most `max_entries` names and as many addresses are tracked,
// names by their SHA-256 (however long a name is sent); beyond, those whose
// failures are all older than `window` go first, then the least recent.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "domain/clock.h"

namespace clientele::api {

struct LockoutOptions {
  int name_failures = 5;      // console.lockout_failures
  int address_failures = 50;  // console.lockout_address_failures (0: no lock by address)
  std::chrono::minutes window{15};
  std::chrono::minutes lock{15};  // console.lockout_minutes (window and lock)
  std::size_t max_entries = 100000;
};

class Lockout {
 public:
  Lockout(LockoutOptions options, Clock* clock) : options_(options), clock_(clock) {}

  // Seconds (at least 1) until `name` and `address` may try again, or 0 if
  // they may now.
  std::int64_t RetryAfterSeconds(const std::string& name, const std::string& address);
  // Counts a failed sign-in of `name` from `address`.
  void Failed(const std::string& name, const std::string& address);
  // A sign-in of `name` succeeded: its failures are forgotten.
  void Succeeded(const std::string& name);

  const LockoutOptions& options() const { return options_; }

 private:
  struct Record {
    std::deque<std::int64_t> failures;  // times, oldest first, within the window
    std::int64_t locked_until_ms = 0;
    std::int64_t last_ms = 0;
  };
  using Records = std::map<std::string, Record, std::less<>>;
  std::int64_t LockedFor(Records& records, const std::string& key, std::int64_t now);
  void Count(Records& records, const std::string& key, int limit, std::int64_t now);

  const LockoutOptions options_;
  Clock* clock_;
  std::mutex mu_;
  Records names_;  // by the SHA-256 of the name
  Records addresses_;
};

}  // namespace clientele::api
