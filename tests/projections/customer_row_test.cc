// The customer row follows the domain's rules: a delete never swallows a
// sale, in whichever order the two arrive.
#include "projections/customer_row.h"

#include <gtest/gtest.h>

#include "domain/event_codec.h"

namespace clientele {
namespace {

constexpr const char* kId = "0b8a7c1e-4f3d-4c2a-9e1f-2d3c4b5a6978";

RecordedEvent Recorded(const CustomerEvent& e, std::int64_t version) {
  RecordedEvent r;
  r.id = "00000000-0000-4000-8000-00000000000" + std::to_string(version);
  r.stream = std::string("customer-") + kId;
  r.type = std::string(EventTypeName(e));
  r.schema = SchemaOf(e);
  r.data = EncodePayload(e);
  r.version = version;
  r.position = static_cast<std::uint64_t>(version);
  r.time_ms = 1'700'000'000'000;
  r.origin = "hq";
  return r;
}

CustomerRow Project(const std::vector<CustomerEvent>& events) {
  CustomerRow row;
  std::int64_t version = 0;
  for (const CustomerEvent& e : events) EXPECT_TRUE(Apply(Recorded(e, ++version), &row));
  std::string bytes = EncodeRow(row);
  CustomerRow back;
  EXPECT_TRUE(DecodeRow(bytes, &back).ok());
  EXPECT_EQ(back, row) << "the row, has_history included, survives its encoding";
  return back;
}

TEST(CustomerRow, ADeleteNeverSwallowsASaleWhicheverArrivesFirst) {
  CustomerDetails d;
  d[DetailField::kFirstName] = "Ada";
  d[DetailField::kLastName] = "Lovelace";
  const CustomerEvent registered = CustomerRegistered{kId, "CUST-00001", d, ""};
  const CustomerEvent deleted = CustomerDeleted{Stamp{100, "hq"}};
  const CustomerEvent sale = PurchaseRecorded{"T-1", 5000, 1'700'000'000'000};
  CustomerRow sale_first = Project({registered, sale, deleted});
  CustomerRow delete_first = Project({registered, deleted, sale});
  for (const CustomerRow* row : {&sale_first, &delete_first}) {
    EXPECT_FALSE(row->deleted);
    EXPECT_FALSE(row->active);
    EXPECT_TRUE(row->has_history);
    EXPECT_EQ(row->total_spent, 5000);
  }
  CustomerRow gone = Project({registered, deleted});
  EXPECT_TRUE(gone.deleted);
  EXPECT_FALSE(gone.has_history);
}

TEST(CustomerRow, ConsentShowsTheLatestChangeWithItsTimeAndStore) {
  CustomerDetails d;
  d[DetailField::kFirstName] = "Ada";
  d[DetailField::kLastName] = "Lovelace";
  const CustomerEvent registered = CustomerRegistered{kId, "CUST-00001", d, ""};
  RecordedEvent granted = Recorded(
      CustomerConsentChanged{ConsentChannel::kEmail, true, ConsentSource::kStore, Stamp{50, "s01"}},
      2);
  granted.origin = "s01";
  granted.time_ms = 1'700'000'100'000;
  RecordedEvent withdrawn = Recorded(
      CustomerConsentChanged{ConsentChannel::kEmail, false, ConsentSource::kHq, Stamp{40, "hq"}},
      3);
  withdrawn.time_ms = 1'700'000'200'000;
  for (bool granted_first : {true, false}) {
    CustomerRow row;
    ASSERT_TRUE(Apply(Recorded(registered, 1), &row));
    ASSERT_TRUE(Apply(granted_first ? granted : withdrawn, &row));
    ASSERT_TRUE(Apply(granted_first ? withdrawn : granted, &row));
    CustomerRow back;
    ASSERT_TRUE(DecodeRow(EncodeRow(row), &back).ok());
    EXPECT_EQ(back, row);
    // The larger stamp wins, whichever arrived last.
    const ConsentRecord& email = back.consent(ConsentChannel::kEmail);
    EXPECT_EQ(email.consent.state, ConsentState::kGranted);
    EXPECT_EQ(email.consent.source, ConsentSource::kStore);
    EXPECT_EQ(email.time_ms, 1'700'000'100'000);
    EXPECT_EQ(email.store, "s01");
    EXPECT_EQ(back.consent(ConsentChannel::kSms).consent.state, ConsentState::kNeverAsked);
    EXPECT_EQ(back.stamps.max_hlc, 50);
  }
}

TEST(CustomerRow, KeepsItsMergesThroughItsEncoding) {
  constexpr const char* kOther = "1b8a7c1e-4f3d-4c2a-9e1f-2d3c4b5a6978";
  constexpr const char* kM1 = "10000000-0000-4000-8000-000000000001";
  constexpr const char* kM2 = "20000000-0000-4000-8000-000000000002";
  CustomerDetails d;
  d[DetailField::kFirstName] = "Ada";
  d[DetailField::kLastName] = "Lovelace";
  // Merged into another, after receiving a third customer: both links kept,
  // the balances moved with them.
  CustomerRow row =
      Project({CustomerRegistered{kId, "CUST-00001", d, ""}, CreditToppedUp{500, "p1", ""},
               MergeReceived{kM1, kOther, "CUST-S01-00002", 3, 200, 900, 10},
               CustomerMerged{kM2, kOther, "CUST-00009", 3, 700, 900, 10},
               MergeSettled{kM1, "void", "survivor", kOther, -3, -200, -900, 0}});
  EXPECT_EQ(row.merges.MergedInto(), kOther);
  EXPECT_TRUE(row.merges.AliasCodes().empty());  // the merge into it was voided
  EXPECT_EQ(row.credit, -200);
  EXPECT_EQ(row.points, -3);
}

}  // namespace
}  // namespace clientele
