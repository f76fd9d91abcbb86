// Concurrent edits on different nodes: every delivery order ends in the same state.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "domain/customer.h"

namespace clientele {
namespace {

constexpr const char* kId = "0b8a7c1e-4f3d-4c2a-9e1f-2d3c4b5a6978";

CustomerState Registered() {
  CustomerDetails d;
  d[DetailField::kFirstName] = "Ada";
  d[DetailField::kLastName] = "Lovelace";
  return Evolve({}, CustomerRegistered{kId, "CUST-00001", d, ""});
}

TEST(Stamp, OrdersByClockThenNode) {
  EXPECT_LT((Stamp{5, "s02"}), (Stamp{6, "hq"}));
  EXPECT_LT((Stamp{6, "hq"}), (Stamp{6, "s01"}));
  EXPECT_EQ(NextStamp(0, 10, "hq").hlc, 10 * kHlcTicksPerMs);
  // A node whose clock is behind still stamps after what it has seen.
  EXPECT_EQ(NextStamp(99 * kHlcTicksPerMs, 10, "s01").hlc, 99 * kHlcTicksPerMs + 1);
}

TEST(Stamp, AnEditMadeAfterSeeingAnotherWinsEvenWithASlowClock) {
  CustomerState hq = Registered();
  std::vector<CustomerEvent> at_hq = {CustomerDetailsChanged{}};
  std::get<CustomerDetailsChanged>(at_hq[0]).changes[DetailField::kEmail] = "hq@example.com";
  StampEdits(hq, 2'000'000, "hq", &at_hq);
  // The store's clock is an hour behind HQ's, but it saw HQ's edit first.
  CustomerState store = Evolve(hq, at_hq[0]);
  std::vector<CustomerEvent> at_store = {CustomerDetailsChanged{}};
  std::get<CustomerDetailsChanged>(at_store[0]).changes[DetailField::kEmail] = "fixed@example.com";
  StampEdits(store, 2'000'000 - 3'600'000, "s01", &at_store);
  for (bool store_first : {false, true}) {
    CustomerState s = Registered();
    s = Evolve(s, store_first ? at_store[0] : at_hq[0]);
    s = Evolve(s, store_first ? at_hq[0] : at_store[0]);
    EXPECT_EQ(s.details[DetailField::kEmail], "fixed@example.com") << store_first;
  }
}

// Random stamped edits and balance changes from three nodes, applied in many
// random orders, always give the same state.
TEST(Stamp, EveryDeliveryOrderConverges) {
  std::mt19937 rng(7);
  const std::string nodes[] = {"hq", "s01", "s02"};
  for (int round = 0; round < 50; ++round) {
    std::vector<CustomerEvent> events;
    for (int i = 0; i < 12; ++i) {
      const std::string& node = nodes[rng() % 3];
      // Small clock values so that equal hlc values (tie-broken by node) occur.
      Stamp stamp{static_cast<std::int64_t>(rng() % 4), node};
      switch (rng() % 7) {
        case 0:
        case 1: {
          CustomerDetailsChanged e;
          e.stamp = stamp;
          e.changes[DetailField::kEmail] = node + "-" + std::to_string(i) + "@example.com";
          if (rng() % 2) e.changes[DetailField::kPhone] = std::to_string(rng() % 1000);
          if (rng() % 3 == 0) e.changes[DetailField::kFirstName] = "Name" + std::to_string(i);
          events.push_back(e);
          break;
        }
        case 2:
          events.push_back(CustomerDeactivated{stamp});
          break;
        case 3:
          events.push_back(CustomerReactivated{stamp});
          break;
        case 4:
          events.push_back(CreditDeducted{static_cast<Money>(rng() % 500 + 1), "", ""});
          break;
        case 5:
          if (rng() % 3 == 0) events.push_back(CustomerDeleted{stamp});
          break;
        default:
          events.push_back(PointsAdjusted{static_cast<Points>(rng() % 50) - 25, "why"});
      }
    }
    // Two different edits with the very same stamp cannot happen: one node
    // never stamps two edits alike. Drop such duplicates from the sample.
    std::vector<Stamp> seen;
    std::erase_if(events, [&](const CustomerEvent& e) {
      const Stamp* s = std::visit(
          [](const auto& x) -> const Stamp* {
            if constexpr (requires { x.stamp; }) return &x.stamp;
            return nullptr;
          },
          e);
      if (s == nullptr) return false;
      if (std::find(seen.begin(), seen.end(), *s) != seen.end()) return true;
      seen.push_back(*s);
      return false;
    });
    CustomerState first;
    for (int order = 0; order < 20; ++order) {
      std::shuffle(events.begin(), events.end(), rng);
      CustomerState s = Registered();
      for (const CustomerEvent& e : events) s = Evolve(std::move(s), e);
      if (order == 0) {
        first = s;
      } else {
        ASSERT_EQ(s, first) << "round " << round << " order " << order;
      }
    }
  }
}

// HQ deletes a customer (no history at HQ yet) while a store, apart, records
// a sale: in either order every node keeps the customer, deactivated, with
// the sale; a reactivation stamped after the delete wins in either order.
TEST(DeleteAndSale, ADeleteNeverSwallowsASale) {
  const CustomerEvent deleted = CustomerDeleted{Stamp{100, "hq"}};
  const CustomerEvent sale = PurchaseRecorded{"T-1", 5000, 1'700'000'000'000};
  for (bool sale_first : {false, true}) {
    CustomerState s = Registered();
    s = Evolve(s, sale_first ? sale : deleted);
    s = Evolve(s, sale_first ? deleted : sale);
    EXPECT_FALSE(s.deleted) << sale_first;
    EXPECT_FALSE(s.active) << sale_first;
    EXPECT_EQ(s.total_spent, 5000) << sale_first;
    s = Evolve(s, CustomerReactivated{Stamp{101, "s01"}});
    EXPECT_TRUE(s.active) << sale_first;
  }
  // Without history the delete stands, whatever was reactivated before it.
  CustomerState s = Registered();
  s = Evolve(s, CustomerReactivated{Stamp{200, "s01"}});
  s = Evolve(s, deleted);
  EXPECT_TRUE(s.deleted);
}

TEST(DeleteAndSale, DeletesAreStampedLikeTheOtherEdits) {
  CustomerState s = Registered();
  std::vector<CustomerEvent> events = {CustomerDeleted{}};
  StampEdits(s, 1'000, "hq", &events);
  EXPECT_EQ(std::get<CustomerDeleted>(events[0]).stamp, (Stamp{1'000 * kHlcTicksPerMs, "hq"}));
}

}  // namespace
}  // namespace clientele
