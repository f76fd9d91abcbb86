// eventstore_bench: durable single-event appends with 1, 8 and 64 concurrent
// writers, and a full-log read, against Clientele's log; and the same append
// workload against PostgreSQL in the same run, when --pg is given.
//
//   eventstore_bench --data DIR [--pg CONNINFO] [--seconds S] [--runs R] [--read-events N]
//                    [--seal]
//
// --seal also measures each append workload with the payload's personal part
// (its note) sealed as the command path seals it (AES-256-GCM with the
// customer's key, domain/personal_data.h), alternating with the clear runs,
// and prints append_N_writers_sealed and its cost against append_N_writers.
// Prints one `figure: NAME VALUE UNIT` line per figure: the median of R runs.
#include <libpq-fe.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>
#include <vector>

#include "bench/bench_figures.h"
#include "eventstore/data_keys.h"
#include "eventstore/event_store.h"
#include "eventstore/uuid.h"

namespace clientele {
namespace {

using bench::Median;
using SteadyClock = std::chrono::steady_clock;

// A payload shaped like a real purchase event.
std::string Payload(int writer, std::int64_t n) {
  return "{\"tab_id\":\"tab-" + std::to_string(writer) + "-" + std::to_string(n) +
         "\",\"amount\":4250,\"paid_at\":1700000000000,\"note\":\"benchmark purchase\"}";
}

// The same with its note sealed for the stream's customer (--seal).
PersonalDataKeys* g_keys = nullptr;
std::string SealedPayload(const std::string& stream, int writer, std::int64_t n) {
  auto blob = g_keys->Seal(std::string_view(stream).substr(9), "purchase.recorded",
                           "{\"note\":\"benchmark purchase\"}", true);
  if (!blob) std::exit(1);
  return "{\"tab_id\":\"tab-" + std::to_string(writer) + "-" + std::to_string(n) +
         "\",\"amount\":4250,\"paid_at\":1700000000000,\"sealed\":\"" + *blob + "\"}";
}

void Figure(const std::string& name, double value, const char* unit) {
  std::printf("figure: %s %.0f %s\n", name.c_str(), value, unit);
  std::fflush(stdout);
}

// Runs `writers` threads, each calling append(writer, n) in a loop for
// `seconds`; returns completed appends per second.
template <typename AppendFn>
double Drive(int writers, double seconds, AppendFn append) {
  std::atomic<bool> stop{false};
  std::atomic<std::int64_t> done{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  auto start = SteadyClock::now();
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      std::int64_t n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        if (!append(w, n)) {
          failed = true;
          return;
        }
        ++n;
        done.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(SteadyClock::now() - start).count();
  if (failed) {
    std::fprintf(stderr, "bench: an append failed\n");
    std::exit(1);
  }
  return static_cast<double>(done.load()) / elapsed;
}

double ClienteleAppends(EventStore* store, int writers, double seconds) {
  std::vector<std::string> streams;
  std::vector<std::int64_t> versions(writers, 0);
  for (int w = 0; w < writers; ++w) streams.push_back("customer-" + NewUuid());
  return Drive(writers, seconds, [&](int w, std::int64_t n) {
    NewEvent e;
    e.id = NewUuid();
    e.type = "purchase.recorded";
    e.data = Payload(w, n);
    e.actor = "bench";
    auto r = store->Append(streams[w], ExpectedVersion::Exact(versions[w]), {std::move(e)});
    if (!r) {
      std::fprintf(stderr, "bench: %s\n", r.error().ToString().c_str());
      return false;
    }
    versions[w] = r->stream_version;
    return true;
  });
}

// `writers` concurrent writers, each with one append in flight at a time: as
// soon as one is acknowledged durable the writer sends its next. Driven by
// AppendAsync callbacks, as the HTTP server drives it, so no thread blocks.
double ClienteleAppendsAsync(EventStore* store, int writers, double seconds, bool seal = false) {
  struct Writer {
    std::string stream;
    std::int64_t version = 0;
    std::int64_t n = 0;
  };
  std::vector<Writer> ws(writers);
  for (auto& w : ws) w.stream = "customer-" + NewUuid();
  std::atomic<bool> stop{false}, failed{false};
  std::atomic<std::int64_t> done{0};
  std::atomic<int> in_flight{writers};
  std::function<void(int)> next = [&](int i) {
    Writer& w = ws[i];
    NewEvent e;
    e.id = NewUuid();
    e.type = "purchase.recorded";
    e.data = seal ? SealedPayload(w.stream, i, w.n) : Payload(i, w.n);
    e.actor = "bench";
    store->AppendAsync(w.stream, ExpectedVersion::Exact(w.version), {std::move(e)},
                       [&, i](Result<AppendResult> r) {
                         if (!r) {
                           std::fprintf(stderr, "bench: %s\n", r.error().ToString().c_str());
                           failed = true;
                         } else {
                           ws[i].version = r->stream_version;
                           ++ws[i].n;
                           done.fetch_add(1, std::memory_order_relaxed);
                         }
                         if (stop.load() || failed.load()) {
                           in_flight.fetch_sub(1);
                         } else {
                           next(i);
                         }
                       });
  };
  auto start = SteadyClock::now();
  for (int i = 0; i < writers; ++i) next(i);
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  double elapsed = std::chrono::duration<double>(SteadyClock::now() - start).count();
  std::int64_t completed = done.load();
  while (in_flight.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (failed) std::exit(1);
  return static_cast<double>(completed) / elapsed;
}

PGconn* Connect(const std::string& conninfo) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    std::fprintf(stderr, "bench: postgres: %s", PQerrorMessage(c));
    std::exit(1);
  }
  return c;
}

void Exec(PGconn* c, const char* sql) {
  PGresult* r = PQexec(c, sql);
  if (PQresultStatus(r) != PGRES_COMMAND_OK) {
    std::fprintf(stderr, "bench: postgres: %s", PQerrorMessage(c));
    std::exit(1);
  }
  PQclear(r);
}

double PostgresAppends(const std::string& conninfo, int writers, double seconds) {
  PGconn* admin = Connect(conninfo);
  Exec(admin, "DROP TABLE IF EXISTS events");
  Exec(admin,
       "CREATE TABLE events (position bigserial PRIMARY KEY, id uuid NOT NULL UNIQUE, "
       "stream text NOT NULL, version bigint NOT NULL, type text NOT NULL, data jsonb NOT NULL, "
       "actor text NOT NULL, time timestamptz NOT NULL DEFAULT now(), UNIQUE (stream, version))");
  std::vector<PGconn*> conns;
  std::vector<std::string> streams;
  std::vector<std::int64_t> versions(writers, 0);
  for (int w = 0; w < writers; ++w) {
    conns.push_back(Connect(conninfo));
    streams.push_back("customer-" + NewUuid());
    PGresult* r = PQprepare(conns.back(), "append",
                            "INSERT INTO events (id, stream, version, type, data, actor) "
                            "VALUES ($1, $2, $3, 'purchase.recorded', $4, 'bench')",
                            4, nullptr);
    PQclear(r);
  }
  double rate = Drive(writers, seconds, [&](int w, std::int64_t n) {
    std::string id = NewUuid(), version = std::to_string(versions[w] + 1), data = Payload(w, n);
    const char* params[] = {id.c_str(), streams[w].c_str(), version.c_str(), data.c_str()};
    PGresult* r = PQexecPrepared(conns[w], "append", 4, params, nullptr, nullptr, 0);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok) std::fprintf(stderr, "bench: postgres: %s", PQerrorMessage(conns[w]));
    PQclear(r);
    ++versions[w];
    return ok;
  });
  for (auto* c : conns) PQfinish(c);
  PQfinish(admin);
  return rate;
}

// Fills the log up to `events` with batched appends (not timed).
void Fill(EventStore* store, std::uint64_t events) {
  std::int64_t n = 0;
  while (store->Head() < events) {
    std::vector<NewEvent> batch;
    for (int i = 0; i < 1000 && store->Head() + batch.size() < events; ++i) {
      NewEvent e;
      e.id = NewUuid();
      e.type = "purchase.recorded";
      e.data = Payload(0, n++);
      e.actor = "bench";
      batch.push_back(std::move(e));
    }
    auto r = store->Append("customer-" + NewUuid(), ExpectedVersion::Any(), std::move(batch));
    if (!r) std::exit(1);
  }
}

double ReadAllRate(EventStore* store) {
  std::uint64_t seen = 0, bytes = 0;
  auto start = SteadyClock::now();
  Status s = store->ScanAll(1, [&](const RecordedEvent& e) {
    ++seen;
    bytes += e.data.size();
    return true;
  });
  double elapsed = std::chrono::duration<double>(SteadyClock::now() - start).count();
  if (!s.ok() || seen != store->Head()) std::exit(1);
  return static_cast<double>(seen) / elapsed;
}

}  // namespace
}  // namespace clientele

int main(int argc, char** argv) {
  using namespace clientele;
  CLI::App app{"Event log benchmark"};
  std::string data, pg;
  double seconds = 3;
  int runs = 3;
  std::uint64_t read_events = 1'000'000;
  std::vector<int> writer_counts = {1, 8, 64};
  app.add_option("--data", data, "Folder for the benchmark log (wiped)")->required();
  app.add_option("--pg", pg, "libpq connection string of a PostgreSQL to compare with");
  app.add_option("--seconds", seconds, "Seconds per append run")->capture_default_str();
  app.add_option("--runs", runs, "Runs per figure; the median is printed")->capture_default_str();
  app.add_option("--read-events", read_events, "Log size for the read figure")
      ->capture_default_str();
  app.add_option("--writers", writer_counts, "Writer counts to measure")->capture_default_str();
  bool seal = false;
  app.add_flag("--seal", seal, "Also measure appends with sealed personal data");
  CLI11_PARSE(app, argc, argv);
  MemoryDataKeys keys;
  g_keys = &keys;

  std::filesystem::remove_all(data);
  auto store = EventStore::Open({.path = data});
  if (!store) {
    std::fprintf(stderr, "bench: %s\n", store.error().ToString().c_str());
    return 1;
  }
  for (int writers : writer_counts) {
    std::vector<double> ours, threads, theirs, sealed, sync_us;
    for (int run = 0; run < runs; ++run) {
      if (seal) {
        sealed.push_back(ClienteleAppendsAsync(store->get(), writers, seconds, true));
        std::printf("run %d: %d writers: sealed %.0f/s\n", run, writers, sealed.back());
      }
      threads.push_back(ClienteleAppends(store->get(), writers, seconds));
      EventStoreStats before = (*store)->stats();
      ours.push_back(ClienteleAppendsAsync(store->get(), writers, seconds));
      EventStoreStats after = (*store)->stats();
      double syncs = double(std::max<std::uint64_t>(1, after.syncs - before.syncs));
      sync_us.push_back(double(after.sync_micros - before.sync_micros) / syncs);
      std::printf("run %d: %d writers: %.1f events per sync, %.0f us per sync\n", run, writers,
                  double(after.events_written - before.events_written) / syncs,
                  double(after.sync_micros - before.sync_micros) / syncs);
      if (!pg.empty()) theirs.push_back(PostgresAppends(pg, writers, seconds));
      std::printf(
          "run %d: %d writers: clientele %.0f/s%s\n", run, writers, ours.back(),
          pg.empty() ? "" : (" postgres " + std::to_string((int)theirs.back()) + "/s").c_str());
    }
    std::string name = "append_" + std::to_string(writers) + "_writers";
    Figure(name, Median(ours), "events/s");
    Figure(name + "_blocking_threads", Median(threads), "events/s");
    if (seal) {
      Figure(name + "_sealed", Median(sealed), "events/s");
      Figure("sealing_cost_" + name, 100.0 * (1.0 - Median(sealed) / Median(ours)), "%");
    }
    // The sync-bound ceiling: each writer has one append in flight, so one
    // sync carries at most `writers` events; at the median sync time of these
    // runs the log cannot pass writers / sync time.
    const double ceiling = writers * 1e6 / std::max(1.0, Median(sync_us));
    Figure("sync_us_" + name, Median(sync_us), "us");
    Figure("sync_bound_ceiling_" + name, ceiling, "events/s");
    std::printf("figure: share_of_sync_bound_%s %.1f %%\n", name.c_str(),
                100.0 * Median(ours) / ceiling);
    if (!pg.empty()) {
      Figure("postgres_" + name, Median(theirs), "events/s");
      std::printf("figure: ratio_%s %.1f x\n", name.c_str(), Median(ours) / Median(theirs));
    }
  }
  Fill(store->get(), read_events);
  // Read from table files, as a log that has been running a while is.
  if (Status s = (*store)->Flush(); !s.ok()) return 1;
  std::vector<double> reads;
  for (int run = 0; run < runs; ++run) reads.push_back(ReadAllRate(store->get()));
  Figure("read_all_" + std::to_string((*store)->Head()) + "_events", Median(reads), "events/s");
  return 0;
}
