#include <algorithm>
#include <chrono>
#include <cstdio>

#include "projections/internal/projector_impl.h"

namespace clientele {

using namespace projection_internal;

void Projector::Impl::Follow() {
  auto sub = log->Subscribe(position.load());
  using Steady = std::chrono::steady_clock;
  Steady::time_point maintained = Steady::now();
  Steady::duration maintain_cost{};
  while (!stopping.load()) {
    auto events = sub->Next(kBatchEvents, std::chrono::milliseconds(100));
    Status s = events ? Status::OK() : events.error();
    if (events && events->empty()) {
      // Nothing new for 100 ms: merge what the last batches left unbuilt
      // (after a large import, up to 1/16 of the table, which every query
      // would otherwise sort again), at most as often as Maintain may.
      const auto start = Steady::now();
      if (start - maintained >
          std::max<Steady::duration>(std::chrono::seconds(2), 5 * maintain_cost)) {
        std::unique_lock lock(rows_mu);
        if (index.dirty_rows() > TableIndex::kSettledRows) {
          {
            // As before any change to the index: open cursors keep their results.
            std::lock_guard watchers_lock(watchers_mu);
            std::erase_if(watchers,
                          [&](const auto& before_change) { return !before_change(index); });
          }
          index.Settle();
          maintained = Steady::now();
          maintain_cost = maintained - start;
        }
      }
      continue;
    }
    if (events) {
      Pending p;
      for (const RecordedEvent& e : *events) ApplyOne(e, &p);
      // Far behind the log (a large import just landed), keeping the index
      // quick after every batch would rebuild it again and again as the
      // table grows: do it once caught up, and meanwhile only every 2 s or
      // five times as long as the last one took, whichever is longer.
      const auto start = Steady::now();
      const bool maintain = log->Head() - p.last <= 4 * kBatchEvents ||
                            start - maintained > std::max<Steady::duration>(std::chrono::seconds(2),
                                                                            5 * maintain_cost);
      s = Commit(&p, {.maintain = maintain});
      if (maintain) {
        maintained = Steady::now();
        maintain_cost = maintained - start;
      }
    }
    if (!s.ok() && !stopping.load()) {
      if (s.code() != StatusCode::kCorruption) {
        // The log could not be read for now: wait and read again.
        SetTrouble("the projections cannot read the log: " + s.message());
        std::unique_lock lock(position_mu);
        position_cv.wait_for(lock, std::chrono::milliseconds(500), [&] { return stopping.load(); });
        continue;
      }
      SetTrouble("the projections stopped: " + s.message());
      std::fprintf(stderr, "clientele: projections stopped: %s\n", s.ToString().c_str());
      return;
    }
  }
}

}  // namespace clientele
