// log-sync and log-complete: make written groups durable, then answer them.
#include <algorithm>

#include "eventstore/internal/store_impl.h"

namespace clientele {

// One fsync for everything written so far, then the answers.
//
// Writers answered by one sync come back while the next one runs; syncing at
// once would leave them for the sync after, halving every group. So before a
// sync this waits, at most half the last sync's duration, until as many
// requests are written as it answered last time.
//
// When no sync is under way log-commit syncs its own group instead (see
// CommitLoop): a lone writer then pays for no thread handoff but its own.
void EventStore::Impl::SyncLoop() {
  std::vector<Request*> batch;
  std::size_t last_group = 1;
  for (;;) {
    std::uint64_t target;
    {
      std::unique_lock lock(sync_mu);
      sync_cv.wait(lock, [&] { return sync_stopping || (!to_sync.empty() && !syncing); });
      if (to_sync.empty()) return;  // stopping and drained
      if (options.sync && to_sync.size() < last_group) {
        auto patience = std::min(last_sync_time / 2, std::chrono::microseconds(1000));
        sync_cv.wait_for(lock, patience,
                         [&] { return sync_stopping || to_sync.size() >= last_group; });
      }
      batch.swap(to_sync);
      target = written_position;
      syncing = true;
    }
    rocksdb::Status s = SyncUpTo(target);
    last_group = std::max<std::size_t>(1, batch.size());
    if (!s.ok()) {
      for (Request* r : batch) {
        if (r->result) r->result = Error(FromRocks(s, "syncing the log failed"));
      }
    }
    {
      std::lock_guard lock(sync_mu);
      syncing = false;
    }
    sync_cv.notify_all();
    AnswerLater(&batch);
  }
}

rocksdb::Status EventStore::Impl::SyncUpTo(std::uint64_t target) {
  if (target <= synced) return rocksdb::Status::OK();
  rocksdb::Status s;
  if (options.sync) {
    auto start = std::chrono::steady_clock::now();
    s = db->SyncWAL();
    last_sync_time = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - start);
    syncs.fetch_add(1, std::memory_order_relaxed);
    sync_micros.fetch_add(last_sync_time.count(), std::memory_order_relaxed);
  }
  if (!s.ok()) {
    failed = true;
    return s;
  }
  synced = target;
  {
    std::lock_guard lock(head_mu);
    head.store(target);
  }
  head_cv.notify_all();
  return s;
}

void EventStore::Impl::AnswerLater(std::vector<Request*>* batch) {
  {
    std::lock_guard lock(answer_mu);
    to_answer.insert(to_answer.end(), batch->begin(), batch->end());
  }
  answer_cv.notify_one();
  batch->clear();
}

// Runs the callbacks of answered requests, so that waking their callers never
// delays the next sync.
void EventStore::Impl::CompleteLoop() {
  std::vector<Request*> batch;
  for (;;) {
    {
      std::unique_lock lock(answer_mu);
      answer_cv.wait(lock, [&] { return answer_stopping || !to_answer.empty(); });
      if (to_answer.empty()) return;  // stopping and drained
      batch.swap(to_answer);
    }
    for (Request* r : batch) {
      r->done(std::move(r->result));
      delete r;
    }
    batch.clear();
  }
}

}  // namespace clientele
