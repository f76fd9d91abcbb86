#include "api/command_bodies.h"

#include <array>

#include "api/problem.h"
#include "domain/time.h"

namespace clientele::api {

namespace {

using Read = std::expected<CustomerCommand, HttpResponse>;

// The body's field problems if any, else the command.
Read Checked(JsonBody& body, CustomerCommand cmd) {
  if (!body.errors().empty()) return std::unexpected(Problem(body.errors()));
  return cmd;
}

Read ReadPurchase(JsonBody& body, std::int64_t now_ms) {
  RecordPurchase cmd;
  cmd.tab_id = body.String("tab_id", true).value_or("");
  cmd.amount = body.Integer("amount", true).value_or(0);
  if (auto at = body.String("paid_at")) {
    auto ms = ParseTime(*at, now_ms);
    if (!ms)
      body.AddError("paid_at", "invalid_time", "must be a time like 2026-11-23T10:15:00Z");
    else
      cmd.paid_at_ms = *ms;
  } else {
    cmd.paid_at_ms = now_ms;
  }
  return Checked(body, cmd);
}

Read ReadRefund(JsonBody& body, std::int64_t) {
  RefundPurchase cmd;
  cmd.refund_id = body.String("refund_id", true).value_or("");
  cmd.tab_id = body.String("tab_id", true).value_or("");
  cmd.amount = body.Integer("amount", true).value_or(0);
  return Checked(body, cmd);
}

Read ReadEdit(JsonBody& body, std::int64_t) {
  DetailsPatch patch;
  for (DetailField f : kAllDetailFields) {
    if (auto v = body.String(DetailFieldName(f))) {
      patch[f] = *v;
    } else if (body.Has(DetailFieldName(f)) && body.errors().empty()) {
      patch[f] = std::string();  // null clears an optional field
    }
  }
  if (!body.errors().empty()) return std::unexpected(Problem(body.errors()));
  if (patch.empty()) {
    return std::unexpected(Problem(422, "empty_patch", "send at least one field to change"));
  }
  return ChangeDetails{patch};
}

Read ReadRedeem(JsonBody& body, std::int64_t) {
  RedeemPoints cmd;
  cmd.points = body.Integer("points", true).value_or(0);
  cmd.note = body.String("note").value_or("");
  cmd.reference = body.String("reference").value_or("");
  return Checked(body, cmd);
}

Read ReadAdjustPoints(JsonBody& body, std::int64_t) {
  AdjustPoints cmd;
  cmd.delta = body.Integer("delta", true).value_or(0);
  cmd.note = body.String("note", true).value_or("");
  return Checked(body, cmd);
}

Read ReadTopUp(JsonBody& body, std::int64_t) {
  TopUpCredit cmd;
  cmd.amount = body.Integer("amount", true).value_or(0);
  cmd.payment_ref = body.String("payment_ref", true).value_or("");
  cmd.note = body.String("note").value_or("");
  return Checked(body, cmd);
}

Read ReadDeduct(JsonBody& body, std::int64_t) {
  DeductCredit cmd;
  cmd.amount = body.Integer("amount", true).value_or(0);
  cmd.note = body.String("note").value_or("");
  cmd.reference = body.String("reference").value_or("");
  return Checked(body, cmd);
}

Read ReadAdjustCredit(JsonBody& body, std::int64_t) {
  AdjustCredit cmd;
  cmd.delta = body.Integer("delta", true).value_or(0);
  cmd.note = body.String("note", true).value_or("");
  return Checked(body, cmd);
}

Read ReadDeactivate(JsonBody& body, std::int64_t) { return Checked(body, DeactivateCustomer{}); }
Read ReadReactivate(JsonBody& body, std::int64_t) { return Checked(body, ReactivateCustomer{}); }

const std::array<CommandBody, 10>& Bodies() {
  static const std::array<CommandBody, 10> kBodies = {{
      {"purchase",
       "POST /v1/customers/{ref}/purchases",
       kEdit,
       {"tab_id", "amount", "paid_at"},
       &ReadPurchase},
      {"refund",
       "POST /v1/customers/{ref}/refunds",
       kEdit,
       {"refund_id", "tab_id", "amount"},
       &ReadRefund},
      {"edit",
       "PATCH /v1/customers/{ref}",
       kEdit,
       {"first_name", "last_name", "email", "phone", "tax_id", "address", "notes"},
       &ReadEdit},
      {"points.redeem",
       "POST /v1/customers/{ref}/points/redeem",
       kManageLoyalty,
       {"points", "note", "reference"},
       &ReadRedeem},
      {"points.adjust",
       "POST /v1/customers/{ref}/points/adjust",
       kManageLoyalty,
       {"delta", "note"},
       &ReadAdjustPoints},
      {"credit.top_up",
       "POST /v1/customers/{ref}/credit/top-up",
       kManageCredit,
       {"amount", "payment_ref", "note"},
       &ReadTopUp},
      {"credit.deduct",
       "POST /v1/customers/{ref}/credit/deduct",
       kManageCredit,
       {"amount", "note", "reference"},
       &ReadDeduct},
      {"credit.adjust",
       "POST /v1/customers/{ref}/credit/adjust",
       kManageCredit,
       {"delta", "note"},
       &ReadAdjustCredit},
      {"deactivate", "POST /v1/customers/{ref}/deactivate", kManage, {}, &ReadDeactivate},
      {"reactivate", "POST /v1/customers/{ref}/reactivate", kManage, {}, &ReadReactivate},
  }};
  return kBodies;
}

}  // namespace

std::span<const CommandBody> CommandBodies() { return Bodies(); }

const CommandBody* FindCommandBody(std::string_view kind) {
  for (const CommandBody& b : Bodies()) {
    if (b.kind == kind) return &b;
  }
  return nullptr;
}

}  // namespace clientele::api
