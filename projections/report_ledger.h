// What one customer's events add to the chain's reports.
//
// A customer's events are taken in history order (time, then the node they
// were made at, then stream order: the same order on every node) and folded
// into a ReportCustomer. Each step tells a ReportSink what it adds to the
// daily figures of a store: the sums the reports are made of.
//
// Credit is held in funds, one per top-up, by the store it was topped up at;
// a spend draws on the oldest funds first (first in, first out). Points are
// held in lots by the store they were earned at, with the expiry rule in
// force when they were earned: one per earning, except that earnings at one
// store one after the other that would expire together share a lot (and
// top-ups at one store one after the other a fund), so a customer's state
// stays small. A redemption takes the oldest lot first, a refund the lot of
// its purchase first (when it is the lot's latest tab; else the oldest). A spend or redemption
// beyond what is held (made offline while the same credit or points went
// elsewhere) leaves a debt at the store it was made at, settled by the next
// top-up or earning whatever store that is at.
//
// By store, a balance is what is held from that store's top-ups (or
// earnings): "spent" at a store is what was drawn from its top-ups, wherever
// it was spent; the between-stores figures say where.
//
// Pure: the same events in the same order give the same figures on every node.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/events.h"
#include "domain/loyalty.h"
#include "domain/status.h"
#include "domain/time_zone.h"
#include "eventstore/event.h"

namespace clientele {

// The daily figures, per store and day.
enum class Figure : std::uint8_t {
  // Credit, by the store of the top-ups it is drawn from.
  kCreditToppedUp,    // + amount topped up at the store
  kCreditSpent,       // + amount spent, drawn from the store's top-ups
  kCreditAdjusted,    // +/- manager adjustments
  kCreditDuplicates,  // +/- duplicates taken back (ledger.duplicate_reversed)
  kCreditSettled,     // +/- debts settled: + at the debtor store, - at the payer
  kCreditHolders,     // +/- customers holding credit from the store's top-ups
  kOverdrafts,        // + overdrafts found (credit.overdraft_detected), where spent
  kOverdraftAmount,   // + their shortfall
  // Points, by the store they were earned at.
  kPointsEarned,
  kPointsRedeemed,  // drawn from the store's lots
  kPointsAdjusted,
  kPointsExpired,
  kPointsReversed,  // reversed by refunds
  kPointsDuplicates,
  kPointsSettled,
  kPointsHolders,
  kShortfalls,  // + points shortfalls found, where redeemed
  kShortfallPoints,
  // Activity at the store the event was made at.
  kPurchases,        // purchases with a customer
  kPurchaseAmount,   // their amount, less refunds and duplicates taken back
  kNewCustomers,     // by the store that registered them
  kActiveCustomers,  // distinct customers with a purchase, refund, top-up, spend or redemption
  kRedeemedHere,     // points redeemed at the store
  kSpentHere,        // credit spent at the store
  // Chain-wide only (store kChainWide): by the day of the customer's last activity.
  kDormantCustomers,  // customers with credit (other than zero) ...
  kDormantCredit,     // ... and that credit
  kCount
};
inline constexpr std::size_t kFigureCount = static_cast<std::size_t>(Figure::kCount);
using Figures = std::array<std::int64_t, kFigureCount>;

// The store key of figures that are not by store: holders counted once per
// customer, dormant balances.
inline constexpr std::string_view kChainWide = "*";
// Where a spend beyond the funds is drawn from, in the between-stores figures.
inline constexpr std::string_view kUnfunded = "";

class ReportSink {
 public:
  virtual ~ReportSink() = default;
  // `value` is added to figure `f` of `store` on `day`.
  virtual void Add(std::int32_t day, std::string_view store, Figure f, std::int64_t value) = 0;
  // Credit topped up at `from` spent at `to` on `day` (`from` is kUnfunded for
  // a spend beyond the funds).
  virtual void Move(std::int32_t day, std::string_view from, std::string_view to,
                    std::int64_t amount) = 0;
  // The customer's purchases (less refunds) on `day` changed by `amount`.
  virtual void Spend(std::int32_t day, std::int64_t amount) = 0;
};

struct CreditFund {
  std::string store;
  std::int64_t amount = 0;  // > 0: held; < 0: a debt (spent beyond the funds there)
  bool operator==(const CreditFund&) const = default;
};

struct PointsLot {
  std::string id;      // the event id of the earning (or adjustment) that made it
  std::string tab_id;  // the purchase it was earned on ("" for an adjustment)
  std::string store;
  std::int64_t earned_ms = 0;
  PointsExpiry rule;        // the expiry policy in force when it was earned
  std::int64_t points = 0;  // > 0: held; < 0: a debt
  bool operator==(const PointsLot&) const = default;
};

struct ReportCustomer {
  // The history order key of the last event folded in.
  std::int64_t last_time_ms = INT64_MIN;
  std::string last_origin;
  std::int64_t last_version = 0;

  std::int64_t credit = 0;
  std::int64_t points = 0;
  std::vector<CreditFund> funds;            // oldest first; debts after the held funds are gone
  std::vector<PointsLot> lots;              // oldest first
  std::int64_t last_activity_ms = 0;        // purchase, refund, top-up, spend or redemption
  std::int64_t last_earn_or_redeem_ms = 0;  // purchase or redemption (after_inactivity)
  std::int32_t active_day = INT32_MIN;      // the day of the latest activity ...
  std::vector<std::string> active_stores;   // ... and the stores it was at that day
  std::int64_t expiry_key_ms = 0;           // where the expiry index holds the customer (0: not)

  bool operator==(const ReportCustomer&) const = default;
};

// The expiry rule of points earned at `ms`, as the chain's settings said then.
class ExpiryRules {
 public:
  virtual ~ExpiryRules() = default;
  virtual PointsExpiry RuleAt(std::int64_t ms) const = 0;
};

// True if the event (time, origin, version) comes after what `c` has folded in.
bool InOrder(const ReportCustomer& c, const RecordedEvent& e);

// Folds one event of the customer's stream into `c`, telling `sink` what it
// adds. Events that move nothing the reports count are taken as they are.
// REQUIRES: InOrder(*c, e), or `c` is being rebuilt in history order.
void Fold(const RecordedEvent& e, const CustomerEvent& event, const TimeZone& tz,
          const ExpiryRules& rules, ReportCustomer* c, ReportSink* sink);

// When a lot of points is gone: the first millisecond it no longer counts
// (0: never), given the customer's last purchase or redemption.
std::int64_t LotExpiresAt(const PointsLot& lot, std::int64_t last_earn_or_redeem_ms,
                          const TimeZone& tz);

struct PointsExpiring {
  std::int64_t points = 0;
  std::int64_t expires_at_ms = 0;  // the first millisecond they are gone
  bool operator==(const PointsExpiring&) const = default;
};
// The next lots to expire (all those expiring at the earliest moment), or nullopt.
std::optional<PointsExpiring> NextExpiry(const ReportCustomer& c, const TimeZone& tz);
// The earliest moment any held lot expires (0: none).
std::int64_t NextExpiryMs(const ReportCustomer& c, const TimeZone& tz);

std::string EncodeReportCustomer(const ReportCustomer& c);
Status DecodeReportCustomer(std::string_view bytes, ReportCustomer* c);

}  // namespace clientele
