// reports_bench: the reports over a year of a chain's history. Writes a log of
// `customers` customers and about `events` events per customer over 2026 at
// `stores` stores (points expire three months after the last purchase or
// redemption), then measures:
//   - the rebuild of the projections and of the reports from that log (same
//     run): the reports' events/s and their share of the whole rebuild;
//   - the reports: liability as of a random day, a year's roll-forward by
//     store, the between-stores figures for a year (p50 and p99 over --queries);
//   - HQ's expiry sweep over every customer at the start of 2027 (the year's
//     backlog at once), then the next day's.
//
//   reports_bench --data DIR [--customers N] [--events E] [--stores S] [--queries Q]
//
// Prints `figure: NAME VALUE UNIT` lines.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include "bench/bench_figures.h"
#include "commands/points_expiry.h"
#include "domain/event_codec.h"
#include "domain/ids.h"
#include "eventstore/uuid.h"
#include "projections/projector.h"
#include "projections/reports.h"

namespace clientele {
namespace {

using bench::SteadyClock;

using bench::PeakRssKb;
using bench::PrintFigure;
using bench::Seconds;

RecordedEvent Event(const std::string& stream, const CustomerEvent& e, std::int64_t time,
                    const std::string& origin) {
  RecordedEvent r;
  r.id = NewUuid();
  r.stream = stream;
  r.type = std::string(EventTypeName(e));
  r.schema = SchemaOf(e);
  r.data = EncodePayload(e);
  r.time_ms = time;
  r.origin = origin;
  r.actor = "bench";
  return r;
}

// A year of history, day by day, appended as other nodes' events would be.
std::uint64_t Generate(EventStore* log, int customers, int events, int stores,
                       std::int64_t year_start) {
  constexpr std::int64_t kDay = 86'400'000;
  std::mt19937_64 rng(42);
  std::vector<std::string> names = {"hq"};
  for (int s = 1; s < stores; ++s) {
    char n[8];
    std::snprintf(n, sizeof n, "s%02d", s);
    names.emplace_back(n);
  }
  std::vector<std::string> ids(customers);
  std::vector<std::int64_t> credit(customers), points(customers);
  std::vector<std::uint8_t> home(customers);
  std::vector<RecordedEvent> batch;
  std::uint64_t written = 0;
  auto flush = [&](bool all) {
    if (batch.empty() || (!all && batch.size() < 8192)) return;
    auto r = log->AppendReplicated(std::move(batch));
    if (!r) {
      std::fprintf(stderr, "bench: %s\n", r.error().ToString().c_str());
      std::exit(1);
    }
    batch.clear();
  };
  // The program, in force from the start: points expire after three months
  // without a purchase or redemption.
  {
    LoyaltyProgram p;
    p.expiry = {ExpiryPolicy::kAfterInactivity, 3};
    SettingsEvent set = LoyaltyProgramSet{p};
    RecordedEvent r;
    r.id = NewUuid();
    r.stream = std::string(kSettingsStream);
    r.type = std::string(EventTypeName(set));
    r.schema = SchemaOf(set);
    r.data = EncodePayload(set);
    r.time_ms = year_start - kDay;
    r.origin = "hq";
    batch.push_back(std::move(r));
  }
  const int register_days = 30;
  const double per_day = static_cast<double>(events - 1) / 365.0;
  std::uniform_real_distribution<double> unit(0, 1);
  for (int day = 0; day < 365; ++day) {
    const std::int64_t t0 = year_start + day * kDay;
    if (day < register_days) {
      for (int c = day; c < customers; c += register_days) {
        ids[c] = NewUuid();
        home[c] = static_cast<std::uint8_t>(rng() % names.size());
        CustomerDetails d;
        d[DetailField::kFirstName] = "Customer";
        d[DetailField::kLastName] = std::to_string(c);
        const std::string& store = names[home[c]];
        batch.push_back(Event(
            CustomerStream(ids[c]),
            CustomerRegistered{ids[c], "CUST-" + std::to_string(c), d, store == "hq" ? "" : store},
            t0 + static_cast<std::int64_t>(rng() % 3'600'000), store));
        ++written;
        flush(false);
      }
    }
    const int registered = std::min(customers, customers * (day + 1) / register_days);
    for (int c = 0; c < registered; ++c) {
      if (ids[c].empty() || unit(rng) >= per_day) continue;
      const std::string stream = CustomerStream(ids[c]);
      const std::string& at = rng() % 10 < 7 ? names[home[c]] : names[rng() % names.size()];
      const std::int64_t t = t0 + 3'600'000 + static_cast<std::int64_t>(rng() % 72'000'000);
      const int kind = static_cast<int>(rng() % 20);
      if (kind < 9) {
        const std::string tab = NewUuid();
        const Money amount = 100 + static_cast<Money>(rng() % 20000);
        batch.push_back(Event(stream, PurchaseRecorded{tab, amount, t}, t, at));
        batch.push_back(Event(stream, PointsEarned{tab, amount / 100}, t, at));
        points[c] += amount / 100;
        written += 2;
      } else if (kind < 13) {
        const Money amount = 500 + static_cast<Money>(rng() % 10000);
        batch.push_back(Event(stream, CreditToppedUp{amount, NewUuid(), ""}, t, at));
        credit[c] += amount;
        ++written;
      } else if (kind < 17) {
        if (credit[c] <= 0) continue;
        const Money amount = 1 + static_cast<Money>(rng() % credit[c]);
        batch.push_back(Event(stream, CreditDeducted{amount, "", ""}, t, at));
        credit[c] -= amount;
        ++written;
      } else if (kind < 19) {
        if (points[c] <= 0) continue;
        const Points p = 1 + static_cast<Points>(rng() % points[c]);
        batch.push_back(Event(stream, PointsRedeemed{p, "", ""}, t, at));
        points[c] -= p;
        ++written;
      } else {
        batch.push_back(Event(stream, CreditAdjusted{100, "goodwill"}, t, at));
        credit[c] += 100;
        ++written;
      }
      flush(false);
    }
  }
  flush(true);
  return written;
}

struct Latency {
  double p50_ms = 0, p99_ms = 0;
};

template <typename F>
Latency Measure(int runs, F run) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const auto start = SteadyClock::now();
    run(i);
    ms.push_back(Seconds(start) * 1000);
  }
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms[std::min(ms.size() - 1, ms.size() * 99 / 100)]};
}

}  // namespace
}  // namespace clientele

int main(int argc, char** argv) {
  using namespace clientele;
  CLI::App app{"Reports benchmark"};
  std::string data;
  int customers = 200'000, events = 10, stores = 20, queries = 200;
  app.add_option("--data", data, "Folder for the benchmark node (wiped)")->required();
  app.add_option("--customers", customers, "Customers")->capture_default_str();
  app.add_option("--events", events, "Events per customer, about")->capture_default_str();
  app.add_option("--stores", stores, "Stores, HQ included")->capture_default_str();
  app.add_option("--queries", queries, "Runs of each report")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  std::filesystem::remove_all(data);
  std::filesystem::create_directories(data);

  const std::int64_t year_start = TimeZone().StartOfDay(*ParseDay("2026-01-01"));
  ManualClock clock(year_start + 366LL * 86'400'000);
  auto log = EventStore::Open({.path = data + "/node", .origin = "hq", .clock = &clock});
  if (!log) {
    std::fprintf(stderr, "bench: %s\n", log.error().ToString().c_str());
    return 1;
  }
  auto start = SteadyClock::now();
  const std::uint64_t written = Generate(log->get(), customers, events, stores, year_start);
  std::printf("wrote %llu events of %d customers at %d stores in %.1f s\n",
              static_cast<unsigned long long>(written), customers, stores, Seconds(start));

  // The rebuild: the projections, then the reports, from the same log.
  start = SteadyClock::now();
  {
    auto projector = Projector::Open(log->get(), data + "/node/projections");
    if (!projector || !(*projector)->CatchUp().ok()) {
      std::fprintf(stderr, "bench: projections failed\n");
      return 1;
    }
  }
  const double projections_s = Seconds(start);
  start = SteadyClock::now();
  auto reports = Reports::Open(log->get(), {.path = data + "/node/reports"});
  if (!reports || !(*reports)->CatchUp().ok()) {
    std::fprintf(stderr, "bench: reports failed\n");
    return 1;
  }
  const double reports_s = Seconds(start);
  PrintFigure("reports_rebuild", static_cast<double>(written) / reports_s, "events/s");
  PrintFigure("projections_rebuild", static_cast<double>(written) / projections_s, "events/s");
  PrintFigure("reports_share_of_rebuild", 100.0 * reports_s / (reports_s + projections_s), "%");

  const std::int32_t first = *ParseDay("2026-01-01"), last = *ParseDay("2026-12-31");
  std::mt19937 rng(1);
  Latency liability = Measure(queries, [&](int) {
    auto r = (*reports)->Liability(first + static_cast<std::int32_t>(rng() % 365));
    if (r.stores.empty()) std::exit(1);
  });
  PrintFigure("report_liability_p50", liability.p50_ms, "ms");
  PrintFigure("report_liability_p99", liability.p99_ms, "ms");
  Latency roll = Measure(std::max(10, queries / 4), [&](int) {
    auto r = (*reports)->RollForward(first, last);
    if (r.stores.size() != static_cast<std::size_t>(stores)) std::exit(1);
  });
  PrintFigure("report_roll_forward_year_p50", roll.p50_ms, "ms");
  PrintFigure("report_roll_forward_year_p99", roll.p99_ms, "ms");
  Latency moves = Measure(std::max(10, queries / 4), [&](int) {
    auto r = (*reports)->BetweenStores(first, last);
    if (r.moves.empty()) std::exit(1);
  });
  PrintFigure("report_between_stores_year_p50", moves.p50_ms, "ms");
  PrintFigure("report_between_stores_year_p99", moves.p99_ms, "ms");
  Latency dormant = Measure(std::max(10, queries / 4), [&](int) { (*reports)->Dormant(last); });
  PrintFigure("report_dormant_p99", dormant.p99_ms, "ms");

  // HQ's sweeps: first at the start of 2027 with the whole backlog of the
  // year due at once (the lots of every customer inactive for three months),
  // then the next day's, as the hourly sweep finds them in a running chain.
  (*reports)->Start();
  for (const char* which : {"backlog", "daily"}) {
    if (which == std::string_view("daily")) {
      clock.Advance(86'400'000);
      if (!(*reports)->WaitFor((*log)->Head(), std::chrono::minutes(10))) return 1;
    }
    start = SteadyClock::now();
    auto swept = ExpirePoints(log->get(), reports->get(), &clock);
    const double sweep_s = Seconds(start);
    if (!swept) {
      std::fprintf(stderr, "bench: sweep: %s\n", swept.error().ToString().c_str());
      return 1;
    }
    std::printf("%s sweep: %llu lots (%lld points) expired in %.3f s\n", which,
                static_cast<unsigned long long>(swept->expired_lots),
                static_cast<long long>(swept->expired_points), sweep_s);
    PrintFigure(std::string("expiry_sweep_") + which, static_cast<double>(customers) / sweep_s,
                "customers/s");
    PrintFigure(std::string("expiry_sweep_") + which + "_lots",
                static_cast<double>(swept->expired_lots) / sweep_s, "lots/s");
  }
  PrintFigure("peak_rss", static_cast<double>(PeakRssKb()) / 1024.0, "MiB");
  return 0;
}
