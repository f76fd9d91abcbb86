#include "domain/ledger.h"

#include "domain/overloaded.h"
#include "domain/time.h"

namespace clientele {

LedgerEffect EffectOf(const CustomerEvent& event) {
  LedgerEffect f;
  std::visit(
      Overloaded{
          [&](const PurchaseRecorded& e) {
            f.spent = e.amount;
            f.visit_ms = e.paid_at_ms;
            f.history = true;
            f.reference = e.tab_id;
          },
          [&](const PurchaseRefunded& e) {
            f.spent = SaturatingNegate(e.amount);
            f.reference = e.refund_id;
          },
          [&](const PointsEarned& e) {
            f.points = e.points;
            f.entry = f.history = true;
            f.reference = e.tab_id;
          },
          [&](const PointsReversed& e) {
            f.points = SaturatingNegate(e.points);
            f.entry = true;
            f.reference = e.refund_id;
          },
          [&](const PointsRedeemed& e) {
            f.points = SaturatingNegate(e.points);
            f.entry = f.history = true;
            f.note = e.note;
            f.reference = e.reference;
          },
          [&](const PointsAdjusted& e) {
            f.points = e.delta;
            f.entry = f.history = true;
            f.note = e.note;
          },
          [&](const CreditToppedUp& e) {
            f.credit = e.amount;
            f.entry = f.history = true;
            f.note = e.note;
            f.reference = e.payment_ref;
          },
          [&](const CreditDeducted& e) {
            f.credit = SaturatingNegate(e.amount);
            f.entry = f.history = true;
            f.note = e.note;
            f.reference = e.reference;
          },
          [&](const CreditAdjusted& e) {
            f.credit = e.delta;
            f.entry = f.history = true;
            f.note = e.note;
          },
          [&](const CreditOverdraftDetected& e) {
            f.entry = f.history = true;
            f.note = "overdraft of " + FormatMoney(e.shortfall) + " detected: credit spent at " +
                     e.store + " beyond the balance";
            f.reference = e.deduction_id;
          },
          [&](const DuplicateReversed& e) {
            f.points = e.points;
            f.credit = e.credit;
            f.spent = e.spent;
            f.entry = f.history = true;
            f.note = "duplicate " + e.kind + " " + e.reference + " recorded at " + e.store +
                     " taken back; it counts once";
            f.reference = e.reference;
          },
          [&](const ConflictRecorded& e) {
            f.entry = f.history = true;
            f.note = e.kind + " " + e.reference + " recorded at " + e.store +
                     " with other content than before; both stand, to be reviewed";
            f.reference = e.reference;
          },
          [&](const PointsExpired& e) {
            f.points = SaturatingNegate(e.points);
            f.entry = f.history = true;
            f.note = std::to_string(e.points) + " points expired on " +
                     FormatTime(e.expired_at_ms).substr(0, 10);
            f.reference = e.lot_id;
          },
          [&](const PointsShortfallDetected& e) {
            f.entry = f.history = true;
            f.note = "shortfall of " + std::to_string(e.shortfall) +
                     " points detected: points redeemed at " + e.store + " beyond the balance";
            f.reference = e.redemption_id;
          },
          [&](const CustomerMerged& e) {
            f.points = SaturatingNegate(e.points);
            f.credit = SaturatingNegate(e.credit);
            f.spent = SaturatingNegate(e.spent);
            f.entry = f.history = true;
            f.note = "merged into " + e.survivor_code + ": balances moved there";
            f.reference = e.merge_id;
          },
          [&](const MergeReceived& e) {
            f.points = e.points;
            f.credit = e.credit;
            f.spent = e.spent;
            f.visit_ms = e.last_visit_ms;
            f.entry = f.history = true;
            f.note = e.duplicate_code + " merged into this customer: its balances moved here";
            f.reference = e.merge_id;
          },
          [&](const MergeSettled& e) {
            f.points = e.points;
            f.credit = e.credit;
            f.spent = e.spent;
            if (e.side == "survivor") f.visit_ms = e.last_visit_ms;
            f.entry = f.history = true;
            f.note = e.kind == "void" ? "merge voided: another merge of the same customers won"
                                      : (e.side == "duplicate"
                                             ? "recorded after the merge: moved on to the survivor"
                                             : "recorded on a merged duplicate: moved here");
            f.reference = e.merge_id;
          },
          [](const auto&) {},
      },
      event);
  return f;
}

}  // namespace clientele
