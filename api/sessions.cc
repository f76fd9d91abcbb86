#include "api/sessions.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cstdlib>

#include "api/auth.h"

namespace clientele::api {

std::string RandomToken256() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  unsigned char bytes[33];  // 264 random bits, of which 43 characters keep 258
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) std::abort();  // no random source: nothing is safe
  std::string out;
  for (std::size_t i = 0; i < sizeof(bytes); i += 3) {
    const std::uint32_t v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) out += kAlphabet[(v >> shift) & 63];
  }
  out.resize(43);
  return out;
}

std::string Sessions::Key(std::string_view id) { return HashToken(id); }

bool Sessions::Expired(const Session& s, std::int64_t now) const {
  const auto idle = std::chrono::duration_cast<std::chrono::milliseconds>(options_.idle).count();
  const auto max_age =
      std::chrono::duration_cast<std::chrono::milliseconds>(options_.max_age).count();
  return now >= s.last_used_ms + idle || now >= s.created_ms + max_age;
}

Sessions::Begun Sessions::Begin(const std::string& principal, const std::string& password_hash) {
  const std::int64_t now = clock_->NowMs();
  Begun b{RandomToken256(), Session{principal, password_hash, RandomToken256(), now, now}};
  const std::string key = Key(b.id);
  std::lock_guard lock(mu_);
  if (by_key_.size() >= options_.max_sessions) {
    std::erase_if(by_key_, [&](const auto& kv) { return Expired(kv.second, now); });
  }
  while (!by_key_.empty() && by_key_.size() >= options_.max_sessions) {
    auto lru = std::min_element(by_key_.begin(), by_key_.end(), [](const auto& a, const auto& b) {
      return a.second.last_used_ms < b.second.last_used_ms;
    });
    by_key_.erase(lru);
  }
  by_key_[key] = b.session;
  return b;
}

std::optional<Session> Sessions::Use(std::string_view id) {
  if (id.empty()) return std::nullopt;
  const std::string key = Key(id);
  const std::int64_t now = clock_->NowMs();
  std::lock_guard lock(mu_);
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return std::nullopt;
  if (Expired(it->second, now)) {
    by_key_.erase(it);
    return std::nullopt;
  }
  it->second.last_used_ms = std::max(it->second.last_used_ms, now);
  return it->second;
}

void Sessions::End(std::string_view id) {
  const std::string key = Key(id);
  std::lock_guard lock(mu_);
  by_key_.erase(key);
}

void Sessions::EndOthers(const std::string& principal, std::string_view keep_id,
                         const std::string& password_hash) {
  const std::string keep = keep_id.empty() ? std::string() : Key(keep_id);
  std::lock_guard lock(mu_);
  for (auto it = by_key_.begin(); it != by_key_.end();) {
    if (it->second.principal != principal) {
      ++it;
    } else if (it->first == keep) {
      it->second.password_hash = password_hash;
      ++it;
    } else {
      it = by_key_.erase(it);
    }
  }
}

std::size_t Sessions::size() const {
  std::lock_guard lock(mu_);
  return by_key_.size();
}

}  // namespace clientele::api
