#include "api/metrics.h"

#include <cstdio>

namespace clientele::api {

namespace {

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

// Label values: backslash, quote and newline escaped.
std::string Label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

void Metrics::Observe(std::string_view route, std::string_view method, int status, double seconds) {
  std::lock_guard lock(mu_);
  // Found without building strings; added once per route, method and status.
  auto r = requests_.find(std::make_tuple(route, method, status));
  if (r == requests_.end()) {
    r = requests_.emplace(std::make_tuple(std::string(route), std::string(method), status), 0)
            .first;
  }
  ++r->second;
  auto l = latency_.find(std::make_tuple(route, method));
  if (l == latency_.end()) {
    l = latency_.emplace(std::make_tuple(std::string(route), std::string(method)), Histogram{})
            .first;
  }
  Histogram& h = l->second;
  std::size_t i = 0;
  while (i < kBuckets.size() && seconds > kBuckets[i]) ++i;
  if (i < kBuckets.size()) ++h.buckets[i];
  ++h.count;
  h.sum += seconds;
}

namespace {

std::size_t LimitIndex(std::string_view limit) {
  std::size_t i = 0;
  while (i < Metrics::kLimits.size() && Metrics::kLimits[i] != limit) ++i;
  return i;
}

}  // namespace

void Metrics::LimitHit(std::string_view limit) {
  limit_hits_[LimitIndex(limit)].fetch_add(1, std::memory_order_relaxed);
}

std::uint64_t Metrics::LimitHits(std::string_view limit) const {
  return limit_hits_[LimitIndex(limit)].load(std::memory_order_relaxed);
}

std::string Metrics::Render(const std::vector<Gauge>& gauges) const {
  std::string out;
  out += "# HELP clientele_limit_hits_total Requests refused (or answers not kept) at a limit.\n";
  out += "# TYPE clientele_limit_hits_total counter\n";
  for (std::size_t i = 0; i <= kLimits.size(); ++i) {
    const std::string_view name = i < kLimits.size() ? kLimits[i] : "other";
    out += "clientele_limit_hits_total{limit=\"" + std::string(name) + "\"} " +
           std::to_string(limit_hits_[i].load(std::memory_order_relaxed)) + "\n";
  }
  std::lock_guard lock(mu_);
  out +=
      "# HELP clientele_http_requests_total HTTP requests answered, by route, method and status.\n";
  out += "# TYPE clientele_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    const auto& [route, method, status] = key;
    out += "clientele_http_requests_total{route=\"" + Label(route) + "\",method=\"" +
           Label(method) + "\",status=\"" + std::to_string(status) + "\"} " + std::to_string(n) +
           "\n";
  }
  out += "# HELP clientele_http_request_duration_seconds Time to answer, by route and method.\n";
  out += "# TYPE clientele_http_request_duration_seconds histogram\n";
  for (const auto& [key, h] : latency_) {
    const std::string labels =
        "route=\"" + Label(std::get<0>(key)) + "\",method=\"" + Label(std::get<1>(key)) + "\"";
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += h.buckets[i];
      out += "clientele_http_request_duration_seconds_bucket{" + labels + ",le=\"" +
             Number(kBuckets[i]) + "\"} " + std::to_string(cumulative) + "\n";
    }
    out += "clientele_http_request_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} " +
           std::to_string(h.count) + "\n";
    out += "clientele_http_request_duration_seconds_sum{" + labels + "} " + Number(h.sum) + "\n";
    out += "clientele_http_request_duration_seconds_count{" + labels + "} " +
           std::to_string(h.count) + "\n";
  }
  const std::string* last = nullptr;
  for (const Gauge& g : gauges) {
    if (last == nullptr || *last != g.name) {
      out += "# HELP " + g.name + " " + g.help + "\n# TYPE " + g.name + " gauge\n";
    }
    last = &g.name;
    out += g.name + (g.labels.empty() ? "" : "{" + g.labels + "}") + " " + Number(g.value) + "\n";
  }
  return out;
}

}  // namespace clientele::api
