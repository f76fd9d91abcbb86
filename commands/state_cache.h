// The latest state the command handler has seen of each stream, so that a
// command reads only the events appended since, not the whole stream.
// Least recently used streams are forgotten past `capacity`.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace clientele {

template <typename State>
class StateCache {
 public:
  explicit StateCache(std::size_t capacity) : capacity_(capacity) {}

  // A copy of the stream's cached state and its version, if cached.
  std::optional<std::pair<State, std::int64_t>> Get(const std::string& stream) {
    std::lock_guard lock(mu_);
    auto it = entries_.find(stream);
    if (it == entries_.end()) return std::nullopt;
    order_.splice(order_.begin(), order_, it->second.lru);
    return std::pair<State, std::int64_t>{it->second.state, it->second.version};
  }

  // Calls fn(state, version) on the stream's cached state, under the cache's
  // lock and without a copy; false if it is not cached.
  template <typename Fn>
  bool Visit(const std::string& stream, Fn&& fn) {
    std::lock_guard lock(mu_);
    auto it = entries_.find(stream);
    if (it == entries_.end()) return false;
    order_.splice(order_.begin(), order_, it->second.lru);
    fn(static_cast<const State&>(it->second.state), it->second.version);
    return true;
  }

  // Moves the stream's cached state out (no copy), if cached: the caller
  // works on it and puts it back.
  std::optional<std::pair<State, std::int64_t>> Take(const std::string& stream) {
    std::lock_guard lock(mu_);
    auto it = entries_.find(stream);
    if (it == entries_.end()) return std::nullopt;
    std::pair<State, std::int64_t> out{std::move(it->second.state), it->second.version};
    order_.erase(it->second.lru);
    entries_.erase(it);
    return out;
  }

  // Remembers `state` at `version`, unless a newer version is cached.
  void Put(const std::string& stream, State state, std::int64_t version) {
    std::lock_guard lock(mu_);
    auto it = entries_.find(stream);
    if (it != entries_.end()) {
      if (it->second.version >= version) return;
      it->second.state = std::move(state);
      it->second.version = version;
      order_.splice(order_.begin(), order_, it->second.lru);
      return;
    }
    order_.push_front(stream);
    entries_.emplace(stream, Entry{std::move(state), version, order_.begin()});
    if (entries_.size() > capacity_) {
      entries_.erase(order_.back());
      order_.pop_back();
    }
  }

 private:
  struct Entry {
    State state;
    std::int64_t version;
    std::list<std::string>::iterator lru;
  };
  std::size_t capacity_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> order_;  // most recent first
};

}  // namespace clientele
