#include "consumers/own_events.h"

namespace clientele {

Result<OwnEventsRecovered> RecoverOwnEvents(EventStore* log, Admission* admission,
                                            const FetchOrigin& fetch) {
  constexpr std::size_t kPage = 1000;  // the origin feed's largest page
  const std::string& origin = log->origin();
  OwnEventsRecovered out;
  auto highest = log->LastSeq(origin);
  if (!highest) return Error(highest.error());
  out.highest = *highest;
  for (;;) {
    const std::uint64_t from = out.highest + 1;
    auto page = fetch(origin, from, kPage);
    if (!page) return Error(page.error());
    if (Status s = admission->BeginBatch(); !s.ok()) return Error(s);
    std::vector<RecordedEvent> admitted;
    std::uint64_t next = from;
    for (RecordedEvent& e : *page) {
      // The peer answers in number order; anything else is not what was asked.
      if (e.origin != origin || e.seq < next) continue;
      auto verdict = admission->Check(e, Channel::kFeed);
      if (!verdict) {
        const Status& why = verdict.error();
        if (why.code() == StatusCode::kUnavailable) return Error(why);
        return Error(Status::PermissionDenied(
            why.reason(), "this node's own event " + std::to_string(e.seq) + " (" + e.id +
                              "), as the peer holds it, is refused: " + why.message()));
      }
      next = e.seq + 1;
      if (*verdict == Verdict::kNew) admitted.push_back(std::move(e));
    }
    if (!admitted.empty()) {
      const std::size_t n = admitted.size();
      // The keys the events came with are durable first.
      if (Status s = admission->PersistKeys(); !s.ok()) return Error(s);
      auto appended = log->AppendReplicated(std::move(admitted));
      if (!appended) return Error(appended.error());
      out.appended += n;
    }
    if (next == from) break;  // nothing (more) above what the log holds
    out.highest = next - 1;
  }
  return out;
}

}  // namespace clientele
