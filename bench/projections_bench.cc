// projections_bench: rebuilding the projections from the log against a raw
// RocksDB scan of the same log (same run), customer-table search latency over
// a large table, and peak memory.
//
//   projections_bench --data DIR [--customers N] [--queries Q] [--reuse]
//
// Prints `figure: NAME VALUE UNIT` lines.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "bench/bench_figures.h"
#include "domain/customer_code.h"
#include "domain/event_codec.h"
#include "domain/ids.h"
#include "eventstore/data_keys.h"
#include "eventstore/system_clock.h"
#include "eventstore/uuid.h"
#include "projections/customer_table.h"
#include "projections/search_text.h"

namespace clientele {
namespace {

using bench::SteadyClock;

const char* kFirst[] = {"James", "Mary",     "Jürgen",  "Lucía", "Seán",   "Zoë",      "Ada",
                        "Li",    "Amélie",   "Øystein", "Noah",  "Olivia", "Liam",     "Emma",
                        "Mateo", "Sofía",    "Hiroshi", "Anaïs", "Björn",  "Chloé",    "David",
                        "Elena", "François", "Greta",   "Hugo",  "Ingrid", "Jean-Luc", "Karin",
                        "Lars",  "Marta",    "Nils",    "Otto"};

std::string LastName(std::mt19937& rng) {
  static const char* kStems[] = {"Müller",  "Núñez",  "O'Brien",  "Smith",    "García",  "Lovelace",
                                 "Schmidt", "Dubois", "Rossi",    "Kowalski", "Jensen",  "Novák",
                                 "Silva",   "Yılmaz", "Nakamura", "Van Dijk", "Popescu", "Horváth"};
  static const char* kEnds[] = {"", "son", "er", "ez", "i", "ov", "a", "berg", "ström", "mann"};
  std::string s = kStems[rng() % std::size(kStems)];
  s += kEnds[rng() % std::size(kEnds)];
  s += std::to_string(rng() % 60);  // ~10,000 distinct last names
  return s;
}

using bench::Median;
using bench::PeakRssKb;
using bench::Seconds;
void Figure(const std::string& name, double value, const char* unit) {
  bench::PrintFigure(name, value, unit);
}

// Writes `customers` registrations plus purchases, points and top-ups for some
// of them, many appends in flight at once (not synced: this is set-up).
// With `keys`, personal fields are sealed as the command path seals them.
void Generate(EventStore* store, int customers, PersonalDataKeys* keys = nullptr) {
  std::mt19937 rng(7);
  std::atomic<int> in_flight{0};
  auto append = [&](const std::string& stream, std::vector<CustomerEvent> events) {
    std::vector<NewEvent> batch;
    for (const auto& e : events) {
      NewEvent n;
      n.id = NewUuid();
      n.type = std::string(EventTypeName(e));
      auto sealed = EncodeSealedPayload(e, std::string_view(stream).substr(9), keys);
      if (!sealed) std::exit(1);
      n.data = std::move(*sealed);
      n.actor = "bench";
      batch.push_back(std::move(n));
    }
    while (in_flight.load() > 512) std::this_thread::yield();
    ++in_flight;
    store->AppendAsync(stream, ExpectedVersion::Any(), std::move(batch),
                       [&](Result<AppendResult> r) {
                         if (!r) {
                           std::fprintf(stderr, "bench: %s\n", r.error().ToString().c_str());
                           std::exit(1);
                         }
                         --in_flight;
                       });
  };
  for (int i = 0; i < customers; ++i) {
    std::string id = NewUuid();
    CustomerDetails d;
    std::string first = kFirst[rng() % std::size(kFirst)];
    std::string last = LastName(rng);
    d[DetailField::kFirstName] = first;
    d[DetailField::kLastName] = last;
    d[DetailField::kEmail] = Fold(first).substr(0, 6) + "." + std::to_string(i) + "@example.com";
    char phone[32];
    std::snprintf(phone, sizeof(phone), "+1 (%03u) %03u-%04u", 200 + unsigned(rng() % 800),
                  unsigned(rng() % 1000), unsigned(rng() % 10000));
    d[DetailField::kPhone] = phone;
    std::vector<CustomerEvent> events = {
        CustomerRegistered{id, FormatCustomerCode("hq", static_cast<std::uint64_t>(i + 1)), d, ""}};
    if (rng() % 10 < 3) {
      Money amount = 100 + static_cast<Money>(rng() % 20000);
      events.push_back(PurchaseRecorded{"tab-" + std::to_string(i), amount, 1'700'000'000'000 + i});
      events.push_back(PointsEarned{"tab-" + std::to_string(i), amount / 100});
    }
    if (rng() % 10 < 2) {
      events.push_back(
          CreditToppedUp{static_cast<Money>(500 + rng() % 10000), "pay-" + std::to_string(i), ""});
    }
    append(CustomerStream(id), std::move(events));
  }
  while (in_flight.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

struct Timed {
  std::string name;
  TableQuery query;
};

}  // namespace
}  // namespace clientele

int main(int argc, char** argv) {
  using namespace clientele;
  CLI::App app{"Projections benchmark"};
  std::string data;
  int customers = 1'000'000;
  int queries = 200;
  app.add_option("--data", data, "Folder for the benchmark node (wiped)")->required();
  app.add_option("--customers", customers, "Customers in the table")->capture_default_str();
  app.add_option("--queries", queries, "Runs of each search")->capture_default_str();
  bool reuse = false;
  app.add_flag("--reuse", reuse, "Use the log already in --data (written by an earlier run)");
  bool seal = false;
  app.add_flag("--seal", seal,
               "Also write the same customers with sealed personal data (in DATA-sealed) and "
               "rebuild both: rebuild_sealed and its cost");
  CLI11_PARSE(app, argc, argv);
  const std::string sealed_data = data + "-sealed";

  if (!reuse) {
    // Written by this process, measured by a fresh one: the writer's memory
    // is not the read side's.
    std::filesystem::remove_all(data);
    auto store = EventStore::Open({.path = data, .sync = false});
    if (!store) return 1;
    auto start = SteadyClock::now();
    Generate(store->get(), customers);
    std::printf("generated %d customers, %llu events in %.1f s\n", customers,
                static_cast<unsigned long long>((*store)->Head()), Seconds(start));
    std::fflush(stdout);
    if (!(*store)->Flush().ok()) return 1;
    store->reset();
    if (seal) {
      std::filesystem::remove_all(sealed_data);
      auto sealed = EventStore::Open({.path = sealed_data, .sync = false});
      auto keys = DataKeys::Open(sealed_data + "/keys");
      if (!sealed || !keys) return 1;
      Generate(sealed->get(), customers, keys->get());
      if (!(*keys)->Persist().ok() || !(*sealed)->Flush().ok()) return 1;
    }
    const std::string n = std::to_string(customers), q = std::to_string(queries);
    std::vector<const char*> args = {argv[0],   "--data",    data.c_str(), "--customers",
                                     n.c_str(), "--queries", q.c_str(),    "--reuse"};
    if (seal) args.push_back("--seal");
    args.push_back(nullptr);
    execv("/proc/self/exe", const_cast<char* const*>(args.data()));
    std::perror("projections_bench: exec");
    return 1;
  }
  std::filesystem::remove_all(data + "/projections");
  auto store = EventStore::Open({.path = data, .sync = false});
  if (!store) return 1;
  const std::uint64_t events = (*store)->Head();

  // The same log, scanned raw and then projected from scratch.
  auto start = SteadyClock::now();
  std::uint64_t scanned = 0, bytes = 0;
  Status s = (*store)->ScanAll(1, [&](const RecordedEvent& e) {
    ++scanned;
    bytes += e.data.size();
    return true;
  });
  if (!s.ok() || scanned != events) return 1;
  const double scan_rate = static_cast<double>(events) / Seconds(start);
  // The same log projected from scratch; with --seal, the same customers
  // sealed too, alternating sealed and clear three times (each rebuild in a
  // projector of its own, the other one closed), medians: the machine's
  // drift hits both alike. The last clear projector serves the searches.
  // Both logs are open and scanned once before (their files in the cache).
  std::unique_ptr<Projector> projector;
  std::vector<double> clear_rates, sealed_rates;
  const int rebuild_runs = seal ? 3 : 1;
  std::unique_ptr<EventStore> sealed;
  if (seal) {
    auto opened = EventStore::Open({.path = sealed_data, .sync = false});
    if (!opened) return 1;
    sealed = std::move(*opened);
    if (!sealed->ScanAll(1, [](const RecordedEvent&) { return true; }).ok()) return 1;
  }
  for (int run = 0; run < rebuild_runs; ++run) {
    if (seal) {
      projector.reset();
      std::filesystem::remove_all(sealed_data + "/projections");
      start = SteadyClock::now();
      auto keys = DataKeys::Open(sealed_data + "/keys");  // as a node opens them
      if (!keys) return 1;
      auto sealed_projector =
          Projector::Open(sealed.get(), sealed_data + "/projections", keys->get());
      if (!sealed_projector || !(*sealed_projector)->CatchUp().ok()) return 1;
      sealed_rates.push_back(static_cast<double>(sealed->Head()) / Seconds(start));
      auto probe = (*sealed_projector)->Customers();
      if (probe.empty() || probe.front().details[DetailField::kFirstName].empty()) {
        std::fprintf(stderr, "bench: the sealed rebuild did not open the names\n");
        return 1;
      }
      std::printf("run %d: rebuild_sealed %.0f events/s\n", run, sealed_rates.back());
    }
    projector.reset();
    std::filesystem::remove_all(data + "/projections");
    start = SteadyClock::now();
    auto clear = Projector::Open(store->get(), data + "/projections");
    if (!clear || !(*clear)->CatchUp().ok()) return 1;
    clear_rates.push_back(static_cast<double>(events) / Seconds(start));
    projector = std::move(*clear);
    std::printf("run %d: rebuild %.0f events/s\n", run, clear_rates.back());
    std::fflush(stdout);
  }
  const double rebuild_rate = Median(clear_rates);
  Figure("raw_scan", scan_rate, "events/s");
  Figure("rebuild", rebuild_rate, "events/s");
  Figure("rebuild_vs_raw_scan", 100.0 * rebuild_rate / scan_rate, "%");
  if (seal) {
    Figure("rebuild_sealed", Median(sealed_rates), "events/s");
    Figure("sealing_cost_rebuild", 100.0 * (1.0 - Median(sealed_rates) / rebuild_rate), "%");
  }

  CustomerTable table(projector.get(), SystemClock::Default());
  std::vector<Timed> searches;
  {
    TableQuery q;
    q.search = "m";
    q.sort = SortField::kLastName;
    q.status = StatusFilter::kActive;
    searches.push_back({"one_letter_prefix", q});
    q = {};
    q.search = "Lovelace12";
    q.sort = SortField::kPoints;
    q.descending = true;
    q.has_points = true;
    searches.push_back({"full_last_name", q});
    q = {};
    q.search = "olivia.12";
    q.sort = SortField::kFirstName;
    q.status = StatusFilter::kAll;
    searches.push_back({"email_prefix", q});
    q = {};
    q.search = "555-01";
    q.sort = SortField::kCredit;
    q.descending = true;
    q.has_credit = false;
    searches.push_back({"phone_digits", q});
  }
  for (const Timed& t : searches) {
    std::vector<double> ms;
    std::size_t found = 0;
    for (int i = 0; i < queries; ++i) {
      auto begin = SteadyClock::now();
      auto page = table.Query(t.query);
      ms.push_back(Seconds(begin) * 1000);
      if (!page) return 1;
      found = page->total;
    }
    std::sort(ms.begin(), ms.end());
    std::printf("%s: %zu matches\n", t.name.c_str(), found);
    Figure("search_" + t.name + "_p50", ms[ms.size() / 2], "ms");
    Figure("search_" + t.name + "_p99", ms[ms.size() * 99 / 100], "ms");
  }
  Figure("peak_rss_" + std::to_string(customers) + "_customers", PeakRssKb() / 1024.0, "MiB");
  return 0;
}
