#include "api/lockout.h"

#include <algorithm>

#include "api/auth.h"

namespace clientele::api {

namespace {

std::int64_t Ms(std::chrono::minutes m) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(m).count();
}

}  // namespace

std::int64_t Lockout::LockedFor(Records& records, const std::string& key, std::int64_t now) {
  auto it = records.find(key);
  if (it == records.end() || it->second.locked_until_ms <= now) return 0;
  return (it->second.locked_until_ms - now + 999) / 1000;
}

std::int64_t Lockout::RetryAfterSeconds(const std::string& name, const std::string& address) {
  const std::int64_t now = clock_->NowMs();
  const std::string key = HashToken(name);
  std::lock_guard lock(mu_);
  return std::max(LockedFor(names_, key, now), LockedFor(addresses_, address, now));
}

void Lockout::Count(Records& records, const std::string& key, int limit, std::int64_t now) {
  if (limit <= 0) return;
  const std::int64_t window = Ms(options_.window);
  if (records.size() >= options_.max_entries && !records.contains(key)) {
    std::erase_if(records, [&](const auto& kv) {
      return kv.second.locked_until_ms <= now &&
             (kv.second.failures.empty() || kv.second.failures.back() <= now - window);
    });
    if (records.size() >= options_.max_entries) {
      records.erase(std::min_element(
          records.begin(), records.end(),
          [](const auto& a, const auto& b) { return a.second.last_ms < b.second.last_ms; }));
    }
  }
  Record& r = records[key];
  r.last_ms = now;
  while (!r.failures.empty() && r.failures.front() <= now - window) r.failures.pop_front();
  r.failures.push_back(now);
  if (static_cast<int>(r.failures.size()) >= limit) {
    r.locked_until_ms = now + Ms(options_.lock);
    r.failures.clear();
  }
}

void Lockout::Failed(const std::string& name, const std::string& address) {
  const std::int64_t now = clock_->NowMs();
  const std::string key = HashToken(name);
  std::lock_guard lock(mu_);
  Count(names_, key, options_.name_failures, now);
  Count(addresses_, address, options_.address_failures, now);
}

void Lockout::Succeeded(const std::string& name) {
  const std::string key = HashToken(name);
  std::lock_guard lock(mu_);
  auto it = names_.find(key);
  if (it != names_.end() && it->second.locked_until_ms <= clock_->NowMs()) names_.erase(it);
}

}  // namespace clientele::api
