// The loyalty program and the modules a chain can switch on and off.
//
// Points earned for a purchase of `amount` minor units:
//   points = round(amount * program.points / program.per_amount)
// where round is the program's rounding rule (floor, nearest with halves up,
// or ceil). E.g. {points: 1, per_amount: 100, floor} earns 1 point per whole
// currency unit: 12.99 earns 12. The program in force when a purchase is
// recorded decides its points; changing the program never touches the past.
//
// Points expire by the program's expiry policy in force when they were earned
// (by event time; changing the policy is never retroactive):
//   never                  they never expire (the default);
//   months_after_earning   at the end of the month N months after the month
//                          they were earned in (earned 15 Jan, N = 3: expire
//                          at the end of 30 Apr), in the chain's time zone;
//   after_inactivity       N months after the customer's last purchase or
//                          redemption, whichever is later.
// Points are held in lots, one per earning; redemptions take the oldest first
// (domain/points_lots.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "domain/money.h"
#include "domain/status.h"

namespace clientele {

enum class Rounding { kFloor, kNearest, kCeil };

std::string_view RoundingName(Rounding r);  // "floor", "nearest", "ceil"
std::optional<Rounding> ParseRounding(std::string_view name);

enum class ExpiryPolicy { kNever, kMonthsAfterEarning, kAfterInactivity };

// "never", "months_after_earning", "after_inactivity".
std::string_view ExpiryPolicyName(ExpiryPolicy p);
std::optional<ExpiryPolicy> ParseExpiryPolicy(std::string_view name);

inline constexpr int kMaxExpiryMonths = 120;

struct PointsExpiry {
  ExpiryPolicy policy = ExpiryPolicy::kNever;
  int months = 0;  // 1..kMaxExpiryMonths unless the policy is never (then 0)
  bool operator==(const PointsExpiry&) const = default;
};

struct LoyaltyProgram {
  Points points = 1;       // points earned ...
  Money per_amount = 100;  // ... per this many minor units spent
  Rounding rounding = Rounding::kFloor;
  PointsExpiry expiry;

  bool operator==(const LoyaltyProgram&) const = default;
};

// OK, or InvalidArgument naming the offending field.
Status ValidateProgram(const LoyaltyProgram& program);

// Points earned for `amount` (>= 0) under `program`. Exact: no overflow for any
// amount <= kMaxAmount and valid program.
Points PointsFor(const LoyaltyProgram& program, Money amount);

enum class Module { kCustomers, kLoyaltyPoints, kCustomerCredits };

std::string_view ModuleName(Module m);  // "customers", "loyalty_points", "customer_credits"
std::optional<Module> ParseModule(std::string_view name);

struct Modules {
  bool customers = true;
  bool loyalty_points = true;
  bool customer_credits = true;

  bool enabled(Module m) const;
  void set(Module m, bool on);
  bool operator==(const Modules&) const = default;
};

}  // namespace clientele
