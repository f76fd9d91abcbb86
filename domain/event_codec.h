// The JSON payloads of domain events, and their envelope type names.
//
// Payloads are JSON objects written with Boost.JSON and parsed with simdjson.
// Field order is fixed, so the same event always encodes to the same bytes.
// Amounts and points are JSON integers; absent optional values are omitted.
//
//   customer.registered        {"customer_id","code","first_name","last_name",
//                                [email, phone, tax_id, address, notes], ["origin_store"]}
//   customer.details_changed   {any of the seven detail fields; "" clears, "hlc", "node"}
//   customer.deactivated | .reactivated               {"hlc","node"}
//   customer.deleted                                  {"hlc","node"}
//   purchase.recorded          {"tab_id","amount","paid_at"}
//   purchase.refunded          {"refund_id","tab_id","amount"}
//   loyalty.points_earned      {"tab_id","points"}
//   loyalty.points_reversed    {"refund_id","tab_id","points"}
//   loyalty.points_redeemed    {"points",["note"],["reference"]}
//   loyalty.points_adjusted    {"delta","note"}
//   credit.topped_up           {"amount","payment_ref",["note"]}
//   credit.deducted            {"amount",["note"],["reference"]}
//   credit.adjusted            {"delta","note"}
//   credit.overdraft_detected  {"deduction_id","store","shortfall"}
//   ledger.duplicate_reversed  {"kind","reference","duplicate_id","kept_id","store",
//                               "spent","points","credit"}
//   ledger.conflict_recorded   {"kind","reference","event_id","other_id","store"}
//   loyalty.points_expired     {"lot_id","points","expired_at"}
//   loyalty.points_shortfall_detected {"redemption_id","store","shortfall"}
//   customer.consent_changed   {"channel": "email"|"sms", "granted", "source", "hlc", "node"}
//   customer.merged            {"merge_id","survivor_id","survivor_code",
//                               "points","credit","spent","last_visit"}
//   customer.merge_received    {"merge_id","duplicate_id","duplicate_code",
//                               "points","credit","spent","last_visit"}
//   customer.merge_settled     {"merge_id","kind","side","other_id",
//                               "points","credit","spent","last_visit"}
//   settings.loyalty_program_set {"points","per_amount","rounding",
//                                 ["expiry","expiry_months"]}      (schema 2)
//   settings.module_enabled | .module_disabled        {"module"}
//
// Every type is at schema 1 except the stamped edits (details_changed,
// deactivated, reactivated, deleted) at schema 2 (domain/stamp.h); their
// schema-1 payloads, without "hlc" and "node", decode with the zero stamp.
// loyalty_program_set is at schema 2: "expiry" (omitted for never) and
// "expiry_months"; a schema-1 program never expires points.
// consent_changed is stamped from its first schema (1): "hlc" and "node" are required.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "domain/events.h"
#include "domain/status.h"

namespace clientele {

std::string EncodePayload(const CustomerEvent& event);
std::string EncodePayload(const SettingsEvent& event);

// Every customer-stream event type this build knows, in the CustomerEvent
// variant's order.
std::span<const std::string_view> CustomerEventTypes();

// True if `type` names a customer-stream or settings event respectively.
bool IsCustomerEventType(std::string_view type);
bool IsSettingsEventType(std::string_view type);

// Parses a payload; Corruption if the JSON does not match the type's schema,
// InvalidArgument if the type or schema version is unknown.
Result<CustomerEvent> DecodeCustomerEvent(std::string_view type, std::uint32_t schema,
                                          std::string_view json);
Result<SettingsEvent> DecodeSettingsEvent(std::string_view type, std::uint32_t schema,
                                          std::string_view json);

}  // namespace clientele
