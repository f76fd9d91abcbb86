// The reports, computed from the daily figures held in memory.
#include <rocksdb/db.h>

#include <algorithm>
#include <climits>
#include <unordered_map>

#include "eventstore/coding.h"
#include "projections/internal/report_keys.h"
#include "projections/internal/reports_impl.h"

namespace clientele {

using namespace report_keys;

namespace {

std::int64_t Get(const Figures& f, Figure which) { return f[static_cast<std::size_t>(which)]; }

std::int64_t CreditChange(const Figures& f) {
  return Get(f, Figure::kCreditToppedUp) - Get(f, Figure::kCreditSpent) +
         Get(f, Figure::kCreditAdjusted) + Get(f, Figure::kCreditDuplicates) +
         Get(f, Figure::kCreditSettled);
}

std::int64_t PointsChange(const Figures& f) {
  return Get(f, Figure::kPointsEarned) - Get(f, Figure::kPointsRedeemed) +
         Get(f, Figure::kPointsAdjusted) - Get(f, Figure::kPointsExpired) -
         Get(f, Figure::kPointsReversed) + Get(f, Figure::kPointsDuplicates) +
         Get(f, Figure::kPointsSettled);
}

void AddLiability(const Figures& f, LiabilityLine* line) {
  line->credit += CreditChange(f);
  line->points += PointsChange(f);
  line->credit_holders += Get(f, Figure::kCreditHolders);
  line->points_holders += Get(f, Figure::kPointsHolders);
}

void AddMovements(const Figures& f, RollLine* l) {
  CreditRoll& c = l->credit;
  c.topped_up += Get(f, Figure::kCreditToppedUp);
  c.spent += Get(f, Figure::kCreditSpent);
  c.adjusted += Get(f, Figure::kCreditAdjusted);
  c.duplicates += Get(f, Figure::kCreditDuplicates);
  c.settled += Get(f, Figure::kCreditSettled);
  c.overdrafts += Get(f, Figure::kOverdrafts);
  c.overdraft_amount += Get(f, Figure::kOverdraftAmount);
  PointsRoll& p = l->points;
  p.earned += Get(f, Figure::kPointsEarned);
  p.redeemed += Get(f, Figure::kPointsRedeemed);
  p.adjusted += Get(f, Figure::kPointsAdjusted);
  p.expired += Get(f, Figure::kPointsExpired);
  p.reversed += Get(f, Figure::kPointsReversed);
  p.duplicates += Get(f, Figure::kPointsDuplicates);
  p.settled += Get(f, Figure::kPointsSettled);
  p.shortfalls += Get(f, Figure::kShortfalls);
  p.shortfall_points += Get(f, Figure::kShortfallPoints);
}

}  // namespace

LiabilityReport Reports::Liability(std::int32_t day) const {
  LiabilityReport r;
  r.day = day;
  std::map<std::string, LiabilityLine> stores;
  std::shared_lock lock(impl_->mu);
  for (const auto& [key, f] : impl_->figures) {
    if (key.first > day) continue;
    if (key.second == kChainWide) {
      r.chain.credit_holders += Get(f, Figure::kCreditHolders);
      r.chain.points_holders += Get(f, Figure::kPointsHolders);
      continue;
    }
    LiabilityLine& line = stores[key.second];
    line.store = key.second;
    AddLiability(f, &line);
    r.chain.credit += CreditChange(f);
    r.chain.points += PointsChange(f);
  }
  for (auto& [name, line] : stores) r.stores.push_back(std::move(line));
  return r;
}

RollForwardReport Reports::RollForward(std::int32_t from, std::int32_t to) const {
  RollForwardReport r;
  r.from = from;
  r.to = to;
  std::map<std::string, RollLine> stores;
  std::shared_lock lock(impl_->mu);
  for (const auto& [key, f] : impl_->figures) {
    if (key.first > to || key.second == kChainWide) continue;
    RollLine& line = stores[key.second];
    line.store = key.second;
    if (key.first < from) {
      line.credit.opening += CreditChange(f);
      line.points.opening += PointsChange(f);
    } else {
      AddMovements(f, &line);
    }
  }
  auto close = [](RollLine* l) {
    CreditRoll& c = l->credit;
    c.closing = c.opening + c.topped_up - c.spent + c.adjusted + c.duplicates + c.settled;
    PointsRoll& p = l->points;
    p.closing = p.opening + p.earned - p.redeemed + p.adjusted - p.expired - p.reversed +
                p.duplicates + p.settled;
  };
  for (auto& [name, line] : stores) {
    close(&line);
    CreditRoll& c = r.chain.credit;
    c.opening += line.credit.opening;
    c.topped_up += line.credit.topped_up;
    c.spent += line.credit.spent;
    c.adjusted += line.credit.adjusted;
    c.duplicates += line.credit.duplicates;
    c.settled += line.credit.settled;
    c.overdrafts += line.credit.overdrafts;
    c.overdraft_amount += line.credit.overdraft_amount;
    PointsRoll& p = r.chain.points;
    p.opening += line.points.opening;
    p.earned += line.points.earned;
    p.redeemed += line.points.redeemed;
    p.adjusted += line.points.adjusted;
    p.expired += line.points.expired;
    p.reversed += line.points.reversed;
    p.duplicates += line.points.duplicates;
    p.settled += line.points.settled;
    p.shortfalls += line.points.shortfalls;
    p.shortfall_points += line.points.shortfall_points;
    r.stores.push_back(std::move(line));
  }
  close(&r.chain);
  return r;
}

BetweenStoresReport Reports::BetweenStores(std::int32_t from, std::int32_t to) const {
  BetweenStoresReport r;
  r.from = from;
  r.to = to;
  std::map<std::pair<std::string, std::string>, std::int64_t> sums;
  {
    std::shared_lock lock(impl_->mu);
    for (auto it = impl_->moves.lower_bound({from, "", ""});
         it != impl_->moves.end() && std::get<0>(it->first) <= to; ++it) {
      sums[{std::get<1>(it->first), std::get<2>(it->first)}] += it->second;
    }
  }
  for (const auto& [k, v] : sums) {
    if (v == 0) continue;
    r.moves.push_back({k.first, k.second, v});
    r.total += v;
  }
  return r;
}

DormantReport Reports::Dormant(std::int32_t day) const {
  DormantReport r;
  r.day = day;
  r.buckets = {{"0-90 days", 0, 90},
               {"91-180 days", 91, 180},
               {"181-365 days", 181, 365},
               {"1-3 years", 366, 1095},
               {"over 3 years", 1096, INT32_MAX}};
  std::shared_lock lock(impl_->mu);
  for (const auto& [key, f] : impl_->figures) {
    if (key.second != kChainWide) continue;
    std::int64_t age = std::max<std::int64_t>(0, static_cast<std::int64_t>(day) - key.first);
    for (DormantBucket& b : r.buckets) {
      if (age >= b.min_days && age <= b.max_days) {
        b.customers += Get(f, Figure::kDormantCustomers);
        b.credit += Get(f, Figure::kDormantCredit);
        break;
      }
    }
  }
  return r;
}

ActivityReport Reports::Activity(std::int32_t from, std::int32_t to) const {
  ActivityReport r;
  r.from = from;
  r.to = to;
  std::shared_lock lock(impl_->mu);
  for (auto it = impl_->figures.lower_bound({from, ""});
       it != impl_->figures.end() && it->first.first <= to; ++it) {
    if (it->first.second == kChainWide) continue;
    const Figures& f = it->second;
    ActivityLine l;
    l.day = it->first.first;
    l.store = it->first.second;
    l.purchases = Get(f, Figure::kPurchases);
    l.purchase_amount = Get(f, Figure::kPurchaseAmount);
    l.new_customers = Get(f, Figure::kNewCustomers);
    l.active_customers = Get(f, Figure::kActiveCustomers);
    l.points_earned = Get(f, Figure::kPointsEarned);
    l.points_redeemed = Get(f, Figure::kRedeemedHere);
    l.credit_topped_up = Get(f, Figure::kCreditToppedUp);
    l.credit_spent = Get(f, Figure::kSpentHere);
    if (l.purchases == 0 && l.purchase_amount == 0 && l.new_customers == 0 &&
        l.active_customers == 0 && l.points_earned == 0 && l.points_redeemed == 0 &&
        l.credit_topped_up == 0 && l.credit_spent == 0) {
      continue;
    }
    r.lines.push_back(std::move(l));
  }
  return r;
}

Result<std::vector<TopCustomer>> Reports::TopCustomers(std::int32_t from, std::int32_t to,
                                                       std::size_t limit) const {
  std::unordered_map<std::string, std::int64_t> sums;
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->spend_cf()));
  const std::string end = DayPrefix(to + 1);
  for (it->Seek(DayPrefix(from)); it->Valid() && it->key().ToStringView() < end; it->Next()) {
    sums[std::string(it->key().ToStringView().substr(4))] += DecodeI64(it->value().ToStringView());
  }
  if (!it->status().ok()) {
    return Error(Status::Unavailable("reading the reports failed: " + it->status().ToString()));
  }
  std::vector<TopCustomer> all;
  all.reserve(sums.size());
  for (auto& [id, spent] : sums) {
    if (spent > 0) all.push_back({id, spent});
  }
  auto order = [](const TopCustomer& a, const TopCustomer& b) {
    return a.spent != b.spent ? a.spent > b.spent : a.customer_id < b.customer_id;
  };
  std::size_t n = std::min(limit, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n), all.end(), order);
  all.resize(n);
  return all;
}

Result<std::optional<PointsExpiring>> Reports::Expiring(std::string_view customer_id) const {
  std::string bytes;
  rocksdb::Status s =
      impl_->db->Get(rocksdb::ReadOptions(), impl_->customers_cf(),
                     rocksdb::Slice(customer_id.data(), customer_id.size()), &bytes);
  if (s.IsNotFound()) return std::optional<PointsExpiring>();
  if (!s.ok()) return Error(Status::Unavailable("reading the reports failed: " + s.ToString()));
  ReportCustomer c;
  if (Status st = DecodeReportCustomer(bytes, &c); !st.ok()) return Error(st);
  return NextExpiry(c, impl_->options.time_zone);
}

Result<std::vector<ExpiringLot>> Reports::DueToExpire(std::int64_t now_ms, std::size_t max,
                                                      std::string* cursor) const {
  std::vector<ExpiringLot> out;
  rocksdb::ReadOptions ro;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->expiry_cf()));
  if (cursor->empty()) {
    it->SeekToFirst();
  } else {
    it->Seek(*cursor);
    if (it->Valid() && it->key().ToStringView() == *cursor) it->Next();
  }
  for (; it->Valid() && out.size() < max; it->Next()) {
    std::string_view key = it->key().ToStringView();
    if (key.size() < 8 || static_cast<std::int64_t>(coding::GetBe64(key)) > now_ms) break;
    cursor->assign(key);
    std::string id(key.substr(8)), bytes;
    rocksdb::Status s = impl_->db->Get(ro, impl_->customers_cf(), id, &bytes);
    if (!s.ok()) continue;  // moved on since the iterator was made
    ReportCustomer c;
    if (!DecodeReportCustomer(bytes, &c).ok()) continue;
    // All of a customer's due lots, even past `max`: they go together.
    for (const PointsLot& lot : c.lots) {
      std::int64_t at = LotExpiresAt(lot, c.last_earn_or_redeem_ms, impl_->options.time_zone);
      if (at != 0 && at <= now_ms && !lot.id.empty()) out.push_back({id, lot.id, lot.points, at});
    }
  }
  if (!it->status().ok()) {
    return Error(Status::Unavailable("reading the reports failed: " + it->status().ToString()));
  }
  return out;
}

}  // namespace clientele
