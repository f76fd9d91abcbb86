#include "projections/report_ledger.h"

#include <algorithm>
#include <tuple>

#include "domain/overloaded.h"
#include "eventstore/coding.h"

namespace clientele {

namespace {

// The stores with something held there, in no particular order.
template <typename Holdings, typename Amount>
std::vector<std::string_view> HeldAt(const Holdings& held, Amount amount) {
  std::vector<std::string_view> out;
  for (const auto& h : held) {
    if (amount(h) > 0 && std::find(out.begin(), out.end(), h.store) == out.end()) {
      out.push_back(h.store);
    }
  }
  return out;
}

// Tells `sink` which stores gained or lost a holder between `before` and `after`.
void CountHolders(const std::vector<std::string_view>& before,
                  const std::vector<std::string_view>& after, std::int32_t day, Figure f,
                  ReportSink* sink) {
  for (auto s : before) {
    if (std::find(after.begin(), after.end(), s) == after.end()) sink->Add(day, s, f, -1);
  }
  for (auto s : after) {
    if (std::find(before.begin(), before.end(), s) == before.end()) sink->Add(day, s, f, +1);
  }
}

class Folder {
 public:
  Folder(const RecordedEvent& e, const TimeZone& tz, const ExpiryRules& rules, ReportCustomer* c,
         ReportSink* sink)
      : e_(e), tz_(tz), rules_(rules), c_(c), sink_(sink), day_(tz.DayOf(e.time_ms)) {}

  void Run(const CustomerEvent& event) {
    // Which stores hold the customer's credit and points, before and after,
    // for the events that can change that. The stores are copied: the
    // holdings they point into change below.
    const bool moves_credit = std::holds_alternative<CreditToppedUp>(event) ||
                              std::holds_alternative<CreditDeducted>(event) ||
                              std::holds_alternative<CreditAdjusted>(event) ||
                              std::holds_alternative<DuplicateReversed>(event);
    const bool moves_points = std::holds_alternative<PointsEarned>(event) ||
                              std::holds_alternative<PointsReversed>(event) ||
                              std::holds_alternative<PointsRedeemed>(event) ||
                              std::holds_alternative<PointsAdjusted>(event) ||
                              std::holds_alternative<PointsExpired>(event) ||
                              std::holds_alternative<DuplicateReversed>(event);
    std::vector<std::string> cb, pb;
    if (moves_credit) {
      for (auto s : HeldAt(c_->funds, [](const CreditFund& f) { return f.amount; }))
        cb.emplace_back(s);
    }
    if (moves_points) {
      for (auto s : HeldAt(c_->lots, [](const PointsLot& l) { return l.points; }))
        pb.emplace_back(s);
    }
    const std::int64_t credit0 = c_->credit, points0 = c_->points;
    const std::int64_t dormant_ms0 = c_->last_activity_ms;

    std::visit(Overloaded{
                   [&](const CustomerRegistered&) {
                     Add(here(), Figure::kNewCustomers, 1);
                     c_->last_activity_ms = std::max(c_->last_activity_ms, e_.time_ms);
                   },
                   [&](const PurchaseRecorded& p) {
                     Add(here(), Figure::kPurchases, 1);
                     Add(here(), Figure::kPurchaseAmount, p.amount);
                     sink_->Spend(day_, p.amount);
                     Active(true);
                   },
                   [&](const PurchaseRefunded& r) {
                     Add(here(), Figure::kPurchaseAmount, -r.amount);
                     sink_->Spend(day_, -r.amount);
                     Active(false);
                   },
                   [&](const PointsEarned& p) {
                     PutPoints(p.points, e_.id, p.tab_id, Figure::kPointsEarned, here());
                   },
                   [&](const PointsReversed& r) {
                     DrawPoints(r.points, Figure::kPointsReversed, +1,
                                [&](const PointsLot& l) { return l.tab_id == r.tab_id; });
                   },
                   [&](const PointsRedeemed& r) {
                     DrawPoints(r.points, Figure::kPointsRedeemed, +1, nullptr);
                     Add(here(), Figure::kRedeemedHere, r.points);
                     Active(true);
                   },
                   [&](const PointsAdjusted& a) {
                     if (a.delta > 0) {
                       PutPoints(a.delta, e_.id, "", Figure::kPointsAdjusted, here());
                     } else {
                       DrawPoints(-a.delta, Figure::kPointsAdjusted, -1, nullptr);
                     }
                   },
                   [&](const PointsExpired& x) {
                     DrawPoints(x.points, Figure::kPointsExpired, +1,
                                [&](const PointsLot& l) { return l.id == x.lot_id; });
                   },
                   [&](const PointsShortfallDetected& s) {
                     Add(s.store, Figure::kShortfalls, 1);
                     Add(s.store, Figure::kShortfallPoints, s.shortfall);
                   },
                   [&](const CreditToppedUp& t) {
                     PutCredit(t.amount, Figure::kCreditToppedUp, here());
                     Active(false);
                   },
                   [&](const CreditDeducted& d) {
                     DrawCredit(d.amount, Figure::kCreditSpent, +1, true);
                     Add(here(), Figure::kSpentHere, d.amount);
                     Active(false);
                   },
                   [&](const CreditAdjusted& a) {
                     if (a.delta > 0) {
                       PutCredit(a.delta, Figure::kCreditAdjusted, here());
                     } else {
                       DrawCredit(-a.delta, Figure::kCreditAdjusted, -1, false);
                     }
                   },
                   [&](const CreditOverdraftDetected& o) {
                     Add(o.store, Figure::kOverdrafts, 1);
                     Add(o.store, Figure::kOverdraftAmount, o.shortfall);
                   },
                   [&](const DuplicateReversed& d) {
                     if (d.credit > 0) PutCredit(d.credit, Figure::kCreditDuplicates, d.store);
                     if (d.credit < 0) DrawCredit(-d.credit, Figure::kCreditDuplicates, -1, false);
                     if (d.points > 0) {
                       PutPoints(d.points, e_.id, "", Figure::kPointsDuplicates, d.store);
                     }
                     if (d.points < 0) {
                       DrawPoints(-d.points, Figure::kPointsDuplicates, -1,
                                  [&](const PointsLot& l) {
                                    return d.kind == "purchase" && l.tab_id == d.reference;
                                  });
                     }
                     if (d.spent != 0) {
                       Add(d.store, Figure::kPurchaseAmount, d.spent);
                       sink_->Spend(day_, d.spent);
                     }
                     if (d.kind == "purchase") Add(d.store, Figure::kPurchases, -1);
                   },
                   [](const auto&) {},
               },
               event);

    if (moves_credit) {
      CountHolders({cb.begin(), cb.end()},
                   HeldAt(c_->funds, [](const CreditFund& f) { return f.amount; }), day_,
                   Figure::kCreditHolders, sink_);
    }
    if (moves_points) {
      CountHolders({pb.begin(), pb.end()},
                   HeldAt(c_->lots, [](const PointsLot& l) { return l.points; }), day_,
                   Figure::kPointsHolders, sink_);
    }
    if ((credit0 > 0) != (c_->credit > 0)) {
      Add(kChainWide, Figure::kCreditHolders, c_->credit > 0 ? 1 : -1);
    }
    if ((points0 > 0) != (c_->points > 0)) {
      Add(kChainWide, Figure::kPointsHolders, c_->points > 0 ? 1 : -1);
    }
    if (credit0 != c_->credit || dormant_ms0 != c_->last_activity_ms) {
      if (credit0 != 0) {
        std::int32_t d0 = tz_.DayOf(dormant_ms0);
        sink_->Add(d0, kChainWide, Figure::kDormantCustomers, -1);
        sink_->Add(d0, kChainWide, Figure::kDormantCredit, -credit0);
      }
      if (c_->credit != 0) {
        std::int32_t d1 = tz_.DayOf(c_->last_activity_ms);
        sink_->Add(d1, kChainWide, Figure::kDormantCustomers, 1);
        sink_->Add(d1, kChainWide, Figure::kDormantCredit, c_->credit);
      }
    }
    c_->last_time_ms = e_.time_ms;
    c_->last_origin = e_.origin;
    c_->last_version = e_.version;
  }

 private:
  std::string_view here() const { return e_.origin; }
  void Add(std::string_view store, Figure f, std::int64_t v) { sink_->Add(day_, store, f, v); }

  // A purchase, refund, top-up, spend or redemption by the customer.
  void Active(bool earn_or_redeem) {
    c_->last_activity_ms = std::max(c_->last_activity_ms, e_.time_ms);
    if (earn_or_redeem)
      c_->last_earn_or_redeem_ms = std::max(c_->last_earn_or_redeem_ms, e_.time_ms);
    if (day_ != c_->active_day) {
      c_->active_day = day_;
      c_->active_stores.clear();
    }
    auto& seen = c_->active_stores;
    if (std::find(seen.begin(), seen.end(), here()) == seen.end()) {
      seen.emplace_back(here());
      Add(here(), Figure::kActiveCustomers, 1);
    }
  }

  // Credit in at `store`: settles debts first, the rest is a new fund.
  void PutCredit(std::int64_t amount, Figure f, std::string_view store) {
    Add(store, f, amount);
    c_->credit += amount;
    std::int64_t rest = amount;
    auto& funds = c_->funds;
    while (rest > 0 && !funds.empty() && funds.front().amount < 0) {
      std::int64_t settle = std::min(rest, -funds.front().amount);
      funds.front().amount += settle;
      Add(funds.front().store, Figure::kCreditSettled, settle);
      Add(store, Figure::kCreditSettled, -settle);
      rest -= settle;
      if (funds.front().amount == 0) funds.erase(funds.begin());
    }
    // Funds of one store one after the other are one fund: first in, first
    // out draws on them alike, and a customer's state stays as small as the
    // number of stores it moves between.
    if (rest > 0 && !funds.empty() && funds.back().amount > 0 && funds.back().store == store) {
      funds.back().amount += rest;
    } else if (rest > 0) {
      funds.push_back({std::string(store), rest});
    }
  }

  // Credit out: from the oldest funds, the rest a debt here. `sign` is how
  // figure `f` counts what is drawn; `spend` records where it went.
  void DrawCredit(std::int64_t amount, Figure f, int sign, bool spend) {
    c_->credit -= amount;
    std::int64_t rest = amount;
    auto& funds = c_->funds;
    while (rest > 0 && !funds.empty() && funds.front().amount > 0) {
      CreditFund& fund = funds.front();
      std::int64_t take = std::min(rest, fund.amount);
      fund.amount -= take;
      Add(fund.store, f, sign * take);
      if (spend) sink_->Move(day_, fund.store, here(), take);
      rest -= take;
      if (fund.amount == 0) funds.erase(funds.begin());
    }
    if (rest > 0) {
      Add(here(), f, sign * rest);
      if (spend) sink_->Move(day_, kUnfunded, here(), rest);
      if (!funds.empty() && funds.back().store == here()) {
        funds.back().amount -= rest;
      } else {
        funds.push_back({std::string(here()), -rest});
      }
    }
  }

  void PutPoints(std::int64_t points, const std::string& lot_id, const std::string& tab_id,
                 Figure f, std::string_view store) {
    Add(store, f, points);
    c_->points += points;
    std::int64_t rest = points;
    auto& lots = c_->lots;
    while (rest > 0 && !lots.empty() && lots.front().points < 0) {
      std::int64_t settle = std::min(rest, -lots.front().points);
      lots.front().points += settle;
      Add(lots.front().store, Figure::kPointsSettled, settle);
      Add(store, Figure::kPointsSettled, -settle);
      rest -= settle;
      if (lots.front().points == 0) lots.erase(lots.begin());
    }
    if (rest > 0) {
      PointsLot lot{lot_id, tab_id, std::string(store), e_.time_ms, rules_.RuleAt(e_.time_ms),
                    rest};
      // Points earned at one store, one after the other, that expire together
      // are one lot (the first earning's): oldest first draws on them alike,
      // and a customer who never redeems does not pile up lots. The lot
      // remembers the latest tab, for a refund of it.
      if (!lots.empty() && SameLot(lots.back(), lot)) {
        lots.back().points += rest;
        lots.back().tab_id = tab_id;
      } else {
        lots.push_back(std::move(lot));
      }
    }
  }

  // Points out: from the lot `first` picks (if any), then the oldest, the
  // rest a debt here.
  template <typename Pick>
  void DrawPoints(std::int64_t points, Figure f, int sign, Pick first) {
    c_->points -= points;
    std::int64_t rest = points;
    auto& lots = c_->lots;
    auto take_from = [&](std::size_t i) {
      PointsLot& lot = lots[i];
      std::int64_t take = std::min(rest, lot.points);
      lot.points -= take;
      Add(lot.store, f, sign * take);
      rest -= take;
      if (lot.points == 0) lots.erase(lots.begin() + static_cast<std::ptrdiff_t>(i));
    };
    if constexpr (!std::is_same_v<Pick, std::nullptr_t>) {
      for (std::size_t i = 0; i < lots.size(); ++i) {
        if (lots[i].points > 0 && first(lots[i])) {
          take_from(i);
          break;
        }
      }
    }
    while (rest > 0 && !lots.empty() && lots.front().points > 0) take_from(0);
    if (rest > 0) {
      Add(here(), f, sign * rest);
      if (!lots.empty() && lots.back().store == here() && lots.back().id.empty()) {
        lots.back().points -= rest;
      } else {
        lots.push_back({"", "", std::string(here()), e_.time_ms, PointsExpiry{}, -rest});
      }
    }
  }

  // True if `next` would expire with `last` and comes from the same store.
  bool SameLot(const PointsLot& last, const PointsLot& next) const {
    if (last.points <= 0 || last.id.empty() || last.store != next.store ||
        !(last.rule == next.rule)) {
      return false;
    }
    if (next.rule.policy != ExpiryPolicy::kMonthsAfterEarning) return true;
    return tz_.EndOfMonthAfter(last.earned_ms, 0) == tz_.EndOfMonthAfter(next.earned_ms, 0);
  }

  const RecordedEvent& e_;
  const TimeZone& tz_;
  const ExpiryRules& rules_;
  ReportCustomer* c_;
  ReportSink* sink_;
  std::int32_t day_;
};

}  // namespace

bool InOrder(const ReportCustomer& c, const RecordedEvent& e) {
  return std::tie(c.last_time_ms, c.last_origin, c.last_version) <
         std::tie(e.time_ms, e.origin, e.version);
}

void Fold(const RecordedEvent& e, const CustomerEvent& event, const TimeZone& tz,
          const ExpiryRules& rules, ReportCustomer* c, ReportSink* sink) {
  Folder(e, tz, rules, c, sink).Run(event);
}

std::int64_t LotExpiresAt(const PointsLot& lot, std::int64_t last_earn_or_redeem_ms,
                          const TimeZone& tz) {
  if (lot.points <= 0) return 0;
  switch (lot.rule.policy) {
    case ExpiryPolicy::kNever:
      return 0;
    case ExpiryPolicy::kMonthsAfterEarning:
      return tz.EndOfMonthAfter(lot.earned_ms, lot.rule.months) + 1;
    case ExpiryPolicy::kAfterInactivity:
      return tz.AddMonths(std::max(lot.earned_ms, last_earn_or_redeem_ms), lot.rule.months);
  }
  return 0;
}

std::optional<PointsExpiring> NextExpiry(const ReportCustomer& c, const TimeZone& tz) {
  std::optional<PointsExpiring> next;
  for (const PointsLot& lot : c.lots) {
    std::int64_t at = LotExpiresAt(lot, c.last_earn_or_redeem_ms, tz);
    if (at == 0) continue;
    if (!next || at < next->expires_at_ms) {
      next = PointsExpiring{lot.points, at};
    } else if (at == next->expires_at_ms) {
      next->points += lot.points;
    }
  }
  return next;
}

std::int64_t NextExpiryMs(const ReportCustomer& c, const TimeZone& tz) {
  auto next = NextExpiry(c, tz);
  return next ? next->expires_at_ms : 0;
}

// state := fmt:u8(=1) last_time:le64 lp(last_origin) last_version:le64 credit:le64
//          points:le64 last_activity:le64 last_earn_or_redeem:le64 active_day:le64
//          expiry_key:le64 varint(#stores) lp(store)...
//          varint(#funds) (lp(store) amount:le64)...
//          varint(#lots) (lp(id) lp(tab) lp(store) earned:le64 policy:u8 months:varint
//                         points:le64)...
std::string EncodeReportCustomer(const ReportCustomer& c) {
  using namespace coding;
  std::string out(1, '\1');
  auto i64 = [&](std::int64_t v) { PutLe64(&out, static_cast<std::uint64_t>(v)); };
  i64(c.last_time_ms);
  PutLp(&out, c.last_origin);
  i64(c.last_version);
  i64(c.credit);
  i64(c.points);
  i64(c.last_activity_ms);
  i64(c.last_earn_or_redeem_ms);
  i64(c.active_day);
  i64(c.expiry_key_ms);
  PutVarint32(&out, static_cast<std::uint32_t>(c.active_stores.size()));
  for (const auto& s : c.active_stores) PutLp(&out, s);
  PutVarint32(&out, static_cast<std::uint32_t>(c.funds.size()));
  for (const auto& f : c.funds) {
    PutLp(&out, f.store);
    i64(f.amount);
  }
  PutVarint32(&out, static_cast<std::uint32_t>(c.lots.size()));
  for (const auto& l : c.lots) {
    PutLp(&out, l.id);
    PutLp(&out, l.tab_id);
    PutLp(&out, l.store);
    i64(l.earned_ms);
    out.push_back(static_cast<char>(l.rule.policy));
    PutVarint32(&out, static_cast<std::uint32_t>(l.rule.months));
    i64(l.points);
  }
  return out;
}

Status DecodeReportCustomer(std::string_view bytes, ReportCustomer* c) {
  auto bad = [] { return Status::Corruption("a customer's report state does not parse"); };
  if (bytes.empty() || bytes[0] != '\1') return bad();
  coding::Decoder d(bytes.substr(1));
  auto i64 = [&](std::int64_t* v) {
    std::uint64_t u;
    if (!d.Le64(&u)) return false;
    *v = static_cast<std::int64_t>(u);
    return true;
  };
  std::int64_t active_day = 0;
  std::uint32_t n = 0;
  *c = ReportCustomer();
  if (!i64(&c->last_time_ms) || !d.Lp(&c->last_origin) || !i64(&c->last_version) ||
      !i64(&c->credit) || !i64(&c->points) || !i64(&c->last_activity_ms) ||
      !i64(&c->last_earn_or_redeem_ms) || !i64(&active_day) || !i64(&c->expiry_key_ms) ||
      !d.Varint32(&n)) {
    return bad();
  }
  c->active_day = static_cast<std::int32_t>(active_day);
  c->active_stores.resize(n);
  for (auto& s : c->active_stores) {
    if (!d.Lp(&s)) return bad();
  }
  if (!d.Varint32(&n)) return bad();
  c->funds.resize(n);
  for (auto& f : c->funds) {
    if (!d.Lp(&f.store) || !i64(&f.amount)) return bad();
  }
  if (!d.Varint32(&n)) return bad();
  c->lots.resize(n);
  for (auto& l : c->lots) {
    std::string_view policy;
    std::uint32_t months = 0;
    if (!d.Lp(&l.id) || !d.Lp(&l.tab_id) || !d.Lp(&l.store) || !i64(&l.earned_ms) ||
        !d.View(1, &policy) || !d.Varint32(&months) || !i64(&l.points) ||
        static_cast<unsigned char>(policy[0]) > 2) {
      return bad();
    }
    l.rule.policy = static_cast<ExpiryPolicy>(policy[0]);
    l.rule.months = static_cast<int>(months);
  }
  if (!d.empty()) return bad();
  return Status::OK();
}

}  // namespace clientele
