// audit_bench: writing and checking a ledger extract of a whole log
// (projections/ledger_extract.h, projections/ledger_check.h).
//
//   audit_bench --data DIR [--entries N] [--runs R] [--threads T] [--reuse]
//
// Fills DIR with about N ledger entries (top-ups, deductions, points earned)
// over N/8 customers: HQ's own events by bulk append, and a third of the
// entries as a store's signed events replicated to HQ, so that the check
// verifies proofs of origin. Then, R times: the extract of every customer
// and the whole period to DIR/extract.jsonl, and its check. Prints `figure:
// audit_export N entries/s` and `figure: audit_check N entries/s`, the
// medians.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <vector>

#include "bench/bench_figures.h"
#include "domain/customer_code.h"
#include "domain/event_codec.h"
#include "domain/ids.h"
#include "domain/nodes.h"
#include "eventstore/event_store.h"
#include "eventstore/signing.h"
#include "eventstore/uuid.h"
#include "projections/ledger_check.h"
#include "projections/ledger_extract.h"

namespace clientele {
namespace {

using bench::Median;
using SteadyClock = std::chrono::steady_clock;

double Seconds(SteadyClock::time_point since) {
  return std::chrono::duration<double>(SteadyClock::now() - since).count();
}

NewEvent Local(const CustomerEvent& e) {
  NewEvent n;
  n.id = NewUuid();
  n.type = std::string(EventTypeName(e));
  n.schema = SchemaOf(e);
  n.data = EncodePayload(e);
  n.actor = "bench";
  return n;
}

// About `entries` entries: per customer a registration, then entries; every
// third entry is the store's, signed by `store_key` and replicated.
Status Generate(EventStore* log, const NodeKey& hq_key, const NodeKey& store_key,
                std::uint64_t entries) {
  for (const auto& [node, key] :
       {std::pair<std::string, const NodeKey*>{"hq", &hq_key}, {"s01", &store_key}}) {
    NodeEvent enrolled = NodeKeyEnrolled{node, PublicKeyText(key->public_key())};
    NewEvent n;
    n.id = NewUuid();
    n.type = std::string(EventTypeName(enrolled));
    n.data = EncodePayload(enrolled);
    if (auto r = log->Append(kNodesStream, ExpectedVersion::Any(), {n}); !r) return r.error();
  }
  std::mt19937 rng(11);
  const std::uint64_t customers = std::max<std::uint64_t>(1, entries / 8);
  const std::uint64_t per_customer = entries / customers;
  std::vector<std::string> ids(customers);
  std::uint64_t store_seq = 0;
  constexpr std::uint64_t kChunk = 50'000;  // customers per bulk
  for (std::uint64_t first = 0; first < customers; first += kChunk) {
    auto bulk = log->StartBulk();
    if (!bulk) return bulk.error();
    std::vector<RecordedEvent> from_store;
    for (std::uint64_t c = first; c < std::min(customers, first + kChunk); ++c) {
      ids[c] = NewUuid();
      CustomerDetails d;
      d[DetailField::kFirstName] = "Ada";
      d[DetailField::kLastName] = "Number" + std::to_string(c);
      std::vector<NewEvent> events = {
          Local(CustomerRegistered{ids[c], FormatCustomerCode("hq", c + 1), d, ""})};
      for (std::uint64_t k = 0; k < per_customer; ++k) {
        CustomerEvent e;
        switch (k % 3) {
          case 0:
            e = CreditToppedUp{5000, "pay-" + std::to_string(rng()), ""};
            break;
          case 1:
            e = PointsEarned{"tab-" + std::to_string(rng()), 42};
            break;
          default:
            e = CreditDeducted{100 + static_cast<Money>(rng() % 900), "", "tab"};
            break;
        }
        if (k % 3 == 2) {  // the store's
          RecordedEvent r;
          r.id = NewUuid();
          r.stream = CustomerStream(ids[c]);
          r.type = std::string(EventTypeName(e));
          r.schema = SchemaOf(e);
          r.data = EncodePayload(e);
          r.origin = "s01";
          r.actor = "till";
          r.time_ms = 1'750'000'000'000;
          r.seq = ++store_seq;
          from_store.push_back(std::move(r));
        } else {
          events.push_back(Local(e));
        }
      }
      if (Status s =
              (*bulk)->Add(CustomerStream(ids[c]), ExpectedVersion::NoStream(), std::move(events));
          !s.ok()) {
        return s;
      }
    }
    if (auto done = log->CommitBulk(std::move(*bulk)); !done) return done.error();
    SignOwn(store_key, "s01", from_store);
    for (std::size_t i = 0; i < from_store.size(); i += 4096) {
      std::vector<RecordedEvent> batch(
          from_store.begin() + static_cast<std::ptrdiff_t>(i),
          from_store.begin() + static_cast<std::ptrdiff_t>(std::min(from_store.size(), i + 4096)));
      if (auto r = log->AppendReplicated(std::move(batch)); !r) return r.error();
    }
    std::fprintf(stderr, "\rgenerating: %llu of %llu customers",
                 static_cast<unsigned long long>(std::min(customers, first + kChunk)),
                 static_cast<unsigned long long>(customers));
  }
  std::fprintf(stderr, "\n");
  return log->Flush();
}

int Run(const std::string& data, std::uint64_t entries, int runs, int threads, bool reuse,
        const std::string& only) {
  if (!reuse) std::filesystem::remove_all(data);
  auto hq_key = NodeKey::Generate();
  auto store_key = NodeKey::Generate();
  {
    auto log = EventStore::Open({.path = data + "/log-data", .sync = false});
    if (!log) {
      std::fprintf(stderr, "%s\n", log.error().ToString().c_str());
      return 2;
    }
    if ((*log)->Head() == 0) {
      const auto start = SteadyClock::now();
      if (Status s = Generate(log->get(), *hq_key, *store_key, entries); !s.ok()) {
        std::fprintf(stderr, "%s\n", s.ToString().c_str());
        return 2;
      }
      std::printf("generated %llu events in %.1f s\n",
                  static_cast<unsigned long long>((*log)->Head()), Seconds(start));
    }
  }
  auto log = EventStore::Open({.path = data + "/log-data", .read_only = true});
  if (!log) return 2;
  const std::string file = data + "/extract.jsonl";
  std::vector<double> exports, checks;
  for (int run = 0; run < runs; ++run) {
    if (only == "check" && std::filesystem::exists(file)) {
      const auto start = SteadyClock::now();
      auto report = CheckLedger(file, threads);
      std::printf("check %.2f s, %s\n", Seconds(start), report && report->ok ? "ok" : "BAD");
      continue;
    }
    std::FILE* out = std::fopen(file.c_str(), "wb");
    std::setvbuf(out, nullptr, _IOFBF, 1 << 20);
    auto start = SteadyClock::now();
    auto stats = ExportLedger(log->get(),
                              {.from_ms = 0, .to_ms = 4'102'444'800'000, .key = hq_key.get()}, out);
    std::fclose(out);
    const double export_s = Seconds(start);
    if (!stats) {
      std::fprintf(stderr, "%s\n", stats.error().ToString().c_str());
      return 2;
    }
    if (only == "export") {
      std::printf("export %.2f s\n", export_s);
      continue;
    }
    start = SteadyClock::now();
    auto report = CheckLedger(file, threads);
    const double check_s = Seconds(start);
    if (!report || !report->ok) {
      std::fprintf(stderr, "the check failed: %s\n",
                   report ? report->problem.c_str() : report.error().ToString().c_str());
      return 1;
    }
    const double n = static_cast<double>(stats->entries);
    exports.push_back(n / export_s);
    checks.push_back(n / check_s);
    std::printf(
        "run %d: %llu entries, %llu lines, %.0f MB; export %.2f s, check %.2f s (%llu "
        "proofs)\n",
        run + 1, static_cast<unsigned long long>(stats->entries),
        static_cast<unsigned long long>(stats->lines),
        static_cast<double>(std::filesystem::file_size(file)) / 1e6, export_s, check_s,
        static_cast<unsigned long long>(report->signed_events));
    std::fflush(stdout);
  }
  if (exports.empty()) return 0;  // --only
  std::printf("figure: audit_export %.0f entries/s\n", Median(exports));
  std::printf("figure: audit_check %.0f entries/s\n", Median(checks));
  return 0;
}

}  // namespace
}  // namespace clientele

int main(int argc, char** argv) {
  CLI::App app{"audit_bench: ledger extract export and check"};
  std::string data;
  std::uint64_t entries = 1'000'000;
  int runs = 3, threads = 0;
  bool reuse = false;
  app.add_option("--data", data, "A scratch folder (emptied unless --reuse)")->required();
  app.add_option("--entries", entries, "Ledger entries to generate (10000000 for the full size)")
      ->capture_default_str();
  app.add_option("--runs", runs, "Runs; the medians are printed")->capture_default_str();
  app.add_option("--threads", threads, "Threads of the check (0: one per core)")
      ->capture_default_str();
  app.add_flag("--reuse", reuse, "Keep a log generated before (same --entries)");
  std::string only;
  app.add_option("--only", only, "Profile one step: export, or check (of the last extract)")
      ->check(CLI::IsMember({"export", "check"}));
  CLI11_PARSE(app, argc, argv);
  return clientele::Run(data, entries, runs, threads, reuse, only);
}
