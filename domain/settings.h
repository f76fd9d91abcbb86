// The chain's settings as a decider: the loyalty program and the modules.
//
//   Decide(state, command) -> events | refusal     (pure)
//   Evolve(state, event)   -> state                (pure)
//
// An empty event list means the command changes nothing (already so).
#pragma once

#include <vector>

#include "domain/commands.h"
#include "domain/events.h"
#include "domain/status.h"

namespace clientele {

struct SettingsState {
  LoyaltyProgram program;  // defaults: 1 point per 1.00, floor
  Modules modules;         // defaults: all enabled
  bool operator==(const SettingsState&) const = default;
};

Result<std::vector<SettingsEvent>> Decide(const SettingsState& state, const SettingsCommand& cmd);
SettingsState Evolve(SettingsState state, const SettingsEvent& event);

}  // namespace clientele
