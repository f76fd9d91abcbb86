#include "consumers/catch_up.h"

namespace clientele {

Result<std::uint64_t> CatchUpFromFeed(
    EventStore* log, const FetchFeed& fetch,
    const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  constexpr std::size_t kPage = 1000;  // the feed's largest page
  std::uint64_t after = 0, copied = 0;
  for (;;) {
    auto page = fetch(after, kPage);
    if (!page) return Error(page.error());
    if (page->events.empty()) break;
    const std::size_t n = page->events.size();
    auto appended = log->AppendReplicated(std::move(page->events));
    if (!appended) return Error(appended.error());
    copied += n;
    after = page->next_after;
    if (progress) progress(copied, page->head);
  }
  return copied;
}

}  // namespace clientele
