#include <rocksdb/db.h>

#include "eventstore/event_store.h"
#include "eventstore/internal/store_impl.h"

namespace clientele {

Result<VerifyReport> EventStore::Verify(const std::function<void(const RecordedEvent&)>& visit) {
  VerifyReport report;
  rocksdb::ReadOptions ro;
  ro.verify_checksums = false;  // let the chain, not the block checksum, find the event
  ro.fill_cache = false;
  ro.readahead_size = 2 << 20;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->log_cf));
  record::ChainHasher hasher;
  std::string prev(record::kHashSize, '\0');
  std::string canonical;
  RecordedEvent e;
  std::uint64_t expected = 1;
  auto broken = [&](std::uint64_t position, std::string problem) {
    report.ok = false;
    report.broken_position = position;
    report.problem = std::move(problem);
    return report;
  };
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++expected) {
    std::uint64_t key_position =
        it->key().size() == 8 ? record::DecodePositionKey(std::string_view(it->key().data(), 8))
                              : 0;
    report.head = key_position;
    if (key_position != expected) {
      return broken(expected, "event " + std::to_string(expected) + " is missing (next key is " +
                                  std::to_string(key_position) + ")");
    }
    std::string_view value(it->value().data(), it->value().size());
    if (Status s = record::DecodeRecord(value, &e); !s.ok()) {
      return broken(expected, "the stored record does not parse");
    }
    if (e.position != key_position) {
      return broken(expected,
                    "the record stored here claims position " + std::to_string(e.position));
    }
    canonical.clear();
    record::EncodeCanonical(e, &canonical);
    // The record must be exactly format + hash + canonical: nothing added or lost.
    if (value.size() != 1 + record::kHashSize + canonical.size() ||
        value.substr(1 + record::kHashSize) != canonical) {
      return broken(expected, "the stored record is not in canonical form");
    }
    std::string hash = hasher.Next(prev, canonical);
    if (hash != e.hash) return broken(expected, "hash mismatch: the event was altered");
    prev = std::move(hash);
    ++report.events_checked;
    if (visit) visit(e);
  }
  if (!it->status().ok()) {
    return broken(expected, "the log cannot be read here: " + it->status().ToString());
  }
  if (report.events_checked > 0) report.head_hash = std::move(prev);
  return report;
}

}  // namespace clientele
