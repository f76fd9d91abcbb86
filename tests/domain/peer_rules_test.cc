// What a node accepts from a peer: for each event type, one payload its origin
// could have produced, and the ways a payload can show it could not have.
#include "domain/peer_rules.h"

#include <gtest/gtest.h>

#include <map>
#include <variant>

namespace clientele {
namespace {

constexpr std::string_view kId = "0b8a7c1e-4f3d-4c2a-9e1f-2d3c4b5a6978";
constexpr std::string_view kOtherId = "1b8a7c1e-4f3d-4c2a-9e1f-2d3c4b5a6978";
constexpr std::int64_t kNow = 1'700'000'000'000;
constexpr std::int64_t kSkew = 300'000;

PeerContext From(std::string_view origin) {
  return PeerContext{.origin = origin, .customer_id = kId, .now_ms = kNow, .max_skew_ms = kSkew};
}

CustomerDetails Names(std::string first = "Ada", std::string last = "Lovelace") {
  CustomerDetails d;
  d[DetailField::kFirstName] = std::move(first);
  d[DetailField::kLastName] = std::move(last);
  return d;
}

CustomerRegistered Registration(std::string code = "CUST-S01-00007", std::string store = "s01") {
  return CustomerRegistered{std::string(kId), std::move(code), Names(), std::move(store)};
}

Stamp Now(std::string node = "s01") { return Stamp{kNow * kHlcTicksPerMs, std::move(node)}; }

CustomerDetailsChanged Edit(std::string email, Stamp stamp = Now()) {
  CustomerDetailsChanged e;
  e.changes[DetailField::kEmail] = std::move(email);
  e.stamp = std::move(stamp);
  return e;
}

// The stamp furthest ahead that is still allowed, and the first that is not.
constexpr std::int64_t kLastAllowedHlc = (kNow + kSkew) * kHlcTicksPerMs + kHlcTicksPerMs - 1;
constexpr std::int64_t kFirstRefusedHlc = (kNow + kSkew + 1) * kHlcTicksPerMs;

struct Case {
  std::string name;
  CustomerEvent event;
  std::string field = "";   // expected Status::field(), if refused
  std::string reason = "";  // expected Status::reason(); "" for accepted
  std::string_view origin = "s01";
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

std::vector<Case> Cases() {
  const std::string note501(501, 'n');
  return {
      // customer.registered
      {"registered", Registration()},
      {"registered_at_hq", Registration("CUST-00012", ""), "", "", "hq"},
      {"registered_foreign_code_space", Registration("CUST-S02-00007"), "code", "foreign_code"},
      {"registered_hq_code_by_store", Registration("CUST-00007"), "code", "foreign_code"},
      {"registered_store_code_by_hq", Registration("CUST-S01-00007", ""), "code", "foreign_code",
       "hq"},
      {"registered_code_not_canonical", Registration("cust-s01-00007"), "code", "foreign_code"},
      {"registered_code_unpadded", Registration("CUST-S01-000007"), "code", "foreign_code"},
      {"registered_code_malformed", Registration("CUST-S01-7"), "code", "invalid_code"},
      {"registered_wrong_customer",
       CustomerRegistered{std::string(kOtherId), "CUST-S01-00007", Names(), "s01"}, "customer_id",
       "wrong_stream"},
      {"registered_origin_store_mismatch", Registration("CUST-S01-00007", "s02"), "origin_store",
       "foreign_origin_store"},
      {"registered_origin_store_missing", Registration("CUST-S01-00007", ""), "origin_store",
       "foreign_origin_store"},
      {"registered_hq_names_itself", Registration("CUST-00007", "hq"), "origin_store",
       "foreign_origin_store", "hq"},
      {"registered_untrimmed_first_name",
       CustomerRegistered{std::string(kId), "CUST-S01-00007", Names(" Ada"), "s01"}, "details",
       "not_normalized"},
      {"registered_untrimmed_last_name",
       CustomerRegistered{std::string(kId), "CUST-S01-00007", Names("Ada", "Lovelace\t"), "s01"},
       "details", "not_normalized"},
      {"registered_blank_name",
       CustomerRegistered{std::string(kId), "CUST-S01-00007", Names("  "), "s01"}, "first_name",
       "required"},
      {"registered_nfc_name", CustomerRegistered{std::string(kId), "CUST-S01-00007",
                                                 Names("Ren\xC3\xA9"
                                                       "e"),
                                                 "s01"}},
      {"registered_nfd_name",  // "Rene\u0301e": a node would have stored "Ren\u00e9e"
       CustomerRegistered{std::string(kId), "CUST-S01-00007",
                          Names("Rene\xCC\x81"
                                "e"),
                          "s01"},
       "details", "not_normalized"},
      {"registered_nbsp_around_name",
       CustomerRegistered{std::string(kId), "CUST-S01-00007", Names("Ada", "Lovelace\xC2\xA0"),
                          "s01"},
       "details", "not_normalized"},
      {"registered_right_to_left_override_in_name",
       CustomerRegistered{std::string(kId), "CUST-S01-00007", Names("Ada\u202Eecalevol"), "s01"},
       "first_name", "invisible_character"},
      {"registered_zero_width_space_as_name",
       CustomerRegistered{std::string(kId), "CUST-S01-00007", Names("Ada", "\u200B"), "s01"},
       "last_name", "invisible_character"},

      // customer.details_changed
      {"changed", Edit("ada@example.com")},
      {"changed_stamp_in_the_past", Edit("ada@example.com", Stamp{1, "s01"})},
      {"changed_stamp_at_the_skew", Edit("ada@example.com", Stamp{kLastAllowedHlc, "s01"})},
      {"changed_stamp_beyond_the_skew", Edit("ada@example.com", Stamp{kFirstRefusedHlc, "s01"}),
       "hlc", "future_stamp"},
      {"changed_stamp_at_int64_max", Edit("ada@example.com", Stamp{INT64_MAX, "s01"}), "hlc",
       "future_stamp"},
      {"changed_stamp_of_another_node", Edit("ada@example.com", Now("s02")), "node",
       "foreign_stamp"},
      {"changed_stamp_of_hq_by_store", Edit("ada@example.com", Now("hq")), "node", "foreign_stamp"},
      {"changed_zero_stamp", Edit("ada@example.com", Stamp{0, "s01"}), "hlc", "out_of_range"},
      {"changed_negative_stamp", Edit("ada@example.com", Stamp{-5, "s01"}), "hlc", "out_of_range"},
      {"changed_nothing", CustomerDetailsChanged{{}, Now()}, "details", "empty_change"},
      {"changed_untrimmed", Edit(" ada@example.com"), "details", "not_normalized"},
      {"changed_invalid_email", Edit("ada"), "email", "invalid_email"},
      {"changed_nfd_email", Edit("zoe\xCC\x88@example.com"), "details", "not_normalized"},
      {"changed_email_with_a_direction_mark", Edit("ada\u200E@example.com"), "email",
       "invisible_character"},

      // customer.deactivated / reactivated / deleted
      {"deactivated", CustomerDeactivated{Now()}},
      {"deactivated_foreign_stamp", CustomerDeactivated{Now("s02")}, "node", "foreign_stamp"},
      {"deactivated_zero_stamp", CustomerDeactivated{Stamp{0, "s01"}}, "hlc", "out_of_range"},
      {"reactivated", CustomerReactivated{Stamp{kLastAllowedHlc, "s01"}}},
      {"reactivated_future_stamp", CustomerReactivated{Stamp{kFirstRefusedHlc, "s01"}}, "hlc",
       "future_stamp"},
      {"reactivated_zero_stamp", CustomerReactivated{Stamp{}}, "node", "foreign_stamp"},
      {"deleted", CustomerDeleted{Now()}},
      {"deleted_unstamped", CustomerDeleted{}, "node", "foreign_stamp"},
      {"deleted_foreign_stamp", CustomerDeleted{Now("s02")}, "node", "foreign_stamp"},

      // purchase.recorded
      {"purchase", PurchaseRecorded{"t1", 1000, kNow - 86'400'000}},
      {"purchase_paid_long_ago", PurchaseRecorded{"t1", 1000, 0}},
      {"purchase_paid_at_the_skew", PurchaseRecorded{"t1", 1000, kNow + kSkew}},
      {"purchase_paid_beyond_the_skew", PurchaseRecorded{"t1", 1000, kNow + kSkew + 1}, "paid_at",
       "future_time"},
      {"purchase_paid_before_1970", PurchaseRecorded{"t1", 1000, -1}, "paid_at", "out_of_range"},
      {"purchase_amount_zero", PurchaseRecorded{"t1", 0, kNow}, "amount", "not_positive"},
      {"purchase_amount_negative", PurchaseRecorded{"t1", -1, kNow}, "amount", "not_positive"},
      {"purchase_amount_min", PurchaseRecorded{"t1", INT64_MIN, kNow}, "amount", "not_positive"},
      {"purchase_amount_max", PurchaseRecorded{"t1", kMaxAmount, kNow}},
      {"purchase_amount_beyond_max", PurchaseRecorded{"t1", kMaxAmount + 1, kNow}, "amount",
       "too_large"},
      {"purchase_tab_untrimmed", PurchaseRecorded{"t1 ", 1000, kNow}, "tab_id", "not_normalized"},
      {"purchase_tab_missing", PurchaseRecorded{"", 1000, kNow}, "tab_id", "required"},
      {"purchase_tab_control", PurchaseRecorded{"t\x01", 1000, kNow}, "tab_id",
       "control_character"},
      {"purchase_tab_nfd", PurchaseRecorded{"caf\x65\xCC\x81", 1000, kNow}, "tab_id",
       "not_normalized"},
      {"purchase_tab_isolate", PurchaseRecorded{"t\u20661", 1000, kNow}, "tab_id",
       "invisible_character"},
      {"purchase_tab_too_long", PurchaseRecorded{std::string(129, 't'), 1000, kNow}, "tab_id",
       "too_long"},

      // purchase.refunded
      {"refund", PurchaseRefunded{"r1", "t1", 500}},
      {"refund_amount_max", PurchaseRefunded{"r1", "t1", kMaxAmount}},
      {"refund_amount_zero", PurchaseRefunded{"r1", "t1", 0}, "amount", "not_positive"},
      {"refund_amount_beyond_max", PurchaseRefunded{"r1", "t1", kMaxAmount + 1}, "amount",
       "too_large"},
      {"refund_id_untrimmed", PurchaseRefunded{"\tr1", "t1", 500}, "refund_id", "not_normalized"},
      {"refund_id_missing", PurchaseRefunded{"", "t1", 500}, "refund_id", "required"},
      {"refund_tab_untrimmed", PurchaseRefunded{"r1", " t1", 500}, "tab_id", "not_normalized"},

      // loyalty.points_earned
      {"earned", PointsEarned{"t1", 10}},
      {"earned_max", PointsEarned{"t1", kMaxPoints}},
      {"earned_zero", PointsEarned{"t1", 0}, "points", "not_positive"},
      {"earned_negative", PointsEarned{"t1", -10}, "points", "not_positive"},
      {"earned_beyond_max", PointsEarned{"t1", kMaxPoints + 1}, "points", "too_large"},
      {"earned_tab_untrimmed", PointsEarned{"t1\n", 10}, "tab_id", "not_normalized"},

      // loyalty.points_reversed
      {"reversed", PointsReversed{"r1", "t1", 5}},
      {"reversed_zero", PointsReversed{"r1", "t1", 0}, "points", "not_positive"},
      {"reversed_refund_missing", PointsReversed{"", "t1", 5}, "refund_id", "required"},
      {"reversed_tab_untrimmed", PointsReversed{"r1", "t1 ", 5}, "tab_id", "not_normalized"},

      // loyalty.points_redeemed
      {"redeemed", PointsRedeemed{5, "", ""}},
      {"redeemed_with_note_and_reference", PointsRedeemed{5, "gift", "ref-1"}},
      {"redeemed_negative", PointsRedeemed{-5, "", ""}, "points", "not_positive"},
      {"redeemed_beyond_max", PointsRedeemed{kMaxPoints + 1, "", ""}, "points", "too_large"},
      {"redeemed_note_untrimmed", PointsRedeemed{5, "gift ", ""}, "note", "not_normalized"},
      {"redeemed_note_with_an_override", PointsRedeemed{5, "gift \u202Dx", ""}, "note",
       "invisible_character"},
      {"redeemed_reference_untrimmed", PointsRedeemed{5, "", " ref-1"}, "reference",
       "not_normalized"},

      // loyalty.points_adjusted
      {"adjusted", PointsAdjusted{-3, "goodwill"}},
      {"adjusted_min", PointsAdjusted{-kMaxPoints, "goodwill"}},
      {"adjusted_max", PointsAdjusted{kMaxPoints, "goodwill"}},
      {"adjusted_zero", PointsAdjusted{0, "goodwill"}, "delta", "zero"},
      {"adjusted_beyond_max", PointsAdjusted{kMaxPoints + 1, "goodwill"}, "delta", "too_large"},
      {"adjusted_beyond_min", PointsAdjusted{-kMaxPoints - 1, "goodwill"}, "delta", "too_large"},
      {"adjusted_int64_min", PointsAdjusted{INT64_MIN, "goodwill"}, "delta", "too_large"},
      {"adjusted_without_note", PointsAdjusted{3, ""}, "note", "note_required"},
      {"adjusted_blank_note", PointsAdjusted{3, "  "}, "note", "note_required"},
      {"adjusted_note_untrimmed", PointsAdjusted{3, " goodwill"}, "note", "not_normalized"},

      // credit.topped_up
      {"topped_up", CreditToppedUp{500, "pay-1", ""}},
      {"topped_up_max", CreditToppedUp{kMaxAmount, "pay-1", "cash"}},
      {"topped_up_zero", CreditToppedUp{0, "pay-1", ""}, "amount", "not_positive"},
      {"topped_up_negative", CreditToppedUp{-500, "pay-1", ""}, "amount", "not_positive"},
      {"topped_up_beyond_max", CreditToppedUp{kMaxAmount + 1, "pay-1", ""}, "amount", "too_large"},
      {"topped_up_payment_missing", CreditToppedUp{500, "", ""}, "payment_ref", "required"},
      {"topped_up_payment_untrimmed", CreditToppedUp{500, "pay-1 ", ""}, "payment_ref",
       "not_normalized"},
      {"topped_up_note_untrimmed", CreditToppedUp{500, "pay-1", "\ncash"}, "note",
       "not_normalized"},
      {"topped_up_note_too_long", CreditToppedUp{500, "pay-1", note501}, "note", "too_long"},

      // credit.deducted
      {"deducted", CreditDeducted{500, "", ""}},
      {"deducted_max", CreditDeducted{kMaxAmount, "lunch", "tab-9"}},
      {"deducted_zero", CreditDeducted{0, "", ""}, "amount", "not_positive"},
      {"deducted_int64_min", CreditDeducted{INT64_MIN, "", ""}, "amount", "not_positive"},
      {"deducted_beyond_max", CreditDeducted{kMaxAmount + 1, "", ""}, "amount", "too_large"},
      {"deducted_reference_untrimmed", CreditDeducted{500, "", "tab-9 "}, "reference",
       "not_normalized"},
      {"deducted_note_untrimmed", CreditDeducted{500, " lunch", ""}, "note", "not_normalized"},

      // credit.adjusted
      {"credit_adjusted", CreditAdjusted{250, "correction"}},
      {"credit_adjusted_min", CreditAdjusted{-kMaxAmount, "correction"}},
      {"credit_adjusted_zero", CreditAdjusted{0, "correction"}, "delta", "zero"},
      {"credit_adjusted_beyond_max", CreditAdjusted{kMaxAmount + 1, "correction"}, "delta",
       "too_large"},
      {"credit_adjusted_int64_min", CreditAdjusted{INT64_MIN, "correction"}, "delta", "too_large"},
      {"credit_adjusted_without_note", CreditAdjusted{250, ""}, "note", "note_required"},
      {"credit_adjusted_note_untrimmed", CreditAdjusted{250, "correction "}, "note",
       "not_normalized"},

      // credit.overdraft_detected
      {"overdraft", CreditOverdraftDetected{std::string(kOtherId), "s02", 300}, "", "", "hq"},
      {"overdraft_bad_deduction_id", CreditOverdraftDetected{"nope", "s02", 300}, "deduction_id",
       "", "hq"},
      {"overdraft_bad_store", CreditOverdraftDetected{std::string(kOtherId), "S 2", 300}, "store",
       "", "hq"},
      {"overdraft_zero", CreditOverdraftDetected{std::string(kOtherId), "s02", 0}, "shortfall",
       "not_positive", "hq"},
      {"overdraft_beyond_max",
       CreditOverdraftDetected{std::string(kOtherId), "s02", kMaxAmount + 1}, "shortfall",
       "too_large", "hq"},

      // ledger.duplicate_reversed
      {"duplicate",
       DuplicateReversed{"top_up", "pay-1", std::string(kOtherId), std::string(kId), "s02", 0, 0,
                         -1000},
       "", "", "hq"},
      {"duplicate_bad_kind",
       DuplicateReversed{"gift", "pay-1", std::string(kOtherId), std::string(kId), "s02"}, "kind",
       "invalid_kind", "hq"},
      {"duplicate_bad_id", DuplicateReversed{"top_up", "pay-1", "nope", std::string(kId), "s02"},
       "duplicate_id", "", "hq"},
      {"duplicate_without_reference",
       DuplicateReversed{"top_up", "", std::string(kOtherId), std::string(kId), "s02"}, "reference",
       "", "hq"},
      {"duplicate_beyond_max",
       DuplicateReversed{"purchase", "t1", std::string(kOtherId), std::string(kId), "s02",
                         -kMaxAmount - 1},
       "spent", "out_of_range", "hq"},

      // ledger.conflict_recorded
      {"conflict", ConflictRecorded{"refund", "r1", std::string(kOtherId), std::string(kId), "s01"},
       "", "", "hq"},
      {"conflict_bad_store",
       ConflictRecorded{"refund", "r1", std::string(kOtherId), std::string(kId), "S 1"}, "store",
       "", "hq"},

      // loyalty.points_expired
      {"expired", PointsExpired{std::string(kOtherId), 40, kNow - 1000}, "", "", "hq"},
      {"expired_bad_lot", PointsExpired{"lot-1", 40, kNow}, "lot_id", "", "hq"},
      {"expired_nothing", PointsExpired{std::string(kOtherId), 0, kNow}, "points", "", "hq"},
      {"expired_in_the_future", PointsExpired{std::string(kOtherId), 5, kNow + kSkew + 1},
       "expired_at", "", "hq"},

      // loyalty.points_shortfall_detected
      {"shortfall", PointsShortfallDetected{std::string(kOtherId), "s02", 12}, "", "", "hq"},
      {"shortfall_bad_store", PointsShortfallDetected{std::string(kOtherId), "S 2", 12}, "store",
       "", "hq"},
      {"shortfall_of_nothing", PointsShortfallDetected{std::string(kOtherId), "s02", 0},
       "shortfall", "", "hq"},

      // customer.consent_changed
      {"consent_at_store",
       CustomerConsentChanged{ConsentChannel::kEmail, true, ConsentSource::kStore, Now()}},
      {"consent_registered",
       CustomerConsentChanged{ConsentChannel::kSms, false, ConsentSource::kRegister, Now()}},
      {"consent_imported_at_hq",
       CustomerConsentChanged{ConsentChannel::kSms, true, ConsentSource::kImport, Now("hq")}, "",
       "", "hq"},
      {"consent_hq_source_from_store",
       CustomerConsentChanged{ConsentChannel::kEmail, true, ConsentSource::kHq, Now()}, "source",
       "foreign_source"},
      {"consent_store_source_from_hq",
       CustomerConsentChanged{ConsentChannel::kEmail, true, ConsentSource::kStore, Now("hq")},
       "source", "foreign_source", "hq"},
      {"consent_foreign_stamp",
       CustomerConsentChanged{ConsentChannel::kEmail, true, ConsentSource::kStore, Now("s02")},
       "node", "foreign_stamp"},
      {"consent_zero_stamp",
       CustomerConsentChanged{ConsentChannel::kEmail, true, ConsentSource::kStore, Stamp{0, "s01"}},
       "hlc", "out_of_range"},
      // customer.merged, customer.merge_received, customer.merge_settled
      {"merged", CustomerMerged{std::string(kOtherId), std::string(kOtherId), "CUST-00002", 5, 100,
                                300, kNow - 1000}},
      {"merged_into_itself",
       CustomerMerged{std::string(kOtherId), std::string(kId), "CUST-00002", 5, 100, 300, 0},
       "survivor_id", "merge_into_itself"},
      {"merged_bad_code",
       CustomerMerged{std::string(kOtherId), std::string(kOtherId), "nope", 5, 100, 300, 0},
       "code"},
      {"merge_received",
       MergeReceived{std::string(kOtherId), std::string(kOtherId), "CUST-S02-00002", -5, 0, 0, 0}},
      {"merge_received_bad_id",
       MergeReceived{"m-1", std::string(kOtherId), "CUST-S02-00002", 0, 0, 0, 0}, "merge_id"},
      {"merge_settled",
       MergeSettled{std::string(kOtherId), "void", "duplicate", std::string(kOtherId), 5, 0, 0, 0},
       "", "", "hq"},
      {"merge_settled_bad_side",
       MergeSettled{std::string(kOtherId), "void", "left", std::string(kOtherId), 5, 0, 0, 0},
       "side", "invalid_side", "hq"},
      // customer.erased
      {"erased", CustomerErased{"customer request"}, "", "", "hq"},
      {"erased_without_reason", CustomerErased{""}, "note", "", "hq"},
  };
}

class PeerCustomerEvent : public ::testing::TestWithParam<Case> {};

TEST_P(PeerCustomerEvent, IsAcceptedOrRefusedWithItsFieldAndReason) {
  const Case& c = GetParam();
  Status s = CheckPeerEvent(c.event, From(c.origin));
  if (c.reason.empty() && c.field.empty()) {
    EXPECT_TRUE(s.ok()) << s.ToString();
    return;
  }
  ASSERT_FALSE(s.ok()) << "accepted";
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_EQ(s.field(), c.field) << s.ToString();
  if (!c.reason.empty()) {
    EXPECT_EQ(s.reason(), c.reason) << s.ToString();
  }
}

INSTANTIATE_TEST_SUITE_P(All, PeerCustomerEvent, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return info.param.name;
                         });

// Every type of customer event has at least one accepted and one refused case.
TEST(PeerCustomerEventCases, CoverEveryTypeBothWays) {
  std::map<std::size_t, std::pair<int, int>> seen;  // variant index -> (accepted, refused)
  for (const Case& c : Cases()) {
    auto& [accepted, refused] = seen[c.event.index()];
    (c.reason.empty() && c.field.empty() ? accepted : refused)++;
  }
  for (std::size_t i = 0; i < std::variant_size_v<CustomerEvent>; ++i) {
    if (i == CustomerEvent(CustomerDeleted{}).index()) continue;  // nothing to refuse
    EXPECT_GT(seen[i].first, 0) << "type " << i;
    EXPECT_GT(seen[i].second, 0) << "type " << i;
  }
}

TEST(PeerRegistration, IsCheckedAgainstTheClaimedOrigin) {
  // The same registration is fine from s01 and refused from s02 and HQ.
  const CustomerEvent e = Registration();
  EXPECT_TRUE(CheckPeerEvent(e, From("s01")).ok());
  EXPECT_EQ(CheckPeerEvent(e, From("s02")).reason(), "foreign_code");
  EXPECT_EQ(CheckPeerEvent(e, From("hq")).reason(), "foreign_code");
  PeerContext other_stream = From("s01");
  other_stream.customer_id = kOtherId;
  EXPECT_EQ(CheckPeerEvent(e, other_stream).reason(), "wrong_stream");
}

TEST(PeerSettingsEvent, AProgramMustBeOneANodeWouldAccept) {
  EXPECT_TRUE(CheckPeerEvent(SettingsEvent(LoyaltyProgramSet{{1, 100, Rounding::kFloor}})).ok());
  EXPECT_TRUE(CheckPeerEvent(SettingsEvent(LoyaltyProgramSet{{0, 1, Rounding::kCeil}})).ok());
  EXPECT_TRUE(
      CheckPeerEvent(SettingsEvent(LoyaltyProgramSet{{1'000'000, kMaxAmount, Rounding::kNearest}}))
          .ok());
  struct Bad {
    LoyaltyProgram program;
    std::string field;
  };
  for (const Bad& b : std::vector<Bad>{
           {{1, 0, Rounding::kFloor}, "per_amount"},
           {{1, -100, Rounding::kFloor}, "per_amount"},
           {{1, kMaxAmount + 1, Rounding::kFloor}, "per_amount"},
           {{-1, 100, Rounding::kFloor}, "points"},
           {{1'000'001, 100, Rounding::kFloor}, "points"},
           {{1, 100, Rounding::kFloor, {ExpiryPolicy::kAfterInactivity, 0}}, "expiry_months"},
           {{1, 100, Rounding::kFloor, {ExpiryPolicy::kMonthsAfterEarning, 121}}, "expiry_months"},
           {{1, 100, Rounding::kFloor, {ExpiryPolicy::kNever, 3}}, "expiry_months"},
       }) {
    Status s = CheckPeerEvent(SettingsEvent(LoyaltyProgramSet{b.program}));
    ASSERT_FALSE(s.ok()) << b.field;
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(s.field(), b.field);
    EXPECT_EQ(s.reason(), "out_of_range");
  }
  EXPECT_TRUE(CheckPeerEvent(SettingsEvent(ModuleEnabled{Module::kLoyaltyPoints})).ok());
  EXPECT_TRUE(CheckPeerEvent(SettingsEvent(ModuleDisabled{Module::kCustomerCredits})).ok());
}

TEST(CheckNotFutureTest, AllowsUpToTheSkewAndAnyPast) {
  const PeerContext ctx = From("s01");
  EXPECT_TRUE(CheckNotFuture("time", kNow + kSkew, ctx).ok());
  EXPECT_TRUE(CheckNotFuture("time", kNow, ctx).ok());
  EXPECT_TRUE(CheckNotFuture("time", 0, ctx).ok());
  EXPECT_TRUE(CheckNotFuture("time", INT64_MIN, ctx).ok());
  Status s = CheckNotFuture("time", kNow + kSkew + 1, ctx);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.field(), "time");
  EXPECT_EQ(s.reason(), "future_time");
  EXPECT_EQ(CheckNotFuture("paid_at", INT64_MAX, ctx).field(), "paid_at");
  PeerContext strict = ctx;
  strict.max_skew_ms = 0;
  EXPECT_TRUE(CheckNotFuture("time", kNow, strict).ok());
  EXPECT_FALSE(CheckNotFuture("time", kNow + 1, strict).ok());
}

}  // namespace
}  // namespace clientele
