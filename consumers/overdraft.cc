#include "consumers/overdraft.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <set>

#include "consumers/duplicates.h"
#include "domain/customer.h"
#include "domain/event_codec.h"
#include "domain/ids.h"
#include "eventstore/atomic_file.h"

namespace clientele {

Result<int> RecordOverdrafts(EventStore* log, const std::vector<RecordedEvent>& appended) {
  std::map<std::string, std::set<std::string>> deductions;  // stream -> deduction ids
  for (const RecordedEvent& e : appended) {
    if (e.type == "credit.deducted" || e.type == "loyalty.points_redeemed") {
      deductions[e.stream].insert(e.id);
    }
  }
  int recorded = 0;
  for (const auto& [stream, ids] : deductions) {
    auto events = log->ReadStream(stream, 1, SIZE_MAX);
    if (!events) return Error(events.error());
    CustomerState state;
    std::vector<NewEvent> overdrafts;
    for (const RecordedEvent& e : *events) {
      auto decoded = DecodeCustomerEvent(e.type, e.schema, e.data);
      if (!decoded) continue;  // the projections report undecodable events
      state = Evolve(std::move(state), *decoded);
      if (!ids.contains(e.id)) continue;
      CustomerEvent found;
      if (const auto* deduction = std::get_if<CreditDeducted>(&*decoded)) {
        if (state.credit >= 0) continue;
        found = CreditOverdraftDetected{e.id, e.origin, std::min(deduction->amount, -state.credit)};
      } else if (const auto* redemption = std::get_if<PointsRedeemed>(&*decoded)) {
        // Points expired (or redeemed elsewhere) before this redemption reached HQ.
        if (state.points >= 0) continue;
        found =
            PointsShortfallDetected{e.id, e.origin, std::min(redemption->points, -state.points)};
      } else {
        continue;
      }
      NewEvent out;
      out.type = std::string(EventTypeName(found));
      out.id = DerivedUuid(out.type + ":" + e.id);
      if (log->FindById(out.id)) continue;  // found before (a redelivery)
      out.schema = SchemaOf(found);
      out.data = EncodePayload(found);
      out.actor = "system";
      out.causation_id = e.id;
      out.correlation_id = e.correlation_id;
      overdrafts.push_back(std::move(out));
    }
    if (overdrafts.empty()) continue;
    const std::size_t n = overdrafts.size();
    auto result = log->Append(stream, ExpectedVersion::Any(), std::move(overdrafts));
    if (!result) return Error(result.error());
    if (!result->duplicate) recorded += static_cast<int>(n);
  }
  return recorded;
}

Result<std::unique_ptr<OverdraftWatch>> OverdraftWatch::Start(
    EventStore* log, std::string checkpoint_path, const std::string& index_path,
    std::function<void(std::string_view)> report) {
  std::uint64_t from = 0;
  if (std::ifstream in(checkpoint_path); in) {
    std::string text;
    in >> text;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), from);
    if (ec != std::errc() || p != text.data() + text.size()) {
      return Error(Status::Corruption("the overdraft checkpoint " + checkpoint_path +
                                      " does not hold a position"));
    }
  }
  if (!report) {
    report = [](std::string_view line) {
      std::fprintf(stderr, "clientele: %.*s\n", static_cast<int>(line.size()), line.data());
    };
  }
  auto index = ReferenceIndex::Open(index_path);
  if (!index) return Error(index.error());
  // An index ahead of the log (a log restored from an older backup) lists
  // events the log no longer holds: it is made again.
  if ((*index)->position() > log->Head()) {
    if (Status s = (*index)->Clear(); !s.ok()) return Error(s);
  }
  auto merges = MergeSettler::Open(log, checkpoint_path + ".merged", from);
  if (!merges) return Error(merges.error());
  return std::unique_ptr<OverdraftWatch>(new OverdraftWatch(log, std::move(checkpoint_path),
                                                            std::move(*index), std::move(report),
                                                            from, std::move(*merges)));
}

OverdraftWatch::OverdraftWatch(EventStore* log, std::string path,
                               std::unique_ptr<ReferenceIndex> index,
                               std::function<void(std::string_view)> report, std::uint64_t from,
                               std::unique_ptr<MergeSettler> merges)
    : merges_(std::move(merges)),
      log_(log),
      index_(std::move(index)),
      path_(std::move(path)),
      report_(std::move(report)),
      checked_(from) {
  thread_ = std::thread([this] { Run(); });
}

OverdraftWatch::~OverdraftWatch() {
  stopping_ = true;
  thread_.join();
}

bool OverdraftWatch::CatchUpIndex() {
  constexpr std::size_t kBatch = 65536;
  while (!stopping_.load() && index_->position() < checked_.load()) {
    auto events = log_->ReadAll(index_->position() + 1, kBatch);
    Status s = events ? Status::OK() : events.error();
    if (s.ok()) {
      while (!events->empty() && events->back().position > checked_.load()) events->pop_back();
      if (events->empty()) return true;  // the checkpoint is past the log's head
      auto staged = index_->Stage(*events);
      s = staged ? index_->Commit(*staged, events->back().position) : staged.error();
    }
    if (!s.ok()) {
      report_("indexing references for the duplicate check failed, retrying: " + s.ToString());
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  }
  return !stopping_.load();
}

void OverdraftWatch::Run() {
  if (!CatchUpIndex()) return;
  auto sub = log_->Subscribe(checked_.load());
  std::vector<RecordedEvent> pending;    // read, not yet checked
  std::uint64_t done = checked_.load();  // checked, the checkpoint not yet saved
  auto saved_at = std::chrono::steady_clock::now();
  int attempt = 0;
  // The checkpoint is saved once a second while events keep coming, and at
  // once when they stop: a crash re-checks at most a second's events, which
  // the derived ids make harmless, and the log's syncs are not shared with a
  // file's on every batch.
  auto save = [&] {
    if (done == checked_.load()) return true;
    Status s = WriteFileAtomically(path_, std::to_string(done) + "\n");
    if (!s.ok()) {
      report_("overdraft check: saving the checkpoint failed, retrying: " + s.ToString());
      return false;
    }
    checked_ = done;
    saved_at = std::chrono::steady_clock::now();
    return true;
  };
  while (!stopping_.load()) {
    if (pending.empty()) {
      if (std::chrono::steady_clock::now() - saved_at >= std::chrono::seconds(1)) save();
      auto events = sub->Next(4096, std::chrono::milliseconds(100));
      if (!events) {
        report_("overdraft check: reading the log failed: " + events.error().ToString());
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        continue;
      }
      if (events->empty()) {
        if (!save()) std::this_thread::sleep_for(std::chrono::milliseconds(500));
        continue;
      }
      pending = std::move(*events);
    }
    auto found = RecordOverdrafts(log_, pending);
    auto duplicates =
        found ? RecordDuplicates(log_, index_.get(), pending) : Result<DuplicateCounts>();
    auto settled = found && duplicates ? merges_->Settle(pending) : Result<int>(0);
    if (!found || !duplicates || !settled) {
      report_("overdraft check failed, retrying: " + (!found        ? found.error()
                                                      : !duplicates ? duplicates.error()
                                                                    : settled.error())
                                                         .ToString());
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::min(1000, 50 << std::min(attempt++, 4))));
      continue;
    }
    attempt = 0;
    done = pending.back().position;
    pending.clear();
    if (*found > 0) {
      recorded_ += static_cast<std::uint64_t>(*found);
      report_(std::to_string(*found) + " credit overdraft(s) detected and recorded");
    }
    if (*settled > 0) {
      settlements_ += static_cast<std::uint64_t>(*settled);
      report_(std::to_string(*settled) + " merge settlement(s) appended");
    }
    if (duplicates->reversed > 0 || duplicates->conflicts > 0) {
      duplicates_ += static_cast<std::uint64_t>(duplicates->reversed);
      conflicts_ += static_cast<std::uint64_t>(duplicates->conflicts);
      report_(std::to_string(duplicates->reversed) + " duplicate record(s) taken back, " +
              std::to_string(duplicates->conflicts) + " conflict(s) recorded for review");
    }
  }
  save();
}

}  // namespace clientele
