#include "consumers/catch_up.h"

namespace clientele {

Result<CatchUpProgress> CatchUpFromFeed(
    EventStore* log, Admission* admission, const FetchFeed& fetch, std::uint64_t from,
    const std::function<void(const CatchUpProgress&)>& progress,
    const std::function<void(const RecordedEvent&, const Status&)>& refused) {
  constexpr std::size_t kPage = 1000;  // the feed's largest page
  CatchUpProgress at;
  at.after = from;
  for (;;) {
    auto page = fetch(at.after, kPage);
    if (!page) return Error(page.error());
    if (page->events.empty()) break;
    if (Status s = admission->BeginBatch(); !s.ok()) return Error(s);
    std::vector<RecordedEvent> admitted;
    for (RecordedEvent& e : page->events) {
      auto verdict = admission->Check(e, Channel::kFeed);
      if (!verdict) {
        if (verdict.error().code() == StatusCode::kUnavailable) return Error(verdict.error());
        ++at.refused;
        if (refused) refused(e, verdict.error());
        continue;
      }
      if (*verdict == Verdict::kNew) admitted.push_back(std::move(e));
    }
    if (!admitted.empty()) {
      const std::size_t n = admitted.size();
      // The keys the events came with are durable first: an event never
      // sits in the log without the key that opens it.
      if (Status s = admission->PersistKeys(); !s.ok()) return Error(s);
      auto appended = log->AppendReplicated(std::move(admitted));
      if (!appended) return Error(appended.error());
      at.copied += n;
    }
    at.after = page->next_after;
    at.head = page->head;
    if (progress) progress(at);
  }
  return at;
}

}  // namespace clientele
