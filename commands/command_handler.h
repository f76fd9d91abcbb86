// CommandHandler: runs commands against the log.
//
// For each command it loads the stream's state (Evolve over its events), asks
// the domain to Decide, and appends the resulting events with the stream's
// version as the expected version. Commands on one stream take turns (a
// striped lock); if another writer (replication) got there first the whole
// cycle is retried. States are cached (commands/state_cache.h): a command reads only
// the events appended since the cached version. Customer codes come from this
// node's CodeAllocator.
//
// Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "commands/state_cache.h"
#include "domain/clock.h"
#include "domain/commands.h"
#include "domain/customer.h"
#include "domain/customer_code.h"
#include "domain/nodes.h"
#include "domain/personal_data.h"
#include "domain/settings.h"
#include "eventstore/event_store.h"
#include "eventstore/system_clock.h"

namespace clientele {

struct CommandOutcome {
  std::string customer_id;
  std::uint64_t last_position = 0;  // 0 when the command changed nothing
  std::int64_t version = 0;         // the stream's version afterwards
  std::vector<std::string> event_types;
  bool recovered = false;  // the request's events were already in the log
};

// One command of CommandHandler::ExecuteBatch.
struct BatchCommand {
  std::string customer_id;  // a customer's id (a merged one resolves to its survivor)
  CustomerCommand cmd;      // not a registration or an erasure
  std::string request_key;  // optional, as Execute's
  // Optional, as Execute's: refused (FailedPrecondition "version_mismatch")
  // unless the customer is at exactly this version when the command's turn
  // comes (after the batch's earlier commands on it).
  std::optional<std::int64_t> if_version;
};

class CommandHandler {
 public:
  // `clock` (default: the system clock) stamps edits (domain/stamp.h).
  // `keys` (optional: null writes personal fields in clear) seals the
  // personal fields of the events appended and opens those read
  // (domain/personal_data.h); an erasure destroys the customer's key once
  // its event is appended.
  CommandHandler(EventStore* store, std::string node, Clock* clock = nullptr,
                 PersonalDataKeys* keys = nullptr);
  PersonalDataKeys* keys() const { return keys_; }

  // Reads the log once to learn the highest code this node issued.
  Status Init();

  // A `request_key` (optional on every command) names one request that may be
  // retried, e.g. after a crash: the ids of its events (and of a registered
  // customer) are derived from it, and if its events are already in the log
  // the command is not decided again: its first outcome is returned, with
  // `recovered` set. Distinct requests must have distinct keys.

  // Registers a new customer with a fresh id and this node's next code, with
  // the marketing consent given at registration if any (source "register").
  Result<CommandOutcome> Register(const CustomerDetails& details, const std::string& actor,
                                  std::string_view request_key = {},
                                  std::vector<ConsentChoice> consents = {});
  // Runs `cmd` against the customer `customer_id`, or the survivor it was
  // merged into (Resolve). With `if_version`, refuses
  // (FailedPrecondition "version_mismatch") unless the customer is at exactly
  // that version. Erasing a customer erases the customers merged into it too
  // (the same person's other records).
  Result<CommandOutcome> Execute(const std::string& customer_id, const CustomerCommand& cmd,
                                 const std::string& actor,
                                 std::optional<std::int64_t> if_version = std::nullopt,
                                 std::string_view request_key = {});
  // Runs `commands` in order, each as Execute would (a later command on a
  // customer sees what the earlier ones did to it), and appends the events of
  // those accepted in one group commit (EventStore::AppendEach), one append
  // per customer: one refused does not stop the others. If another writer
  // (replication) changed a customer meanwhile, its commands are decided
  // again (as Execute retries); if its append fails otherwise, all its
  // commands get the failure. Returns one outcome or refusal per command, in
  // order, once the events are durable. The states are read before, and only
  // caught up while, it holds the turn of every customer named.
  // InvalidArgument for a registration or an erasure.
  std::vector<Result<CommandOutcome>> ExecuteBatch(const std::vector<BatchCommand>& commands,
                                                   const std::string& actor);
  // Merges the customer `duplicate_id` into `survivor_id` (domain/merge.h),
  // both as given (aliases are not followed: a merged duplicate is refused),
  // appending to both streams in one atomic append. The outcome names the
  // survivor. With `if_version`, refuses (FailedPrecondition
  // "version_mismatch") unless the survivor is at exactly that version. With
  // a request key, a retry returns the first outcome.
  Result<CommandOutcome> Merge(const std::string& survivor_id, const std::string& duplicate_id,
                               MergeCustomers cmd, const std::string& actor,
                               std::optional<std::int64_t> if_version = std::nullopt,
                               std::string_view request_key = {});
  // The customer `customer_id` resolves to: itself, or the survivor its
  // merges lead to (ResolveAlias, domain/merge.h), by this node's log.
  Result<std::string> Resolve(const std::string& customer_id);

  Result<CommandOutcome> ExecuteSettings(const SettingsCommand& cmd, const std::string& actor,
                                         std::string_view request_key = {});
  // Enrols or revokes a node's key (HQ only: FailedPrecondition "hq_only"
  // elsewhere).
  Result<CommandOutcome> ExecuteNodes(const NodeCommand& cmd, const std::string& actor,
                                      std::string_view request_key = {});

  // A fresh code of this node, never issued before (for imports, which
  // register customers without Register).
  std::string NextCode();

  Result<CustomerState> LoadCustomer(const std::string& customer_id);

  // True if the customer of `stream` was registered in clear (before sealing
  // existed) and this node has no key for it: its next sealed event may make
  // one (domain/personal_data.h).
  bool RegisteredInClear(const std::string& stream);
  Result<SettingsState> LoadSettings();
  Result<NodeRegistry> LoadNodes();

 private:
  // Erases every customer merged into `survivor_id` (transitively).
  Status EraseMergedInto(const std::string& survivor_id, const EraseCustomer& cmd,
                         const std::string& actor, std::string_view request_key);
  // The log events of a customer's decided `events`, personal fields sealed
  // (commands/command_batch.cc); ids from `request_key` from the `first`th on.
  Result<std::vector<NewEvent>> CustomerEvents(const std::string& stream,
                                               const std::vector<CustomerEvent>& events,
                                               const std::string& actor,
                                               std::string_view request_key, bool make_key);
  // Loads state, decides and appends; retries on a version conflict.
  template <typename State, typename Command, typename DecideFn>
  Result<CommandOutcome> Run(const std::string& stream, const Command& cmd, DecideFn decide,
                             const std::string& actor, std::optional<std::int64_t> if_version,
                             std::string_view request_key);
  // The outcome of the request `request_key` if its events are in the log.
  Result<std::optional<CommandOutcome>> Earlier(const std::string& stream,
                                                std::string_view request_key);

  // The stream's state through the cache (a copy): only newer events are read.
  template <typename State>
  Result<std::pair<State, std::int64_t>> LoadCached(const std::string& stream);
  template <typename State>
  StateCache<State>& Cache() {
    if constexpr (std::is_same_v<State, CustomerState>) {
      return customers_;
    } else if constexpr (std::is_same_v<State, SettingsState>) {
      return settings_;
    } else {
      return nodes_;
    }
  }

  EventStore* store_;
  Clock* clock_;
  PersonalDataKeys* keys_;
  std::string node_;
  StateCache<CustomerState> customers_{20000};
  StateCache<SettingsState> settings_{1};
  StateCache<NodeRegistry> nodes_{1};
  std::array<std::mutex, 64> stripes_;  // by stream: one command per stream at a time
  std::mutex codes_mu_;
  CodeAllocator codes_;
};

}  // namespace clientele
