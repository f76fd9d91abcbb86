#include "consumers/merges.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <set>

#include "domain/customer.h"
#include "domain/event_codec.h"
#include "domain/ids.h"
#include "domain/ledger.h"
#include "eventstore/atomic_file.h"
#include "eventstore/bulk_append.h"

namespace clientele {

namespace {

struct Loaded {
  CustomerState state;
  std::int64_t version = 0;
  std::vector<CustomerEvent> events;
};

Result<Loaded> Load(EventStore* log, const std::string& id) {
  auto events = log->ReadStream(CustomerStream(id), 1, SIZE_MAX);
  if (!events) return Error(events.error());
  Loaded out;
  for (const RecordedEvent& e : *events) {
    auto decoded = DecodeCustomerEvent(e.type, e.schema, e.data);
    if (!decoded) continue;  // what no node can read moves nothing here either
    out.state = Evolve(std::move(out.state), *decoded);
    out.events.push_back(std::move(*decoded));
    out.version = e.version;
  }
  return out;
}

// What left the duplicate under merge `m`: the merge's transfer and the
// forwards made under it, as effects on the duplicate (so negative).
LedgerEffect MovedUnder(const std::vector<CustomerEvent>& events, const std::string& m) {
  LedgerEffect moved;
  for (const CustomerEvent& e : events) {
    bool under = false;
    if (const auto* merged = std::get_if<CustomerMerged>(&e)) under = merged->merge_id == m;
    if (const auto* s = std::get_if<MergeSettled>(&e)) {
      under = s->merge_id == m && s->kind == "forward" && s->side == "duplicate";
    }
    if (!under) continue;
    const LedgerEffect f = EffectOf(e);
    moved.points = SaturatingAdd(moved.points, f.points);
    moved.credit = SaturatingAdd(moved.credit, f.credit);
    moved.spent = SaturatingAdd(moved.spent, f.spent);
  }
  return moved;
}

NewEvent Make(std::string id, const CustomerEvent& event) {
  NewEvent e;
  e.id = std::move(id);
  e.type = std::string(EventTypeName(event));
  e.schema = SchemaOf(event);
  e.data = EncodePayload(event);
  return e;
}

}  // namespace

Result<std::unique_ptr<MergeSettler>> MergeSettler::Open(EventStore* log, std::string path,
                                                         std::uint64_t checked) {
  std::unique_ptr<MergeSettler> s(new MergeSettler(log, path));
  if (std::ifstream in(path); in) {
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) s->merged_.insert(line);
    }
    return Result<std::unique_ptr<MergeSettler>>(std::move(s));
  }
  if (checked > 0) {
    Status st = log->ScanAll(1, [&](const RecordedEvent& e) {
      if (e.position > checked) return false;
      if (e.type == "customer.merged" && e.stream.starts_with(kCustomerStreamPrefix)) {
        s->merged_.insert(e.stream.substr(kCustomerStreamPrefix.size()));
      }
      return true;
    });
    if (!st.ok()) return Error(st);
  }
  std::string contents;
  for (const std::string& id : s->merged_) contents += id + "\n";
  if (Status st = WriteFileAtomically(path, contents); !st.ok()) return Error(st);
  return Result<std::unique_ptr<MergeSettler>>(std::move(s));
}

Status MergeSettler::Remember(const std::string& customer_id) {
  std::FILE* f = std::fopen(path_.c_str(), "a");
  if (f == nullptr) return Status::Unavailable("cannot open " + path_);
  const std::string line = customer_id + "\n";
  const bool ok = std::fwrite(line.data(), 1, line.size(), f) == line.size() &&
                  std::fflush(f) == 0 && ::fsync(fileno(f)) == 0;
  std::fclose(f);
  if (!ok) return Status::Unavailable("cannot write " + path_);
  merged_.insert(customer_id);
  return Status::OK();
}

Result<int> MergeSettler::Settle(const std::vector<RecordedEvent>& appended) {
  std::set<std::string> touched;
  for (const RecordedEvent& e : appended) {
    if (!e.stream.starts_with(kCustomerStreamPrefix)) continue;
    std::string id = e.stream.substr(kCustomerStreamPrefix.size());
    if (e.type == "customer.merged" && !merged_.contains(id)) {
      if (Status s = Remember(id); !s.ok()) return Error(s);
    }
    if (merged_.contains(id)) touched.insert(std::move(id));
  }
  int count = 0;
  for (const std::string& id : touched) {
    if (Status s = SettleCustomer(id, &count); !s.ok()) return Error(s);
  }
  return count;
}

Status MergeSettler::SettleCustomer(const std::string& id, int* count) {
  // Appends both ends of a settlement as one.
  auto commit = [&](const std::string& dup, ExpectedVersion dup_at, NewEvent dup_event,
                    const std::string& survivor, NewEvent survivor_event) -> Status {
    auto bulk = log_->StartBulk();
    if (!bulk) return bulk.error();
    if (Status s = (*bulk)->Add(CustomerStream(dup), dup_at, {std::move(dup_event)}); !s.ok()) {
      return s;
    }
    if (Status s = (*bulk)->Add(CustomerStream(survivor), ExpectedVersion::Any(),
                                {std::move(survivor_event)});
        !s.ok()) {
      return s;
    }
    auto done = log_->CommitBulk(std::move(*bulk));
    if (!done) return done.error();
    if (!done->duplicate) *count += 2;
    return Status::OK();
  };
  // Voids merge `m` of `owner` (into `survivor`).
  auto void_merge = [&](const std::string& owner, const std::string& m,
                        const std::string& survivor) -> Status {
    auto loaded = Load(log_, owner);
    if (!loaded) return loaded.error();
    const LedgerEffect moved = MovedUnder(loaded->events, m);
    MergeSettled back{m,
                      "void",
                      "duplicate",
                      survivor,
                      SaturatingNegate(moved.points),
                      SaturatingNegate(moved.credit),
                      SaturatingNegate(moved.spent),
                      0};
    MergeSettled take{m, "void", "survivor", owner, moved.points, moved.credit, moved.spent, 0};
    return commit(owner, ExpectedVersion::Any(),
                  Make(DerivedUuid("merge.void:" + m + ":duplicate"), back), survivor,
                  Make(DerivedUuid("merge.void:" + m + ":survivor"), take));
  };
  for (int round = 0; round < 16; ++round) {
    auto x = Load(log_, id);
    if (!x) return x.error();
    const MergeLinks& links = x->state.merges;
    const std::string winner = links.WinningMerge();
    if (winner.empty()) return Status::OK();
    // 1. Its own merges that lose to the smallest.
    bool voided = false;
    for (const auto& [m, link] : links.out) {
      if (link.voided || m == winner) continue;
      if (Status s = void_merge(id, m, link.other_id); !s.ok()) return s;
      voided = true;
    }
    if (voided) continue;
    // 2. A cycle through it: the largest merge in the cycle loses.
    std::vector<std::pair<std::string, std::string>> path = {{id, winner}};  // (customer, merge)
    std::vector<std::string> survivors = {links.MergedInto()};
    bool cycle = false;
    for (std::string at = links.MergedInto(); path.size() < 64;) {
      if (at == id) {
        cycle = true;
        break;
      }
      bool seen = false;
      for (const auto& [c, m] : path) seen = seen || c == at;
      if (seen) break;  // a cycle not through this customer: its own members settle it
      auto next = Load(log_, at);
      if (!next) return next.error();
      const std::string into = next->state.merges.MergedInto();
      if (into.empty()) break;
      path.emplace_back(at, next->state.merges.WinningMerge());
      survivors.push_back(into);
      at = into;
    }
    if (cycle) {
      std::size_t loser = 0;
      for (std::size_t i = 1; i < path.size(); ++i) {
        if (path[i].second > path[loser].second) loser = i;
      }
      if (Status s = void_merge(path[loser].first, path[loser].second, survivors[loser]); !s.ok()) {
        return s;
      }
      continue;
    }
    // 3. What it holds after its merge goes on to its survivor.
    const CustomerState& d = x->state;
    if (d.points == 0 && d.credit == 0 && d.total_spent == 0) return Status::OK();
    const std::string survivor = links.MergedInto();
    const std::string key = "merge.forward:" + id + ":" + std::to_string(x->version);
    MergeSettled out{winner,
                     "forward",
                     "duplicate",
                     survivor,
                     SaturatingNegate(d.points),
                     SaturatingNegate(d.credit),
                     SaturatingNegate(d.total_spent),
                     0};
    MergeSettled in{winner,   "forward", "survivor",    id,
                    d.points, d.credit,  d.total_spent, d.last_visit_ms};
    Status s =
        commit(id, ExpectedVersion::Exact(x->version), Make(DerivedUuid(key + ":duplicate"), out),
               survivor, Make(DerivedUuid(key + ":survivor"), in));
    if (s.ok() || s.reason() != "wrong_expected_version") return s;
    // The duplicate moved meanwhile: settle it as it is now.
  }
  return Status::OK();
}

}  // namespace clientele
