// The reports against a plain reference computed from the full event list of
// a random multi-store history, with stores delivering days late.
#include "projections/reports.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "domain/event_codec.h"
#include "domain/ids.h"
#include "domain/ledger.h"
#include "projections/audit.h"
#include "tests/test_util.h"

namespace clientele {
namespace {

const std::vector<std::string> kStores = {"hq", "s01", "s02", "s03"};
constexpr std::int64_t kDayMs = 86'400'000;

struct Generated {
  std::vector<RecordedEvent> on_time;  // appended in time order
  std::vector<RecordedEvent> late;     // s03's, delivered after everything else
  std::vector<std::string> customers;
};

// A random history: registrations, purchases with their points, refunds with
// their reversals, redemptions, top-ups, spends, adjustments, overdrafts and
// shortfalls found, expiries and duplicates taken back.
Generated MakeHistory(std::uint32_t seed, int customers, std::int64_t start_ms, int days) {
  std::mt19937_64 rng(seed);
  auto pick = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  Generated g;
  int counter = 0;
  for (int c = 0; c < customers; ++c) {
    const std::string id =
        DerivedUuid("reports-test-customer-" + std::to_string(seed) + "-" + std::to_string(c));
    g.customers.push_back(id);
    const std::string stream = CustomerStream(id);
    const std::string home = kStores[pick(0, 3)];
    std::int64_t t = start_ms + pick(0, (days - 10) * kDayMs);
    std::vector<RecordedEvent> mine;
    auto add = [&](const CustomerEvent& event, const std::string& origin, std::int64_t time) {
      RecordedEvent e;
      e.id = DerivedUuid("reports-test-event-" + std::to_string(seed) + "-" +
                         std::to_string(counter++));
      e.stream = stream;
      e.type = std::string(EventTypeName(event));
      e.schema = SchemaOf(event);
      e.time_ms = time;
      e.origin = origin;
      e.actor = "test";
      e.data = EncodePayload(event);
      mine.push_back(e);
      return e.id;
    };
    CustomerDetails d;
    d[DetailField::kFirstName] = "C";
    d[DetailField::kLastName] = std::to_string(c);
    add(CustomerRegistered{id, "CUST-" + std::to_string(c), d, home == "hq" ? "" : home}, home, t);
    std::vector<std::pair<std::string, std::int64_t>> tabs;  // tab, amount
    std::vector<std::string> lots;
    std::int64_t credit = 0;
    const int ops = static_cast<int>(pick(0, 14));
    for (int i = 0; i < ops; ++i) {
      t += pick(1, 12 * kDayMs);
      if (t >= start_ms + days * kDayMs) break;
      const std::string at = pick(0, 2) == 0 ? kStores[pick(0, 3)] : home;
      switch (pick(0, 11)) {
        case 0:
        case 1:
        case 2: {
          std::string tab = "tab-" + std::to_string(counter);
          std::int64_t amount = pick(100, 50'000);
          add(PurchaseRecorded{tab, amount, t}, at, t);
          lots.push_back(add(PointsEarned{tab, amount / 100}, at, t));
          tabs.emplace_back(tab, amount);
          break;
        }
        case 3:
          if (!tabs.empty()) {
            auto [tab, amount] = tabs[pick(0, tabs.size() - 1)];
            std::string refund = "ref-" + std::to_string(counter);
            std::int64_t part = pick(1, amount);
            add(PurchaseRefunded{refund, tab, part}, at, t);
            if (part / 100 > 0) add(PointsReversed{refund, tab, part / 100}, at, t);
          }
          break;
        case 4:
          add(PointsRedeemed{pick(1, 200), "", ""}, at, t);
          break;
        case 5:
        case 6: {
          std::int64_t amount = pick(100, 20'000);
          add(CreditToppedUp{amount, "pay-" + std::to_string(counter), ""}, at, t);
          credit += amount;
          break;
        }
        case 7: {
          std::int64_t amount = pick(100, 15'000);
          std::string deduction = add(CreditDeducted{amount, "", ""}, at, t);
          credit -= amount;
          if (credit < 0) {
            add(CreditOverdraftDetected{deduction, at, std::min(amount, -credit)}, "hq",
                t + pick(1, 3 * kDayMs));
          }
          break;
        }
        case 8: {
          std::int64_t delta = pick(-2'000, 2'000);
          if (delta != 0) add(CreditAdjusted{delta, "adjust"}, at, t);
          credit += delta;
          break;
        }
        case 9: {
          std::int64_t delta = pick(-50, 80);
          if (delta != 0) add(PointsAdjusted{delta, "adjust"}, at, t);
          break;
        }
        case 10:
          if (!lots.empty()) {
            add(PointsExpired{lots[pick(0, lots.size() - 1)], pick(1, 100), t}, "hq", t);
          }
          if (pick(0, 3) == 0) {
            add(PointsShortfallDetected{DerivedUuid("x" + std::to_string(counter)), at,
                                        pick(1, 30)},
                "hq", t);
          }
          break;
        case 11:
          if (!tabs.empty()) {
            auto [tab, amount] = tabs.back();
            add(DuplicateReversed{"purchase", tab, DerivedUuid("d" + std::to_string(counter)),
                                  DerivedUuid("k" + std::to_string(counter)), at, -amount,
                                  -(amount / 100), 0},
                "hq", t);
          }
          break;
      }
    }
    for (RecordedEvent& e : mine) {
      (e.origin == "s03" && c % 3 == 0 ? g.late : g.on_time).push_back(std::move(e));
    }
  }
  auto by_time = [](const RecordedEvent& a, const RecordedEvent& b) {
    return a.time_ms < b.time_ms;
  };
  std::stable_sort(g.on_time.begin(), g.on_time.end(), by_time);
  std::stable_sort(g.late.begin(), g.late.end(), by_time);
  return g;
}

// The reference: every figure computed straight from the events in the log.
struct Reference {
  const TimeZone& tz;
  std::vector<RecordedEvent> events;                                     // as the log holds them
  std::map<std::string, std::vector<const RecordedEvent*>> by_customer;  // in history order

  Reference(const TimeZone& zone, std::vector<RecordedEvent> all)
      : tz(zone), events(std::move(all)) {
    for (const RecordedEvent& e : events) {
      if (e.stream.starts_with(kCustomerStreamPrefix)) {
        by_customer[e.stream.substr(kCustomerStreamPrefix.size())].push_back(&e);
      }
    }
    for (auto& [id, list] : by_customer) {
      std::stable_sort(list.begin(), list.end(), [](const auto* a, const auto* b) {
        return std::tie(a->time_ms, a->origin, a->version) <
               std::tie(b->time_ms, b->origin, b->version);
      });
    }
  }
  static CustomerEvent Decode(const RecordedEvent& e) {
    return *DecodeCustomerEvent(e.type, e.schema, e.data);
  }
  std::int32_t Day(const RecordedEvent& e) const { return tz.DayOf(e.time_ms); }

  // Credit and points of each customer at the end of `day`.
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> Balances(std::int32_t day) const {
    std::map<std::string, std::pair<std::int64_t, std::int64_t>> out;
    for (const auto& [id, list] : by_customer) {
      auto& b = out[id];
      for (const RecordedEvent* e : list) {
        if (Day(*e) > day) break;
        LedgerEffect f = EffectOf(Decode(*e));
        b.first += f.credit;
        b.second += f.points;
      }
    }
    return out;
  }

  // Credit held at the end of `day` by the store it was topped up at, first
  // in first out, debts left where spent beyond the funds: a plain rewrite.
  std::map<std::string, std::int64_t> CreditByStore(std::int32_t day) const {
    std::map<std::string, std::int64_t> out;
    for (const auto& [id, list] : by_customer) {
      std::vector<std::pair<std::string, std::int64_t>> funds;
      for (const RecordedEvent* e : list) {
        if (Day(*e) > day) break;
        CustomerEvent event = Decode(*e);
        LedgerEffect f = EffectOf(event);
        std::string store = e->origin;
        if (auto* dup = std::get_if<DuplicateReversed>(&event); dup && f.credit > 0) {
          store = dup->store;
        }
        std::int64_t amount = f.credit;
        while (amount > 0 && !funds.empty() && funds.front().second < 0) {
          std::int64_t s = std::min(amount, -funds.front().second);
          funds.front().second += s;
          amount -= s;
          if (funds.front().second == 0) funds.erase(funds.begin());
        }
        if (amount > 0) funds.emplace_back(store, amount);
        std::int64_t draw = -amount;
        while (draw > 0 && !funds.empty() && funds.front().second > 0) {
          std::int64_t s = std::min(draw, funds.front().second);
          funds.front().second -= s;
          draw -= s;
          if (funds.front().second == 0) funds.erase(funds.begin());
        }
        if (draw > 0) funds.emplace_back(e->origin, -draw);
      }
      for (const auto& [store, amount] : funds) out[store] += amount;
    }
    std::erase_if(out, [](const auto& kv) { return kv.second == 0; });
    return out;
  }

  template <typename T>
  std::int64_t Sum(std::int32_t from, std::int32_t to, const std::string& at,
                   std::int64_t (*value)(const T&)) const {
    std::int64_t total = 0;
    for (const RecordedEvent& e : events) {
      if (!e.stream.starts_with(kCustomerStreamPrefix) || Day(e) < from || Day(e) > to) continue;
      if (!at.empty() && e.origin != at) continue;
      CustomerEvent event = Decode(e);
      if (auto* x = std::get_if<T>(&event)) total += value(*x);
    }
    return total;
  }
};

class ReportsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto zone = TimeZone::Load("Europe/Warsaw");
    ASSERT_TRUE(zone) << zone.error().ToString();
    tz_ = *zone;
    auto store = EventStore::Open({.path = dir_.sub("node"), .clock = &clock_});
    ASSERT_TRUE(store) << store.error().ToString();
    log_ = std::move(*store);
  }
  std::unique_ptr<Reports> OpenReports(const std::string& name) {
    auto r = Reports::Open(log_.get(), {.path = dir_.sub(name), .time_zone = tz_});
    EXPECT_TRUE(r) << r.error().ToString();
    return r ? std::move(*r) : nullptr;
  }
  // Appends `events` in slices, catching the reports up after each.
  void Deliver(const std::vector<RecordedEvent>& events, Reports* reports, std::size_t slice) {
    for (std::size_t i = 0; i < events.size(); i += slice) {
      std::vector<RecordedEvent> part(events.begin() + i,
                                      events.begin() + std::min(events.size(), i + slice));
      auto r = log_->AppendReplicated(std::move(part));
      ASSERT_TRUE(r) << r.error().ToString();
      ASSERT_TRUE(reports->CatchUp().ok());
    }
  }

  testing::TempDir dir_;
  ManualClock clock_{1'800'000'000'000};
  TimeZone tz_;
  std::unique_ptr<EventStore> log_;
};

TEST_F(ReportsTest, EveryReportMatchesAPlainReferenceOverARandomHistory) {
  const std::int64_t start = tz_.StartOfDay(*ParseDay("2026-01-01"));
  constexpr int kDays = 150;
  Generated g = MakeHistory(7, 3000, start, kDays);
  ASSERT_GT(g.late.size(), 500u);
  auto reports = OpenReports("reports");
  ASSERT_NE(reports, nullptr);
  Deliver(g.on_time, reports.get(), 1500);
  Deliver(g.late, reports.get(), 700);  // days late: customers are folded again
  auto all = log_->ReadAll(1, SIZE_MAX);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), g.on_time.size() + g.late.size());
  Reference ref(tz_, std::move(*all));
  const std::int32_t first = *ParseDay("2026-01-01"), last = first + kDays - 1;

  // Liability at the end of every day: the sum of every customer's balances.
  for (std::int32_t day = first - 1; day <= last; ++day) {
    auto balances = ref.Balances(day);
    std::int64_t credit = 0, points = 0, credit_holders = 0, points_holders = 0;
    for (const auto& [id, b] : balances) {
      credit += b.first;
      points += b.second;
      credit_holders += b.first > 0;
      points_holders += b.second > 0;
    }
    LiabilityReport l = reports->Liability(day);
    ASSERT_EQ(l.chain.credit, credit) << FormatDay(day);
    ASSERT_EQ(l.chain.points, points) << FormatDay(day);
    ASSERT_EQ(l.chain.credit_holders, credit_holders) << FormatDay(day);
    ASSERT_EQ(l.chain.points_holders, points_holders) << FormatDay(day);
    std::int64_t by_store_credit = 0, by_store_points = 0;
    std::map<std::string, std::int64_t> credit_by_store;
    for (const LiabilityLine& s : l.stores) {
      by_store_credit += s.credit;
      by_store_points += s.points;
      if (s.credit != 0) credit_by_store[s.store] = s.credit;
    }
    EXPECT_EQ(by_store_credit, credit);
    EXPECT_EQ(by_store_points, points);
    if (day % 10 == 0) {
      EXPECT_EQ(credit_by_store, ref.CreditByStore(day)) << FormatDay(day);
    }
  }

  // The liability is the audit replay's: a sample of customers, replayed.
  std::mt19937 rng(3);
  for (int i = 0; i < 12; ++i) {
    const std::string& id = g.customers[rng() % g.customers.size()];
    std::int32_t day = first + static_cast<std::int32_t>(rng() % kDays);
    auto audit = AuditCustomer(log_.get(), id, tz_.EndOfDay(day));
    if (!audit) continue;  // not registered by then
    auto b = ref.Balances(day)[id];
    EXPECT_EQ(audit->customer.credit, b.first) << id << " " << FormatDay(day);
    EXPECT_EQ(audit->customer.points, b.second) << id << " " << FormatDay(day);
  }

  // Roll-forwards add up, chain from one period to the next and match the events.
  std::int32_t from = first;
  while (from <= last) {
    std::int32_t to = std::min(last, from + static_cast<std::int32_t>(rng() % 40));
    RollForwardReport r = reports->RollForward(from, to);
    LiabilityReport open = reports->Liability(from - 1), close = reports->Liability(to);
    EXPECT_EQ(r.chain.credit.opening, open.chain.credit);
    EXPECT_EQ(r.chain.credit.closing, close.chain.credit);
    EXPECT_EQ(r.chain.points.opening, open.chain.points);
    EXPECT_EQ(r.chain.points.closing, close.chain.points);
    EXPECT_EQ(r.chain.credit.settled, 0);
    EXPECT_EQ(
        r.chain.credit.topped_up,
        ref.Sum<CreditToppedUp>(from, to, "", [](const CreditToppedUp& e) { return e.amount; }));
    EXPECT_EQ(
        r.chain.credit.spent,
        ref.Sum<CreditDeducted>(from, to, "", [](const CreditDeducted& e) { return e.amount; }));
    EXPECT_EQ(r.chain.credit.overdraft_amount,
              ref.Sum<CreditOverdraftDetected>(
                  from, to, "", [](const CreditOverdraftDetected& e) { return e.shortfall; }));
    EXPECT_EQ(
        r.chain.points.expired,
        ref.Sum<PointsExpired>(from, to, "", [](const PointsExpired& e) { return e.points; }));
    EXPECT_EQ(
        r.chain.points.reversed,
        ref.Sum<PointsReversed>(from, to, "", [](const PointsReversed& e) { return e.points; }));
    EXPECT_EQ(r.chain.points.shortfall_points,
              ref.Sum<PointsShortfallDetected>(
                  from, to, "", [](const PointsShortfallDetected& e) { return e.shortfall; }));
    for (const RollLine& s : r.stores) {
      const CreditRoll& c = s.credit;
      EXPECT_EQ(c.closing,
                c.opening + c.topped_up - c.spent + c.adjusted + c.duplicates + c.settled);
      auto opened = std::find_if(open.stores.begin(), open.stores.end(),
                                 [&](const LiabilityLine& l) { return l.store == s.store; });
      EXPECT_EQ(c.opening, opened == open.stores.end() ? 0 : opened->credit) << s.store;
      auto closed = std::find_if(close.stores.begin(), close.stores.end(),
                                 [&](const LiabilityLine& l) { return l.store == s.store; });
      EXPECT_EQ(c.closing, closed == close.stores.end() ? 0 : closed->credit) << s.store;
    }
    if (to < last) {
      RollForwardReport next = reports->RollForward(to + 1, to + 1);
      EXPECT_EQ(next.chain.credit.opening, r.chain.credit.closing);
      EXPECT_EQ(next.chain.points.opening, r.chain.points.closing);
    }

    // Between stores: every spend, once, at the store it was made at.
    BetweenStoresReport m = reports->BetweenStores(from, to);
    EXPECT_EQ(m.total, r.chain.credit.spent);
    for (const std::string& store : kStores) {
      std::int64_t to_store = 0;
      for (const MoveLine& line : m.moves) to_store += line.to == store ? line.amount : 0;
      EXPECT_EQ(to_store, ref.Sum<CreditDeducted>(from, to, store, [](const CreditDeducted& e) {
        return e.amount;
      })) << store;
    }
    from = to + 1;
  }

  // Activity by store and day.
  ActivityReport a = reports->Activity(first, last);
  std::map<std::pair<std::int32_t, std::string>, ActivityLine> expected;
  std::set<std::tuple<std::string, std::int32_t, std::string>> active;
  for (const auto& [id, list] : ref.by_customer) {
    for (const RecordedEvent* e : list) {
      if (ref.Day(*e) > last) break;  // the last hour of the history is a day later in summer
      CustomerEvent event = Reference::Decode(*e);
      ActivityLine& line = expected[{ref.Day(*e), e->origin}];
      std::visit(
          [&](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, CustomerRegistered>) ++line.new_customers;
            if constexpr (std::is_same_v<T, PurchaseRecorded>) {
              ++line.purchases;
              line.purchase_amount += x.amount;
            }
            if constexpr (std::is_same_v<T, PurchaseRefunded>) line.purchase_amount -= x.amount;
            if constexpr (std::is_same_v<T, PointsEarned>) line.points_earned += x.points;
            if constexpr (std::is_same_v<T, PointsRedeemed>) line.points_redeemed += x.points;
            if constexpr (std::is_same_v<T, CreditToppedUp>) line.credit_topped_up += x.amount;
            if constexpr (std::is_same_v<T, CreditDeducted>) line.credit_spent += x.amount;
            if constexpr (std::is_same_v<T, DuplicateReversed>) {
              ActivityLine& there = expected[{ref.Day(*e), x.store}];
              there.purchase_amount += x.spent;
              --there.purchases;
            }
            if constexpr (std::is_same_v<T, PurchaseRecorded> ||
                          std::is_same_v<T, PurchaseRefunded> ||
                          std::is_same_v<T, PointsRedeemed> || std::is_same_v<T, CreditToppedUp> ||
                          std::is_same_v<T, CreditDeducted>) {
              if (active.insert({id, ref.Day(*e), e->origin}).second) ++line.active_customers;
            }
          },
          event);
    }
  }
  std::erase_if(expected, [](const auto& kv) { return kv.second == ActivityLine{}; });
  for (auto& [key, line] : expected) {
    line.day = key.first;
    line.store = key.second;
  }
  std::map<std::pair<std::int32_t, std::string>, ActivityLine> got;
  for (const ActivityLine& line : a.lines) got[{line.day, line.store}] = line;
  for (const auto& [key, line] : expected) {
    EXPECT_EQ(got[key], line) << FormatDay(key.first) << " " << key.second << " purchases "
                              << got[key].purchases << "/" << line.purchases << " active "
                              << got[key].active_customers << "/" << line.active_customers;
  }
  EXPECT_EQ(a.lines.size(), expected.size());

  // Dormant balances: every customer holding credit, once, aged by its last activity.
  auto final_balances = ref.Balances(last + 5000);
  DormantReport dormant = reports->Dormant(last);
  std::int64_t holders = 0, held = 0, counted = 0, counted_credit = 0;
  for (const auto& [id, b] : final_balances) {
    holders += b.first != 0;
    held += b.first;
  }
  for (const DormantBucket& bucket : dormant.buckets) {
    counted += bucket.customers;
    counted_credit += bucket.credit;
  }
  EXPECT_EQ(counted, holders);
  EXPECT_EQ(counted_credit, held);
  EXPECT_GT(dormant.buckets[1].customers, 0);

  // Top customers by purchases less refunds in a period.
  std::int32_t top_from = first + 30, top_to = first + 89;
  std::map<std::string, std::int64_t> spent;
  for (const auto& [id, list] : ref.by_customer) {
    for (const RecordedEvent* e : list) {
      if (ref.Day(*e) < top_from || ref.Day(*e) > top_to) continue;
      LedgerEffect f = EffectOf(Reference::Decode(*e));
      spent[id] += f.spent;
    }
  }
  std::vector<TopCustomer> want;
  for (const auto& [id, s] : spent) {
    if (s > 0) want.push_back({id, s});
  }
  std::sort(want.begin(), want.end(), [](const TopCustomer& x, const TopCustomer& y) {
    return x.spent != y.spent ? x.spent > y.spent : x.customer_id < y.customer_id;
  });
  want.resize(std::min<std::size_t>(want.size(), 25));
  auto top = reports->TopCustomers(top_from, top_to, 25);
  ASSERT_TRUE(top);
  EXPECT_EQ(*top, want);

  // A rebuild from the log, in one pass, gives the same reports.
  auto rebuilt = OpenReports("rebuilt");
  ASSERT_NE(rebuilt, nullptr);
  ASSERT_TRUE(rebuilt->CatchUp().ok());
  for (std::int32_t day = first - 1; day <= last; day += 7) {
    EXPECT_EQ(rebuilt->Liability(day), reports->Liability(day)) << FormatDay(day);
  }
  EXPECT_EQ(rebuilt->RollForward(first, last), reports->RollForward(first, last));
  EXPECT_EQ(rebuilt->BetweenStores(first, last), reports->BetweenStores(first, last));
  EXPECT_EQ(rebuilt->Activity(first, last), reports->Activity(first, last));
  EXPECT_EQ(rebuilt->Dormant(last), reports->Dormant(last));
  EXPECT_EQ(*rebuilt->TopCustomers(first, last, 50), *reports->TopCustomers(first, last, 50));
  // And so does reopening what was written.
  reports.reset();
  auto reopened = OpenReports("reports");
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->RollForward(first, last), rebuilt->RollForward(first, last));
  EXPECT_EQ(reopened->Liability(last), rebuilt->Liability(last));
}

TEST_F(ReportsTest, AnotherTimeZoneRebuildsTheReports) {
  const std::int64_t start = tz_.StartOfDay(*ParseDay("2026-03-01"));
  Generated g = MakeHistory(11, 200, start, 60);
  auto reports = OpenReports("reports");
  ASSERT_NE(reports, nullptr);
  Deliver(g.on_time, reports.get(), 5000);
  const std::int32_t first = *ParseDay("2026-03-01");
  ActivityReport warsaw = reports->Activity(first, first + 60);
  reports.reset();
  auto tokyo = TimeZone::Load("Asia/Tokyo");
  ASSERT_TRUE(tokyo);
  auto r = Reports::Open(log_.get(), {.path = dir_.sub("reports"), .time_zone = *tokyo});
  ASSERT_TRUE(r);
  ASSERT_TRUE((*r)->CatchUp().ok());
  ActivityReport in_tokyo = (*r)->Activity(first - 1, first + 61);
  std::int64_t a = 0, b = 0;
  for (const auto& l : warsaw.lines) a += l.purchases;
  for (const auto& l : in_tokyo.lines) b += l.purchases;
  EXPECT_EQ(a, b);                          // the same purchases ...
  EXPECT_NE(warsaw.lines, in_tokyo.lines);  // ... on other days
  EXPECT_FALSE(TimeZone::Load("Mars/Olympus").has_value());
}

}  // namespace
}  // namespace clientele
