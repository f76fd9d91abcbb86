// What the command handler's files share (not part of its contract).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "domain/customer.h"
#include "domain/event_codec.h"
#include "domain/ids.h"
#include "domain/nodes.h"
#include "domain/personal_data.h"
#include "domain/settings.h"
#include "eventstore/event_store.h"
#include "eventstore/uuid.h"

namespace clientele::command_internal {

// The stream's state: `state` at `version` plus the events after it.
template <typename State>
inline Result<std::pair<State, std::int64_t>> Load(EventStore* store, PersonalDataKeys* keys,
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
inline std::string RequestUuid(std::string_view request_key, std::string_view part) {
  if (request_key.empty()) return NewUuid();
  std::string name = "request/";
  name += request_key;
  name += '/';
  name += part;
  return DerivedUuid(name);
}

}  // namespace clientele::command_internal
