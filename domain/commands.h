// Commands: what a user asks the domain to do. Each is decided against the
// current state (see customer.h, settings.h) into events or a refusal.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "domain/consent.h"
#include "domain/details.h"
#include "domain/loyalty.h"
#include "domain/money.h"

namespace clientele {

struct RegisterCustomer {
  std::string customer_id;  // a UUID chosen by the caller
  std::string code;         // from the node's CodeAllocator
  CustomerDetails details;
  std::string origin_store;  // "" at HQ
  // Marketing consent given with the registration (domain/consent.h), each
  // recorded as customer.consent_changed with `consent_source`.
  std::vector<ConsentChoice> consents;
  ConsentSource consent_source = ConsentSource::kRegister;
};
struct ChangeDetails {
  DetailsPatch patch;
};
// Gives or withdraws marketing consent (domain/consent.h). A channel already
// in the state asked for is left as it is.
struct SetConsent {
  std::vector<ConsentChoice> choices;
  ConsentSource source = ConsentSource::kHq;
};
struct DeactivateCustomer {};
struct ReactivateCustomer {};
struct DeleteCustomer {};
// A paid tab with this customer assigned. Idempotent on tab_id.
struct RecordPurchase {
  std::string tab_id;
  Money amount = 0;
  std::int64_t paid_at_ms = 0;
};
// Reverses all or part of a recorded purchase. Idempotent on refund_id.
struct RefundPurchase {
  std::string refund_id;
  std::string tab_id;
  Money amount = 0;
};
struct RedeemPoints {
  Points points = 0;
  std::string note;
  std::string reference;
};
// A manager's correction; the note saying why is required.
struct AdjustPoints {
  Points delta = 0;
  std::string note;
};
// Recorded after the top-up tab was paid. Idempotent on payment_ref.
struct TopUpCredit {
  Money amount = 0;
  std::string payment_ref;
  std::string note;
};
struct DeductCredit {
  Money amount = 0;
  std::string note;
  std::string reference;
};
// A manager's correction; the note saying why is required.
struct AdjustCredit {
  Money delta = 0;
  std::string note;
};

// Erases the customer's personal data (domain/personal_data.h). Refused while
// the customer holds credit unless `write_off_credit`, which first adjusts
// the credit to zero (the adjustment stays in the ledger).
struct EraseCustomer {
  std::string reason;  // required; never the person's data
  bool write_off_credit = false;
};

using CustomerCommand =
    std::variant<RegisterCustomer, ChangeDetails, DeactivateCustomer, ReactivateCustomer,
                 DeleteCustomer, RecordPurchase, RefundPurchase, RedeemPoints, AdjustPoints,
                 TopUpCredit, DeductCredit, AdjustCredit, SetConsent, EraseCustomer>;

struct SetLoyaltyProgram {
  LoyaltyProgram program;
};
struct EnableModule {
  Module module = Module::kCustomers;
};
struct DisableModule {
  Module module = Module::kCustomers;
};

using SettingsCommand = std::variant<SetLoyaltyProgram, EnableModule, DisableModule>;

}  // namespace clientele
