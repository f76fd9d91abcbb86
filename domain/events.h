// Domain events: the facts recorded in the log.
//
// Each event type has a stable name (the envelope's `type`) and a schema
// version; the JSON payload of each is written by event_codec. A new payload
// shape gets a new schema version and an upcaster in event_codec, never an
// in-place change.
//
//   customer-<id> stream                      settings stream
//   ---------------------------------------   -----------------------------
//   customer.registered                       settings.loyalty_program_set
//   customer.details_changed                  settings.module_enabled
//   customer.deactivated / .reactivated       settings.module_disabled
//   customer.deleted
//   purchase.recorded, purchase.refunded
//   loyalty.points_earned / _reversed / _redeemed / _adjusted
//   loyalty.points_expired, loyalty.points_shortfall_detected
//   credit.topped_up / .deducted / .adjusted
//   credit.overdraft_detected
//   ledger.duplicate_reversed, ledger.conflict_recorded
//   customer.consent_changed
//   customer.merged, customer.merge_received, customer.merge_settled
//   customer.erased
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "domain/consent.h"
#include "domain/details.h"
#include "domain/loyalty.h"
#include "domain/money.h"
#include "domain/stamp.h"

namespace clientele {

struct CustomerRegistered {
  std::string customer_id;
  std::string code;
  CustomerDetails details;
  std::string origin_store;  // "" when created at HQ
  bool operator==(const CustomerRegistered&) const = default;
};
struct CustomerDetailsChanged {
  DetailsPatch changes;  // only the fields that changed, with their new values
  Stamp stamp;           // domain/stamp.h
  bool operator==(const CustomerDetailsChanged&) const = default;
};
struct CustomerDeactivated {
  Stamp stamp;
  bool operator==(const CustomerDeactivated&) const = default;
};
struct CustomerReactivated {
  Stamp stamp;
  bool operator==(const CustomerReactivated&) const = default;
};
// A delete takes the customer away only while it has no purchase, points or
// credit history. One that meets history, whichever order the two reach a
// node in (a sale made offline at a store while HQ deleted the customer),
// deactivates it instead: a delete never swallows a sale. Its stamp orders it
// with the deactivations and reactivations of the customer.
struct CustomerDeleted {
  Stamp stamp;
  bool operator==(const CustomerDeleted&) const = default;
};
struct PurchaseRecorded {
  std::string tab_id;
  Money amount = 0;
  std::int64_t paid_at_ms = 0;  // UTC milliseconds
  bool operator==(const PurchaseRecorded&) const = default;
};
struct PurchaseRefunded {
  std::string refund_id;
  std::string tab_id;
  Money amount = 0;
  bool operator==(const PurchaseRefunded&) const = default;
};
struct PointsEarned {
  std::string tab_id;
  Points points = 0;
  bool operator==(const PointsEarned&) const = default;
};
struct PointsReversed {
  std::string refund_id;
  std::string tab_id;
  Points points = 0;
  bool operator==(const PointsReversed&) const = default;
};
struct PointsRedeemed {
  Points points = 0;
  std::string note;
  std::string reference;
  bool operator==(const PointsRedeemed&) const = default;
};
struct PointsAdjusted {
  Points delta = 0;
  std::string note;
  bool operator==(const PointsAdjusted&) const = default;
};
struct CreditToppedUp {
  Money amount = 0;
  std::string payment_ref;
  std::string note;
  bool operator==(const CreditToppedUp&) const = default;
};
struct CreditDeducted {
  Money amount = 0;
  std::string note;
  std::string reference;
  bool operator==(const CreditDeducted&) const = default;
};
struct CreditAdjusted {
  Money delta = 0;
  std::string note;
  bool operator==(const CreditAdjusted&) const = default;
};

// Appended by HQ when, merging what stores did offline, it finds a credit
// deduction took the balance below zero (the same credit spent at two stores).
// The deduction stands (the money left the drawer); this records it for
// auditors and moves no balance.
struct CreditOverdraftDetected {
  std::string deduction_id;  // the event id of the deduction
  std::string store;         // where that deduction was made
  Money shortfall = 0;       // how far below zero it took the balance
  bool operator==(const CreditOverdraftDetected&) const = default;
};

// What a duplicate is about: a purchase's tab, a refund, a top-up's payment.
inline constexpr std::string_view kDuplicateKinds[] = {"purchase", "refund", "top_up"};

// Appended by HQ when the same tab, refund or payment reference was recorded
// twice with the same content (at two nodes while they were apart): the
// record with the larger event id is taken back, the other counts, whichever
// arrived first. Its effect on the balances is given whole, so every node
// applies the same numbers.
struct DuplicateReversed {
  std::string kind;          // one of kDuplicateKinds
  std::string reference;     // the tab id, refund id or payment reference
  std::string duplicate_id;  // the event id of the record taken back
  std::string kept_id;       // the event id of the record that counts
  std::string store;         // where the duplicate was recorded
  Money spent = 0;           // change of total spent (-amount: a purchase; +amount: a refund)
  Points points = 0;         // change of points (-earned: a purchase; +reversed: a refund)
  Money credit = 0;          // change of credit (-amount: a top-up)
  bool operator==(const DuplicateReversed&) const = default;
};

// Appended by HQ when the same reference was recorded with other content
// (another amount): not a duplicate to drop; both stand, and this records the
// conflict for review. Moves no balance.
struct ConflictRecorded {
  std::string kind;       // one of kDuplicateKinds
  std::string reference;  // the tab id, refund id or payment reference
  std::string event_id;   // the record in conflict
  std::string other_id;   // the record it disagrees with (the one with the smallest id)
  std::string store;      // where event_id was recorded
  bool operator==(const ConflictRecorded&) const = default;
};

// Appended by HQ's expiry sweep when a lot of points reaches its expiry
// (domain/loyalty.h): the points still in the lot leave the balance. Its id
// is derived from the customer and the lot, so however often the sweep runs
// the lot expires once.
struct PointsExpired {
  std::string lot_id;              // the event id of the earning that made the lot
  Points points = 0;               // what was left in it
  std::int64_t expired_at_ms = 0;  // when the lot expired (the sweep may run later)
  bool operator==(const PointsExpired&) const = default;
};

// Appended by HQ when, merging what stores did offline, it finds a redemption
// took the points below zero (points already expired or redeemed elsewhere).
// The redemption stands (the reward was given); this records it for auditors
// and moves no balance, like credit.overdraft_detected.
struct PointsShortfallDetected {
  std::string redemption_id;  // the event id of the redemption
  std::string store;          // where it was made
  Points shortfall = 0;       // how far below zero it took the points
  bool operator==(const PointsShortfallDetected&) const = default;
};

// A customer's marketing consent for one channel was given or withdrawn
// (domain/consent.h). Holds no personal data: the store and the time are the
// event's origin and time.
struct CustomerConsentChanged {
  ConsentChannel channel = ConsentChannel::kEmail;
  bool granted = false;
  ConsentSource source = ConsentSource::kRegister;
  Stamp stamp;
  bool operator==(const CustomerConsentChanged&) const = default;
};

// ---- Merging duplicates (domain/merge.h) ---------------------------------
// These events hold ids, codes and amounts only, never personal data: fields
// the survivor takes from the duplicate are recorded as
// customer.details_changed on the survivor's stream.

// On the duplicate's stream: it is merged into `survivor_id`, and what it held
// leaves it (points, credit and total spent go down by these amounts).
struct CustomerMerged {
  std::string merge_id;  // a UUID chosen by the merging node; names the merge
  std::string survivor_id;
  std::string survivor_code;
  Points points = 0;  // the duplicate's balances moved (signed: they may be negative)
  Money credit = 0;
  Money spent = 0;
  std::int64_t last_visit_ms = 0;  // the duplicate's last visit (0: never)
  bool operator==(const CustomerMerged&) const = default;
};

// On the survivor's stream, appended with CustomerMerged in one atomic
// append: what the duplicate held arrives (the same amounts, added).
struct MergeReceived {
  std::string merge_id;
  std::string duplicate_id;
  std::string duplicate_code;
  Points points = 0;
  Money credit = 0;
  Money spent = 0;
  std::int64_t last_visit_ms = 0;
  bool operator==(const MergeReceived&) const = default;
};

// What a node settles a merge with, from both sides (HQ's alone):
//   kind "forward": events that reached the duplicate after its merge (a
//     store offline sold on the old code) move on to the survivor;
//   kind "void": the merge lost to another (domain/merge.h, the convergence
//     rule) and is undone: its transfers go back.
// `side` says which end this stream is; the amounts are the change of this
// customer's balances (signed).
struct MergeSettled {
  std::string merge_id;
  std::string kind;      // "forward" or "void"
  std::string side;      // "duplicate" or "survivor"
  std::string other_id;  // the customer at the other end
  Points points = 0;
  Money credit = 0;
  Money spent = 0;
  std::int64_t last_visit_ms = 0;  // a visit the survivor takes (forward, survivor side)
  bool operator==(const MergeSettled&) const = default;
};

// The customer's personal data was erased (crypto-shredding,
// domain/personal_data.h): every node that applies it destroys the
// customer's data key and drops its personal fields. Code, balances and
// history amounts stay. It holds no personal data: `reason` says why, for
// auditors, and must not name the person.
struct CustomerErased {
  std::string reason;
  bool operator==(const CustomerErased&) const = default;
};

using CustomerEvent =
    std::variant<CustomerRegistered, CustomerDetailsChanged, CustomerDeactivated,
                 CustomerReactivated, CustomerDeleted, PurchaseRecorded, PurchaseRefunded,
                 PointsEarned, PointsReversed, PointsRedeemed, PointsAdjusted, CreditToppedUp,
                 CreditDeducted, CreditAdjusted, CreditOverdraftDetected, DuplicateReversed,
                 ConflictRecorded, PointsExpired, PointsShortfallDetected, CustomerConsentChanged,
                 CustomerMerged, MergeReceived, MergeSettled, CustomerErased>;

struct LoyaltyProgramSet {
  LoyaltyProgram program;
  bool operator==(const LoyaltyProgramSet&) const = default;
};
struct ModuleEnabled {
  Module module = Module::kCustomers;
  bool operator==(const ModuleEnabled&) const = default;
};
struct ModuleDisabled {
  Module module = Module::kCustomers;
  bool operator==(const ModuleDisabled&) const = default;
};

using SettingsEvent = std::variant<LoyaltyProgramSet, ModuleEnabled, ModuleDisabled>;

// The envelope `type` of an event, e.g. "credit.topped_up".
std::string_view EventTypeName(const CustomerEvent& e);
std::string_view EventTypeName(const SettingsEvent& e);

// The schema version of the payload this build writes for each type: 2 for
// the stamped edits (details_changed, deactivated, reactivated, deleted), else 1.
std::uint32_t SchemaOf(const CustomerEvent& e);
// 2 for loyalty_program_set (which gained the expiry policy), else 1.
std::uint32_t SchemaOf(const SettingsEvent& e);
inline constexpr std::uint32_t kCurrentSchema = 1;  // settings events before schemas differed

}  // namespace clientele
