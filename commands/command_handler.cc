#include "commands/command_handler.h"

#include <set>

#include "commands/stream_load.h"
#include "domain/event_codec.h"
#include "domain/ids.h"
#include "eventstore/bulk_append.h"
#include "eventstore/uuid.h"

namespace clientele {

namespace {

using command_internal::Load;
using command_internal::RequestUuid;

constexpr int kMaxAttempts = 16;

}  // namespace

CommandHandler::CommandHandler(EventStore* store, std::string node, Clock* clock,
                               PersonalDataKeys* keys)
    : store_(store), clock_(clock), keys_(keys), node_(node), codes_(std::move(node)) {
  if (clock_ == nullptr) clock_ = SystemClock::Default();
}

Status CommandHandler::Init() {
  std::lock_guard lock(codes_mu_);
  return store_->ScanAll(1, [&](const RecordedEvent& e) {
    if (e.type == "customer.registered") {
      auto decoded = DecodeCustomerEvent(e.type, e.schema, e.data);
      if (decoded) codes_.Observe(std::get<CustomerRegistered>(*decoded).code);
    }
    return true;
  });
}

template <typename State, typename Command, typename DecideFn>
Result<CommandOutcome> CommandHandler::Run(const std::string& stream, const Command& cmd,
                                           DecideFn decide, const std::string& actor,
                                           std::optional<std::int64_t> if_version,
                                           std::string_view request_key) {
  StateCache<State>& cache = Cache<State>();
  // Commands on one stream take turns here; the version check below then only
  // has to catch appends from elsewhere (replication), which are rare.
  std::lock_guard turn(stripes_[std::hash<std::string>{}(stream) % stripes_.size()]);
  if (!request_key.empty()) {
    auto earlier = Earlier(stream, request_key);
    if (!earlier) return Error(earlier.error());
    if (*earlier) return std::move(**earlier);
  }
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    // The cached state is taken, not copied, and put back on every way out,
    // advanced by the events appended.
    auto taken = cache.Take(stream);
    const std::int64_t from = taken ? taken->second : 0;
    auto loaded = taken ? Load<State>(store_, keys_, stream, std::move(taken->first), from)
                        : Load<State>(store_, keys_, stream);
    if (!loaded) return Error(loaded.error());
    auto& [state, version] = *loaded;
    auto put_back = [&] { cache.Put(stream, std::move(state), version); };
    if (if_version && *if_version != version) {
      put_back();
      return Error(Status::FailedPrecondition(
          "If-Match", "version_mismatch",
          "the customer is at version " + std::to_string(version) + ", not " +
              std::to_string(*if_version) + "; reload it and try again"));
    }
    auto events = decide(state, cmd);
    CommandOutcome outcome;
    outcome.version = version;
    if (!events || events->empty()) {
      put_back();
      if (!events) return Error(events.error());
      return outcome;
    }
    std::vector<NewEvent> batch;
    const std::string correlation = RequestUuid(request_key, "correlation");
    bool make_key = false;
    if constexpr (std::is_same_v<State, CustomerState>) {
      make_key = version > 0 && RegisteredInClear(stream);
    }
    for (const auto& event : *events) {
      NewEvent e;
      e.id = RequestUuid(request_key, std::to_string(batch.size()));
      e.type = std::string(EventTypeName(event));
      if constexpr (std::is_same_v<State, CustomerState> || std::is_same_v<State, SettingsState>) {
        e.schema = SchemaOf(event);
      } else {
        e.schema = kCurrentSchema;  // node events are all at schema 1
      }
      if constexpr (std::is_same_v<State, CustomerState>) {
        // Personal fields are sealed here, before the append: the hash chain,
        // the signatures and every copy of the event hold only ciphertext.
        auto sealed = EncodeSealedPayload(
            event, std::string_view(stream).substr(kCustomerStreamPrefix.size()), keys_, make_key);
        if (!sealed) {
          put_back();
          return Error(sealed.error());
        }
        e.data = std::move(*sealed);
      } else {
        e.data = EncodePayload(event);
      }
      e.actor = actor;
      e.correlation_id = correlation;
      outcome.event_types.push_back(e.type);
      batch.push_back(std::move(e));
    }
    if constexpr (std::is_same_v<State, CustomerState>) {
      if (keys_ != nullptr) {  // a key made for these events is on disk before they are
        if (Status s = keys_->Persist(); !s.ok()) {
          put_back();
          return Error(s);
        }
      }
    }
    auto appended = store_->Append(stream, ExpectedVersion::Exact(version), std::move(batch));
    if (!appended) {
      put_back();
      if (appended.error().reason() == "wrong_expected_version") continue;
      return Error(appended.error());
    }
    for (const auto& event : *events) state = Evolve(std::move(state), event);
    cache.Put(stream, std::move(state), appended->stream_version);
    outcome.last_position = appended->positions.back();
    outcome.version = appended->stream_version;
    return outcome;
  }
  return Error(Status::Unavailable("too many concurrent changes to " + stream + "; try again"));
}

Result<std::optional<CommandOutcome>> CommandHandler::Earlier(const std::string& stream,
                                                              std::string_view request_key) {
  auto first = store_->FindById(RequestUuid(request_key, "0"));
  if (!first) {
    if (first.error().code() == StatusCode::kNotFound) return std::optional<CommandOutcome>();
    return Error(first.error());
  }
  if (first->stream != stream) {
    return Error(Status::Conflict(
        "request_key_reused",
        "this request's events are in another stream (" + first->stream + "); use a new key"));
  }
  // The request's events were appended together: they follow the first in
  // its stream, sharing its correlation id.
  auto events = store_->ReadStream(stream, first->version, 256);
  if (!events) return Error(events.error());
  CommandOutcome outcome;
  outcome.recovered = true;
  for (const RecordedEvent& e : *events) {
    if (e.correlation_id != first->correlation_id) break;
    outcome.last_position = e.position;
    outcome.version = e.version;
    outcome.event_types.push_back(e.type);
  }
  return std::optional<CommandOutcome>(std::move(outcome));
}

bool CommandHandler::RegisteredInClear(const std::string& stream) {
  if (keys_ == nullptr) return false;
  const std::string_view id = std::string_view(stream).substr(kCustomerStreamPrefix.size());
  if (keys_->Has(id)) return false;
  auto first = store_->ReadStream(stream, 1, 1);
  return first && !first->empty() && first->front().type == "customer.registered" &&
         !PayloadIsSealed(first->front().data);
}

Result<CommandOutcome> CommandHandler::Register(const CustomerDetails& details,
                                                const std::string& actor,
                                                std::string_view request_key,
                                                std::vector<ConsentChoice> consents) {
  auto settings = LoadSettings();
  if (!settings) return Error(settings.error());
  if (!settings->modules.customers) {
    return Error(Status::FailedPrecondition("customers", "module_disabled",
                                            "the customers module is disabled"));
  }
  if (auto normalized = NormalizeDetails(details); !normalized) return Error(normalized.error());
  if (!consents.empty()) {
    if (Status st = ValidateChoices(consents); !st.ok()) return Error(st);  // before a code is used
  }
  RegisterCustomer cmd;
  cmd.customer_id = RequestUuid(request_key, "customer");
  cmd.code = NextCode();
  cmd.details = details;
  cmd.origin_store = node_ == kHqNode ? "" : node_;
  cmd.consents = std::move(consents);
  auto outcome = Execute(cmd.customer_id, cmd, actor, std::nullopt, request_key);
  if (outcome) outcome->customer_id = cmd.customer_id;
  return outcome;
}

std::string CommandHandler::NextCode() {
  std::lock_guard lock(codes_mu_);
  return codes_.Next();
}

Result<CommandOutcome> CommandHandler::Execute(const std::string& customer_id,
                                               const CustomerCommand& cmd, const std::string& actor,
                                               std::optional<std::int64_t> if_version,
                                               std::string_view request_key) {
  auto parsed = ParseUuid(customer_id, "id");
  if (!parsed) return Error(parsed.error());
  auto id = Resolve(*parsed);
  if (!id) return Error(id.error());
  auto settings = LoadSettings();
  if (!settings) return Error(settings.error());
  auto outcome = Run<CustomerState>(
      CustomerStream(*id), cmd,
      [&](const CustomerState& s, const CustomerCommand& c) {
        auto events = Decide(s, *settings, c);
        if (events) StampEdits(s, clock_->NowMs(), node_, &*events);
        return events;
      },
      actor, if_version, request_key);
  if (outcome) outcome->customer_id = *id;
  // The erasure is in the log: the key goes now (the projector, applying the
  // event, destroys it too, as every node does).
  if (outcome && keys_ != nullptr && std::holds_alternative<EraseCustomer>(cmd)) {
    if (Status s = keys_->Destroy(*id); !s.ok()) return Error(s);
  }
  if (outcome && std::holds_alternative<EraseCustomer>(cmd)) {
    if (Status s = EraseMergedInto(*id, std::get<EraseCustomer>(cmd), actor, request_key);
        !s.ok()) {
      return Error(s);
    }
  }
  return outcome;
}

// The customers merged into an erased one are the same person: their streams
// still hold what they were registered with, so they are erased too. Run again
// after a crash between the two, the erasure of the survivor records nothing
// and this finishes the rest.
Status CommandHandler::EraseMergedInto(const std::string& survivor_id, const EraseCustomer& cmd,
                                       const std::string& actor, std::string_view request_key) {
  auto settings = LoadSettings();
  if (!settings) return settings.error();
  std::vector<std::string> pending{survivor_id};
  std::set<std::string> seen{survivor_id};
  while (!pending.empty()) {
    const std::string id = pending.back();
    pending.pop_back();
    auto loaded = LoadCached<CustomerState>(CustomerStream(id));
    if (!loaded) return loaded.error();
    for (const auto& [merge_id, link] : loaded->first.merges.in) {
      if (link.voided || !seen.insert(link.other_id).second) continue;
      auto duplicate = LoadCached<CustomerState>(CustomerStream(link.other_id));
      if (!duplicate) return duplicate.error();
      if (!duplicate->first.registered) continue;  // not here (yet): nothing of it to erase
      pending.push_back(link.other_id);
      const std::string key = request_key.empty()
                                  ? std::string()
                                  : std::string(request_key) + "/erase/" + link.other_id;
      auto erased = Run<CustomerState>(
          CustomerStream(link.other_id), CustomerCommand(cmd),
          [&](const CustomerState& s, const CustomerCommand& c) { return Decide(s, *settings, c); },
          actor, std::nullopt, key);
      if (!erased) return erased.error();
      if (keys_ != nullptr) {
        if (Status s = keys_->Destroy(link.other_id); !s.ok()) return s;
      }
    }
  }
  return Status::OK();
}

Result<std::string> CommandHandler::Resolve(const std::string& customer_id) {
  Status failed;
  std::string out = ResolveAlias(customer_id, [&](const std::string& id) {
    // Its links from the cached state if that is the stream's latest: a
    // customer's state (every tab it paid, for refunds) is not copied for this.
    const std::string stream = CustomerStream(id);
    std::pair<std::string, std::string> links;
    std::int64_t cached_version = -1;
    customers_.Visit(stream, [&](const CustomerState& s, std::int64_t version) {
      links = {s.merges.MergedInto(), s.merges.WinningMerge()};
      cached_version = version;
    });
    if (cached_version >= 0) {
      auto current = store_->StreamVersion(stream);
      if (current && *current == cached_version) return links;
    }
    auto loaded = LoadCached<CustomerState>(stream);
    if (!loaded) {
      failed = loaded.error();
      return std::pair<std::string, std::string>{};
    }
    const MergeLinks& m = loaded->first.merges;
    return std::pair<std::string, std::string>{m.MergedInto(), m.WinningMerge()};
  });
  if (!failed.ok()) return Error(failed);
  return out;
}

Result<CommandOutcome> CommandHandler::Merge(const std::string& survivor_id,
                                             const std::string& duplicate_id, MergeCustomers cmd,
                                             const std::string& actor,
                                             std::optional<std::int64_t> if_version,
                                             std::string_view request_key) {
  auto s_id = ParseUuid(survivor_id, "id");
  if (!s_id) return Error(s_id.error());
  auto d_id = ParseUuid(duplicate_id, "duplicate");
  if (!d_id) return Error(d_id.error());
  const std::string s_stream = CustomerStream(*s_id);
  const std::string d_stream = CustomerStream(*d_id);
  // Both streams take their turn; stripes are locked in index order.
  std::size_t a = std::hash<std::string>{}(s_stream) % stripes_.size();
  std::size_t b = std::hash<std::string>{}(d_stream) % stripes_.size();
  if (a > b) std::swap(a, b);
  std::unique_lock first(stripes_[a]);
  std::unique_lock second(stripes_[b], std::defer_lock);
  if (b != a) second.lock();
  CommandOutcome outcome;
  outcome.customer_id = *s_id;
  if (!request_key.empty()) {
    auto earlier = store_->FindById(RequestUuid(request_key, "0"));
    if (earlier) {
      if (earlier->stream != d_stream) {
        return Error(
            Status::Conflict("request_key_reused", "this request's events are in another stream (" +
                                                       earlier->stream + "); use a new key"));
      }
      auto s_version = store_->StreamVersion(s_stream);
      if (!s_version) return Error(s_version.error());
      outcome.recovered = true;
      outcome.version = *s_version;
      outcome.last_position = earlier->position;
      return outcome;
    }
    if (earlier.error().code() != StatusCode::kNotFound) return Error(earlier.error());
  }
  if (cmd.merge_id.empty()) cmd.merge_id = RequestUuid(request_key, "merge");
  auto settings = LoadSettings();
  if (!settings) return Error(settings.error());
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    auto survivor = LoadCached<CustomerState>(s_stream);
    if (!survivor) return Error(survivor.error());
    auto duplicate = LoadCached<CustomerState>(d_stream);
    if (!duplicate) return Error(duplicate.error());
    if (if_version && *if_version != survivor->second) {
      return Error(Status::FailedPrecondition(
          "If-Match", "version_mismatch",
          "the survivor is at version " + std::to_string(survivor->second) + ", not " +
              std::to_string(*if_version) + "; reload it and try again"));
    }
    auto plan = DecideMerge(survivor->first, duplicate->first, *settings, cmd);
    if (!plan) return Error(plan.error());
    StampEdits(survivor->first, clock_->NowMs(), node_, &plan->survivor);
    auto bulk = store_->StartBulk();
    if (!bulk) return Error(bulk.error());
    const std::string correlation = RequestUuid(request_key, "correlation");
    int n = 0;
    // The survivor's new details (taken from the duplicate) are sealed with
    // the survivor's key, as any edit of it.
    auto batch = [&](const std::string& stream,
                     const std::vector<CustomerEvent>& events) -> Result<std::vector<NewEvent>> {
      std::vector<NewEvent> out;
      const std::string_view id = std::string_view(stream).substr(kCustomerStreamPrefix.size());
      const bool make_key = RegisteredInClear(stream);
      for (const CustomerEvent& event : events) {
        NewEvent e;
        e.id = RequestUuid(request_key, std::to_string(n++));
        e.type = std::string(EventTypeName(event));
        e.schema = SchemaOf(event);
        auto sealed = EncodeSealedPayload(event, id, keys_, make_key);
        if (!sealed) return Error(sealed.error());
        e.data = std::move(*sealed);
        e.actor = actor;
        e.correlation_id = correlation;
        outcome.event_types.push_back(e.type);
        out.push_back(std::move(e));
      }
      return out;
    };
    outcome.event_types.clear();
    auto d_events = batch(d_stream, plan->duplicate);
    if (!d_events) return Error(d_events.error());
    auto s_events = batch(s_stream, plan->survivor);
    if (!s_events) return Error(s_events.error());
    if (keys_ != nullptr) {  // a key made for these events is on disk before they are
      if (Status st = keys_->Persist(); !st.ok()) return Error(st);
    }
    if (Status st =
            (*bulk)->Add(d_stream, ExpectedVersion::Exact(duplicate->second), std::move(*d_events));
        !st.ok()) {
      return Error(st);
    }
    if (Status st =
            (*bulk)->Add(s_stream, ExpectedVersion::Exact(survivor->second), std::move(*s_events));
        !st.ok()) {
      return Error(st);
    }
    auto committed = store_->CommitBulk(std::move(*bulk));
    if (!committed) {
      if (committed.error().reason() == "wrong_expected_version") continue;
      return Error(committed.error());
    }
    outcome.last_position = committed->last_position;
    outcome.version = survivor->second + static_cast<std::int64_t>(plan->survivor.size());
    return outcome;
  }
  return Error(Status::Unavailable("too many concurrent changes to these customers; try again"));
}

Result<CommandOutcome> CommandHandler::ExecuteSettings(const SettingsCommand& cmd,
                                                       const std::string& actor,
                                                       std::string_view request_key) {
  return Run<SettingsState>(
      std::string(kSettingsStream), cmd,
      [](const SettingsState& s, const SettingsCommand& c) { return Decide(s, c); }, actor,
      std::nullopt, request_key);
}

Result<CommandOutcome> CommandHandler::ExecuteNodes(const NodeCommand& cmd,
                                                    const std::string& actor,
                                                    std::string_view request_key) {
  if (node_ != kHqNode) {
    return Error(
        Status::FailedPrecondition("node", "hq_only", "only HQ enrols and revokes nodes; ask HQ"));
  }
  return Run<NodeRegistry>(
      std::string(kNodesStream), cmd,
      [](const NodeRegistry& r, const NodeCommand& c) { return Decide(r, c); }, actor, std::nullopt,
      request_key);
}

Result<NodeRegistry> CommandHandler::LoadNodes() {
  auto loaded = LoadCached<NodeRegistry>(std::string(kNodesStream));
  if (!loaded) return Error(loaded.error());
  return loaded->first;
}

template <typename State>
Result<std::pair<State, std::int64_t>> CommandHandler::LoadCached(const std::string& stream) {
  StateCache<State>* cache = &Cache<State>();
  auto cached = cache->Get(stream);
  const std::int64_t from = cached ? cached->second : 0;
  auto loaded = cached ? Load<State>(store_, keys_, stream, std::move(cached->first), from)
                       : Load<State>(store_, keys_, stream);
  if (loaded && loaded->second > from) cache->Put(stream, loaded->first, loaded->second);
  return loaded;
}

Result<CustomerState> CommandHandler::LoadCustomer(const std::string& customer_id) {
  auto id = ParseUuid(customer_id, "id");
  if (!id) return Error(id.error());
  auto loaded = LoadCached<CustomerState>(CustomerStream(*id));
  if (!loaded) return Error(loaded.error());
  return loaded->first;
}

Result<SettingsState> CommandHandler::LoadSettings() {
  auto loaded = LoadCached<SettingsState>(std::string(kSettingsStream));
  if (!loaded) return Error(loaded.error());
  return loaded->first;
}

}  // namespace clientele
