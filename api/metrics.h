// Request metrics in the Prometheus text exposition format (version 0.0.4).
// prometheus-cpp is not packaged for Debian 12, so this is the small part of
// it the service needs: one counter and one latency histogram by route, plus
// gauges supplied at scrape time.
//
// Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace clientele::api {

struct Gauge {
  std::string name;  // e.g. "clientele_log_position"
  std::string help;
  double value = 0;
  std::string labels;  // e.g. origin="s01"; gauges of one name follow each other
};

class Metrics {
 public:
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1,    2.5};

  // One finished request. `route` is the route's pattern, not the path.
  void Observe(std::string_view route, std::string_view method, int status, double seconds);
  // The limits a request can hit (clientele_limit_hits_total{limit=...}).
  static constexpr std::array<std::string_view, 10> kLimits = {
      "connections", "header_bytes", "body_bytes",       "upload_bytes",       "uploads",
      "spool_bytes", "storage",      "idempotency_keys", "idempotency_answer", "cursors"};
  // One request refused (or one answer not kept) at `limit`, one of kLimits;
  // any other name counts as "other".
  void LimitHit(std::string_view limit);
  std::uint64_t LimitHits(std::string_view limit) const;
  // The whole exposition, with `gauges` appended.
  std::string Render(const std::vector<Gauge>& gauges) const;

 private:
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> buckets{};  // not cumulative
    std::uint64_t count = 0;
    double sum = 0;
  };
  std::array<std::atomic<std::uint64_t>, kLimits.size() + 1> limit_hits_{};  // + "other"
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t, std::less<>> requests_;
  std::map<std::tuple<std::string, std::string>, Histogram, std::less<>> latency_;
};

}  // namespace clientele::api
