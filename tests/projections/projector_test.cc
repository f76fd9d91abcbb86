#include "projections/projector.h"

#include <gtest/gtest.h>

#include <random>

#include "commands/command_handler.h"
#include "domain/ids.h"
#include "eventstore/uuid.h"
#include "tests/projections/node_fixture.h"

namespace clientele {
namespace {

CustomerDetails Person(int i) {
  CustomerDetails d;
  d[DetailField::kFirstName] = "First" + std::to_string(i);
  d[DetailField::kLastName] = "Last" + std::to_string(i);
  d[DetailField::kEmail] = "p" + std::to_string(i) + "@example.com";
  return d;
}

// Every entry of a customer's history, oldest first, paging through it.
std::vector<HistoryEntry> FullHistory(const Projector& p, const std::string& id,
                                      std::size_t page_size = 7) {
  std::vector<HistoryEntry> all;
  std::string before;
  do {
    auto page = p.History(id, before, page_size);
    EXPECT_TRUE(page);
    if (!page) break;
    all.insert(all.end(), page->entries.begin(), page->entries.end());
    before = page->next_before;
  } while (!before.empty());
  std::reverse(all.begin(), all.end());
  return all;
}

using ProjectorTest = testing::NodeTest;

// Random commands, refusals included; then the projections must equal a
// replay of the log through the domain, and every balance its ledger.
TEST_F(ProjectorTest, RandomCommandsProjectToWhatTheLogSays) {
  std::mt19937 rng(12345);
  auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
  std::vector<std::string> ids;
  int refusals = 0;
  for (int step = 0; step < 1500; ++step) {
    if (ids.size() < 3 || pick(12) == 0) {
      auto r = handler_->Register(Person(static_cast<int>(ids.size())), "clerk");
      ASSERT_TRUE(r);
      ids.push_back(r->customer_id);
      continue;
    }
    if (pick(40) == 0) {
      LoyaltyProgram p{pick(4), 50 + pick(200), static_cast<Rounding>(pick(3))};
      ASSERT_TRUE(handler_->ExecuteSettings(SetLoyaltyProgram{p}, "manager"));
      continue;
    }
    if (pick(60) == 0) {
      SettingsCommand c = pick(2) ? SettingsCommand(DisableModule{Module::kLoyaltyPoints})
                                  : SettingsCommand(EnableModule{Module::kLoyaltyPoints});
      ASSERT_TRUE(handler_->ExecuteSettings(c, "manager"));
      continue;
    }
    const std::string& id = ids[pick(static_cast<int>(ids.size()))];
    std::string tab = "tab-" + std::to_string(pick(40));
    CustomerCommand cmd;
    switch (pick(12)) {
      case 0: {
        DetailsPatch p;
        p[DetailField::kPhone] = pick(5) ? "+1 555 01" + std::to_string(pick(100)) : "bad phone";
        cmd = ChangeDetails{p};
        break;
      }
      case 1:
        cmd = DeactivateCustomer{};
        break;
      case 2:
        cmd = ReactivateCustomer{};
        break;
      case 3:
        cmd = DeleteCustomer{};
        break;
      case 4:
      case 5:
        cmd = RecordPurchase{tab, pick(8000) - 100, 1'700'000'000'000 + step};
        break;
      case 6:
        cmd = RefundPurchase{"refund-" + std::to_string(pick(30)), tab, 1 + pick(3000)};
        break;
      case 7:
        cmd = RedeemPoints{1 + pick(60), "reward", ""};
        break;
      case 8:
        cmd = AdjustPoints{pick(80) - 40, pick(6) ? "correction" : ""};
        break;
      case 9:
        cmd = TopUpCredit{pick(5000) - 50, "pay-" + std::to_string(pick(40)), ""};
        break;
      case 10:
        cmd = DeductCredit{1 + pick(3000), "", "tab"};
        break;
      default:
        cmd = AdjustCredit{pick(2000) - 1000, "fix"};
        break;
    }
    auto r = handler_->Execute(id, cmd, "clerk");
    if (!r) {
      ++refusals;
      ASSERT_NE(r.error().code(), StatusCode::kUnavailable) << r.error().ToString();
      ASSERT_NE(r.error().code(), StatusCode::kCorruption) << r.error().ToString();
    }
  }
  EXPECT_GT(refusals, 100) << "the sequence should include plenty of refusals";
  WaitForLog();

  // The handler decided from cached states; a fresh one reads every stream
  // whole and must find the same states.
  CommandHandler fresh(store_.get(), "hq");
  ASSERT_TRUE(fresh.Init().ok());
  int with_history = 0;
  for (const std::string& id : ids) {
    auto state = handler_->LoadCustomer(id);
    ASSERT_TRUE(state);
    EXPECT_EQ(*state, *fresh.LoadCustomer(id)) << id;
    auto row = projector_->Customer(id);
    ASSERT_TRUE(row) << id;
    EXPECT_EQ(row->code, state->code);
    EXPECT_EQ(row->details, state->details);
    EXPECT_EQ(row->active, state->active);
    EXPECT_EQ(row->deleted, state->deleted);
    EXPECT_EQ(row->points, state->points);
    EXPECT_EQ(row->credit, state->credit);
    EXPECT_EQ(row->total_spent, state->total_spent);
    EXPECT_EQ(row->last_visit_ms, state->last_visit_ms);
    EXPECT_EQ(row->version, *store_->StreamVersion(CustomerStream(id)));
    // The balance equals the sum of its ledger, and each entry's balance-after
    // is the running sum up to it.
    Points points = 0;
    Money credit = 0;
    for (const HistoryEntry& e : FullHistory(*projector_, id)) {
      points += e.points_change;
      credit += e.credit_change;
      EXPECT_EQ(e.points_after, points);
      EXPECT_EQ(e.credit_after, credit);
    }
    EXPECT_EQ(points, row->points);
    EXPECT_EQ(credit, row->credit);
    with_history += points != 0 || credit != 0;
  }
  EXPECT_GT(with_history, 5);

  // A projection built from scratch equals the one built as the log grew.
  auto scratch = Projector::Open(store_.get(), dir_.sub("scratch"));
  ASSERT_TRUE(scratch);
  ASSERT_TRUE((*scratch)->CatchUp().ok());
  EXPECT_EQ((*scratch)->position(), projector_->position());
  for (const std::string& id : ids) {
    EXPECT_EQ((*scratch)->Customer(id), projector_->Customer(id));
    EXPECT_EQ(FullHistory(**scratch, id, 100), FullHistory(*projector_, id));
  }
}

TEST_F(ProjectorTest, AWriterReadsItsOwnWrite) {
  auto created = handler_->Register(Person(1), "clerk");
  ASSERT_TRUE(created);
  ASSERT_TRUE(projector_->WaitFor(created->last_position, std::chrono::seconds(10)));
  auto row = projector_->Customer(created->customer_id);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->details[DetailField::kFirstName], "First1");
  EXPECT_EQ(projector_->CustomerByCode("cust-00001")->id, created->customer_id);

  auto topped =
      handler_->Execute(created->customer_id, TopUpCredit{2500, "pay-1", "cash"}, "clerk");
  ASSERT_TRUE(topped);
  ASSERT_TRUE(projector_->WaitFor(topped->last_position, std::chrono::seconds(10)));
  EXPECT_EQ(projector_->Customer(created->customer_id)->credit, 2500);
  auto page = projector_->History(created->customer_id, "", 10);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->entries.size(), 1u);
  const HistoryEntry& e = page->entries[0];
  EXPECT_EQ(e.type, "credit.topped_up");
  EXPECT_EQ(e.credit_change, 2500);
  EXPECT_EQ(e.credit_after, 2500);
  EXPECT_EQ(e.note, "cash");
  EXPECT_EQ(e.reference, "pay-1");
  EXPECT_EQ(e.actor, "clerk");
  EXPECT_EQ(e.store, "hq");
}

TEST_F(ProjectorTest, HistoryPagesNewestFirstWithoutSkipsOrRepeats) {
  auto c = handler_->Register(Person(1), "clerk");
  ASSERT_TRUE(c);
  for (int i = 1; i <= 25; ++i) {
    ASSERT_TRUE(handler_->Execute(c->customer_id, AdjustPoints{i, "n" + std::to_string(i)}, "m"));
  }
  WaitForLog();
  std::vector<std::size_t> sizes;
  std::vector<std::string> notes;
  std::string before;
  do {
    auto page = projector_->History(c->customer_id, before, 10);
    ASSERT_TRUE(page);
    sizes.push_back(page->entries.size());
    for (const auto& e : page->entries) notes.push_back(e.note);
    before = page->next_before;
  } while (!before.empty());
  EXPECT_EQ(sizes, (std::vector<std::size_t>{10, 10, 5}));
  ASSERT_EQ(notes.size(), 25u);
  for (int i = 0; i < 25; ++i) EXPECT_EQ(notes[i], "n" + std::to_string(25 - i));
  EXPECT_TRUE(projector_->History(NewUuid(), "", 10)->entries.empty());
  EXPECT_EQ(projector_->History(c->customer_id, NewUuid(), 10).error().reason(), "invalid_before");
}

TEST_F(ProjectorTest, RestartResumesFromTheCheckpoint) {
  auto c = handler_->Register(Person(1), "clerk");
  ASSERT_TRUE(c);
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(handler_->Execute(c->customer_id, AdjustCredit{10, "x"}, "m"));
  }
  WaitForLog();
  const std::uint64_t before_restart = projector_->position();
  projector_.reset();
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(handler_->Execute(c->customer_id, AdjustCredit{1, "y"}, "m"));
  }
  auto p = Projector::Open(store_.get(), dir_.sub("node/projections"));
  ASSERT_TRUE(p);
  EXPECT_EQ((*p)->position(), before_restart) << "the checkpoint survived the restart";
  EXPECT_EQ((*p)->Customer(c->customer_id)->credit, 500);
  ASSERT_TRUE((*p)->CatchUp().ok());
  EXPECT_EQ((*p)->stats().events_applied, 7u) << "only the new events were applied";
  EXPECT_EQ((*p)->Customer(c->customer_id)->credit, 507);
}

}  // namespace
}  // namespace clientele
