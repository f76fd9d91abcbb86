// CommandHandler::ExecuteBatch: many customers' commands in one group commit.
#include <algorithm>
#include <map>
#include <set>

#include "commands/command_handler.h"
#include "commands/stream_load.h"

namespace clientele {

using command_internal::Load;
using command_internal::RequestUuid;

namespace {
constexpr int kMaxBatchAttempts = 16;  // as Run's retries of a version conflict
}  // namespace

Result<std::vector<NewEvent>> CommandHandler::CustomerEvents(
    const std::string& stream, const std::vector<CustomerEvent>& events, const std::string& actor,
    std::string_view request_key, bool make_key) {
  std::vector<NewEvent> out;
  out.reserve(events.size());
  const std::string correlation = RequestUuid(request_key, "correlation");
  const std::string_view id = std::string_view(stream).substr(kCustomerStreamPrefix.size());
  for (const CustomerEvent& event : events) {
    NewEvent e;
    e.id = RequestUuid(request_key, std::to_string(out.size()));
    e.type = std::string(EventTypeName(event));
    e.schema = SchemaOf(event);
    // Sealed before the append, as Run does.
    auto sealed = EncodeSealedPayload(event, id, keys_, make_key);
    if (!sealed) return Error(sealed.error());
    e.data = std::move(*sealed);
    e.actor = actor;
    e.correlation_id = correlation;
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<Result<CommandOutcome>> CommandHandler::ExecuteBatch(
    const std::vector<BatchCommand>& commands, const std::string& actor) {
  std::vector<Result<CommandOutcome>> results(commands.size(), CommandOutcome{});
  auto settings = LoadSettings();
  if (!settings) {
    std::ranges::fill(results, Error(settings.error()));
    return results;
  }
  // Whom each command is for, aliases followed; the commands of each customer
  // in order. A command whose request's events are already in the log gets its
  // first outcome (only this request appends events with its ids, and its key
  // is claimed by it: this need not wait for the customer's turn).
  std::vector<std::string> ids(commands.size());
  std::vector<std::string> streams(commands.size());
  std::map<std::string, std::vector<std::size_t>> of_stream;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    const BatchCommand& c = commands[i];
    if (std::holds_alternative<RegisterCustomer>(c.cmd) ||
        std::holds_alternative<EraseCustomer>(c.cmd)) {
      results[i] = Error(Status::InvalidArgument("kind", "not_in_batch",
                                                 "registrations and erasures are sent alone"));
      continue;
    }
    auto parsed = ParseUuid(c.customer_id, "id");
    if (!parsed) {
      results[i] = Error(parsed.error());
      continue;
    }
    auto id = Resolve(*parsed);
    if (!id) {
      results[i] = Error(id.error());
      continue;
    }
    results[i]->customer_id = *id;
    ids[i] = *id;
    streams[i] = CustomerStream(*id);
    if (!c.request_key.empty()) {
      auto earlier = Earlier(streams[i], c.request_key);
      if (!earlier) {
        results[i] = Error(earlier.error());
        continue;
      }
      if (*earlier) {
        (*earlier)->customer_id = *id;
        results[i] = std::move(**earlier);
        continue;
      }
    }
    of_stream[streams[i]].push_back(i);
  }
  // The states, read before taking the turns (an uncached customer's whole
  // stream): under them only the events appended since are read.
  struct StreamState {
    CustomerState state;
    std::int64_t version = 0;
  };
  std::map<std::string, StreamState> states;
  for (const auto& [stream, _] : of_stream) {
    auto taken = customers_.Take(stream);
    auto loaded =
        taken ? Load<CustomerState>(store_, keys_, stream, std::move(taken->first), taken->second)
              : Load<CustomerState>(store_, keys_, stream);
    if (loaded) states[stream] = {std::move(loaded->first), loaded->second};
  }
  // Every customer named takes its turn (stripes locked in index order, as Merge does).
  std::set<std::size_t> stripes;
  for (const auto& [stream, _] : of_stream) {
    stripes.insert(std::hash<std::string>{}(stream) % stripes_.size());
  }
  std::vector<std::unique_lock<std::mutex>> turns;
  turns.reserve(stripes.size());
  for (std::size_t s : stripes) turns.emplace_back(stripes_[s]);

  // Each customer's commands are decided in order against its state (a later
  // one sees the earlier ones) and its events appended as one append. If
  // another writer (replication) got to a customer first, its commands are
  // decided again against its new state, as Run retries a single command.
  std::vector<std::string> pending;
  for (const auto& [stream, _] : of_stream) pending.push_back(stream);
  for (int attempt = 0; !pending.empty(); ++attempt) {
    const std::int64_t now_ms = clock_->NowMs();
    struct Span {
      std::size_t command;
      std::size_t first;  // its events' place in the append
      std::size_t count;
    };
    std::vector<StreamAppend> appends;
    std::vector<std::vector<Span>> spans;  // by append
    std::vector<std::string> appended_streams;
    std::map<std::string, StreamState> decided_states;
    for (const std::string& stream : pending) {
      const std::vector<std::size_t>& mine = of_stream[stream];
      // Caught up under the turn: only the events appended since it was read.
      auto it = states.find(stream);
      auto loaded = it != states.end()
                        ? Load<CustomerState>(store_, keys_, stream, std::move(it->second.state),
                                              it->second.version)
                        : Load<CustomerState>(store_, keys_, stream);
      if (it != states.end()) states.erase(it);  // a retry reads the stream whole
      if (!loaded) {
        for (std::size_t i : mine) results[i] = Error(loaded.error());
        continue;
      }
      StreamState ss{std::move(loaded->first), loaded->second};
      const std::int64_t base = ss.version;
      bool make_key = ss.version > 0 && RegisteredInClear(stream);
      std::vector<NewEvent> events;
      std::vector<Span> stream_spans;
      for (std::size_t i : mine) {
        const BatchCommand& c = commands[i];
        results[i] = CommandOutcome{.customer_id = ids[i]};  // (again on a retry)
        if (c.if_version && *c.if_version != ss.version) {
          results[i] = Error(Status::FailedPrecondition(
              "if_match", "version_mismatch",
              "the customer is at version " + std::to_string(ss.version) + ", not " +
                  std::to_string(*c.if_version) + "; reload it and try again"));
          continue;
        }
        auto decided = Decide(ss.state, *settings, c.cmd);
        if (!decided) {
          results[i] = Error(decided.error());
          continue;
        }
        results[i]->version = ss.version;
        if (decided->empty()) continue;
        StampEdits(ss.state, now_ms, node_, &*decided);
        auto made = CustomerEvents(stream, *decided, actor, c.request_key, make_key);
        if (!made) {
          results[i] = Error(made.error());
          continue;
        }
        for (const NewEvent& e : *made) results[i]->event_types.push_back(e.type);
        stream_spans.push_back({i, events.size(), made->size()});
        for (NewEvent& e : *made) events.push_back(std::move(e));
        for (const CustomerEvent& e : *decided) ss.state = Evolve(std::move(ss.state), e);
        ss.version += static_cast<std::int64_t>(decided->size());
        results[i]->version = ss.version;
        make_key = false;
      }
      if (events.empty()) {
        customers_.Put(stream, std::move(ss.state), ss.version);
        continue;
      }
      appends.push_back({stream, ExpectedVersion::Exact(base), std::move(events)});
      spans.push_back(std::move(stream_spans));
      appended_streams.push_back(stream);
      decided_states[stream] = std::move(ss);
    }
    pending.clear();
    if (appends.empty()) break;
    if (keys_ != nullptr) {
      // A key made for these events is on disk before they are.
      if (Status s = keys_->Persist(); !s.ok()) {
        for (const auto& stream_spans : spans) {
          for (const Span& span : stream_spans) results[span.command] = Error(s);
        }
        return results;  // the states taken are not put back: they are read again
      }
    }
    auto appended = store_->AppendEach(std::move(appends));
    for (std::size_t k = 0; k < appended.size(); ++k) {
      const std::string& stream = appended_streams[k];
      Result<AppendResult>& a = appended[k];
      if (a) {
        for (const Span& span : spans[k]) {
          results[span.command]->last_position = a->positions[span.first + span.count - 1];
        }
        StreamState& ss = decided_states[stream];
        customers_.Put(stream, std::move(ss.state), ss.version);
        continue;
      }
      if (a.error().reason() == "wrong_expected_version" && attempt + 1 < kMaxBatchAttempts) {
        pending.push_back(stream);  // decided again against what got there first
        continue;
      }
      const Status refused = a.error().reason() == "wrong_expected_version"
                                 ? Status::Unavailable("the customer was changed meanwhile (" +
                                                       stream + "); try again")
                                 : a.error();
      // The customer's other commands were decided against a state these
      // events were part of: all its commands get the refusal.
      for (std::size_t i : of_stream[stream]) results[i] = Error(refused);
    }
  }
  return results;
}

}  // namespace clientele
