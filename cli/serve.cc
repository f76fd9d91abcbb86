#include "cli/serve.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <thread>

#include "api/http_server.h"
#include "api/service.h"
#include "cli/backup_command.h"
#include "cli/feed_client.h"
#include "cli/line_log.h"
#include "commands/command_handler.h"
#include "commands/daily_checkpoint.h"
#include "commands/points_expiry.h"
#include "consumers/admission.h"
#include "consumers/catch_up.h"
#include "consumers/embedded_broker.h"
#include "consumers/gap_repair.h"
#include "consumers/outbox_publisher.h"
#include "consumers/overdraft.h"
#include "consumers/own_events.h"
#include "consumers/replicator.h"
#include "domain/event_codec.h"
#include "domain/ids.h"
#include "domain/time.h"
#include "domain/time_zone.h"
#include "eventstore/atomic_file.h"
#include "eventstore/backup.h"
#include "eventstore/data_keys.h"
#include "eventstore/event_store.h"
#include "eventstore/signing.h"
#include "eventstore/system_clock.h"
#include "imports/import_service.h"
#include "projections/projector.h"
#include "projections/reports.h"

namespace clientele {

namespace {

int Fail(const Status& s) {
  std::fprintf(stderr, "clientele: %s\n", s.ToString().c_str());
  return 2;
}

// One warning line if others than the owner may read `path`.
void WarnIfShared(const std::string& path, const char* what) {
  std::error_code ec;
  const auto perms = std::filesystem::status(path, ec).permissions();
  if (ec) return;
  using P = std::filesystem::perms;
  if ((perms & (P::group_all | P::others_all)) == P::none) return;
  std::fprintf(stderr,
               "clientele: warning: %s %s can be read by other users of this machine "
               "(mode %03o); it holds customer data or tokens: chmod go-rwx %s\n",
               what, path.c_str(), static_cast<unsigned>(perms) & 0777u, path.c_str());
}

// The principals, creating a first one with every permission when the
// default file does not exist yet in a new data folder. Its token goes to
// DATA/first-token.
Result<api::Authenticator> Principals(const ServeConfig& c, bool new_data) {
  const std::string default_path = c.data + "/principals.json";
  if (c.principals == default_path && !std::filesystem::exists(default_path)) {
    // A missing file in a folder that holds a log was lost or removed: making
    // a new all-powerful admin then would hand the node to whoever removed it.
    if (!new_data) {
      return Error(Status::FailedPrecondition(
          "principals", "principals_missing",
          default_path + " is missing, but " + c.data +
              " holds a log: a first admin is made only for a new data folder. Restore the file "
              "from a backup, or point --principals at one"));
    }
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

Result<std::string> ReadSyncToken(const ServeConfig& c) {
  std::string token;
  if (!c.sync_token_file.empty()) {
    std::ifstream in(c.sync_token_file);
    if (!in || !(in >> token)) {
      return Error(Status::InvalidArgument("sync.token_file", "invalid_config",
                                           "cannot read a token from " + c.sync_token_file));
    }
  }
  return token;
}

// HQ's public key as this node trusts it. HQ: its own. A store: the key
// pinned in DATA/hq-key at its first start, from sync.hq_key or else asked of
// HQ over its authenticated feed; a configured key must match the pinned one.
Result<std::string> TrustedHqKey(const ServeConfig& c, const NodeKey& own) {
  if (c.role == "hq") return own.public_key();
  const std::string path = c.data + "/hq-key";
  std::string pinned_text;
  if (std::ifstream in(path); in) in >> pinned_text;
  std::string configured = c.hq_key;
  if (!pinned_text.empty()) {
    if (!configured.empty() && configured != pinned_text) {
      return Error(Status::InvalidArgument("sync.hq_key", "invalid_config",
                                           "sync.hq_key is not the HQ key this store pinned in " +
                                               path +
                                               "; if HQ's key really changed, remove that file"));
    }
    return ParsePublicKey(pinned_text);
  }
  if (configured.empty()) {
    if (c.hq_url.empty()) {
      return Error(Status::InvalidArgument(
          "sync.hq_key", "invalid_config",
          "a store needs HQ's public key to check what it receives: set sync.hq_url (and "
          "sync.token_file) to ask HQ, or sync.hq_key (`clientele key` at HQ prints it)"));
    }
    auto token = ReadSyncToken(c);
    if (!token) return Error(token.error());
    auto key = FetchNodeKey(c.hq_url, *token, c.sync_tls_ca);
    if (!key) return Error(key.error());
    configured = PublicKeyText(*key);
  }
  auto key = ParsePublicKey(configured);
  if (!key) return Error(key.error());
  if (Status s = WriteFileAtomically(path, configured + "\n"); !s.ok()) return Error(s);
  std::printf("clientele: pinned HQ's key %s (fingerprint %s) in %s\n", configured.c_str(),
              KeyFingerprint(*key).c_str(), path.c_str());
  return key;
}

// HQ's key is the first entry of the registry it keeps.
Status EnrollHq(const ServeConfig& c, CommandHandler* commands, const NodeKey& key) {
  if (c.role != "hq") return Status::OK();
  auto registry = commands->LoadNodes();
  if (!registry) return registry.error();
  const std::string text = PublicKeyText(key.public_key());
  if (registry->MaySign(kHqNode, text, 1).ok()) return Status::OK();
  auto enrolled = commands->ExecuteNodes(EnrollNodeKey{std::string(kHqNode), text}, "system");
  return enrolled ? Status::OK() : enrolled.error();
}

// How far a store's late join is, for /readyz and /v1/sync/status.
struct JoinState {
  std::atomic<bool> joining{false};
  std::atomic<bool> recovering{false};  // restored: taking own newer events back from HQ
  std::atomic<bool> projecting{false};  // copied; the table is catching up
  std::atomic<std::uint64_t> after{0}, head{0}, copied{0}, refused{0}, attempts{0};
  std::mutex mu;
  std::string last_error;  // why the last attempt stopped, if it did
};

// Where a store's late join starts, or nullopt when it needs none. A store
// with an empty log copies HQ's log through HQ's events feed; the HQ position
// reached is saved in DATA/join-cursor after every page, so a join cut short
// (kill -9, HQ unreachable) resumes at the next start; the file says "done"
// once the whole log is here.
Result<std::optional<std::uint64_t>> JoinStart(const ServeConfig& c, EventStore* log) {
  if (c.role != "store" || c.hq_url.empty()) return std::optional<std::uint64_t>();
  const std::string cursor_path = c.data + "/join-cursor";
  std::string state;
  if (std::ifstream in(cursor_path); in) in >> state;
  if (state == "done") return std::optional<std::uint64_t>();
  std::uint64_t from = 0;
  if (state.empty()) {
    // A store that started before joins existed.
    if (log->Head() != 0) return std::optional<std::uint64_t>();
  } else {
    auto [p, ec] = std::from_chars(state.data(), state.data() + state.size(), from);
    if (ec != std::errc() || p != state.data() + state.size()) {
      return Error(Status::Corruption(cursor_path + " holds neither a position nor done"));
    }
  }
  if (Status s = WriteFileAtomically(cursor_path, std::to_string(from) + "\n"); !s.ok()) {
    return Error(s);
  }
  return std::optional<std::uint64_t>(from);
}

// Copies HQ's log from HQ position `from` (see JoinStart). Stops with
// Unavailable when `stop` is set.
Status JoinFromHq(const ServeConfig& c, EventStore* log, Admission* admission, std::uint64_t from,
                  JoinState* state, const std::atomic<bool>* stop) {
  const std::string cursor_path = c.data + "/join-cursor";
  auto token = ReadSyncToken(c);
  if (!token) return token.error();
  std::printf("clientele: joining: copying HQ's log from %s%s\n", c.hq_url.c_str(),
              from > 0 ? (" from position " + std::to_string(from)).c_str() : "");
  std::fflush(stdout);
  FetchFeed feed = [stop, inner = HttpFeed(c.hq_url, *token, c.sync_tls_ca)](
                       std::uint64_t after, std::size_t limit) -> Result<FeedPage> {
    if (stop->load()) return Error(Status::Unavailable("the node is stopping"));
    return inner(after, limit);
  };
  Status saved;
  auto copied = CatchUpFromFeed(
      log, admission, feed, from,
      [&](const CatchUpProgress& at) {
        if (Status s = WriteFileAtomically(cursor_path, std::to_string(at.after) + "\n"); !s.ok()) {
          saved = s;
        }
        state->after = at.after;
        state->head = at.head;
        state->copied = at.copied;
        state->refused = at.refused;
        if (at.after % 100000 < 1000 || at.after >= at.head) {
          std::printf("clientele: copied HQ's log to position %llu of %llu\n",
                      static_cast<unsigned long long>(at.after),
                      static_cast<unsigned long long>(at.head));
          std::fflush(stdout);
        }
      },
      [](const RecordedEvent& e, const Status& why) {
        std::fprintf(stderr, "clientele: joining: refused event %s of %s: %s\n", e.id.c_str(),
                     e.origin.c_str(), why.ToString().c_str());
      });
  if (!copied) return copied.error();
  if (!saved.ok()) return saved;
  if (Status s = WriteFileAtomically(cursor_path, "done\n"); !s.ok()) return s;
  std::printf("clientele: joined: %llu events copied from HQ, %llu refused\n",
              static_cast<unsigned long long>(copied->copied),
              static_cast<unsigned long long>(copied->refused));
  std::fflush(stdout);
  return Status::OK();
}

// A store restored from a backup (DATA/restored, cli/backup_command.h) takes
// its own events newer than the backup back from HQ before it makes new ones
// (consumers/own_events.h); then the marker goes.
Status RecoverFromHq(const ServeConfig& c, EventStore* log, Admission* admission) {
  auto token = ReadSyncToken(c);
  if (!token) return token.error();
  std::printf(
      "clientele: restored from a backup: taking this store's own newer events back "
      "from HQ at %s\n",
      c.hq_url.c_str());
  std::fflush(stdout);
  auto recovered =
      RecoverOwnEvents(log, admission,
                       [url = c.hq_url, token = *token, ca = c.sync_tls_ca](
                           const std::string& origin, std::uint64_t from, std::size_t limit) {
                         return FetchOriginEvents(url, token, origin, from, limit, ca);
                       });
  if (!recovered) return recovered.error();
  std::error_code ignored;
  std::filesystem::remove(c.data + "/" + kRestoredMarker, ignored);
  std::printf(
      "clientele: took back %llu own event(s) newer than the backup from HQ; the next "
      "is numbered %llu\n",
      static_cast<unsigned long long>(recovered->appended),
      static_cast<unsigned long long>(recovered->highest) + 1);
  std::fflush(stdout);
  return Status::OK();
}

// Kafka sync: the embedded broker when none is configured, this node's outbox
// publisher and its replicator.
// Data keys between nodes (eventstore/data_keys.h): each event with sealed
// personal fields carries its customer's key wrapped under the chain key, as
// long as the sender holds it; a receiver keeps the key if it opens the event
// and the customer is not erased there.
struct KeyCarrier {
  DataKeys* keys = nullptr;
  std::string chain_key;  // "" : keys are not exchanged

  static std::string_view CustomerOf(const RecordedEvent& e) {
    if (!e.stream.starts_with(kCustomerStreamPrefix)) return {};
    return std::string_view(e.stream).substr(kCustomerStreamPrefix.size());
  }
  std::function<std::string(const RecordedEvent&)> Carry() const {
    if (chain_key.empty()) return {};
    return [this](const RecordedEvent& e) -> std::string {
      const std::string_view id = CustomerOf(e);
      if (id.empty() || !PayloadIsSealed(e.data)) return {};
      return keys->Wrapped(chain_key, id);
    };
  }
  std::function<Status()> Persist() const {
    if (chain_key.empty()) return {};
    return [this] { return keys->Persist(); };
  }
  std::function<void(const RecordedEvent&)> Take() const {
    if (chain_key.empty()) return {};
    return [this](const RecordedEvent& e) {
      const std::string_view id = CustomerOf(e);
      if (id.empty()) return;
      Status s = keys->Take(chain_key, id, e.carried_key, e.type, e.data);
      if (!s.ok() && s.reason() != "customer_erased") {
        std::fprintf(stderr, "clientele: the data key event %s came with was not kept: %s\n",
                     e.id.c_str(), s.ToString().c_str());
      }
    };
  }
};

// The chain key: HQ makes it at its first start; a store takes it from HQ at
// its first start (and keeps trying at each start until it has it).
Result<std::string> ChainKey(const ServeConfig& c) {
  const std::string path = c.data + "/chain-key";
  auto held = LoadChainKey(path);
  if (!held || !held->empty()) return held;
  if (c.role == "hq") return CreateChainKey(path);
  if (c.hq_url.empty()) return std::string();
  auto token = ReadSyncToken(c);
  if (!token) return Error(token.error());
  auto fetched = FetchChainKey(c.hq_url, *token, c.sync_tls_ca);
  if (!fetched) {
    std::fprintf(stderr,
                 "clientele: no chain key from HQ (%s): customers' personal fields sealed "
                 "elsewhere stay unreadable here until a restart gets it\n",
                 fetched.error().ToString().c_str());
    return std::string();
  }
  if (Status s = SaveChainKey(path, *fetched); !s.ok()) return Error(s);
  return fetched;
}

struct Sync {
  std::unique_ptr<EmbeddedBroker> broker;
  std::unique_ptr<OutboxPublisher> publisher;
  std::unique_ptr<Replicator> replicator;
  std::unique_ptr<OverdraftWatch> overdrafts;   // HQ only
  std::unique_ptr<Admission> repair_admission;  // a store's gap repair
  std::unique_ptr<GapRepair> repair;
  std::atomic<bool> started{false};  // every part above is set

  Status Start(const ServeConfig& c, EventStore* log, const NodeKey* key, const std::string& hq_key,
               Clock* clock, const KeyCarrier* carrier) {
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
    p.key = key;
    p.carry_key = carrier->Carry();
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
    r.channel = hq ? Channel::kUpstream : Channel::kEvents;
    r.hq_key = hq_key;
    r.max_skew_ms = c.max_clock_skew_ms;
    r.max_message_bytes = static_cast<std::size_t>(c.max_message_bytes);
    r.take_key = carrier->Take();
    r.persist_keys = carrier->Persist();
    if (hq) {
      auto watching = OverdraftWatch::Start(
          log, c.data + "/overdraft-checkpoint", c.data + "/references", [](std::string_view line) {
            std::printf("clientele: %.*s\n", static_cast<int>(line.size()), line.data());
            std::fflush(stdout);
          });
      if (!watching) return watching.error();
      overdrafts = std::move(*watching);
    }
    auto replicating = Replicator::Start(log, std::move(r));
    if (!replicating) return replicating.error();
    replicator = std::move(*replicating);
    if (!hq && !c.hq_url.empty()) {
      if (Status s = StartRepair(c, log, hq_key, clock, carrier); !s.ok()) return s;
    }
    started.store(true, std::memory_order_release);
    return Status::OK();
  }

  // A store compares what it holds with HQ (consumers/gap_repair.h).
  Status StartRepair(const ServeConfig& c, EventStore* log, const std::string& hq_key, Clock* clock,
                     const KeyCarrier* carrier) {
    auto token = ReadSyncToken(c);
    if (!token) return token.error();
    repair_admission =
        std::make_unique<Admission>(log, AdmissionOptions{.node = c.node,
                                                          .hq_key = hq_key,
                                                          .clock = clock,
                                                          .max_skew_ms = c.max_clock_skew_ms,
                                                          .take_key = carrier->Take(),
                                                          .persist_keys = carrier->Persist()});
    GapRepairPorts ports;
    ports.peer_holdings = [url = c.hq_url, token = *token, node = c.node,
                           ca = c.sync_tls_ca](const std::vector<OriginHolding>& ours) {
      return ExchangeHoldings(url, token, node, ours, ca);
    };
    ports.fetch = [url = c.hq_url, token = *token, ca = c.sync_tls_ca](
                      const std::string& origin, std::uint64_t from, std::size_t limit) {
      return FetchOriginEvents(url, token, origin, from, limit, ca);
    };
    ports.republish = [pub = publisher.get()](std::vector<RecordedEvent> events) {
      // What the outbox has not published yet, it will.
      const std::uint64_t published = pub->cursor();
      std::erase_if(events, [&](const RecordedEvent& e) { return e.position > published; });
      return events.empty() ? Status::OK() : pub->Republish(std::move(events));
    };
    GapRepairOptions options;
    options.node = c.node;
    options.interval = std::chrono::milliseconds(c.repair_interval_ms);
    options.log = [](std::string_view line) {
      std::printf("clientele: %.*s\n", static_cast<int>(line.size()), line.data());
      std::fflush(stdout);
    };
    repair = std::make_unique<GapRepair>(log, repair_admission.get(), std::move(options),
                                         std::move(ports));
    repair->Start();
    return Status::OK();
  }

  void Stop() {
    repair.reset();
    replicator.reset();
    overdrafts.reset();
    publisher.reset();
    broker.reset();
  }

  std::vector<api::Gauge> Gauges(EventStore* log) const {
    if (!started.load(std::memory_order_acquire)) return {};
    const ReplicatorStats r = replicator->stats();
    auto d = [](std::uint64_t v) { return static_cast<double>(v); };
    std::vector<api::Gauge> out = {
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
    if (overdrafts) {
      out.push_back({"clientele_overdraft_checked_position",
                     "The last log position HQ's overdraft check has durably checked.",
                     d(overdrafts->checked())});
      out.push_back({"clientele_overdrafts_recorded", "Credit overdrafts recorded since start.",
                     d(overdrafts->recorded())});
      out.push_back({"clientele_duplicates_reversed",
                     "Duplicate purchases, refunds and top-ups taken back since start.",
                     d(overdrafts->duplicates())});
      out.push_back({"clientele_conflicts_recorded",
                     "References recorded twice with other content since start.",
                     d(overdrafts->conflicts())});
    }
    AddOriginGauges(log, &out);
    return out;
  }

  // Per origin: what this node holds, and at a store what HQ reports and the
  // gaps found, repaired and open.
  void AddOriginGauges(EventStore* log, std::vector<api::Gauge>* out) const {
    auto d = [](std::uint64_t v) { return static_cast<double>(v); };
    std::vector<OriginSync> rows;
    if (repair) {
      rows = repair->status().origins;
    } else if (auto held = log->Holdings(); held) {
      for (OriginHolding& h : *held) rows.push_back({.here = std::move(h)});
    }
    struct Figure {
      const char* name;
      const char* help;
      std::function<double(const OriginSync&)> value;
      bool store_only;
    };
    const Figure figures[] = {
        {"clientele_sync_held_through", "Every event of the origin up to this number is here.",
         [&](const OriginSync& o) { return d(o.here.through); }, false},
        {"clientele_sync_held_highest", "The highest number of the origin held here.",
         [&](const OriginSync& o) { return d(o.here.highest); }, false},
        {"clientele_sync_missing_events",
         "Events of the origin below its highest number held that are not here.",
         [&](const OriginSync& o) { return d(o.here.highest - o.here.held); }, false},
        {"clientele_sync_peer_highest", "The highest number of the origin HQ reports holding.",
         [&](const OriginSync& o) { return d(o.peer.highest); }, true},
        {"clientele_sync_open_events", "Events of a gap not repaired at the last comparison.",
         [&](const OriginSync& o) { return d(o.open_events); }, true},
        {"clientele_sync_gaps_found", "Gaps found since start.",
         [&](const OriginSync& o) { return d(o.gaps_found); }, true},
        {"clientele_sync_gaps_repaired", "Gaps repaired since start.",
         [&](const OriginSync& o) { return d(o.gaps_repaired); }, true},
        {"clientele_sync_events_fetched", "Events fetched from HQ to fill gaps.",
         [&](const OriginSync& o) { return d(o.events_fetched); }, true},
        {"clientele_sync_events_republished", "Own events published again because HQ lacked them.",
         [&](const OriginSync& o) { return d(o.events_republished); }, true},
    };
    for (const Figure& f : figures) {
      if (f.store_only && !repair) continue;
      for (const OriginSync& o : rows) {
        out->push_back({f.name, f.help, f.value(o), "origin=\"" + o.here.origin + "\""});
      }
    }
  }
};

boost::json::array Ranges(const std::vector<SeqRange>& ranges) {
  boost::json::array out;
  for (const SeqRange& r : ranges) out.push_back(boost::json::array{r.first, r.last});
  return out;
}

boost::json::object HoldingJson(const OriginHolding& h) {
  return {{"through", h.through},
          {"highest", h.highest},
          {"held", h.held},
          {"missing", Ranges(h.missing)},
          {"more_missing", h.more_missing}};
}

// What /readyz says of sync: from memory only (no log reads).
boost::json::object SyncReadiness(JoinState& join, const Sync& sync) {
  if (join.joining) {
    return {{"state", "joining"},
            {"ready", false},
            {"detail", join.projecting ? "applying the copied log to the customer table"
                       : join.recovering
                           ? "restored from a backup: taking this store's own newer events back "
                             "from HQ"
                           : "copying HQ's log: at position " + std::to_string(join.after.load()) +
                                 " of " + std::to_string(join.head.load())}};
  }
  if (!sync.started.load(std::memory_order_acquire)) {
    return {{"state", "starting"}, {"ready", false}, {"detail", "starting to sync"}};
  }
  if (!sync.repair) return {{"state", "serving"}, {"ready", true}};
  const GapRepairStatus st = sync.repair->status();
  boost::json::object o{{"ready", true}, {"open_events", st.open_events}};
  o["state"] = st.rounds > 0 && !st.peer_reachable ? "hq_unreachable"
               : st.open_events > 0                ? "gap_open"
               : st.rounds == 0                    ? "comparing"
                                                   : "in_sync";
  return o;
}

// GET /v1/sync/status beyond what the service adds (api/sync_routes.cc).
boost::json::object SyncStatusJson(JoinState& join, const Sync& sync, EventStore* log) {
  boost::json::object o;
  if (join.joining) {
    o = SyncReadiness(join, sync);
    std::lock_guard lock(join.mu);
    o["join"] =
        boost::json::object{{"hq_position", join.after.load()}, {"hq_head", join.head.load()},
                            {"copied", join.copied.load()},     {"refused", join.refused.load()},
                            {"attempts", join.attempts.load()}, {"last_error", join.last_error}};
    return o;
  }
  if (!sync.started.load(std::memory_order_acquire)) {
    o["state"] = "starting";
    o["ready"] = false;
    o["detail"] = "starting to sync";
    return o;
  }
  o["ready"] = true;
  if (!sync.repair) {
    // HQ (or a store without hq_url): the gaps in its own log.
    std::uint64_t open = 0;
    if (auto held = log->Holdings(); held) {
      for (const OriginHolding& h : *held) open += h.highest - h.held;
    }
    o["state"] = open > 0 ? "gap_open" : "in_sync";
    o["open_events"] = open;
    if (open > 0) {
      o["detail"] = std::to_string(open) +
                    " event(s) below an origin's highest number are not here yet; the origin "
                    "publishes them again when it next compares with this node";
    }
    return o;
  }
  const GapRepairStatus st = sync.repair->status();
  o["state"] = st.rounds > 0 && !st.peer_reachable ? "hq_unreachable"
               : st.open_events > 0                ? "gap_open"
               : st.rounds == 0                    ? "comparing"
                                                   : "in_sync";
  if (st.open_events > 0) {
    o["detail"] = std::to_string(st.open_events) + " event(s) not yet repaired; see origins[].open";
  } else if (!st.peer_reachable && st.rounds > 0) {
    o["detail"] = "cannot compare with HQ: " + st.last_error;
  }
  o["open_events"] = st.open_events;
  o["rounds"] = st.rounds;
  o["hq_reachable"] = st.peer_reachable;
  if (!st.last_error.empty()) o["last_error"] = st.last_error;
  if (st.last_round_ms > 0) o["last_compared_at"] = FormatTime(st.last_round_ms);
  o["gaps_found"] = st.gaps_found;
  o["gaps_repaired"] = st.gaps_repaired;
  o["events_fetched"] = st.events_fetched;
  o["events_republished"] = st.events_republished;
  o["events_refused"] = st.events_refused;
  boost::json::array origins;
  for (const OriginSync& row : st.origins) {
    boost::json::object r{{"origin", row.here.origin},
                          {"here", HoldingJson(row.here)},
                          {"open", Ranges(row.open)},
                          {"open_events", row.open_events},
                          {"gaps_found", row.gaps_found},
                          {"gaps_repaired", row.gaps_repaired},
                          {"events_fetched", row.events_fetched},
                          {"events_republished", row.events_republished},
                          {"events_refused", row.events_refused}};
    if (row.peer_known) r["hq"] = HoldingJson(row.peer);
    origins.push_back(std::move(r));
  }
  o["origins"] = std::move(origins);
  return o;
}

}  // namespace

int RunServe(const ServeConfig& c) {
  // Signals are taken by sigwait below, on this thread only.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // Everything the node writes is its own alone: customer data, keys, tokens.
  ::umask(077);
  std::error_code ec;
  const bool new_data = !std::filesystem::exists(c.data + "/log", ec);
  std::filesystem::create_directories(c.data, ec);
  WarnIfShared(c.data, "the data folder");
  if (std::filesystem::exists(c.principals, ec)) WarnIfShared(c.principals, "the principals file");
  SystemClock clock;
  auto log = EventStore::Open({.path = c.data, .origin = c.node});
  if (!log) return Fail(log.error());
  auto key = NodeKey::LoadOrCreate(c.data + "/node-key.pem");
  if (!key) return Fail(key.error());
  auto hq_key = TrustedHqKey(c, **key);
  if (!hq_key) return Fail(hq_key.error());
  // A restored backup brings the data keys as keys-backup/: they become DATA/keys.
  if (!std::filesystem::exists(c.data + "/keys", ec) &&
      std::filesystem::exists(c.data + "/" + kKeysBackup, ec)) {
    std::filesystem::rename(c.data + "/" + kKeysBackup, c.data + "/keys", ec);
    if (ec) return Fail(Status::Unavailable("cannot take the restored data keys: " + ec.message()));
  }
  // The customers' data keys, apart from the log (eventstore/data_keys.h).
  // They are read even with sealing off, so sealed events stay readable.
  auto data_keys = DataKeys::Open(c.data + "/keys");
  if (!data_keys) return Fail(data_keys.error());
  CommandHandler commands(log->get(), c.node, &clock,
                          c.seal_personal_data ? data_keys->get() : nullptr);
  auto chain_key = ChainKey(c);
  if (!chain_key) return Fail(chain_key.error());
  const KeyCarrier carrier{data_keys->get(), *chain_key};
  Admission join_admission(log->get(), {.node = c.node,
                                        .hq_key = *hq_key,
                                        .clock = &clock,
                                        .max_skew_ms = c.max_clock_skew_ms,
                                        .take_key = carrier.Take(),
                                        .persist_keys = carrier.Persist()});
  auto join_from = JoinStart(c, log->get());
  if (!join_from) return Fail(join_from.error());
  // Restored from a backup: a store with HQ's address takes its own newer
  // events back before it serves; otherwise numbers may be given twice.
  const bool restored = std::filesystem::exists(c.data + "/" + kRestoredMarker, ec);
  const bool recovering = restored && c.role == "store" && !c.hq_url.empty();
  if (restored && !recovering) {
    // Numbering on from the backup could give a peer's numbers to new events.
    return Fail(Status::FailedPrecondition(
        "", "restored_without_own_events",
        c.data +
            " was restored from a backup, and this node's own events newer than the "
            "backup were not taken back from " +
            (c.role == "hq" ? std::string("a store") : std::string("HQ")) +
            ": if it holds any, this node would give their numbers to new events, which "
            "every peer refuses. Restore again with --from (OPERATIONS.md, Backup and "
            "restore), or, if no peer holds any, remove " +
            c.data + "/" + kRestoredMarker));
  }
  const bool joining = join_from->has_value() || recovering;
  JoinState join;
  join.joining = joining;
  // The customer codes given so far are read from the log (every
  // registration) while the table loads: each takes a core.
  std::future<Status> codes;
  if (!joining) codes = std::async(std::launch::async, [&commands] { return commands.Init(); });
  // Stored answers are scrubbed of an erased customer (the projector tells).
  api::IdempotencyOptions keys_options;
  keys_options.path = c.data + "/requests";
  keys_options.lifetime = std::chrono::hours(c.idempotency_lifetime_hours);
  keys_options.max_keys_per_principal = static_cast<std::size_t>(c.idempotency_max_keys);
  keys_options.max_bytes_per_principal = static_cast<std::size_t>(c.idempotency_max_bytes);
  keys_options.max_answer_bytes = static_cast<std::size_t>(c.idempotency_max_answer_bytes);
  auto keys = api::IdempotencyKeys::Open(keys_options, &clock);
  if (!keys) return Fail(keys.error());
  auto projector = Projector::Open(log->get(), c.data + "/projections", data_keys->get());
  if (!projector) return Fail(projector.error());
  std::atomic<ImportService*> erasable_imports{nullptr};
  (*projector)->OnErased([&](const std::vector<std::string>& ids) {
    if (Status s = (*keys)->Scrub(ids); !s.ok()) {
      std::fprintf(stderr, "clientele: scrubbing the stored answers of erased customers: %s\n",
                   s.ToString().c_str());
    }
    if (ImportService* imports = erasable_imports.load()) imports->DropPending();
  });
  if (Status s = (*projector)->CatchUp(); !s.ok()) return Fail(s);
  if (codes.valid()) {
    if (Status s = codes.get(); !s.ok()) return Fail(s);
    if (Status s = EnrollHq(c, &commands, **key); !s.ok()) return Fail(s);
  }
  // The reports, in the chain's time zone (rebuilt if it changed).
  auto zone = TimeZone::Load(c.time_zone);
  if (!zone) return Fail(zone.error());
  auto reports = Reports::Open(log->get(), {.path = c.data + "/reports", .time_zone = *zone});
  if (!reports) return Fail(reports.error());
  // A joining store builds its projections once the copy is done: applying
  // while copying makes both slower.
  if (!joining) {
    (*projector)->Start();
    if (Status s = (*reports)->CatchUp(); !s.ok()) return Fail(s);
    (*reports)->Start();
  }
  auto auth = Principals(c, new_data);
  if (!auth) return Fail(auth.error());
  Sync sync;
  if (!joining) {
    if (Status s = sync.Start(c, log->get(), key->get(), *hq_key, &clock, &carrier); !s.ok())
      return Fail(s);
  }

  LineLog request_log;
  api::ServiceOptions options;
  options.node = c.node;
  options.currency = c.currency;
  options.log = [&request_log](const std::string& line) { request_log.Write(line); };
  options.gauges = [&sync, &log] { return sync.Gauges(log->get()); };
  options.sync_status = [&] { return SyncStatusJson(join, sync, log->get()); };
  options.sync_readiness = [&] { return SyncReadiness(join, sync); };
  // Backups are made by the node itself, the one process that may open its
  // log: a checkpoint while appends go on (eventstore/backup.h).
  const std::string data_folder = std::filesystem::absolute(c.data, ec).lexically_normal().string();
  options.backup = [&](const std::string& path) -> Result<BackupManifest> {
    // The data keys go too, as a checkpoint of DATA/keys copied under
    // keys-backup/ (taken back as DATA/keys by a restored node's first start).
    // It is taken after the log's copy, so it holds the key of every event
    // in it (a key is on disk before its event is appended).
    const std::string keys_copy = data_folder + "/" + kKeysBackup;
    std::filesystem::remove_all(keys_copy, ec);
    auto made = CreateBackup(log->get(), path,
                             {.data = data_folder,
                              .node = c.node,
                              .role = c.role,
                              .files = BackedUpFiles(data_folder),
                              .clock = &clock,
                              .after_log = [&] { return (*data_keys)->Checkpoint(keys_copy); }});
    std::error_code ignored;
    std::filesystem::remove_all(keys_copy, ignored);
    return made;
  };
  ImportService imports(c.data + "/imports", log->get(), projector->get(), &commands, &clock,
                        c.node, {.max_removal_percent = static_cast<int>(c.max_removal_percent)});
  options.imports = &imports;
  erasable_imports = &imports;
  options.key = key->get();
  options.idempotency = keys->get();
  options.reports = reports->get();
  options.carry_key = carrier.Carry();
  if (c.role == "hq") options.chain_key = *chain_key;
  options.principals_file = c.principals;
  options.sessions = {.idle = std::chrono::minutes(c.session_idle_minutes),
                      .max_age = std::chrono::hours(c.session_max_hours),
                      .max_sessions = static_cast<std::size_t>(c.max_sessions)};
  options.lockout = {.name_failures = static_cast<int>(c.lockout_failures),
                     .address_failures = static_cast<int>(c.lockout_address_failures),
                     .window = std::chrono::minutes(c.lockout_minutes),
                     .lock = std::chrono::minutes(c.lockout_minutes)};
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
  server_options.admit = [&service](const api::HttpRequest& h) { return service.Admit(h); };
  server_options.on_limit = [&service](std::string_view limit) {
    service.metrics().LimitHit(limit);
  };
  server_options.max_connections = static_cast<int>(c.max_connections);
  server_options.max_uploads = static_cast<int>(c.max_uploads);
  server_options.max_upload_spool_bytes = static_cast<std::uint64_t>(c.max_upload_spool_bytes);
  server_options.max_spooled_bytes = static_cast<std::uint64_t>(c.max_upload_bytes);
  server_options.tls_cert_file = c.tls_cert;
  server_options.tls_key_file = c.tls_key;
  service.SetJoining(joining);
  auto server = api::HttpServer::Start(
      server_options, [&service](const api::HttpRequest& r) { return service.Handle(r); });
  if (!server) return Fail(server.error());
  std::printf("clientele %s node %s listening on %s://%s:%u (data %s)\n", c.role.c_str(),
              c.node.c_str(), c.tls_cert.empty() ? "http" : "https", c.address.c_str(),
              (*server)->port(), c.data.c_str());
  std::fflush(stdout);

  // A joining store copies HQ's log while it answers /readyz and
  // /v1/sync/status, retrying until HQ answers, then starts to sync.
  std::atomic<bool> stopping{false}, fatal{false};
  std::thread joiner;
  if (joining) {
    joiner = std::thread([&] {
      // Each step is tried again every 5 s until HQ answers.
      auto retry = [&](const std::function<Status()>& step, const char* what) {
        for (;;) {
          ++join.attempts;
          Status s = step();
          if (s.ok()) return true;
          if (stopping) return false;
          {
            std::lock_guard lock(join.mu);
            join.last_error = s.ToString();
          }
          std::fprintf(stderr, "clientele: %s: %s; trying again in 5 s\n", what,
                       s.ToString().c_str());
          for (int i = 0; i < 50 && !stopping; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
          }
          if (stopping) return false;
        }
      };
      if (join_from->has_value()) {
        std::uint64_t from = **join_from;
        const bool joined = retry(
            [&] {
              from = std::max(from, join.after.load());
              return JoinFromHq(c, log->get(), &join_admission, from, &join, &stopping);
            },
            "joining");
        if (!joined) return;
      }
      if (recovering) {
        join.recovering = true;
        const bool recovered =
            retry([&] { return RecoverFromHq(c, log->get(), &join_admission); }, "restoring");
        if (!recovered) return;
        join.recovering = false;
      }
      // Ready only once the table shows what was copied: a till must not
      // miss a customer and register it again.
      join.projecting = true;
      Status s = (*projector)->CatchUp();
      if (s.ok()) {
        (*projector)->Start();
        s = (*reports)->CatchUp();
      }
      if (s.ok()) {
        (*reports)->Start();
        s = commands.Init();
      }
      if (s.ok()) s = sync.Start(c, log->get(), key->get(), *hq_key, &clock, &carrier);
      if (!s.ok()) {
        std::fprintf(stderr, "clientele: %s\n", s.ToString().c_str());
        fatal = true;
        kill(getpid(), SIGTERM);
        return;
      }
      service.SetJoining(false);
      join.joining = false;
    });
  }

  // HQ expires points that are due: at start, then every
  // loyalty.expiry_sweep_minutes.
  std::mutex sweep_mu;
  std::condition_variable sweep_cv;
  std::thread sweeper;
  if (c.role == "hq") {
    sweeper = std::thread([&] {
      std::unique_lock lock(sweep_mu);
      do {
        lock.unlock();
        auto swept = ExpirePoints(log->get(), reports->get(), &clock);
        if (!swept) {
          std::fprintf(stderr, "clientele: points expiry sweep: %s\n",
                       swept.error().ToString().c_str());
        } else if (swept->expired_lots > 0) {
          std::printf("clientele: points expiry: %llu lots, %lld points expired\n",
                      static_cast<unsigned long long>(swept->expired_lots),
                      static_cast<long long>(swept->expired_points));
          std::fflush(stdout);
        }
        lock.lock();
      } while (!sweep_cv.wait_for(lock, std::chrono::minutes(c.expiry_sweep_minutes),
                                  [&] { return stopping.load(); }));
    });
  }

  // SIGHUP reloads the principals; every minute, expired idempotency keys,
  // analyses and abandoned uploads are swept, and HQ records the day's
  // checkpoint of its log if it has none yet.
  auto checkpoint = [&] {
    if (c.role != "hq") return;
    if (auto r = RecordDailyCheckpoint(log->get(), &clock, *zone); !r) {
      std::fprintf(stderr, "clientele: the daily checkpoint: %s\n", r.error().ToString().c_str());
    }
  };
  imports.Sweep(/*starting=*/true);
  checkpoint();
  int sig = 0;
  for (;;) {
    const timespec minute{60, 0};
    sig = sigtimedwait(&signals, nullptr, &minute);
    if (sig == SIGINT || sig == SIGTERM) break;
    if (sig == SIGHUP) {
      auto reloaded = api::Authenticator::Load(c.principals);
      if (reloaded) {
        const std::size_t n = reloaded->size();
        service.SetPrincipals(std::move(*reloaded));
        std::printf("clientele: SIGHUP: principals reloaded from %s (%zu)\n", c.principals.c_str(),
                    n);
      } else {
        std::printf("clientele: SIGHUP: principals NOT reloaded, the old ones stay: %s\n",
                    reloaded.error().ToString().c_str());
      }
      std::fflush(stdout);
      continue;
    }
    imports.Sweep();
    (*keys)->Expire();
    checkpoint();
  }
  {
    std::lock_guard lock(sweep_mu);
    stopping = true;
  }
  sweep_cv.notify_all();
  if (sweeper.joinable()) sweeper.join();
  if (joiner.joinable()) joiner.join();
  std::printf("clientele: %s received, finishing requests in progress\n",
              sig == SIGTERM ? "SIGTERM" : "SIGINT");
  std::fflush(stdout);
  service.SetReady(false);
  (*server)->Stop();
  server->reset();
  sync.Stop();
  reports->reset();
  projector->reset();
  erasable_imports = nullptr;
  log->reset();
  if (fatal) return 2;
  std::printf("clientele: stopped cleanly\n");
  return 0;
}

}  // namespace clientele
