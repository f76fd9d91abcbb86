#include "domain/customer.h"

#include <algorithm>

#include "domain/customer_code.h"
#include "domain/ids.h"
#include "domain/ledger.h"
#include "domain/overloaded.h"
#include "domain/rules.h"

namespace clientele {

namespace {

using Events = std::vector<CustomerEvent>;

Status ModuleOff(Module m) {
  std::string name(ModuleName(m));
  return Status::FailedPrecondition(name, "module_disabled", "the " + name + " module is disabled");
}

Status Require(const SettingsState& settings, Module m) {
  if (!settings.modules.enabled(m)) return ModuleOff(m);
  return Status::OK();
}

Status RequireLive(const CustomerState& s) {
  if (!s.registered) return Status::NotFound("customer_not_found", "no such customer");
  if (s.deleted) return Status::NotFound("customer_deleted", "this customer was deleted");
  return Status::OK();
}

Status RequireActive(const CustomerState& s, std::string_view action) {
  if (!s.active) {
    return Status::FailedPrecondition("active", "customer_inactive",
                                      "customer " + s.code + " is deactivated and cannot " +
                                          std::string(action) + "; reactivate the customer first");
  }
  return Status::OK();
}

Status Overflow(const std::string& field) {
  return Status::InvalidArgument(field, "overflow",
                                 field + " would overflow the balance; split the operation");
}

// Each DecideX below assumes the customers module is on.

Result<Events> DecideRegister(const CustomerState& s, const RegisterCustomer& c) {
  if (s.registered) {
    return Error(Status::Conflict("customer_exists", "a customer with this id already exists"));
  }
  auto id = ParseUuid(c.customer_id, "id");
  if (!id) return Error(id.error());
  auto code = ParseCustomerCode(c.code);
  if (!code) return Error(code.error());
  if (!c.origin_store.empty()) {
    if (Status st = ValidateNodeId(c.origin_store, "origin_store"); !st.ok()) return Error(st);
    if (c.origin_store == kHqNode) {
      return Error(Status::InvalidArgument("origin_store", "invalid_node_id",
                                           "origin_store is empty for customers created at HQ"));
    }
  }
  auto details = NormalizeDetails(c.details);
  if (!details) return Error(details.error());
  if (!c.consents.empty()) {
    if (Status st = ValidateChoices(c.consents); !st.ok()) return Error(st);
  }
  Events out{CustomerRegistered{*id, FormatCustomerCode(code->node, code->sequence),
                                std::move(*details), c.origin_store}};
  for (const ConsentChoice& choice : c.consents) {
    out.push_back(CustomerConsentChanged{choice.channel, choice.granted, c.consent_source, {}});
  }
  return out;
}

Result<Events> DecideConsent(const CustomerState& s, const SetConsent& c) {
  if (Status st = ValidateChoices(c.choices); !st.ok()) return Error(st);
  Events out;
  for (const ConsentChoice& choice : c.choices) {
    const ConsentState wanted = choice.granted ? ConsentState::kGranted : ConsentState::kWithdrawn;
    if (s.consents[choice.channel].state == wanted) continue;
    out.push_back(CustomerConsentChanged{choice.channel, choice.granted, c.source, {}});
  }
  return out;
}

Result<Events> DecideChange(const CustomerState& s, const ChangeDetails& c) {
  auto patch = NormalizePatch(c.patch);
  if (!patch) return Error(patch.error());
  DetailsPatch changed;
  for (DetailField f : kAllDetailFields) {
    if ((*patch)[f] && *(*patch)[f] != s.details[f]) changed[f] = (*patch)[f];
  }
  if (changed.empty()) return Events{};
  return Events{CustomerDetailsChanged{std::move(changed)}};
}

Result<Events> DecideDelete(const CustomerState& s) {
  if (s.has_history) {
    return Error(Status::FailedPrecondition("customer", "customer_has_history",
                                            "customer " + s.code +
                                                " has purchase, points or credit history and "
                                                "cannot be deleted; deactivate it instead"));
  }
  return Events{CustomerDeleted{}};
}

Result<Events> DecidePurchase(const CustomerState& s, const SettingsState& settings,
                              const RecordPurchase& c) {
  auto tab = Reference("tab_id", c.tab_id, true);
  if (!tab) return Error(tab.error());
  if (Status st = PositiveAmount("amount", c.amount, kMaxAmount); !st.ok()) return Error(st);
  if (auto it = s.purchases.find(*tab); it != s.purchases.end()) {
    if (it->second.amount == c.amount) return Events{};
    return Error(Status::Conflict(
        "tab_already_recorded",
        "tab " + *tab + " was already recorded with amount " + FormatMoney(it->second.amount)));
  }
  if (Status st = RequireActive(s, "make purchases"); !st.ok()) return Error(st);
  if (!CheckedAdd(s.total_spent, c.amount)) return Error(Overflow("amount"));
  Events out{PurchaseRecorded{*tab, c.amount, c.paid_at_ms}};
  if (settings.modules.loyalty_points) {
    Points earned = PointsFor(settings.program, c.amount);
    if (earned > 0) {
      if (!CheckedAdd(s.points, earned)) return Error(Overflow("amount"));
      out.push_back(PointsEarned{*tab, earned});
    }
  }
  return out;
}

Result<Events> DecideRefund(const CustomerState& s, const RefundPurchase& c) {
  auto refund = Reference("refund_id", c.refund_id, true);
  if (!refund) return Error(refund.error());
  auto tab = Reference("tab_id", c.tab_id, true);
  if (!tab) return Error(tab.error());
  if (Status st = PositiveAmount("amount", c.amount, kMaxAmount); !st.ok()) return Error(st);
  if (auto it = s.refunds.find(*refund); it != s.refunds.end()) {
    if (it->second.tab_id == *tab && it->second.amount == c.amount) return Events{};
    return Error(Status::Conflict("refund_already_recorded",
                                  "refund " + *refund + " was already recorded for tab " +
                                      it->second.tab_id + " with amount " +
                                      FormatMoney(it->second.amount)));
  }
  auto purchase = s.purchases.find(*tab);
  if (purchase == s.purchases.end() || purchase->second.amount <= 0) {
    return Error(Status::NotFound("tab_not_found",
                                  "tab " + *tab + " is not a recorded purchase of this customer"));
  }
  const PurchaseLine& line = purchase->second;
  Money refundable = line.amount - line.refunded_amount;
  if (c.amount > refundable) {
    return Error(Status::FailedPrecondition("amount", "exceeds_refundable",
                                            "amount " + FormatMoney(c.amount) +
                                                " exceeds the refundable " +
                                                FormatMoney(refundable) + " of tab " + *tab));
  }
  // Points reversed so far plus now = earned * refunded / amount, rounded down,
  // except that a full refund reverses every point the purchase earned.
  Money refunded_after = line.refunded_amount + c.amount;
  Points reversed_after = refunded_after == line.amount
                              ? line.points_earned
                              : static_cast<Points>(static_cast<__int128>(line.points_earned) *
                                                    refunded_after / line.amount);
  Points reverse_now = reversed_after - line.reversed_points;
  Events out{PurchaseRefunded{*refund, *tab, c.amount}};
  if (reverse_now > 0) {
    if (!CheckedSub(s.points, reverse_now)) return Error(Overflow("amount"));
    out.push_back(PointsReversed{*refund, *tab, reverse_now});
  }
  return out;
}

Result<Events> DecideRedeem(const CustomerState& s, const RedeemPoints& c) {
  if (Status st = PositiveAmount("points", c.points, kMaxPoints); !st.ok()) return Error(st);
  auto note = Note(c.note, false);
  if (!note) return Error(note.error());
  auto ref = Reference("reference", c.reference, false);
  if (!ref) return Error(ref.error());
  if (Status st = RequireActive(s, "redeem points"); !st.ok()) return Error(st);
  if (c.points > s.points) {
    return Error(Status::FailedPrecondition("points", "insufficient_points",
                                            "cannot redeem " + std::to_string(c.points) +
                                                " points: the balance is " +
                                                std::to_string(s.points)));
  }
  return Events{PointsRedeemed{c.points, *note, *ref}};
}

Result<Events> DecideAdjustPoints(const CustomerState& s, const AdjustPoints& c) {
  if (Status st = NonZeroDelta(c.delta, kMaxPoints); !st.ok()) return Error(st);
  auto note = Note(c.note, true);
  if (!note) return Error(note.error());
  auto after = CheckedAdd(s.points, c.delta);
  if (!after) return Error(Overflow("delta"));
  if (*after < 0) {
    return Error(Status::FailedPrecondition(
        "delta", "insufficient_points",
        "the adjustment would take the points balance below zero (balance " +
            std::to_string(s.points) + ")"));
  }
  return Events{PointsAdjusted{c.delta, *note}};
}

Result<Events> DecideTopUp(const CustomerState& s, const TopUpCredit& c) {
  if (Status st = PositiveAmount("amount", c.amount, kMaxAmount); !st.ok()) return Error(st);
  auto ref = Reference("payment_ref", c.payment_ref, true);
  if (!ref) return Error(ref.error());
  auto note = Note(c.note, false);
  if (!note) return Error(note.error());
  if (auto it = s.top_ups.find(*ref); it != s.top_ups.end()) {
    if (it->second == c.amount) return Events{};
    return Error(Status::Conflict(
        "payment_already_recorded",
        "payment " + *ref + " was already recorded as a top-up of " + FormatMoney(it->second)));
  }
  if (Status st = RequireActive(s, "top up credit"); !st.ok()) return Error(st);
  if (!CheckedAdd(s.credit, c.amount)) return Error(Overflow("amount"));
  return Events{CreditToppedUp{c.amount, *ref, *note}};
}

Result<Events> DecideDeduct(const CustomerState& s, const DeductCredit& c) {
  if (Status st = PositiveAmount("amount", c.amount, kMaxAmount); !st.ok()) return Error(st);
  auto note = Note(c.note, false);
  if (!note) return Error(note.error());
  auto ref = Reference("reference", c.reference, false);
  if (!ref) return Error(ref.error());
  if (Status st = RequireActive(s, "be charged credit"); !st.ok()) return Error(st);
  if (c.amount > s.credit) {
    return Error(Status::FailedPrecondition("amount", "insufficient_credit",
                                            "cannot deduct " + FormatMoney(c.amount) +
                                                ": the credit balance is " +
                                                FormatMoney(s.credit)));
  }
  return Events{CreditDeducted{c.amount, *note, *ref}};
}

Result<Events> DecideAdjustCredit(const CustomerState& s, const AdjustCredit& c) {
  if (Status st = NonZeroDelta(c.delta, kMaxAmount); !st.ok()) return Error(st);
  auto note = Note(c.note, true);
  if (!note) return Error(note.error());
  auto after = CheckedAdd(s.credit, c.delta);
  if (!after) return Error(Overflow("delta"));
  if (*after < 0) {
    return Error(Status::FailedPrecondition(
        "delta", "insufficient_credit",
        "the adjustment would take the credit balance below zero (balance " +
            FormatMoney(s.credit) + ")"));
  }
  return Events{CreditAdjusted{c.delta, *note}};
}

Result<Events> DecideErase(const CustomerState& s, const EraseCustomer& c) {
  auto reason = Note(c.reason, true);
  if (!reason) {
    Status st = reason.error();
    return Error(
        Status::InvalidArgument("reason", st.reason(), "a reason is required to erase a customer"));
  }
  if (s.erased) return Events{};
  Events out;
  if (s.credit > 0) {
    if (!c.write_off_credit) {
      return Error(Status::FailedPrecondition(
          "credit", "credit_held",
          "customer " + s.code + " holds credit of " + FormatMoney(s.credit) +
              "; refund it or write it off (write_off_credit) before erasing"));
    }
    out.push_back(CreditAdjusted{-s.credit, "credit written off on erasure"});
  }
  out.push_back(CustomerErased{*reason});
  return out;
}

Status RefuseErased(const CustomerState& s, const CustomerCommand& cmd) {
  if (!s.erased) return Status::OK();
  const bool allowed =
      std::holds_alternative<RecordPurchase>(cmd) || std::holds_alternative<RefundPurchase>(cmd) ||
      std::holds_alternative<DeactivateCustomer>(cmd) ||
      std::holds_alternative<ReactivateCustomer>(cmd) || std::holds_alternative<EraseCustomer>(cmd);
  if (allowed) return Status::OK();
  return Status::FailedPrecondition("customer", "customer_erased",
                                    "customer " + s.code +
                                        " was erased: its personal data is gone and it can "
                                        "only record purchases and refunds");
}

}  // namespace

Result<std::vector<CustomerEvent>> Decide(const CustomerState& s, const SettingsState& settings,
                                          const CustomerCommand& cmd) {
  if (Status st = Require(settings, Module::kCustomers); !st.ok()) return Error(st);
  if (const auto* reg = std::get_if<RegisterCustomer>(&cmd)) return DecideRegister(s, *reg);
  // A deleted customer's personal data is still in its registration, and a
  // merged one's own record is erased with its survivor's: both may be erased.
  const bool erase = std::holds_alternative<EraseCustomer>(cmd);
  if (Status st = RequireLive(s); !st.ok() && !(erase && s.registered)) return Error(st);
  if (std::string into = s.merges.MergedInto(); !into.empty() && !erase) {
    return Error(Status::Conflict(
        "customer_merged",
        "customer " + s.code + " was merged into customer " + into + "; use the survivor"));
  }
  if (Status st = RefuseErased(s, cmd); !st.ok()) return Error(st);
  const bool points_command =
      std::holds_alternative<RedeemPoints>(cmd) || std::holds_alternative<AdjustPoints>(cmd);
  if (points_command) {
    if (Status st = Require(settings, Module::kLoyaltyPoints); !st.ok()) return Error(st);
  }
  const bool credit_command = std::holds_alternative<TopUpCredit>(cmd) ||
                              std::holds_alternative<DeductCredit>(cmd) ||
                              std::holds_alternative<AdjustCredit>(cmd);
  if (credit_command) {
    if (Status st = Require(settings, Module::kCustomerCredits); !st.ok()) return Error(st);
  }
  return std::visit(
      Overloaded{
          [&](const RegisterCustomer&) -> Result<Events> { return Events{}; },  // handled above
          [&](const ChangeDetails& c) { return DecideChange(s, c); },
          [&](const DeactivateCustomer&) -> Result<Events> {
            if (!s.active) return Events{};
            return Events{CustomerDeactivated{}};
          },
          [&](const ReactivateCustomer&) -> Result<Events> {
            if (s.active) return Events{};
            return Events{CustomerReactivated{}};
          },
          [&](const DeleteCustomer&) { return DecideDelete(s); },
          [&](const RecordPurchase& c) { return DecidePurchase(s, settings, c); },
          [&](const RefundPurchase& c) { return DecideRefund(s, c); },
          [&](const RedeemPoints& c) { return DecideRedeem(s, c); },
          [&](const AdjustPoints& c) { return DecideAdjustPoints(s, c); },
          [&](const TopUpCredit& c) { return DecideTopUp(s, c); },
          [&](const DeductCredit& c) { return DecideDeduct(s, c); },
          [&](const AdjustCredit& c) { return DecideAdjustCredit(s, c); },
          [&](const SetConsent& c) { return DecideConsent(s, c); },
          [&](const EraseCustomer& c) { return DecideErase(s, c); },
      },
      cmd);
}

CustomerState Evolve(CustomerState s, const CustomerEvent& event) {
  const LedgerEffect f = EffectOf(event);
  s.points = SaturatingAdd(s.points, f.points);
  s.credit = SaturatingAdd(s.credit, f.credit);
  s.total_spent = SaturatingAdd(s.total_spent, f.spent);
  if (f.visit_ms > s.last_visit_ms) s.last_visit_ms = f.visit_ms;
  s.has_history = s.has_history || f.history;
  // History reaching a deleted customer (a sale made while apart) brings it
  // back, deactivated by the delete's stamp, with the sale.
  if (f.history) s.deleted = false;
  s.merges.Apply(event);
  std::visit(Overloaded{
                 [&](const CustomerRegistered& e) {
                   s.registered = true;
                   s.id = e.customer_id;
                   s.code = e.code;
                   s.details = e.details;
                   s.origin_store = e.origin_store;
                   s.active = true;
                 },
                 [&](const CustomerDetailsChanged& e) {
                   if (s.erased) return;  // what a node still holding the key sent
                   for (DetailField f : kAllDetailFields) {
                     if (e.changes[f] && s.stamps.Take(static_cast<int>(f), e.stamp)) {
                       s.details[f] = *e.changes[f];
                     }
                   }
                 },
                 [&](const CustomerDeactivated& e) {
                   if (s.stamps.Take(kActiveStamp, e.stamp)) s.active = false;
                 },
                 [&](const CustomerReactivated& e) {
                   if (s.stamps.Take(kActiveStamp, e.stamp)) s.active = true;
                 },
                 [&](const CustomerDeleted& e) {
                   // Never swallows history: a customer with any is deactivated.
                   if (s.stamps.Take(kActiveStamp, e.stamp)) s.active = false;
                   if (!s.has_history) s.deleted = true;
                 },
                 [&](const PurchaseRecorded& e) { s.purchases[e.tab_id].amount = e.amount; },
                 [&](const PurchaseRefunded& e) {
                   PurchaseLine& line = s.purchases[e.tab_id];
                   line.refunded_amount = SaturatingAdd(line.refunded_amount, e.amount);
                   s.refunds[e.refund_id] = RefundLine{e.tab_id, e.amount};
                 },
                 [&](const PointsEarned& e) {
                   PurchaseLine& line = s.purchases[e.tab_id];
                   line.points_earned = SaturatingAdd(line.points_earned, e.points);
                 },
                 [&](const PointsReversed& e) {
                   PurchaseLine& line = s.purchases[e.tab_id];
                   line.reversed_points = SaturatingAdd(line.reversed_points, e.points);
                 },
                 [&](const CreditToppedUp& e) { s.top_ups[e.payment_ref] = e.amount; },
                 [&](const CustomerConsentChanged& e) {
                   s.stamps.max_hlc = std::max(s.stamps.max_hlc, e.stamp.hlc);
                   if (s.consents.Take(e.channel, e.stamp)) {
                     ChannelConsent& c = s.consents[e.channel];
                     c.state = e.granted ? ConsentState::kGranted : ConsentState::kWithdrawn;
                     c.source = e.source;
                   }
                 },
                 [&](const CustomerErased&) {
                   s.erased = true;
                   s.details = CustomerDetails{};
                 },
                 [&](const DuplicateReversed& e) {
                   // The duplicate's share of its tab comes off the tab's line.
                   if (e.kind == "purchase") {
                     PurchaseLine& line = s.purchases[e.reference];
                     line.points_earned = SaturatingAdd(line.points_earned, e.points);
                   } else if (e.kind == "refund") {
                     auto refund = s.refunds.find(e.reference);
                     if (refund != s.refunds.end()) {
                       PurchaseLine& line = s.purchases[refund->second.tab_id];
                       line.refunded_amount =
                           SaturatingAdd(line.refunded_amount, SaturatingNegate(e.spent));
                       line.reversed_points =
                           SaturatingAdd(line.reversed_points, SaturatingNegate(e.points));
                     }
                   }
                 },
                 [](const auto&) {},
             },
             event);
  return s;
}

void StampEdits(const CustomerState& state, std::int64_t now_ms, std::string_view node,
                std::vector<CustomerEvent>* events) {
  std::int64_t seen = state.stamps.max_hlc;
  for (CustomerEvent& event : *events) {
    Stamp* stamp = std::visit(Overloaded{
                                  [](CustomerDetailsChanged& e) { return &e.stamp; },
                                  [](CustomerDeactivated& e) { return &e.stamp; },
                                  [](CustomerReactivated& e) { return &e.stamp; },
                                  [](CustomerDeleted& e) { return &e.stamp; },
                                  [](CustomerConsentChanged& e) { return &e.stamp; },
                                  [](auto&) -> Stamp* { return nullptr; },
                              },
                              event);
    if (stamp == nullptr) continue;
    *stamp = NextStamp(seen, now_ms, node);
    seen = stamp->hlc;
  }
}

}  // namespace clientele
