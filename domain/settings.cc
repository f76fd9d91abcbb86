#include "domain/settings.h"

#include <string>

#include "domain/overloaded.h"

namespace clientele {

namespace {

using Events = std::vector<SettingsEvent>;

Result<Events> DecideSet(const SettingsState& s, const SetLoyaltyProgram& c) {
  if (Status st = ValidateProgram(c.program); !st.ok()) return Error(st);
  if (c.program == s.program) return Events{};
  return Events{LoyaltyProgramSet{c.program}};
}

Result<Events> DecideEnable(const SettingsState& s, const EnableModule& c) {
  if (s.modules.enabled(c.module)) return Events{};
  if (c.module != Module::kCustomers && !s.modules.customers) {
    return Error(Status::FailedPrecondition(
        "module", "module_requires_customers",
        std::string(ModuleName(c.module)) + " requires the customers module; enable it first"));
  }
  return Events{ModuleEnabled{c.module}};
}

Result<Events> DecideDisable(const SettingsState& s, const DisableModule& c) {
  if (!s.modules.enabled(c.module)) return Events{};
  if (c.module == Module::kCustomers) {
    for (Module dependent : {Module::kLoyaltyPoints, Module::kCustomerCredits}) {
      if (s.modules.enabled(dependent)) {
        return Error(
            Status::FailedPrecondition("module", "module_has_dependents",
                                       std::string(ModuleName(dependent)) +
                                           " depends on the customers module; disable it first"));
      }
    }
  }
  return Events{ModuleDisabled{c.module}};
}

}  // namespace

Result<std::vector<SettingsEvent>> Decide(const SettingsState& state, const SettingsCommand& cmd) {
  return std::visit(Overloaded{
                        [&](const SetLoyaltyProgram& c) { return DecideSet(state, c); },
                        [&](const EnableModule& c) { return DecideEnable(state, c); },
                        [&](const DisableModule& c) { return DecideDisable(state, c); },
                    },
                    cmd);
}

SettingsState Evolve(SettingsState state, const SettingsEvent& event) {
  std::visit(Overloaded{
                 [&](const LoyaltyProgramSet& e) { state.program = e.program; },
                 [&](const ModuleEnabled& e) { state.modules.set(e.module, true); },
                 [&](const ModuleDisabled& e) { state.modules.set(e.module, false); },
             },
             event);
  return state;
}

}  // namespace clientele
