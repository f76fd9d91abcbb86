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
//   customer.erased            {"reason"}
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
//
// Sealed payloads (domain/personal_data.h). EncodeSealedPayload moves the
// personal keys of a payload (the seven detail fields and "note") into one
// JSON object, seals it with the customer's key, bound to the customer id and
// the event type, and writes it in their place as "sealed" (base64 text) at
// the end of the object; every other key stays where and as it was:
//
//   customer.registered  {"customer_id","code",["origin_store"],"sealed"}
//   credit.topped_up     {"amount","payment_ref",["sealed"]}
//
// Decoding accepts both forms, so logs written before sealing (clear
// personal fields) read as they did. A sealed payload decoded without keys,
// or whose customer's key is gone (erased) or has not reached this node,
// decodes with its personal fields absent (empty) and everything else as
// usual: the ledger, reports and audit never need a key.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "domain/events.h"
#include "domain/personal_data.h"
#include "domain/status.h"

namespace clientele {

inline constexpr std::string_view kSealedKey = "sealed";

std::string EncodePayload(const CustomerEvent& event);
// The payload with its personal fields sealed for `customer_id` (the clear
// payload when `keys` is null: sealing switched off). A key is made for a
// registration, or when `make_key`. Fails as PersonalDataKeys::Seal does.
Result<std::string> EncodeSealedPayload(const CustomerEvent& event, std::string_view customer_id,
                                        PersonalDataKeys* keys, bool make_key = false);
// True if the payload (as EncodeSealedPayload writes it) holds a sealed blob.
bool PayloadIsSealed(std::string_view json);
// True if the event holds any personal field (a detail or a note).
bool HasPersonalData(const CustomerEvent& event);
// The event with its personal fields absent, as a node without the
// customer's key reads it (for an erased customer's events in clear).
Result<CustomerEvent> WithoutPersonalData(const CustomerEvent& event);
std::string EncodePayload(const SettingsEvent& event);

// Every customer-stream event type this build knows, in the CustomerEvent
// variant's order.
std::span<const std::string_view> CustomerEventTypes();

// True if `type` names a customer-stream or settings event respectively.
bool IsCustomerEventType(std::string_view type);
bool IsSettingsEventType(std::string_view type);

// Parses a payload; Corruption if the JSON does not match the type's schema,
// InvalidArgument if the type or schema version is unknown. Sealed fields are
// opened with `keys` for `customer_id`; they are absent without keys, without
// the customer's key, or if the blob does not open with it.
Result<CustomerEvent> DecodeCustomerEvent(std::string_view type, std::uint32_t schema,
                                          std::string_view json, PersonalDataKeys* keys = nullptr,
                                          std::string_view customer_id = {});
Result<SettingsEvent> DecodeSettingsEvent(std::string_view type, std::uint32_t schema,
                                          std::string_view json);

}  // namespace clientele
