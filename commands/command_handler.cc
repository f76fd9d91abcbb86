#include "commands/command_handler.h"

#include "domain/event_codec.h"
#include "domain/ids.h"
#include "eventstore/uuid.h"

namespace clientele {

namespace {

constexpr int kMaxAttempts = 16;

// The stream's state: `state` at `version` plus the events after it.
template <typename State>
Result<std::pair<State, std::int64_t>> Load(EventStore* store, PersonalDataKeys* keys,
                                            const std::string& stream, State state = {},
                                            std::int64_t version = 0) {
  auto events = store->ReadStream(stream, version + 1, SIZE_MAX);
  if (!events) return Error(events.error());
  for (const RecordedEvent& e : *events) {
    version = e.version;
    if constexpr (std::is_same_v<State, CustomerState>) {
      auto decoded =
          DecodeCustomerEvent(e.type, e.schema, e.data, keys,
                              std::string_view(stream).substr(kCustomerStreamPrefix.size()));
      if (!decoded) return Error(decoded.error());
      state = Evolve(std::move(state), *decoded);
    } else if constexpr (std::is_same_v<State, SettingsState>) {
      auto decoded = DecodeSettingsEvent(e.type, e.schema, e.data);
      if (!decoded) return Error(decoded.error());
      state = Evolve(std::move(state), *decoded);
    } else {
      auto decoded = DecodeNodeEvent(e.type, e.schema, e.data);
      if (!decoded) return Error(decoded.error());
      state = Evolve(std::move(state), *decoded);
    }
  }
  return std::pair<State, std::int64_t>{std::move(state), version};
}

// A fresh id, or for a request the id its `part` always gets.
std::string RequestUuid(std::string_view request_key, std::string_view part) {
  if (request_key.empty()) return NewUuid();
  std::string name = "request/";
  name += request_key;
  name += '/';
  name += part;
  return DerivedUuid(name);
}

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
                                                std::string_view request_key) {
  auto settings = LoadSettings();
  if (!settings) return Error(settings.error());
  if (!settings->modules.customers) {
    return Error(Status::FailedPrecondition("customers", "module_disabled",
                                            "the customers module is disabled"));
  }
  if (auto normalized = NormalizeDetails(details); !normalized) return Error(normalized.error());
  RegisterCustomer cmd;
  cmd.customer_id = RequestUuid(request_key, "customer");
  cmd.code = NextCode();
  cmd.details = details;
  cmd.origin_store = node_ == kHqNode ? "" : node_;
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
  auto id = ParseUuid(customer_id, "id");
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
  return outcome;
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
