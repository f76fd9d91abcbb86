#include "cli/audit_command.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>

#include "domain/audit_checkpoint.h"
#include "domain/ids.h"
#include "domain/nodes.h"
#include "domain/time.h"
#include "eventstore/coding.h"
#include "eventstore/event_store.h"
#include "eventstore/signing.h"
#include "eventstore/system_clock.h"
#include "projections/ledger_check.h"
#include "projections/ledger_extract.h"

namespace clientele {

namespace {

int Fail(const Status& s) {
  std::fprintf(stderr, "clientele: %s\n", s.ToString().c_str());
  return 2;
}

double Since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int RunAuditExport(const AuditExportArgs& args) {
  const std::int64_t now = SystemClock::Default()->NowMs();
  auto from = ParseTime(args.from, now);
  if (!from) return Fail(Status::InvalidArgument("--from", "invalid_time", from.error().message()));
  auto to = ParseTime(args.to, now);
  if (!to) return Fail(Status::InvalidArgument("--to", "invalid_time", to.error().message()));
  auto store = EventStore::Open({.path = args.data, .read_only = true});
  if (!store) return Fail(store.error());
  // The node's own key signs the extract, if the folder has it.
  std::unique_ptr<NodeKey> key;
  const std::string key_path = args.data + "/node-key.pem";
  if (std::filesystem::exists(key_path)) {
    auto loaded = NodeKey::LoadOrCreate(key_path);
    if (!loaded) return Fail(loaded.error());
    key = std::move(*loaded);
  }
  std::FILE* out = stdout;
  const std::string partial = args.out + ".partial";
  if (args.out != "-") {
    out = std::fopen(partial.c_str(), "wb");
    if (out == nullptr) {
      return Fail(Status::InvalidArgument("--out", "unwritable", "cannot write " + partial));
    }
    std::setvbuf(out, nullptr, _IOFBF, 1 << 20);
  }
  const auto start = std::chrono::steady_clock::now();
  auto stats = ExportLedger(store->get(),
                            {.from_ms = *from,
                             .to_ms = *to,
                             .customer = args.customer,
                             .key = key.get(),
                             .made_at_ms = now},
                            out);
  if (out != stdout) {
    const bool closed = std::fclose(out) == 0;
    if (stats && !closed) stats = Error(Status::Unavailable("writing " + partial + " failed"));
    std::error_code ec;
    if (stats) std::filesystem::rename(partial, args.out, ec);
    if (!stats || ec) std::filesystem::remove(partial, ec);
  }
  if (!stats) return Fail(stats.error());
  const double seconds = Since(start);
  std::fprintf(stderr,
               "clientele: %llu entries (%llu lines, %llu customers) from %s to %s written to %s "
               "in %.2f s%s\n",
               static_cast<unsigned long long>(stats->entries),
               static_cast<unsigned long long>(stats->lines),
               static_cast<unsigned long long>(stats->customers), FormatTime(*from).c_str(),
               FormatTime(*to).c_str(), args.out == "-" ? "standard output" : args.out.c_str(),
               seconds, key ? ", signed with the node's key" : ", unsigned (no node-key.pem)");
  return 0;
}

int RunAuditCheck(const std::string& file, int threads) {
  const auto start = std::chrono::steady_clock::now();
  auto report = CheckLedger(file, threads);
  if (!report) return Fail(report.error());
  if (!report->ok) {
    std::printf("BAD at line %llu%s: %s\n", static_cast<unsigned long long>(report->bad_line),
                report->bad_event.empty() ? "" : (" (event " + report->bad_event + ")").c_str(),
                report->problem.c_str());
    return 1;
  }
  std::printf(
      "ok: %llu entries, %llu lines, %llu customers from %s to %s, extracted from %s's log at "
      "position %llu\n"
      "every link, amount, balance and position holds; %llu proofs of origin verified, %llu "
      "events the node's own\n"
      "%s (checked in %.2f s)\n",
      static_cast<unsigned long long>(report->entries),
      static_cast<unsigned long long>(report->lines),
      static_cast<unsigned long long>(report->customers), report->from.c_str(), report->to.c_str(),
      report->node.empty() ? "an unnamed node" : report->node.c_str(),
      static_cast<unsigned long long>(report->log_head),
      static_cast<unsigned long long>(report->signed_events),
      static_cast<unsigned long long>(report->unsigned_events),
      report->signed_by.empty() ? "the extract is not signed"
                                : ("the extract is signed by " + report->signed_by).c_str(),
      Since(start));
  return 0;
}

int RunAuditCheckpoints(const std::string& data, const std::string& against) {
  auto store = EventStore::Open({.path = data, .read_only = true});
  if (!store) return Fail(store.error());
  auto events = (*store)->ReadStream(kAuditStream, 1, SIZE_MAX);
  if (!events) return Fail(events.error());
  NodeRegistry registry;
  auto nodes = (*store)->ReadStream(kNodesStream, 1, SIZE_MAX);
  if (!nodes) return Fail(nodes.error());
  for (const RecordedEvent& e : *nodes) {
    if (auto decoded = DecodeNodeEvent(e.type, e.schema, e.data)) {
      registry = Evolve(std::move(registry), *decoded);
    }
  }
  struct Checkpoint {
    CheckpointRecorded c;
    std::int64_t time_ms = 0;
    bool signed_by_hq = false;
  };
  std::vector<Checkpoint> checkpoints;
  ProofVerifier verifier;
  for (const RecordedEvent& e : *events) {
    auto c = DecodeCheckpoint(e.type, e.schema, e.data);
    if (!c) return Fail(c.error());
    Checkpoint k{*c, e.time_ms, false};
    if (!e.signature.empty()) {  // a copy received from HQ: HQ's proof must hold
      Status s = e.origin == kHqNode
                     ? registry.MaySign(kHqNode, PublicKeyText(ProofKey(e.signature)), e.seq)
                     : Status::PermissionDenied("type_not_allowed", "not HQ's");
      if (s.ok()) s = verifier.Verify(e);
      if (!s.ok()) {
        std::printf("BAD: the checkpoint of %s (event %s) is not HQ's: %s\n", k.c.day.c_str(),
                    e.id.c_str(), s.message().c_str());
        return 1;
      }
      k.signed_by_hq = true;
    }
    checkpoints.push_back(std::move(k));
  }
  if (checkpoints.empty()) {
    std::printf("no checkpoints in the log at %s (HQ records one a day while it serves)\n",
                data.c_str());
    return 1;
  }
  const bool copies = checkpoints.front().signed_by_hq;
  if (against.empty() && copies) {
    return Fail(Status::InvalidArgument(
        "--against", "hq_log_needed",
        "these are HQ's checkpoints as this node received them; name HQ's data folder with "
        "--against to check HQ's log against them"));
  }
  std::unique_ptr<EventStore> other;
  EventStore* hq = store->get();
  if (!against.empty() && against != data) {
    auto opened = EventStore::Open({.path = against, .read_only = true});
    if (!opened) return Fail(opened.error());
    other = std::move(*opened);
    hq = other.get();
  }
  std::map<std::uint64_t, std::string> hashes;  // wanted position -> hash found
  for (const Checkpoint& k : checkpoints) hashes[k.c.position];
  auto verified = hq->Verify([&](const RecordedEvent& e) {
    if (auto it = hashes.find(e.position); it != hashes.end()) it->second = coding::Hex(e.hash);
  });
  if (!verified) return Fail(verified.error());
  int bad = 0;
  std::printf("%-10s  %10s  %-16s  %-24s  %s\n", "day", "position", "hash", "recorded at",
              "HQ's log now");
  for (const Checkpoint& k : checkpoints) {
    const std::string& found = hashes[k.c.position];
    std::string verdict;
    if (found.empty()) {
      verdict = k.c.position > verified->head
                    ? "MISSING: the log ends before this position"
                    : "NOT CHECKED: the chain breaks before this position";
    } else if (found != k.c.hash) {
      verdict = "DIFFERS: the log was rewritten at or before this position";
    } else {
      verdict = "matches";
    }
    bad += verdict == "matches" ? 0 : 1;
    std::printf("%-10s  %10llu  %.16s  %-24s  %s\n", k.c.day.c_str(),
                static_cast<unsigned long long>(k.c.position), k.c.hash.c_str(),
                FormatTime(k.time_ms).c_str(), verdict.c_str());
  }
  if (!verified->ok) {
    std::printf("the hash chain is BROKEN at position %llu: %s\n",
                static_cast<unsigned long long>(verified->broken_position),
                verified->problem.c_str());
    ++bad;
  }
  if (bad > 0) {
    std::printf("%d of %zu checkpoints do not hold\n", bad, checkpoints.size());
    return 1;
  }
  std::printf("ok: all %zu checkpoints%s match the log (%llu events, hash chain intact)\n",
              checkpoints.size(), copies ? " (HQ's proofs verified)" : "",
              static_cast<unsigned long long>(verified->events_checked));
  return 0;
}

}  // namespace clientele
