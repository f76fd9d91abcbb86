#include "domain/loyalty.h"

#include <string>

namespace clientele {

std::string_view RoundingName(Rounding r) {
  switch (r) {
    case Rounding::kFloor:
      return "floor";
    case Rounding::kNearest:
      return "nearest";
    case Rounding::kCeil:
      return "ceil";
  }
  return "";
}

std::optional<Rounding> ParseRounding(std::string_view name) {
  if (name == "floor") return Rounding::kFloor;
  if (name == "nearest") return Rounding::kNearest;
  if (name == "ceil") return Rounding::kCeil;
  return std::nullopt;
}

std::string_view ExpiryPolicyName(ExpiryPolicy p) {
  switch (p) {
    case ExpiryPolicy::kNever:
      return "never";
    case ExpiryPolicy::kMonthsAfterEarning:
      return "months_after_earning";
    case ExpiryPolicy::kAfterInactivity:
      return "after_inactivity";
  }
  return "";
}

std::optional<ExpiryPolicy> ParseExpiryPolicy(std::string_view name) {
  if (name == "never") return ExpiryPolicy::kNever;
  if (name == "months_after_earning") return ExpiryPolicy::kMonthsAfterEarning;
  if (name == "after_inactivity") return ExpiryPolicy::kAfterInactivity;
  return std::nullopt;
}

Status ValidateProgram(const LoyaltyProgram& p) {
  if (p.points < 0 || p.points > 1'000'000) {
    return Status::InvalidArgument("points", "out_of_range",
                                   "points must be between 0 and 1000000");
  }
  if (p.per_amount < 1 || p.per_amount > kMaxAmount) {
    return Status::InvalidArgument("per_amount", "out_of_range",
                                   "per_amount must be a positive amount in minor units, at most " +
                                       std::to_string(kMaxAmount));
  }
  if (p.expiry.policy == ExpiryPolicy::kNever) {
    if (p.expiry.months != 0) {
      return Status::InvalidArgument("expiry_months", "out_of_range",
                                     "expiry_months must be absent or 0 when points never expire");
    }
  } else if (p.expiry.months < 1 || p.expiry.months > kMaxExpiryMonths) {
    return Status::InvalidArgument(
        "expiry_months", "out_of_range",
        "expiry_months must be between 1 and " + std::to_string(kMaxExpiryMonths));
  }
  return Status::OK();
}

Points PointsFor(const LoyaltyProgram& p, Money amount) {
  // Total for any program, even one no node would accept (ValidateProgram).
  if (amount <= 0 || p.points <= 0 || p.per_amount <= 0) return 0;
  __int128 num = static_cast<__int128>(amount) * p.points;
  __int128 den = p.per_amount;
  __int128 q = num / den, r = num % den;
  switch (p.rounding) {
    case Rounding::kFloor:
      break;
    case Rounding::kNearest:
      if (2 * r >= den) ++q;
      break;
    case Rounding::kCeil:
      if (r != 0) ++q;
      break;
  }
  return q > INT64_MAX ? INT64_MAX : static_cast<Points>(q);
}

std::string_view ModuleName(Module m) {
  switch (m) {
    case Module::kCustomers:
      return "customers";
    case Module::kLoyaltyPoints:
      return "loyalty_points";
    case Module::kCustomerCredits:
      return "customer_credits";
  }
  return "";
}

std::optional<Module> ParseModule(std::string_view name) {
  if (name == "customers") return Module::kCustomers;
  if (name == "loyalty_points") return Module::kLoyaltyPoints;
  if (name == "customer_credits") return Module::kCustomerCredits;
  return std::nullopt;
}

bool Modules::enabled(Module m) const {
  switch (m) {
    case Module::kCustomers:
      return customers;
    case Module::kLoyaltyPoints:
      return loyalty_points;
    case Module::kCustomerCredits:
      return customer_credits;
  }
  return false;
}

void Modules::set(Module m, bool on) {
  switch (m) {
    case Module::kCustomers:
      customers = on;
      break;
    case Module::kLoyaltyPoints:
      loyalty_points = on;
      break;
    case Module::kCustomerCredits:
      customer_credits = on;
      break;
  }
}

}  // namespace clientele
