// sync_bench: Kafka sync figures, through the embedded Kafka-protocol broker.
//
//   sync_bench --data DIR --clientele PATH/TO/clientele
//              [--publish-events N] [--rate R] [--seconds S] [--customers C]
//
// 1. publish throughput: N events already in a log, published by the outbox
//    publisher until Kafka acknowledged the last one;
// 2. replication lag at R events/s for S seconds, HQ -> store and
//    store -> HQ -> store: HQ and two stores in this process, each with its
//    own durable log, publisher and replicator, all through one broker; the
//    lag of an event is from the moment its append is asked for at its node of
//    origin to the moment it is durable in store 2's log;
// 3. late join: HQ (a `clientele serve` process) holds C customers; a store
//    with an empty data folder starts and copies them through HQ's events
//    feed, checking every event's signature; timed until the store's
//    projections hold all of HQ's log;
// 4. proofs of origin, on one thread (so per core): signing in batches of
//    256 as the publisher does, verifying those proofs as a receiver does
//    (one Ed25519 check per batch, then hashes), and, for scale, one Ed25519
//    signature and check per event.
//
// Prints `figure: NAME VALUE UNIT` lines.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "bench/bench_figures.h"
#include "commands/command_handler.h"
#include "consumers/embedded_broker.h"
#include "consumers/outbox_publisher.h"
#include "consumers/overdraft.h"
#include "consumers/replicator.h"
#include "domain/event_codec.h"
#include "domain/ids.h"
#include "eventstore/data_keys.h"
#include "eventstore/signing.h"
#include "eventstore/uuid.h"
#include "tests/test_util_process.h"

namespace clientele {
namespace {

using bench::Median;
using SteadyClock = std::chrono::steady_clock;
using testing::Eventually;
constexpr std::chrono::milliseconds kPoll(1);  // fine-grained: these waits are timed

double Seconds(SteadyClock::time_point since) {
  return std::chrono::duration<double>(SteadyClock::now() - since).count();
}

void Figure(const std::string& name, double value, const char* unit) {
  std::printf("figure: %s %.*f %s\n", name.c_str(), value < 100 ? 2 : 0, value, unit);
  std::fflush(stdout);
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "sync_bench: %s\n", what.c_str());
  std::exit(1);
}

template <typename T>
T Must(Result<T> r, const char* what) {
  if (!r) Die(std::string(what) + ": " + r.error().ToString());
  return std::move(*r);
}

// A points adjustment: a real customer event, cheap to replicate.
NewEvent Adjustment(int n) {
  const CustomerEvent e = PointsAdjusted{1, "bench " + std::to_string(n)};
  NewEvent out;
  out.id = NewUuid();
  out.type = std::string(EventTypeName(e));
  out.schema = SchemaOf(e);
  out.data = EncodePayload(e);
  out.actor = "bench";
  return out;
}

std::unique_ptr<EventStore> OpenLog(const std::string& path, const std::string& origin, bool sync) {
  return Must(EventStore::Open({.path = path, .origin = origin, .sync = sync}), "opening a log");
}

void PublishThroughput(const std::string& dir, int events) {
  auto log = OpenLog(dir + "/publish", "hq", false);
  std::vector<std::string> customers;
  for (int i = 0; i < 1000; ++i) customers.push_back(NewUuid());
  for (int i = 0; i < events; i += 1000) {
    for (int j = 0; j < 1000 && i + j < events; ++j) {
      (void)Must(
          log->Append(CustomerStream(customers[j]), ExpectedVersion::Any(), {Adjustment(i + j)}),
          "append");
    }
  }
  auto broker = Must(EmbeddedBroker::Start(), "starting the broker");
  if (Status s = broker->CreateTopic("clientele.events", 4); !s.ok()) Die(s.ToString());
  const std::uint64_t head = log->Head();
  const auto start = SteadyClock::now();
  auto key = NodeKey::Generate();
  PublisherOptions p;
  p.bootstrap = broker->bootstrap();
  p.topic = "clientele.events";
  p.cursor_path = dir + "/publish-cursor";
  p.key = key.get();  // signing is part of publishing
  auto publisher = Must(OutboxPublisher::Start(log.get(), p), "starting the publisher");
  if (!Eventually([&] { return publisher->cursor() >= head; }, std::chrono::seconds(600), kPoll)) {
    Die("the publisher did not finish");
  }
  Figure("publish_throughput", static_cast<double>(head) / Seconds(start), "events/s");
}

struct Node {
  std::unique_ptr<NodeKey> key;
  std::unique_ptr<EventStore> log;
  std::unique_ptr<OutboxPublisher> publisher;
  std::unique_ptr<Replicator> replicator;
};

Node StartNode(const std::string& dir, const std::string& node, const std::string& bootstrap,
               std::unique_ptr<NodeKey> key, const std::string& hq_key) {
  Node n;
  const bool hq = node == kHqNode;
  n.key = std::move(key);
  n.log = OpenLog(dir + "/" + node, node, true);
  PublisherOptions p;
  p.bootstrap = bootstrap;
  p.topic = hq ? "clientele.events" : "clientele.upstream";
  p.only_origin = hq ? "" : node;
  p.cursor_path = dir + "/" + node + "/outbox-cursor";
  p.key = n.key.get();
  n.publisher = Must(OutboxPublisher::Start(n.log.get(), p), "starting a publisher");
  ReplicatorOptions r;
  r.bootstrap = bootstrap;
  r.topic = hq ? "clientele.upstream" : "clientele.events";
  r.group_id = "clientele-" + node;
  r.node = node;
  r.channel = hq ? Channel::kUpstream : Channel::kEvents;
  r.hq_key = hq_key;
  EventStore* log = n.log.get();
  if (hq)
    r.after_append = [log](const std::vector<RecordedEvent>& f) { (void)RecordOverdrafts(log, f); };
  n.replicator = Must(Replicator::Start(n.log.get(), r), "starting a replicator");
  return n;
}

double Quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(q * v.size()))];
}

void ReplicationLag(const std::string& dir, int rate, int seconds) {
  auto broker = Must(EmbeddedBroker::Start(), "starting the broker");
  for (const char* t : {"clientele.events", "clientele.upstream", "clientele.dead-letter"}) {
    if (Status s = broker->CreateTopic(t, 4); !s.ok()) Die(s.ToString());
  }
  std::map<std::string, std::unique_ptr<NodeKey>> keys;
  for (const char* n : {"hq", "s01", "s02"}) keys[n] = NodeKey::Generate();
  const std::string hq_key = keys["hq"]->public_key();
  {
    // HQ's registry: every node enrolled before the traffic starts.
    auto log = OpenLog(dir + "/hq", "hq", true);
    CommandHandler commands(log.get(), "hq");
    for (const auto& [n, key] : keys) {
      (void)Must(commands.ExecuteNodes(EnrollNodeKey{n, PublicKeyText(key->public_key())}, "bench"),
                 "enrolling");
    }
  }
  Node hq = StartNode(dir, "hq", broker->bootstrap(), std::move(keys["hq"]), hq_key);
  Node s1 = StartNode(dir, "s01", broker->bootstrap(), std::move(keys["s01"]), hq_key);
  Node s2 = StartNode(dir, "s02", broker->bootstrap(), std::move(keys["s02"]), hq_key);
  for (EventStore* store : {s1.log.get(), s2.log.get()}) {
    if (!Eventually([&] { return store->StreamVersion(kNodesStream).value_or(0) >= 3; },
                    std::chrono::seconds(120), kPoll)) {
      Die("the stores did not receive HQ's registry");
    }
  }

  // When each event's append was asked for, and when store 2 had it.
  std::mutex mu;
  std::map<std::string, SteadyClock::time_point> sent;
  std::map<std::string, double> lag_ms;
  std::atomic<bool> stop{false};
  std::thread observer([&] {
    auto sub = s2.log->Subscribe(0);
    while (!stop.load()) {
      auto events = sub->Next(1000, std::chrono::milliseconds(20));
      if (!events) continue;
      const auto now = SteadyClock::now();
      std::lock_guard lock(mu);
      for (const RecordedEvent& e : *events) {
        if (auto it = sent.find(e.id); it != sent.end()) {
          lag_ms[e.id] = std::chrono::duration<double, std::milli>(now - it->second).count();
        }
      }
    }
  });
  std::vector<std::string> customers;
  for (int i = 0; i < 1000; ++i) customers.push_back(NewUuid());
  // Sends `count` events at `rate`/s from `origin`; returns their ids.
  auto run = [&](EventStore* origin, int count) {
    std::vector<std::string> ids;
    const auto start = SteadyClock::now();
    for (int i = 0; i < count; ++i) {
      std::this_thread::sleep_until(start + std::chrono::microseconds(1'000'000LL * i / rate));
      NewEvent e = Adjustment(i);
      ids.push_back(e.id);
      {
        std::lock_guard lock(mu);
        sent[e.id] = SteadyClock::now();
      }
      origin->AppendAsync(CustomerStream(customers[i % customers.size()]), ExpectedVersion::Any(),
                          {std::move(e)}, [](const Result<AppendResult>&) {});
    }
    return ids;
  };
  auto arrived = [&](const std::vector<std::string>& ids) {
    std::lock_guard lock(mu);
    return std::all_of(ids.begin(), ids.end(), [&](const auto& id) { return lag_ms.contains(id); });
  };
  // Warm up: consumer groups joined, connections open, both paths once.
  for (EventStore* origin : {hq.log.get(), s1.log.get()}) {
    auto ids = run(origin, 50);
    if (!Eventually([&] { return arrived(ids); }, std::chrono::seconds(120), kPoll)) {
      Die("warm-up events did not reach store 2");
    }
  }
  const struct {
    const char* name;
    EventStore* origin;
  } paths[] = {{"hq_to_store", hq.log.get()}, {"store_to_hq_to_store", s1.log.get()}};
  for (const auto& path : paths) {
    auto ids = run(path.origin, rate * seconds);
    if (!Eventually([&] { return arrived(ids); }, std::chrono::seconds(120), kPoll)) {
      Die(std::string(path.name) + ": not every event reached store 2");
    }
    std::vector<double> lags;
    {
      std::lock_guard lock(mu);
      for (const auto& id : ids) lags.push_back(lag_ms[id]);
    }
    const std::string prefix =
        std::string("replication_lag_") + path.name + "_" + std::to_string(rate) + "_per_s";
    Figure(prefix + "_p50", Quantile(lags, 0.50), "ms");
    Figure(prefix + "_p99", Quantile(lags, 0.99), "ms");
  }
  stop = true;
  observer.join();
}

// HQ's log for the late join: `customers` registered through the command
// handler. With `seal`, their personal fields are sealed
// (domain/personal_data.h), as a node with personal_data.seal on does.
std::string JoinHq(const std::string& dir, const std::string& bin, int customers, bool seal) {
  const std::string hq_dir = dir + "/join-hq" + (seal ? "-sealed" : "");
  {
    // HQ's first start makes its principals (and the token the store syncs
    // with) and enrols its own key; then the customers are written.
    testing::ChildProcess hq({bin, "serve", "--data", hq_dir, "--listen", "127.0.0.1:0"});
    if (hq.WaitFor(R"(listening on http://127\.0\.0\.1:(\d+))", std::chrono::seconds(60)).empty()) {
      Die("HQ did not start: " + hq.output());
    }
    hq.Stop(SIGTERM);
  }
  auto log = OpenLog(hq_dir, "hq", false);
  auto keys = Must(DataKeys::Open(hq_dir + "/keys"), "opening the data keys");
  CommandHandler commands(log.get(), "hq", nullptr, seal ? keys.get() : nullptr);
  if (Status s = commands.Init(); !s.ok()) Die(s.ToString());
  std::mt19937 rng(42);
  for (int i = 0; i < customers; ++i) {
    CustomerDetails d;
    d[DetailField::kFirstName] = "First" + std::to_string(rng() % 5000);
    d[DetailField::kLastName] = "Last" + std::to_string(i);
    d[DetailField::kEmail] = "c" + std::to_string(i) + "@example.com";
    (void)Must(commands.Register(d, "bench"), "registering");
  }
  if (Status s = log->Flush(); !s.ok()) Die(s.ToString());
  return hq_dir;
}

// Seconds from a new store's start until its projections hold HQ's whole log
// (the customers and HQ's enrolment of its own key, at its first start).
double LateJoin(const std::string& hq_dir, const std::string& store_dir, const std::string& bin,
                int customers) {
  std::filesystem::remove_all(store_dir);
  using testing::ChildProcess;
  ChildProcess hq({bin, "serve", "--data", hq_dir, "--listen", "127.0.0.1:0"});
  const std::string port =
      hq.WaitFor(R"(listening on http://127\.0\.0\.1:(\d+))", std::chrono::seconds(300));
  const std::string broker =
      hq.WaitFor(R"(embedded Kafka broker at (\S+) )", std::chrono::seconds(5));
  if (port.empty() || broker.empty()) Die("HQ did not start: " + hq.output());
  const std::uint64_t head = static_cast<std::uint64_t>(customers) + 1;
  const auto start = SteadyClock::now();
  ChildProcess store({bin, "serve", "--node", "s09", "--data", store_dir, "--listen", "127.0.0.1:0",
                      "--kafka", broker, "--hq-url", "http://127.0.0.1:" + port,
                      "--sync-token-file", hq_dir + "/first-token"});
  const std::string store_port =
      store.WaitFor(R"(listening on http://127\.0\.0\.1:(\d+))", std::chrono::seconds(600));
  if (store_port.empty()) Die("the store did not start: " + store.output());
  const std::regex at(R"("projection_position":(\d+))");
  const bool done = Eventually(
      [&] {
        auto r = testing::RunCommand("curl -s http://127.0.0.1:" + store_port + "/readyz");
        std::smatch m;
        return std::regex_search(r.output, m, at) && std::stoull(m[1]) >= head;
      },
      std::chrono::seconds(600), kPoll);
  if (!done) Die("the store did not converge");
  return Seconds(start);
}

// The late join; with `seal`, the same against HQ's sealed customers,
// alternating with the clear join `runs` times (medians, same run).
void LateJoins(const std::string& dir, const std::string& bin, int customers, bool seal, int runs) {
  const std::string clear_hq = JoinHq(dir, bin, customers, false);
  const std::string sealed_hq = seal ? JoinHq(dir, bin, customers, true) : "";
  std::vector<double> clear, sealed;
  for (int run = 0; run < runs; ++run) {
    clear.push_back(LateJoin(clear_hq, dir + "/join-s09", bin, customers));
    std::printf("run %d: late join %.1f s\n", run, clear.back());
    if (seal) {
      sealed.push_back(LateJoin(sealed_hq, dir + "/join-s09-sealed", bin, customers));
      std::printf("run %d: late join sealed %.1f s\n", run, sealed.back());
    }
    std::fflush(stdout);
  }
  const std::uint64_t head = static_cast<std::uint64_t>(customers) + 1;
  const std::string name = "late_join_" + std::to_string(customers) + "_customers";
  Figure(name, Median(clear), "s");
  Figure(name + "_rate", static_cast<double>(head) / Median(clear), "events/s");
  if (seal) {
    Figure(name + "_sealed", Median(sealed), "s");
    Figure(name + "_sealed_rate", static_cast<double>(head) / Median(sealed), "events/s");
    Figure("sealing_cost_late_join", 100.0 * (Median(sealed) / Median(clear) - 1.0), "%");
  }
}

void Proofs(int events) {
  auto key = NodeKey::Generate();
  std::vector<RecordedEvent> batch(static_cast<std::size_t>(events));
  for (int i = 0; i < events; ++i) {
    RecordedEvent& e = batch[static_cast<std::size_t>(i)];
    e.id = NewUuid();
    e.stream = CustomerStream(NewUuid());
    e.type = "loyalty.points_adjusted";
    e.data = Adjustment(i).data;
    e.origin = "s01";
    e.actor = "bench";
    e.time_ms = 1'800'000'000'000;
    e.seq = static_cast<std::uint64_t>(i) + 1;
  }
  auto start = SteadyClock::now();
  for (std::size_t i = 0; i < batch.size(); i += 256) {
    std::vector<RecordedEvent*> group;
    for (std::size_t j = i; j < std::min(batch.size(), i + 256); ++j) group.push_back(&batch[j]);
    SignBatch(*key, group);
  }
  Figure("sign_batched_256", events / Seconds(start), "events/s per core");
  ProofVerifier verifier;
  start = SteadyClock::now();
  for (const RecordedEvent& e : batch) {
    if (!verifier.Verify(e).ok()) Die("a proof did not verify");
  }
  Figure("verify_batched_256", events / Seconds(start), "events/s per core");
  const int single = std::min(events, 5000);
  start = SteadyClock::now();
  std::vector<std::string> signatures;
  for (int i = 0; i < single; ++i) signatures.push_back(key->Sign(batch[i].data));
  Figure("ed25519_sign_per_event", single / Seconds(start), "events/s per core");
  ProofVerifier uncached(0);  // remembers no root: one Ed25519 check per event
  for (int i = 0; i < single; ++i) {
    RecordedEvent* one[] = {&batch[static_cast<std::size_t>(i)]};
    SignBatch(*key, one);
  }
  start = SteadyClock::now();
  for (int i = 0; i < single; ++i) (void)uncached.Verify(batch[static_cast<std::size_t>(i)]);
  Figure("ed25519_verify_per_event", single / Seconds(start), "events/s per core");
}

}  // namespace
}  // namespace clientele

int main(int argc, char** argv) {
  CLI::App app("Kafka sync benchmarks");
  std::string data, bin;
  int publish_events = 200000, rate = 1000, seconds = 10, customers = 100000;
  app.add_option("--data", data, "A scratch folder (emptied first)")->required();
  app.add_option("--clientele", bin, "The clientele executable (for the late join)")->required();
  app.add_option("--publish-events", publish_events)->capture_default_str();
  app.add_option("--rate", rate, "Events per second for the lag figures")->capture_default_str();
  app.add_option("--seconds", seconds, "Seconds of traffic per lag figure")->capture_default_str();
  app.add_option("--customers", customers, "Customers at HQ for the late join")
      ->capture_default_str();
  bool seal = false, late_join_only = false;
  int join_runs = 0;
  app.add_flag("--seal", seal,
               "Also run the late join with HQ's personal data sealed (late_join_..._sealed), "
               "alternating with the clear one");
  app.add_option("--join-runs", join_runs, "Late joins of each kind (default 1, 3 with --seal)");
  app.add_flag("--late-join-only", late_join_only, "Only the late join figures");
  CLI11_PARSE(app, argc, argv);
  if (join_runs <= 0) join_runs = seal ? 3 : 1;
  std::filesystem::remove_all(data);
  std::filesystem::create_directories(data);
  if (!late_join_only) {
    clientele::Proofs(200000);
    clientele::PublishThroughput(data, publish_events);
    clientele::ReplicationLag(data, rate, seconds);
  }
  clientele::LateJoins(data, bin, customers, seal, join_runs);
  std::filesystem::remove_all(data);
  return 0;
}
