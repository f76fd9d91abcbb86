#include "cli/serve.h"

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "api/http_server.h"
#include "api/service.h"
#include "cli/feed_client.h"
#include "cli/line_log.h"
#include "commands/command_handler.h"
#include "consumers/catch_up.h"
#include "consumers/embedded_broker.h"
#include "consumers/outbox_publisher.h"
#include "consumers/overdraft.h"
#include "consumers/replicator.h"
#include "eventstore/atomic_file.h"
#include "eventstore/event_store.h"
#include "eventstore/system_clock.h"
#include "imports/import_service.h"
#include "projections/projector.h"

namespace clientele {

namespace {

int Fail(const Status& s) {
  std::fprintf(stderr, "clientele: %s\n", s.ToString().c_str());
  return 2;
}

// The principals, creating a first one with every permission when the
// default file does not exist yet. Its token goes to DATA/first-token.
Result<api::Authenticator> Principals(const ServeConfig& c) {
  const std::string default_path = c.data + "/principals.json";
  if (c.principals == default_path && !std::filesystem::exists(default_path)) {
    auto token = api::Authenticator::CreateFirst(default_path, "admin");
    if (!token) return Error(token.error());
    const std::string token_file = c.data + "/first-token";
    Status written = WriteFileAtomically(
        token_file, *token + "\n",
        std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    if (!written.ok()) return Error(written);
    std::printf("created %s with an 'admin' principal; its token is in %s\n", default_path.c_str(),
                token_file.c_str());
  }
  return api::Authenticator::Load(c.principals);
}

constexpr const char* kEventsTopic = "clientele.events";
constexpr const char* kUpstreamTopic = "clientele.upstream";
constexpr const char* kDeadLetterTopic = "clientele.dead-letter";

// A store with an empty log copies HQ's log through HQ's events feed.
Status JoinFromHq(const ServeConfig& c, EventStore* log) {
  if (c.role != "store" || c.hq_url.empty() || log->Head() != 0) return Status::OK();
  std::string token;
  if (!c.sync_token_file.empty()) {
    std::ifstream in(c.sync_token_file);
    if (!in || !(in >> token)) {
      return Status::InvalidArgument("sync.token_file", "invalid_config",
                                     "cannot read a token from " + c.sync_token_file);
    }
  }
  std::printf("clientele: empty log: copying HQ's log from %s\n", c.hq_url.c_str());
  std::fflush(stdout);
  auto copied =
      CatchUpFromFeed(log, HttpFeed(c.hq_url, token), [](std::uint64_t n, std::uint64_t head) {
        if (n % 100000 < 1000 || n >= head) {
          std::printf("clientele: copied %llu of %llu events\n", static_cast<unsigned long long>(n),
                      static_cast<unsigned long long>(head));
          std::fflush(stdout);
        }
      });
  if (!copied) return copied.error();
  std::printf("clientele: joined: %llu events copied from HQ\n",
              static_cast<unsigned long long>(*copied));
  return Status::OK();
}

// Kafka sync: the embedded broker when none is configured, this node's outbox
// publisher and its replicator.
struct Sync {
  std::unique_ptr<EmbeddedBroker> broker;
  std::unique_ptr<OutboxPublisher> publisher;
  std::unique_ptr<Replicator> replicator;

  Status Start(const ServeConfig& c, EventStore* log) {
    std::string bootstrap = c.kafka_bootstrap;
    if (bootstrap.empty()) {
      auto started = EmbeddedBroker::Start();
      if (!started) return started.error();
      broker = std::move(*started);
      for (const char* topic : {kEventsTopic, kUpstreamTopic, kDeadLetterTopic}) {
        if (Status s = broker->CreateTopic(topic, static_cast<int>(c.kafka_partitions)); !s.ok()) {
          return s;
        }
      }
      bootstrap = broker->bootstrap();
      std::printf("clientele: embedded Kafka broker at %s (other nodes join with --kafka %s)\n",
                  bootstrap.c_str(), bootstrap.c_str());
    }
    const bool hq = c.role == "hq";
    PublisherOptions p;
    p.bootstrap = bootstrap;
    p.topic = hq ? kEventsTopic : kUpstreamTopic;
    p.only_origin = hq ? "" : c.node;  // HQ passes every event on; a store only its own
    p.cursor_path = c.data + "/outbox-cursor";
    p.kafka = c.kafka;
    auto publishing = OutboxPublisher::Start(log, std::move(p));
    if (!publishing) return publishing.error();
    publisher = std::move(*publishing);
    ReplicatorOptions r;
    r.bootstrap = bootstrap;
    r.topic = hq ? kUpstreamTopic : kEventsTopic;
    r.group_id = "clientele-" + c.node;
    r.node = c.node;
    r.dead_letter_topic = kDeadLetterTopic;
    r.kafka = c.kafka;
    if (hq) {
      r.after_append = [log](const std::vector<RecordedEvent>& fresh) {
        auto found = RecordOverdrafts(log, fresh);
        if (!found) {
          std::fprintf(stderr, "clientele: overdraft check failed: %s\n",
                       found.error().ToString().c_str());
        } else if (*found > 0) {
          std::printf("clientele: %d credit overdraft(s) detected and recorded\n", *found);
          std::fflush(stdout);
        }
      };
    }
    auto replicating = Replicator::Start(log, std::move(r));
    if (!replicating) return replicating.error();
    replicator = std::move(*replicating);
    return Status::OK();
  }

  std::vector<api::Gauge> Gauges() const {
    const ReplicatorStats r = replicator->stats();
    auto d = [](std::uint64_t v) { return static_cast<double>(v); };
    return {
        {"clientele_outbox_cursor", "The last log position Kafka acknowledged.",
         d(publisher->cursor())},
        {"clientele_outbox_lag_events", "Events in the log not yet acknowledged by Kafka.",
         d(publisher->lag())},
        {"clientele_replicated_messages", "Messages consumed from other nodes.", d(r.messages)},
        {"clientele_replicated_appended", "Replicated events new to this log.", d(r.appended)},
        {"clientele_replicated_duplicates", "Replicated events already in the log (echoes too).",
         d(r.duplicates)},
        {"clientele_dead_letters", "Messages sent to the dead-letter topic.", d(r.dead_letters)},
        {"clientele_replication_storage_retries", "Appends of replicated events retried.",
         d(r.storage_retries)},
    };
  }
};

}  // namespace

int RunServe(const ServeConfig& c) {
  // Signals are taken by sigwait below, on this thread only.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::error_code ec;
  std::filesystem::create_directories(c.data, ec);
  SystemClock clock;
  auto log = EventStore::Open({.path = c.data, .origin = c.node});
  if (!log) return Fail(log.error());
  CommandHandler commands(log->get(), c.node, &clock);
  if (Status s = JoinFromHq(c, log->get()); !s.ok()) return Fail(s);
  if (Status s = commands.Init(); !s.ok()) return Fail(s);
  auto projector = Projector::Open(log->get(), c.data + "/projections");
  if (!projector) return Fail(projector.error());
  if (Status s = (*projector)->CatchUp(); !s.ok()) return Fail(s);
  (*projector)->Start();
  auto auth = Principals(c);
  if (!auth) return Fail(auth.error());
  Sync sync;
  if (Status s = sync.Start(c, log->get()); !s.ok()) return Fail(s);

  LineLog request_log;
  api::ServiceOptions options;
  options.node = c.node;
  options.log = [&request_log](const std::string& line) { request_log.Write(line); };
  options.gauges = [&sync] { return sync.Gauges(); };
  ImportService imports(c.data + "/imports", log->get(), projector->get(), &commands, &clock,
                        c.node);
  options.imports = &imports;
  api::Service service(options, log->get(), &commands, projector->get(), std::move(*auth), &clock);
  api::ServerOptions server_options;
  server_options.address = c.address;
  server_options.port = c.port;
  server_options.network_threads = c.network_threads;
  server_options.worker_threads = c.worker_threads;
  server_options.max_body_bytes = static_cast<std::size_t>(c.max_body_bytes);
  server_options.max_header_bytes = static_cast<std::size_t>(c.max_header_bytes);
  server_options.read_timeout = std::chrono::milliseconds(c.read_timeout_ms);
  server_options.write_timeout = std::chrono::milliseconds(c.write_timeout_ms);
  server_options.idle_timeout = std::chrono::milliseconds(c.idle_timeout_ms);
  server_options.answer_inline = &api::Service::AnswersFromMemory;
  server_options.spool_to = [&service](const api::HttpRequest& h) { return service.SpoolPath(h); };
  server_options.max_spooled_bytes = static_cast<std::uint64_t>(c.max_upload_bytes);
  auto server = api::HttpServer::Start(
      server_options, [&service](const api::HttpRequest& r) { return service.Handle(r); });
  if (!server) return Fail(server.error());
  std::printf("clientele %s node %s listening on http://%s:%u (data %s)\n", c.role.c_str(),
              c.node.c_str(), c.address.c_str(), (*server)->port(), c.data.c_str());
  std::fflush(stdout);

  int sig = 0;
  sigwait(&signals, &sig);
  std::printf("clientele: %s received, finishing requests in progress\n",
              sig == SIGTERM ? "SIGTERM" : "SIGINT");
  std::fflush(stdout);
  service.SetReady(false);
  (*server)->Stop();
  server->reset();
  sync.replicator.reset();
  sync.publisher.reset();
  sync.broker.reset();
  projector->reset();
  log->reset();
  std::printf("clientele: stopped cleanly\n");
  return 0;
}

}  // namespace clientele
