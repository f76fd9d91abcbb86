#include "domain/peer_rules.h"

#include "domain/customer_code.h"
#include "domain/ids.h"
#include "domain/loyalty.h"
#include "domain/overloaded.h"
#include "domain/rules.h"

namespace clientele {

namespace {

Status Invalid(std::string field, std::string reason, std::string message) {
  return Status::InvalidArgument(std::move(field), std::move(reason), std::move(message));
}

// A reference or note must be as its rule would have left it: valid, already
// trimmed and in NFC.
Status Clean(const Result<std::string>& checked, std::string_view field, std::string_view value) {
  if (!checked) return checked.error();
  if (*checked != value) {
    return Invalid(
        std::string(field), "not_normalized",
        std::string(field) + " is not as a node would have stored it (trimmed, in Unicode NFC)");
  }
  return Status::OK();
}

// A reference or note that meets its rule and is already normalized.
Status CleanReference(std::string_view field, std::string_view value, bool required) {
  return Clean(Reference(field, value, required), field, value);
}
Status CleanNote(std::string_view value, bool required) {
  return Clean(Note(value, required), "note", value);
}

// "not_normalized" naming the first field of `sent` that `normalized` differs in.
template <typename Values>
Status DetailsNotNormalized(const Values& normalized, const Values& sent) {
  for (DetailField f : kAllDetailFields) {
    if (normalized[f] != sent[f]) {
      return Invalid("details", "not_normalized",
                     std::string(DetailFieldName(f)) +
                         " is not as a node would have stored it (trimmed, in Unicode NFC)");
    }
  }
  return Status::OK();
}

// The first refusal among `checks`, in order; OK if none.
Status First(std::initializer_list<Status> checks) {
  for (const Status& s : checks) {
    if (!s.ok()) return s;
  }
  return Status::OK();
}

Status Kind(std::string_view kind) {
  for (std::string_view k : kDuplicateKinds) {
    if (kind == k) return Status::OK();
  }
  return Invalid("kind", "invalid_kind", "kind must be purchase, refund or top_up");
}

Status Id(std::string_view id, std::string_view field) {
  auto parsed = ParseUuid(id, field);
  return parsed ? Status::OK() : parsed.error();
}

// A signed change no larger than `max` either way.
Status Within(std::string_view field, std::int64_t value, std::int64_t max) {
  if (value < -max || value > max) {
    return Invalid(std::string(field), "out_of_range",
                   std::string(field) + " is beyond what one record can move");
  }
  return Status::OK();
}

// A customer code as a node writes it.
Status Code(std::string_view code, std::string_view field) {
  auto parsed = ParseCustomerCode(code);
  if (!parsed) return parsed.error();
  if (FormatCustomerCode(parsed->node, parsed->sequence) != code) {
    return Invalid(std::string(field), "invalid_code", std::string(field) + " is not a code");
  }
  return Status::OK();
}

// The other end of a merge is another customer.
Status Other(std::string_view other, std::string_view self, std::string_view field) {
  if (other == self) {
    return Invalid(std::string(field), "merge_into_itself",
                   "a merge names the customer of its own stream at the other end");
  }
  return Status::OK();
}

// What a merge moves: balances within one record's limits, a visit not ahead.
Status Moved(Points points, Money credit, Money spent, std::int64_t visit_ms,
             const PeerContext& ctx);

Status CheckStamp(const Stamp& stamp, const PeerContext& ctx) {
  if (stamp.node != ctx.origin) {
    return Invalid("node", "foreign_stamp",
                   "the edit is stamped by node '" + stamp.node + "', not by its origin " +
                       std::string(ctx.origin));
  }
  if (stamp.hlc <= 0) return Invalid("hlc", "out_of_range", "the edit's stamp is not positive");
  const std::int64_t limit_ms = ctx.now_ms + ctx.max_skew_ms;
  if (stamp.hlc / kHlcTicksPerMs > limit_ms) {
    return Invalid("hlc", "future_stamp",
                   "the edit's stamp is ahead of this node's clock by more than the allowed skew");
  }
  return Status::OK();
}

Status Moved(Points points, Money credit, Money spent, std::int64_t visit_ms,
             const PeerContext& ctx) {
  Status visit = visit_ms >= 0 ? Status::OK()
                               : Invalid("last_visit", "out_of_range", "last_visit is negative");
  return First({Within("points", points, kMaxPoints * 1000),
                Within("credit", credit, kMaxAmount * 1000),
                Within("spent", spent, kMaxAmount * 1000), visit,
                CheckNotFuture("last_visit", visit_ms, ctx)});
}

Status CheckRegistered(const CustomerRegistered& e, const PeerContext& ctx) {
  if (e.customer_id != ctx.customer_id) {
    return Invalid("customer_id", "wrong_stream",
                   "the registration names customer " + e.customer_id + " on the stream of " +
                       std::string(ctx.customer_id));
  }
  auto code = ParseCustomerCode(e.code);
  if (!code) return code.error();
  if (code->node != ctx.origin || FormatCustomerCode(code->node, code->sequence) != e.code) {
    return Invalid(
        "code", "foreign_code",
        "code " + e.code + " is not in the code space of its origin " + std::string(ctx.origin));
  }
  const std::string expected_store = ctx.origin == kHqNode ? "" : std::string(ctx.origin);
  if (e.origin_store != expected_store) {
    return Invalid("origin_store", "foreign_origin_store",
                   "origin_store '" + e.origin_store + "' is not the event's origin");
  }
  if (ctx.sealed) return Status::OK();
  auto details = NormalizeDetails(e.details);
  if (!details) return details.error();
  return DetailsNotNormalized(*details, e.details);
}

Status CheckChanged(const CustomerDetailsChanged& e, const PeerContext& ctx) {
  if (ctx.sealed) return CheckStamp(e.stamp, ctx);
  if (e.changes.empty()) return Invalid("details", "empty_change", "the edit changes nothing");
  auto patch = NormalizePatch(e.changes);
  if (!patch) return patch.error();
  if (Status s = DetailsNotNormalized(*patch, e.changes); !s.ok()) return s;
  return CheckStamp(e.stamp, ctx);
}

// A consent change's source must fit its origin: "hq" only from HQ, "store"
// only from a store.
Status CheckConsent(const CustomerConsentChanged& e, const PeerContext& ctx) {
  const bool at_hq = ctx.origin == kHqNode;
  if ((e.source == ConsentSource::kHq && !at_hq) || (e.source == ConsentSource::kStore && at_hq)) {
    return Invalid("source", "foreign_source",
                   "consent with source '" + std::string(ConsentSourceName(e.source)) +
                       "' cannot come from " + std::string(ctx.origin));
  }
  return CheckStamp(e.stamp, ctx);
}

}  // namespace

Status CheckNotFuture(std::string_view field, std::int64_t ms, const PeerContext& ctx) {
  if (ms > ctx.now_ms + ctx.max_skew_ms) {
    return Invalid(
        std::string(field), "future_time",
        std::string(field) + " is ahead of this node's clock by more than the allowed skew");
  }
  return Status::OK();
}

Status CheckPeerEvent(const CustomerEvent& event, const PeerContext& ctx) {
  return std::visit(
      Overloaded{
          [&](const CustomerRegistered& e) { return CheckRegistered(e, ctx); },
          [&](const CustomerDetailsChanged& e) { return CheckChanged(e, ctx); },
          [&](const CustomerDeactivated& e) { return CheckStamp(e.stamp, ctx); },
          [&](const CustomerReactivated& e) { return CheckStamp(e.stamp, ctx); },
          [&](const CustomerDeleted& e) { return CheckStamp(e.stamp, ctx); },
          [&](const PurchaseRecorded& e) {
            return First({CleanReference("tab_id", e.tab_id, true),
                          e.paid_at_ms < 0
                              ? Invalid("paid_at", "out_of_range", "paid_at is negative")
                              : Status::OK(),
                          CheckNotFuture("paid_at", e.paid_at_ms, ctx),
                          PositiveAmount("amount", e.amount, kMaxAmount)});
          },
          [&](const PurchaseRefunded& e) {
            return First({CleanReference("refund_id", e.refund_id, true),
                          CleanReference("tab_id", e.tab_id, true),
                          PositiveAmount("amount", e.amount, kMaxAmount)});
          },
          [&](const PointsEarned& e) {
            return First({CleanReference("tab_id", e.tab_id, true),
                          PositiveAmount("points", e.points, kMaxPoints)});
          },
          [&](const PointsReversed& e) {
            return First({CleanReference("refund_id", e.refund_id, true),
                          CleanReference("tab_id", e.tab_id, true),
                          PositiveAmount("points", e.points, kMaxPoints)});
          },
          [&](const PointsRedeemed& e) {
            return First({CleanNote(e.note, false), CleanReference("reference", e.reference, false),
                          PositiveAmount("points", e.points, kMaxPoints)});
          },
          [&](const PointsAdjusted& e) {
            return First({CleanNote(e.note, !ctx.sealed), NonZeroDelta(e.delta, kMaxPoints)});
          },
          [&](const CreditToppedUp& e) {
            return First({CleanReference("payment_ref", e.payment_ref, true),
                          CleanNote(e.note, false),
                          PositiveAmount("amount", e.amount, kMaxAmount)});
          },
          [&](const CreditDeducted& e) {
            return First({CleanNote(e.note, false), CleanReference("reference", e.reference, false),
                          PositiveAmount("amount", e.amount, kMaxAmount)});
          },
          [&](const CreditAdjusted& e) {
            return First({CleanNote(e.note, !ctx.sealed), NonZeroDelta(e.delta, kMaxAmount)});
          },
          [&](const CreditOverdraftDetected& e) {
            if (auto id = ParseUuid(e.deduction_id, "deduction_id"); !id) return id.error();
            if (Status s = ValidateNodeId(e.store, "store"); !s.ok()) return s;
            return PositiveAmount("shortfall", e.shortfall, kMaxAmount);
          },
          [&](const DuplicateReversed& e) {
            return First({Kind(e.kind), CleanReference("reference", e.reference, true),
                          Id(e.duplicate_id, "duplicate_id"), Id(e.kept_id, "kept_id"),
                          ValidateNodeId(e.store, "store"), Within("spent", e.spent, kMaxAmount),
                          Within("points", e.points, kMaxPoints),
                          Within("credit", e.credit, kMaxAmount)});
          },
          [&](const ConflictRecorded& e) {
            return First({Kind(e.kind), CleanReference("reference", e.reference, true),
                          Id(e.event_id, "event_id"), Id(e.other_id, "other_id"),
                          ValidateNodeId(e.store, "store")});
          },
          [&](const PointsExpired& e) {
            return First({Id(e.lot_id, "lot_id"), PositiveAmount("points", e.points, kMaxPoints),
                          e.expired_at_ms > 0
                              ? Status::OK()
                              : Status::InvalidArgument("expired_at", "out_of_range",
                                                        "expired_at must be a time"),
                          CheckNotFuture("expired_at", e.expired_at_ms, ctx)});
          },
          [&](const PointsShortfallDetected& e) {
            return First({Id(e.redemption_id, "redemption_id"), ValidateNodeId(e.store, "store"),
                          PositiveAmount("shortfall", e.shortfall, kMaxPoints)});
          },
          [&](const CustomerConsentChanged& e) { return CheckConsent(e, ctx); },
          [&](const CustomerMerged& e) {
            return First({Id(e.merge_id, "merge_id"), Id(e.survivor_id, "survivor_id"),
                          Code(e.survivor_code, "survivor_code"),
                          Other(e.survivor_id, ctx.customer_id, "survivor_id"),
                          Moved(e.points, e.credit, e.spent, e.last_visit_ms, ctx)});
          },
          [&](const MergeReceived& e) {
            return First({Id(e.merge_id, "merge_id"), Id(e.duplicate_id, "duplicate_id"),
                          Code(e.duplicate_code, "duplicate_code"),
                          Other(e.duplicate_id, ctx.customer_id, "duplicate_id"),
                          Moved(e.points, e.credit, e.spent, e.last_visit_ms, ctx)});
          },
          [&](const MergeSettled& e) {
            Status kind = e.kind == "forward" || e.kind == "void"
                              ? Status::OK()
                              : Invalid("kind", "invalid_kind", "kind must be forward or void");
            Status side =
                e.side == "duplicate" || e.side == "survivor"
                    ? Status::OK()
                    : Invalid("side", "invalid_side", "side must be duplicate or survivor");
            return First({Id(e.merge_id, "merge_id"), kind, side, Id(e.other_id, "other_id"),
                          Other(e.other_id, ctx.customer_id, "other_id"),
                          Moved(e.points, e.credit, e.spent, e.last_visit_ms, ctx)});
          },
          [&](const CustomerErased& e) {
            if (auto reason = Note(e.reason, true); !reason) return reason.error();
            return Status::OK();
          },
      },
      event);
}

Status CheckPeerEvent(const SettingsEvent& event) {
  if (const auto* set = std::get_if<LoyaltyProgramSet>(&event)) {
    return ValidateProgram(set->program);
  }
  return Status::OK();
}

Status CheckPeerEvent(const NodeEvent&) {
  return Status::OK();  // DecodeNodeEvent has checked every field
}

}  // namespace clientele
