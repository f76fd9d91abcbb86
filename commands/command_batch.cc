// CommandHandler::ExecuteBatch: many customers' commands in one group commit.
#include <algorithm>
#include <map>
#include <set>

#include "commands/command_handler.h"
#include "commands/stream_load.h"

namespace clientele {

using command_internal::Load;
using command_internal::RequestUuid;

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
  // Whom each command is for, aliases followed.
  std::vector<std::string> streams(commands.size());
  std::set<std::size_t> stripes;
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
    streams[i] = CustomerStream(*id);
    stripes.insert(std::hash<std::string>{}(streams[i]) % stripes_.size());
  }
  // Every customer named takes its turn (stripes locked in index order, as Merge does).
  std::vector<std::unique_lock<std::mutex>> turns;
  turns.reserve(stripes.size());
  for (std::size_t s : stripes) turns.emplace_back(stripes_[s]);

  struct StreamState {
    CustomerState state;
    std::int64_t version = 0;  // as decided so far in this batch
    bool make_key = false;
    bool refused = false;  // an append of it was refused: its cached state is not put back
  };
  std::map<std::string, StreamState> states;
  std::vector<StreamAppend> appends;
  std::vector<std::size_t> append_of(commands.size(), SIZE_MAX);
  const std::int64_t now_ms = clock_->NowMs();
  for (std::size_t i = 0; i < commands.size(); ++i) {
    if (!results[i]) continue;
    const BatchCommand& c = commands[i];
    const std::string& stream = streams[i];
    if (!c.request_key.empty()) {
      auto earlier = Earlier(stream, c.request_key);
      if (!earlier) {
        results[i] = Error(earlier.error());
        continue;
      }
      if (*earlier) {
        (*earlier)->customer_id = results[i]->customer_id;
        results[i] = std::move(**earlier);
        continue;
      }
    }
    auto it = states.find(stream);
    if (it == states.end()) {
      auto taken = customers_.Take(stream);
      auto loaded =
          taken ? Load<CustomerState>(store_, keys_, stream, std::move(taken->first), taken->second)
                : Load<CustomerState>(store_, keys_, stream);
      if (!loaded) {
        results[i] = Error(loaded.error());
        continue;
      }
      StreamState fresh;
      fresh.state = std::move(loaded->first);
      fresh.version = loaded->second;
      fresh.make_key = fresh.version > 0 && RegisteredInClear(stream);
      it = states.emplace(stream, std::move(fresh)).first;
    }
    StreamState& ss = it->second;
    auto decided = Decide(ss.state, *settings, c.cmd);
    if (!decided) {
      results[i] = Error(decided.error());
      continue;
    }
    results[i]->version = ss.version;
    if (decided->empty()) continue;
    StampEdits(ss.state, now_ms, node_, &*decided);
    auto events = CustomerEvents(stream, *decided, actor, c.request_key, ss.make_key);
    if (!events) {
      results[i] = Error(events.error());
      continue;
    }
    for (const NewEvent& e : *events) results[i]->event_types.push_back(e.type);
    append_of[i] = appends.size();
    appends.push_back({stream, ExpectedVersion::Exact(ss.version), std::move(*events)});
    for (const CustomerEvent& e : *decided) ss.state = Evolve(std::move(ss.state), e);
    ss.version += static_cast<std::int64_t>(decided->size());
    ss.make_key = false;
  }
  if (!appends.empty() && keys_ != nullptr) {
    // A key made for these events is on disk before they are.
    if (Status s = keys_->Persist(); !s.ok()) {
      for (std::size_t i = 0; i < commands.size(); ++i) {
        if (append_of[i] != SIZE_MAX) results[i] = Error(s);
      }
      return results;  // the states taken are not put back: they are read again
    }
  }
  auto appended = store_->AppendEach(std::move(appends));
  for (std::size_t i = 0; i < commands.size(); ++i) {
    if (append_of[i] == SIZE_MAX) continue;
    Result<AppendResult>& a = appended[append_of[i]];
    if (!a) {
      states[streams[i]].refused = true;
      if (a.error().reason() == "wrong_expected_version") {
        results[i] = Error(Status::Unavailable("the customer was changed meanwhile (" + streams[i] +
                                               "); try again"));
      } else {
        results[i] = Error(a.error());
      }
      continue;
    }
    results[i]->last_position = a->positions.back();
    results[i]->version = a->stream_version;
  }
  for (auto& [stream, ss] : states) {
    if (!ss.refused) customers_.Put(stream, std::move(ss.state), ss.version);
  }
  return results;
}

}  // namespace clientele
