// A customer as a decider.
//
//   Decide(state, settings, command) -> events | refusal     (pure)
//   Evolve(state, event)             -> state                (pure)
//
// `state` is what the customer's stream says so far (Evolve folded over it);
// `settings` is the chain's settings in force now. An empty event list means
// the command was already applied (an idempotent retry) and changes nothing.
//
// Rules, each refusal naming its field or rule:
// - the customers module must be on for every command; loyalty_points for
//   redeeming and adjusting points; customer_credits for every credit command.
//   A purchase with loyalty_points off records the spend and earns nothing.
// - a deleted or never-registered customer is NotFound (register excepted).
// - an inactive customer cannot earn (purchase) or spend (redeem, top up,
//   deduct); refunds and manager adjustments still apply.
// - delete is refused once the customer has any purchase, points or credit
//   history: deactivate instead.
// - redeeming and deducting never go beyond the balance; adjustments never
//   take a balance below zero. Refunds reverse the points a purchase earned
//   (pro rata for a part refund), which may take points below zero if they
//   were already redeemed.
// - consent (domain/consent.h) can be given or withdrawn whether the
//   customer is active or not; each choice must name a channel once, and a
//   channel already in the state asked for records nothing.
// - an erased customer (customer.erased) keeps its code, balances and
//   history; its details are gone. Purchases, refunds and HQ's corrections
//   still apply to it (a store offline may have sold to it); editing it, or
//   redeeming, topping up, deducting or adjusting for it, is refused
//   ("customer_erased"). Erasing is refused while it holds credit
//   ("credit_held") unless the credit is written off; erasing again changes
//   nothing. A deleted customer, and one merged into another, can still be
//   erased (their registrations hold personal data); merging an erased
//   customer is refused (domain/merge.h).
// - concurrent edits made on different nodes resolve per field, last writer
//   wins by stamp (domain/stamp.h); balances are sums, so every node's Evolve
//   ends in the same state whatever order replicated events arrive in.
// - a customer merged into another (domain/merge.h) takes no command: its
//   id and code resolve to the survivor (Conflict "customer_merged" if a
//   caller did not resolve them).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "domain/commands.h"
#include "domain/events.h"
#include "domain/merge.h"
#include "domain/settings.h"
#include "domain/status.h"

namespace clientele {

struct PurchaseLine {
  Money amount = 0;
  Points points_earned = 0;
  Money refunded_amount = 0;
  Points reversed_points = 0;
  bool operator==(const PurchaseLine&) const = default;
};

struct RefundLine {
  std::string tab_id;
  Money amount = 0;
  bool operator==(const RefundLine&) const = default;
};

struct CustomerState {
  bool registered = false;
  bool deleted = false;
  bool erased = false;
  std::string id;
  std::string code;
  CustomerDetails details;
  std::string origin_store;
  bool active = true;

  Points points = 0;
  Money credit = 0;
  Money total_spent = 0;
  std::int64_t last_visit_ms = 0;  // 0: never
  bool has_history = false;        // any purchase, points or credit entry

  std::map<std::string, PurchaseLine> purchases;  // by tab id
  std::map<std::string, RefundLine> refunds;      // by refund id
  std::map<std::string, Money> top_ups;           // by payment reference
  FieldStamps stamps;                             // of the details and active
  Consents consents;                              // marketing consent per channel
  MergeLinks merges;                              // domain/merge.h

  bool operator==(const CustomerState&) const = default;
};

Result<std::vector<CustomerEvent>> Decide(const CustomerState& state, const SettingsState& settings,
                                          const CustomerCommand& cmd);
CustomerState Evolve(CustomerState state, const CustomerEvent& event);

// Gives the edits among `events` (details changed, deactivated, reactivated,
// deleted, consent changed)
// the stamp of an edit made at `now_ms` on `node` (domain/stamp.h).
void StampEdits(const CustomerState& state, std::int64_t now_ms, std::string_view node,
                std::vector<CustomerEvent>* events);

}  // namespace clientele
