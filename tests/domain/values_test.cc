#include <gtest/gtest.h>

#include "domain/customer_code.h"
#include "domain/event_codec.h"
#include "domain/ids.h"
#include "domain/money.h"

namespace clientele {
namespace {

TEST(CustomerCode, FormatsPerNode) {
  EXPECT_EQ(FormatCustomerCode("hq", 42), "CUST-00042");
  EXPECT_EQ(FormatCustomerCode("s01", 7), "CUST-S01-00007");
  EXPECT_EQ(FormatCustomerCode("hq", 1234567), "CUST-1234567");
}

TEST(CustomerCode, ParsesAndRejects) {
  auto p = ParseCustomerCode("cust-paris3-00012");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->node, "paris3");
  EXPECT_EQ(p->sequence, 12u);
  for (const char* bad : {"", "CUST-", "CUST-1", "CUST-00000", "CUST-HQ-00001", "CUST-S 1-00001",
                          "CUST-00A01", "XCUST-00001", "CUST-1S-00001"}) {
    EXPECT_FALSE(ParseCustomerCode(bad)) << bad;
  }
}

TEST(CustomerCode, AllocatorNeverRepeatsAndIgnoresOtherNodes) {
  CodeAllocator a("s01");
  a.Observe("CUST-S01-00041");
  a.Observe("CUST-S02-00900");
  a.Observe("CUST-00999");
  a.Observe("garbage");
  EXPECT_EQ(a.Next(), "CUST-S01-00042");
  EXPECT_EQ(a.Next(), "CUST-S01-00043");
  a.Observe("CUST-S01-00010");  // a lower code seen late changes nothing
  EXPECT_EQ(a.Next(), "CUST-S01-00044");
}

TEST(Ids, UuidAndNodeValidation) {
  auto u = ParseUuid("0B8A7C1E-4F3D-4C2A-9E1F-2D3C4B5A6978", "id");
  ASSERT_TRUE(u);
  EXPECT_EQ(*u, "0b8a7c1e-4f3d-4c2a-9e1f-2d3c4b5a6978");
  EXPECT_EQ(ParseUuid("0b8a7c1e-4f3d-4c2a-9e1f-2d3c4b5a697", "id").error().reason(),
            "invalid_uuid");
  EXPECT_EQ(ParseUuid("0b8a7c1e-4f3d-4c2a-9e1f-2d3c4b5a697z", "id").error().field(), "id");
  EXPECT_TRUE(ValidateNodeId("hq").ok());
  EXPECT_TRUE(ValidateNodeId("s01").ok());
  EXPECT_FALSE(ValidateNodeId("S01").ok());
  EXPECT_FALSE(ValidateNodeId("1s").ok());
  EXPECT_FALSE(ValidateNodeId("").ok());
  EXPECT_FALSE(ValidateNodeId("abcdefghijklm").ok());
}

TEST(Money, CheckedArithmeticAndFormat) {
  EXPECT_EQ(CheckedAdd(INT64_MAX, 1), std::nullopt);
  EXPECT_EQ(CheckedSub(INT64_MIN, 1), std::nullopt);
  EXPECT_EQ(CheckedAdd(40, 2), 42);
  EXPECT_EQ(FormatMoney(1234), "12.34");
  EXPECT_EQ(FormatMoney(-5), "-0.05");
  EXPECT_EQ(FormatMoney(INT64_MIN), "-92233720368547758.08");
}

TEST(EventCodec, EveryCustomerEventRoundTrips) {
  CustomerDetails d;
  d[DetailField::kFirstName] = "Zoë \"Z\"";
  d[DetailField::kLastName] = "Núñez";
  d[DetailField::kNotes] = "line1\nline2";
  DetailsPatch patch;
  patch[DetailField::kEmail] = "";
  patch[DetailField::kPhone] = "+1 555";
  std::vector<CustomerEvent> all = {
      CustomerRegistered{"0b8a7c1e-4f3d-4c2a-9e1f-2d3c4b5a6978", "CUST-S01-00001", d, "s01"},
      CustomerDetailsChanged{patch, Stamp{1'700'000'000'000 * kHlcTicksPerMs + 3, "s01"}},
      CustomerDeactivated{Stamp{42, "hq"}},
      CustomerReactivated{Stamp{43, "s02"}},
      CustomerDeleted{},
      PurchaseRecorded{"t1", 123, 1'700'000'000'123},
      PurchaseRefunded{"r1", "t1", 23},
      PointsEarned{"t1", 1},
      PointsReversed{"r1", "t1", 1},
      PointsRedeemed{5, "n", "ref"},
      PointsAdjusted{-5, "why"},
      CreditToppedUp{100, "p1", ""},
      CreditDeducted{50, "", "x"},
      CreditAdjusted{-1, "why"},
      CreditOverdraftDetected{"0b8a7c1e-4f3d-4c2a-9e1f-2d3c4b5a6979", "s02", 700},
      DuplicateReversed{"purchase", "t1", "0b8a7c1e-4f3d-4c2a-9e1f-2d3c4b5a6979",
                        "0b8a7c1e-4f3d-4c2a-9e1f-2d3c4b5a6978", "s02", -123, -1, 0},
      ConflictRecorded{"top_up", "p1", "0b8a7c1e-4f3d-4c2a-9e1f-2d3c4b5a6979",
                       "0b8a7c1e-4f3d-4c2a-9e1f-2d3c4b5a6978", "s01"},
      PointsExpired{"0b8a7c1e-4f3d-4c2a-9e1f-2d3c4b5a6979", 40, 1'700'000'000'000},
      PointsShortfallDetected{"0b8a7c1e-4f3d-4c2a-9e1f-2d3c4b5a6979", "s02", 12},
      CustomerConsentChanged{ConsentChannel::kSms, true, ConsentSource::kImport, Stamp{44, "s01"}},
      CustomerMerged{"0b8a7c1e-4f3d-4c2a-9e1f-2d3c4b5a6979", "0b8a7c1e-4f3d-4c2a-9e1f-2d3c4b5a6978",
                     "CUST-00001", 3, -4, 5, 1'700'000'000'000},
      MergeReceived{"0b8a7c1e-4f3d-4c2a-9e1f-2d3c4b5a6979", "0b8a7c1e-4f3d-4c2a-9e1f-2d3c4b5a6978",
                    "CUST-S01-00001", 3, -4, 5, 0},
      MergeSettled{"0b8a7c1e-4f3d-4c2a-9e1f-2d3c4b5a6979", "forward", "survivor",
                   "0b8a7c1e-4f3d-4c2a-9e1f-2d3c4b5a6978", -3, 4, -5, 7},
      CustomerErased{"customer request"},
  };
  ASSERT_EQ(all.size(), std::variant_size_v<CustomerEvent>);
  for (const auto& e : all) {
    std::string json = EncodePayload(e);
    EXPECT_EQ(EncodePayload(e), json) << "encoding is deterministic";
    auto back = DecodeCustomerEvent(EventTypeName(e), SchemaOf(e), json);
    ASSERT_TRUE(back) << EventTypeName(e) << ": " << back.error().ToString();
    EXPECT_EQ(*back, e) << json;
    EXPECT_TRUE(IsCustomerEventType(EventTypeName(e)));
  }
}

TEST(EventCodec, ListsEveryCustomerEventType) {
  const auto types = CustomerEventTypes();
  ASSERT_EQ(types.size(), std::variant_size_v<CustomerEvent>);
  for (std::string_view t : types) EXPECT_TRUE(IsCustomerEventType(t)) << t;
  EXPECT_EQ(types.back(), "customer.erased");  // the newest last
}

TEST(EventCodec, ConsentChangesHoldOnlyChannelStateAndSource) {
  const std::string json = EncodePayload(
      CustomerConsentChanged{ConsentChannel::kEmail, false, ConsentSource::kHq, Stamp{7, "hq"}});
  EXPECT_EQ(json, R"({"channel":"email","granted":false,"source":"hq","hlc":7,"node":"hq"})");
  // An unknown channel or source, or a missing stamp, does not decode.
  EXPECT_FALSE(
      DecodeCustomerEvent("customer.consent_changed", 1,
                          R"({"channel":"fax","granted":true,"source":"hq","hlc":7,"node":"hq"})"));
  EXPECT_FALSE(DecodeCustomerEvent(
      "customer.consent_changed", 1,
      R"({"channel":"sms","granted":true,"source":"web","hlc":7,"node":"hq"})"));
  EXPECT_FALSE(DecodeCustomerEvent("customer.consent_changed", 1,
                                   R"({"channel":"sms","granted":true,"source":"hq"})"));
  EXPECT_FALSE(DecodeCustomerEvent(
      "customer.consent_changed", 1,
      R"({"channel":"sms","granted":"yes","source":"hq","hlc":7,"node":"hq"})"));
}

TEST(EventCodec, SchemaOneEditsDecodeWithTheZeroStamp) {
  auto changed = DecodeCustomerEvent("customer.details_changed", 1, R"({"email":"a@b.c"})");
  ASSERT_TRUE(changed) << changed.error().ToString();
  EXPECT_EQ(std::get<CustomerDetailsChanged>(*changed).stamp, Stamp{});
  EXPECT_EQ(std::get<CustomerDetailsChanged>(*changed).changes[DetailField::kEmail], "a@b.c");
  auto deactivated = DecodeCustomerEvent("customer.deactivated", 1, "{}");
  ASSERT_TRUE(deactivated);
  EXPECT_EQ(std::get<CustomerDeactivated>(*deactivated).stamp, Stamp{});
  // Schema 2 requires the stamp; schema 3 does not exist.
  EXPECT_FALSE(DecodeCustomerEvent("customer.deactivated", 2, "{}"));
  EXPECT_FALSE(DecodeCustomerEvent("customer.deactivated", 3, R"({"hlc":1,"node":"hq"})"));
  EXPECT_FALSE(DecodeCustomerEvent("credit.deducted", 2, R"({"amount":1})"));
}

TEST(EventCodec, SettingsEventsRoundTrip) {
  std::vector<SettingsEvent> all = {
      LoyaltyProgramSet{{3, 250, Rounding::kCeil}},
      LoyaltyProgramSet{{1, 100, Rounding::kFloor, {ExpiryPolicy::kMonthsAfterEarning, 12}}},
      LoyaltyProgramSet{{1, 100, Rounding::kFloor, {ExpiryPolicy::kAfterInactivity, 6}}},
      ModuleEnabled{Module::kCustomerCredits}, ModuleDisabled{Module::kLoyaltyPoints}};
  for (const auto& e : all) {
    auto back = DecodeSettingsEvent(EventTypeName(e), SchemaOf(e), EncodePayload(e));
    ASSERT_TRUE(back) << back.error().ToString();
    EXPECT_EQ(*back, e);
  }
}

TEST(EventCodec, ALoyaltyProgramOfSchemaOneNeverExpiresPoints) {
  const char* json = R"({"points":1,"per_amount":100,"rounding":"floor"})";
  auto v1 = DecodeSettingsEvent("settings.loyalty_program_set", 1, json);
  ASSERT_TRUE(v1) << v1.error().ToString();
  EXPECT_EQ(std::get<LoyaltyProgramSet>(*v1).program.expiry, PointsExpiry{});
  // Schema 2 written by this build: the same bytes when points never expire.
  EXPECT_EQ(EncodePayload(SettingsEvent{LoyaltyProgramSet{}}), json);
  // A policy without its months, an unknown policy or months out of range are damaged.
  EXPECT_FALSE(DecodeSettingsEvent("settings.loyalty_program_set", 2,
                                   R"({"points":1,"per_amount":100,"rounding":"floor",)"
                                   R"("expiry":"after_inactivity"})"));
  EXPECT_FALSE(DecodeSettingsEvent("settings.loyalty_program_set", 2,
                                   R"({"points":1,"per_amount":100,"rounding":"floor",)"
                                   R"("expiry":"sometimes","expiry_months":3})"));
  EXPECT_FALSE(DecodeSettingsEvent("settings.loyalty_program_set", 2,
                                   R"({"points":1,"per_amount":100,"rounding":"floor",)"
                                   R"("expiry":"after_inactivity","expiry_months":0})"));
}

TEST(EventCodec, RefusesDamagedPayloadsAndUnknownTypes) {
  EXPECT_EQ(DecodeCustomerEvent("purchase.recorded", 1, "{\"tab_id\":\"t\"}").error().code(),
            StatusCode::kCorruption);
  EXPECT_EQ(DecodeCustomerEvent("purchase.recorded", 1, "[1]").error().code(),
            StatusCode::kCorruption);
  EXPECT_EQ(DecodeCustomerEvent("purchase.recorded", 1,
                                "{\"tab_id\":\"t\",\"amount\":1.5,"
                                "\"paid_at\":1}")
                .error()
                .code(),
            StatusCode::kCorruption);
  EXPECT_EQ(DecodeCustomerEvent("purchase.recorded", 9, "{}").error().reason(), "unknown_schema");
  EXPECT_EQ(DecodeCustomerEvent("nope", 1, "{}").error().reason(), "unknown_event_type");
  EXPECT_EQ(DecodeSettingsEvent("settings.module_enabled", 1, "{\"module\":\"x\"}").error().code(),
            StatusCode::kCorruption);
}

}  // namespace
}  // namespace clientele
