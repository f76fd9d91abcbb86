// Merging duplicate customers.
//
// A merge takes a duplicate D into a survivor S. It is recorded in one atomic
// append to both streams:
//   D: customer.merged          what D held (points, credit, total spent) leaves D
//   S: customer.merge_received  the same amounts arrive; S's last visit is the later
//   S: customer.details_changed the fields S lacks, filled from D (or as the clerk
//                               picks per field): the ordinary edit event, so
//                               personal data stays in the event types that
//                               carry it
// Both histories show the transfer. D's id and code stay D's, and resolve to
// S everywhere (ResolveAlias): D is an alias of S from then on.
//
// Refusals (DecideMerge): a customer into itself ("merge_into_itself"), a
// duplicate already merged ("already_merged"), a survivor that was itself
// merged ("survivor_merged"), a deleted customer on either side
// ("customer_deleted"), an erased one ("customer_erased"), an unknown one
// ("customer_not_found").
//
// Convergence rule. Nodes may merge while apart: D into S at one store while
// D into T (or S into D) at another. Every merge is named by a merge id
// (a UUID, the node's choice); for each duplicate the merge with the smallest
// merge id wins, and in a cycle (S into D and D into S) the merge with the
// largest id in the cycle loses. HQ settles what it finds with
// customer.merge_settled (consumers/merges.h):
//   - a losing merge is voided: its transfers (and whatever was forwarded
//     under it) go back, on both streams;
//   - whatever reaches a merged duplicate after its merge (a sale a store
//     recorded offline on the old code) is forwarded to its survivor.
// Every node applies HQ's settlements, so every node ends with the same
// balances. Until they arrive, a node resolves aliases by the same rule
// (MergeLinks::MergedInto, ResolveAlias), so it already points at the
// survivor HQ will keep. A merge is never undone silently: only a void
// undoes one, and it is in both histories.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "domain/details.h"
#include "domain/events.h"
#include "domain/status.h"

namespace clientele {

struct CustomerState;
struct SettingsState;

// The merges a customer took part in, by merge id (so in the order the
// convergence rule reads them: smallest first).
struct MergeLink {
  std::string other_id;    // the survivor (out) or the duplicate (in)
  std::string other_code;  // its code
  bool voided = false;
  bool operator==(const MergeLink&) const = default;
};

struct MergeLinks {
  std::map<std::string, MergeLink> out;  // this customer merged into others
  std::map<std::string, MergeLink> in;   // others merged into this customer

  // The survivor this customer is merged into: that of the merge with the
  // smallest id that is not voided; "" if none.
  std::string MergedInto() const;
  // The id of that merge; "" if none.
  std::string WinningMerge() const;
  // The codes of the customers merged into this one (not voided).
  std::vector<std::string> AliasCodes() const;
  // Records what a merge event says; other events leave the links as they are.
  void Apply(const CustomerEvent& event);

  bool operator==(const MergeLinks&) const = default;
};

// Which customer's value a merged field keeps.
enum class MergeSide { kSurvivor, kDuplicate };

struct MergeCustomers {
  std::string merge_id;  // a UUID chosen by the caller
  // Per field, whose value to keep; a field not named keeps the survivor's,
  // or takes the duplicate's if the survivor has none.
  std::map<DetailField, MergeSide> fields;
};

struct MergePlan {
  std::vector<CustomerEvent> duplicate;  // to append to the duplicate's stream
  std::vector<CustomerEvent> survivor;   // to append to the survivor's stream
};

// Decides the merge of `duplicate` into `survivor` (pure). The edit among
// plan.survivor is not stamped yet (StampEdits, domain/customer.h).
Result<MergePlan> DecideMerge(const CustomerState& survivor, const CustomerState& duplicate,
                              const SettingsState& settings, const MergeCustomers& cmd);

// The customer `id` resolves to: itself, or the survivor its merges lead to.
// `merged_into(id)` says whom a customer is merged into ("" if nobody) and
// the id of that merge. In a cycle (merges made apart), the customer whose
// merge has the largest id in the cycle is the one it resolves to: that is
// the merge HQ voids. Follows at most 64 links.
std::string ResolveAlias(
    const std::string& id,
    const std::function<std::pair<std::string, std::string>(const std::string&)>& merged_into);

}  // namespace clientele
