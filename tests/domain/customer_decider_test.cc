// Given events / when command / then events or refusal, for every customer command.
#include <gtest/gtest.h>

#include "domain/customer.h"

namespace clientele {
namespace {

constexpr const char* kId = "0b8a7c1e-4f3d-4c2a-9e1f-2d3c4b5a6978";

CustomerDetails Details(std::string first = "Ada", std::string last = "Müller") {
  CustomerDetails d;
  d[DetailField::kFirstName] = std::move(first);
  d[DetailField::kLastName] = std::move(last);
  return d;
}

CustomerEvent Registered() { return CustomerRegistered{kId, "CUST-00001", Details(), ""}; }

struct Case {
  std::string name;
  std::vector<CustomerEvent> given;
  CustomerCommand when;
  std::vector<CustomerEvent> then;  // expected events when `refusal` is empty
  std::string refusal = "";         // expected Status::reason()
  SettingsState settings = {};
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

SettingsState With(Module off) {
  SettingsState s;
  s.modules.set(off, false);
  return s;
}

SettingsState Program(Points points, Money per, Rounding r) {
  SettingsState s;
  s.program = {points, per, r};
  return s;
}

DetailsPatch Patch(DetailField f, std::string v) {
  DetailsPatch p;
  p[f] = std::move(v);
  return p;
}

RegisterCustomer Register(CustomerDetails d = Details(), std::string code = "CUST-00001",
                          std::string origin = "") {
  return RegisterCustomer{kId, std::move(code), std::move(d), std::move(origin)};
}

RegisterCustomer RegisterWithConsent(std::vector<ConsentChoice> choices) {
  RegisterCustomer r = Register();
  r.consents = std::move(choices);
  return r;
}

CustomerEvent Consent(ConsentChannel c, bool granted, ConsentSource source) {
  return CustomerConsentChanged{c, granted, source, {}};
}

std::vector<Case> Cases() {
  const CustomerEvent reg = Registered();
  const CustomerEvent bought = PurchaseRecorded{"t1", 1000, 5};
  const CustomerEvent earned = PointsEarned{"t1", 10};
  const CustomerEvent topped = CreditToppedUp{500, "p1", ""};
  CustomerDetails full = Details("  Ada ", " Lovelace ");
  full[DetailField::kEmail] = " ada@example.com ";
  full[DetailField::kPhone] = "+44 (20) 7946-0958";
  CustomerDetails full_clean = Details("Ada", "Lovelace");
  full_clean[DetailField::kEmail] = "ada@example.com";
  full_clean[DetailField::kPhone] = "+44 (20) 7946-0958";
  auto with = [](CustomerDetails d, DetailField f, std::string v) {
    d[f] = std::move(v);
    return d;
  };
  return {
      // register
      {"register trims and records",
       {},
       Register(full),
       {CustomerRegistered{kId, "CUST-00001", full_clean, ""}}},
      {"register at a store keeps origin",
       {},
       Register(Details(), "cust-s01-00007", "s01"),
       {CustomerRegistered{kId, "CUST-S01-00007", Details(), "s01"}}},
      {"register twice", {reg}, Register(), {}, "customer_exists"},
      {"register bad id",
       {},
       RegisterCustomer{"nope", "CUST-00001", Details(), ""},
       {},
       "invalid_uuid"},
      {"register bad code", {}, Register(Details(), "C-1"), {}, "invalid_code"},
      {"register bad origin",
       {},
       Register(Details(), "CUST-00001", "Store 1"),
       {},
       "invalid_node_id"},
      {"register origin hq", {}, Register(Details(), "CUST-00001", "hq"), {}, "invalid_node_id"},
      {"register blank first name", {}, Register(Details("  ", "X")), {}, "required"},
      {"register blank last name", {}, Register(Details("X", "")), {}, "required"},
      {"register bad email",
       {},
       Register(with(Details(), DetailField::kEmail, "ada@")),
       {},
       "invalid_email"},
      {"register bad phone",
       {},
       Register(with(Details(), DetailField::kPhone, "call me")),
       {},
       "invalid_phone"},
      {"register short phone",
       {},
       Register(with(Details(), DetailField::kPhone, "12")),
       {},
       "invalid_phone"},
      {"register long name", {}, Register(Details(std::string(101, 'a'))), {}, "too_long"},
      {"register invalid utf8", {}, Register(Details("\xc3\x28")), {}, "invalid_utf8"},
      {"register control char", {}, Register(Details("A\x01")), {}, "control_character"},
      {"register with customers off",
       {},
       Register(),
       {},
       "module_disabled",
       With(Module::kCustomers)},
      // change details
      {"change records only changed fields",
       {reg},
       ChangeDetails{[] {
         DetailsPatch p;
         p[DetailField::kFirstName] = "Ada";  // unchanged
         p[DetailField::kEmail] = "a@b.co";
         return p;
       }()},
       {CustomerDetailsChanged{Patch(DetailField::kEmail, "a@b.co")}}},
      {"change to same values is a no-op",
       {reg},
       ChangeDetails{Patch(DetailField::kLastName, "Müller")},
       {}},
      {"change blank last name",
       {reg},
       ChangeDetails{Patch(DetailField::kLastName, " ")},
       {},
       "required"},
      {"change bad email",
       {reg},
       ChangeDetails{Patch(DetailField::kEmail, "x@y")},
       {},
       "invalid_email"},
      {"change unknown customer",
       {},
       ChangeDetails{Patch(DetailField::kEmail, "a@b.co")},
       {},
       "customer_not_found"},
      {"change deleted customer",
       {reg, CustomerDeleted{}},
       ChangeDetails{Patch(DetailField::kEmail, "a@b.co")},
       {},
       "customer_deleted"},
      // deactivate / reactivate
      {"deactivate", {reg}, DeactivateCustomer{}, {CustomerDeactivated{}}},
      {"deactivate twice is a no-op", {reg, CustomerDeactivated{}}, DeactivateCustomer{}, {}},
      {"reactivate", {reg, CustomerDeactivated{}}, ReactivateCustomer{}, {CustomerReactivated{}}},
      {"reactivate active is a no-op", {reg}, ReactivateCustomer{}, {}},
      {"deactivate unknown", {}, DeactivateCustomer{}, {}, "customer_not_found"},
      // delete
      {"delete without history", {reg}, DeleteCustomer{}, {CustomerDeleted{}}},
      {"delete with a purchase", {reg, bought}, DeleteCustomer{}, {}, "customer_has_history"},
      {"delete with credit history", {reg, topped}, DeleteCustomer{}, {}, "customer_has_history"},
      {"delete with points history",
       {reg, PointsAdjusted{5, "welcome"}},
       DeleteCustomer{},
       {},
       "customer_has_history"},
      {"delete twice", {reg, CustomerDeleted{}}, DeleteCustomer{}, {}, "customer_deleted"},
      // purchase
      {"purchase earns points (floor)",
       {reg},
       RecordPurchase{"t1", 1299, 7},
       {PurchaseRecorded{"t1", 1299, 7}, PointsEarned{"t1", 12}}},
      {"purchase rounding nearest",
       {reg},
       RecordPurchase{"t1", 1250, 7},
       {PurchaseRecorded{"t1", 1250, 7}, PointsEarned{"t1", 13}},
       "",
       Program(1, 100, Rounding::kNearest)},
      {"purchase rounding ceil",
       {reg},
       RecordPurchase{"t1", 1201, 7},
       {PurchaseRecorded{"t1", 1201, 7}, PointsEarned{"t1", 7}},
       "",
       Program(5, 1000, Rounding::kCeil)},
      {"purchase below one point earns none",
       {reg},
       RecordPurchase{"t1", 99, 7},
       {PurchaseRecorded{"t1", 99, 7}}},
      {"purchase with loyalty off earns nothing",
       {reg},
       RecordPurchase{"t1", 1000, 7},
       {PurchaseRecorded{"t1", 1000, 7}},
       "",
       With(Module::kLoyaltyPoints)},
      {"purchase retried is a no-op", {reg, bought, earned}, RecordPurchase{"t1", 1000, 9}, {}},
      {"purchase same tab other amount",
       {reg, bought},
       RecordPurchase{"t1", 2000, 9},
       {},
       "tab_already_recorded"},
      {"purchase without tab", {reg}, RecordPurchase{" ", 1000, 7}, {}, "required"},
      {"purchase zero amount", {reg}, RecordPurchase{"t1", 0, 7}, {}, "not_positive"},
      {"purchase negative amount", {reg}, RecordPurchase{"t1", -5, 7}, {}, "not_positive"},
      {"purchase huge amount", {reg}, RecordPurchase{"t1", kMaxAmount + 1, 7}, {}, "too_large"},
      {"purchase by inactive customer",
       {reg, CustomerDeactivated{}},
       RecordPurchase{"t1", 100, 7},
       {},
       "customer_inactive"},
      {"purchase overflowing total",
       {reg, PurchaseRecorded{"big", INT64_MAX - 10, 1}},
       RecordPurchase{"t2", 100, 7},
       {},
       "overflow"},
      {"purchase unknown customer", {}, RecordPurchase{"t1", 100, 7}, {}, "customer_not_found"},
      {"purchase with a tab id too long",
       {reg},
       RecordPurchase{std::string(129, 't'), 100, 7},
       {},
       "too_long"},
      {"top up with a control character in the payment",
       {reg},
       TopUpCredit{100, "p\x02", ""},
       {},
       "control_character"},
      {"adjust credit overflowing",
       {reg, CreditAdjusted{INT64_MAX - 5, "x"}},
       AdjustCredit{10, "x"},
       {},
       "overflow"},
      {"adjust points overflowing",
       {reg, PointsAdjusted{INT64_MAX - 5, "x"}},
       AdjustPoints{10, "x"},
       {},
       "overflow"},
      // refund
      {"full refund reverses all points",
       {reg, bought, earned},
       RefundPurchase{"r1", "t1", 1000},
       {PurchaseRefunded{"r1", "t1", 1000}, PointsReversed{"r1", "t1", 10}}},
      {"part refund reverses pro rata",
       {reg, bought, earned},
       RefundPurchase{"r1", "t1", 350},
       {PurchaseRefunded{"r1", "t1", 350}, PointsReversed{"r1", "t1", 3}}},
      {"last part refund reverses the rest",
       {reg, bought, earned, PurchaseRefunded{"r1", "t1", 350}, PointsReversed{"r1", "t1", 3}},
       RefundPurchase{"r2", "t1", 650},
       {PurchaseRefunded{"r2", "t1", 650}, PointsReversed{"r2", "t1", 7}}},
      {"refund retried is a no-op",
       {reg, bought, earned, PurchaseRefunded{"r1", "t1", 350}},
       RefundPurchase{"r1", "t1", 350},
       {}},
      {"refund id reused",
       {reg, bought, PurchaseRefunded{"r1", "t1", 350}},
       RefundPurchase{"r1", "t1", 100},
       {},
       "refund_already_recorded"},
      {"refund beyond the purchase",
       {reg, bought, PurchaseRefunded{"r1", "t1", 350}},
       RefundPurchase{"r2", "t1", 651},
       {},
       "exceeds_refundable"},
      {"refund unknown tab", {reg, bought}, RefundPurchase{"r1", "t9", 100}, {}, "tab_not_found"},
      {"refund without id", {reg, bought}, RefundPurchase{"", "t1", 100}, {}, "required"},
      {"refund zero", {reg, bought}, RefundPurchase{"r1", "t1", 0}, {}, "not_positive"},
      {"refund for inactive customer",
       {reg, bought, CustomerDeactivated{}},
       RefundPurchase{"r1", "t1", 1000},
       {PurchaseRefunded{"r1", "t1", 1000}}},
      // redeem
      {"redeem",
       {reg, bought, earned},
       RedeemPoints{4, " gift ", "r-9"},
       {PointsRedeemed{4, "gift", "r-9"}}},
      {"redeem the whole balance",
       {reg, bought, earned},
       RedeemPoints{10, "", ""},
       {PointsRedeemed{10, "", ""}}},
      {"redeem beyond the balance",
       {reg, bought, earned},
       RedeemPoints{11, "", ""},
       {},
       "insufficient_points"},
      {"redeem zero", {reg, bought, earned}, RedeemPoints{0, "", ""}, {}, "not_positive"},
      {"redeem inactive",
       {reg, bought, earned, CustomerDeactivated{}},
       RedeemPoints{1, "", ""},
       {},
       "customer_inactive"},
      {"redeem with loyalty off",
       {reg, bought, earned},
       RedeemPoints{1, "", ""},
       {},
       "module_disabled",
       With(Module::kLoyaltyPoints)},
      {"redeem with a long note",
       {reg, bought, earned},
       RedeemPoints{1, std::string(501, 'n'), ""},
       {},
       "too_long"},
      // adjust points
      {"adjust points up",
       {reg},
       AdjustPoints{25, "welcome bonus"},
       {PointsAdjusted{25, "welcome bonus"}}},
      {"adjust points down",
       {reg, bought, earned},
       AdjustPoints{-10, "fix"},
       {PointsAdjusted{-10, "fix"}}},
      {"adjust points below zero",
       {reg, bought, earned},
       AdjustPoints{-11, "fix"},
       {},
       "insufficient_points"},
      {"adjust points without note", {reg}, AdjustPoints{5, "  "}, {}, "note_required"},
      {"adjust points by zero", {reg}, AdjustPoints{0, "x"}, {}, "zero"},
      {"adjust points huge", {reg}, AdjustPoints{kMaxPoints + 1, "x"}, {}, "too_large"},
      {"adjust points with loyalty off",
       {reg},
       AdjustPoints{5, "x"},
       {},
       "module_disabled",
       With(Module::kLoyaltyPoints)},
      // top up
      {"top up", {reg}, TopUpCredit{500, "p1", "cash"}, {CreditToppedUp{500, "p1", "cash"}}},
      {"top up retried is a no-op", {reg, topped}, TopUpCredit{500, "p1", "cash"}, {}},
      {"top up payment reused",
       {reg, topped},
       TopUpCredit{700, "p1", ""},
       {},
       "payment_already_recorded"},
      {"top up without payment", {reg}, TopUpCredit{500, "", ""}, {}, "required"},
      {"top up negative", {reg}, TopUpCredit{-500, "p1", ""}, {}, "not_positive"},
      {"top up huge", {reg}, TopUpCredit{kMaxAmount + 1, "p1", ""}, {}, "too_large"},
      {"top up inactive",
       {reg, CustomerDeactivated{}},
       TopUpCredit{500, "p1", ""},
       {},
       "customer_inactive"},
      {"top up with credits off",
       {reg},
       TopUpCredit{500, "p1", ""},
       {},
       "module_disabled",
       With(Module::kCustomerCredits)},
      {"top up overflowing",
       {reg, CreditAdjusted{INT64_MAX - 5, "x"}},
       TopUpCredit{500, "p2", ""},
       {},
       "overflow"},
      // deduct
      {"deduct",
       {reg, topped},
       DeductCredit{200, "coffee", "t7"},
       {CreditDeducted{200, "coffee", "t7"}}},
      {"deduct the whole balance",
       {reg, topped},
       DeductCredit{500, "", ""},
       {CreditDeducted{500, "", ""}}},
      {"deduct beyond the balance",
       {reg, topped},
       DeductCredit{501, "", ""},
       {},
       "insufficient_credit"},
      {"deduct zero", {reg, topped}, DeductCredit{0, "", ""}, {}, "not_positive"},
      {"deduct inactive",
       {reg, topped, CustomerDeactivated{}},
       DeductCredit{1, "", ""},
       {},
       "customer_inactive"},
      {"deduct with credits off",
       {reg, topped},
       DeductCredit{1, "", ""},
       {},
       "module_disabled",
       With(Module::kCustomerCredits)},
      // adjust credit
      {"adjust credit", {reg}, AdjustCredit{300, "goodwill"}, {CreditAdjusted{300, "goodwill"}}},
      {"adjust credit below zero",
       {reg, topped},
       AdjustCredit{-501, "fix"},
       {},
       "insufficient_credit"},
      {"adjust credit without note", {reg}, AdjustCredit{300, ""}, {}, "note_required"},
      {"adjust credit by zero", {reg}, AdjustCredit{0, "x"}, {}, "zero"},
      {"adjust credit with credits off",
       {reg},
       AdjustCredit{1, "x"},
       {},
       "module_disabled",
       With(Module::kCustomerCredits)},
      {"any command with customers off",
       {reg},
       DeactivateCustomer{},
       {},
       "module_disabled",
       With(Module::kCustomers)},
      // consent
      {"register with consent",
       {},
       RegisterWithConsent({{ConsentChannel::kEmail, true}, {ConsentChannel::kSms, false}}),
       {reg, Consent(ConsentChannel::kEmail, true, ConsentSource::kRegister),
        Consent(ConsentChannel::kSms, false, ConsentSource::kRegister)}},
      {"register with a channel twice",
       {},
       RegisterWithConsent({{ConsentChannel::kEmail, true}, {ConsentChannel::kEmail, false}}),
       {},
       "duplicate_channel"},
      {"grant email consent",
       {reg},
       SetConsent{{{ConsentChannel::kEmail, true}}, ConsentSource::kHq},
       {Consent(ConsentChannel::kEmail, true, ConsentSource::kHq)}},
      {"decline when never asked is recorded",
       {reg},
       SetConsent{{{ConsentChannel::kSms, false}}, ConsentSource::kStore},
       {Consent(ConsentChannel::kSms, false, ConsentSource::kStore)}},
      {"withdraw and keep",
       {reg, Consent(ConsentChannel::kEmail, true, ConsentSource::kRegister)},
       SetConsent{{{ConsentChannel::kEmail, true}, {ConsentChannel::kSms, false}},
                  ConsentSource::kHq},
       {Consent(ConsentChannel::kSms, false, ConsentSource::kHq)}},
      {"withdraw",
       {reg, Consent(ConsentChannel::kEmail, true, ConsentSource::kRegister)},
       SetConsent{{{ConsentChannel::kEmail, false}}, ConsentSource::kHq},
       {Consent(ConsentChannel::kEmail, false, ConsentSource::kHq)}},
      {"the same consent again is a no-op",
       {reg, Consent(ConsentChannel::kEmail, true, ConsentSource::kRegister)},
       SetConsent{{{ConsentChannel::kEmail, true}}, ConsentSource::kHq},
       {}},
      {"consent of an inactive customer",
       {reg, CustomerDeactivated{}},
       SetConsent{{{ConsentChannel::kEmail, false}}, ConsentSource::kHq},
       {Consent(ConsentChannel::kEmail, false, ConsentSource::kHq)}},
      {"consent without a channel", {reg}, SetConsent{}, {}, "empty_consent"},
      {"consent of a channel twice",
       {reg},
       SetConsent{{{ConsentChannel::kSms, true}, {ConsentChannel::kSms, true}}},
       {},
       "duplicate_channel"},
      {"consent of an unknown customer",
       {},
       SetConsent{{{ConsentChannel::kSms, true}}},
       {},
       "customer_not_found"},
      // Erasure (crypto-shredding): refused with credit unless written off.
      {"erase",
       {reg, bought},
       EraseCustomer{"customer request", false},
       {CustomerErased{"customer request"}}},
      {"erase needs a reason", {reg}, EraseCustomer{"  ", false}, {}, "note_required"},
      {"erase refused while credit is held",
       {reg, topped},
       EraseCustomer{"asked", false},
       {},
       "credit_held"},
      {"erase writes the credit off",
       {reg, topped},
       EraseCustomer{"asked", true},
       {CreditAdjusted{-500, "credit written off on erasure"}, CustomerErased{"asked"}}},
      {"erase again changes nothing", {reg, CustomerErased{"asked"}}, EraseCustomer{"asked"}, {}},
      {"a deleted customer can be erased",
       {reg, CustomerDeleted{}},
       EraseCustomer{"asked"},
       {CustomerErased{"asked"}}},
      {"a merged customer can be erased (with its survivor)",
       {reg, CustomerMerged{"0b8a7c1e-4f3d-4c2a-9e1f-2d3c4b5a6979",
                            "0b8a7c1e-4f3d-4c2a-9e1f-2d3c4b5a6978", "CUST-00002", 0, 0, 0, 0}},
       EraseCustomer{"asked"},
       {CustomerErased{"asked"}}},
      {"a merged customer cannot be edited",
       {reg, CustomerMerged{"0b8a7c1e-4f3d-4c2a-9e1f-2d3c4b5a6979",
                            "0b8a7c1e-4f3d-4c2a-9e1f-2d3c4b5a6978", "CUST-00002", 0, 0, 0, 0}},
       ChangeDetails{Patch(DetailField::kFirstName, "Eve")},
       {},
       "customer_merged"},
      {"an erased customer still buys",
       {reg, CustomerErased{"asked"}},
       RecordPurchase{"t9", 1000, 5},
       {PurchaseRecorded{"t9", 1000, 5}, PointsEarned{"t9", 10}}},
      {"an erased customer cannot be edited",
       {reg, CustomerErased{"asked"}},
       ChangeDetails{Patch(DetailField::kFirstName, "Eve")},
       {},
       "customer_erased"},
      {"an erased customer cannot be topped up",
       {reg, CustomerErased{"asked"}},
       TopUpCredit{100, "p9", ""},
       {},
       "customer_erased"},
  };
}

class CustomerDeciderTest : public ::testing::TestWithParam<Case> {};

TEST_P(CustomerDeciderTest, GivenWhenThen) {
  const Case& c = GetParam();
  CustomerState state;
  for (const auto& e : c.given) state = Evolve(std::move(state), e);
  auto result = Decide(state, c.settings, c.when);
  if (!c.refusal.empty()) {
    ASSERT_FALSE(result.has_value()) << "expected refusal " << c.refusal;
    EXPECT_EQ(result.error().reason(), c.refusal) << result.error().ToString();
    EXPECT_FALSE(result.error().message().empty());
    return;
  }
  ASSERT_TRUE(result.has_value()) << result.error().ToString();
  EXPECT_EQ(*result, c.then);
}

INSTANTIATE_TEST_SUITE_P(Commands, CustomerDeciderTest, ::testing::ValuesIn(Cases()),
                         [](const auto& info) {
                           std::string n;
                           for (char ch : info.param.name) n += std::isalnum(ch) ? ch : '_';
                           return n;
                         });

TEST(CustomerEvolve, BalancesFollowTheLedger) {
  CustomerState s;
  for (const CustomerEvent& e : std::vector<CustomerEvent>{
           Registered(), PurchaseRecorded{"t1", 1000, 50}, PointsEarned{"t1", 10},
           PurchaseRecorded{"t2", 500, 40}, CreditToppedUp{900, "p", ""},
           CreditDeducted{300, "", ""}, CreditAdjusted{-100, "x"}, PointsRedeemed{4, "", ""},
           PurchaseRefunded{"r", "t2", 500}, PointsAdjusted{3, "x"}}) {
    s = Evolve(std::move(s), e);
  }
  EXPECT_EQ(s.points, 10 - 4 + 3);
  EXPECT_EQ(s.credit, 900 - 300 - 100);
  EXPECT_EQ(s.total_spent, 1000);
  EXPECT_EQ(s.last_visit_ms, 50);  // the latest paid time, not the latest recorded
  EXPECT_TRUE(s.has_history);
}

TEST(CustomerEvolve, ConsentIsTheLatestStampedChangeOfEachChannel) {
  const CustomerEvent later =
      CustomerConsentChanged{ConsentChannel::kEmail, false, ConsentSource::kHq, Stamp{20, "hq"}};
  const CustomerEvent earlier =
      CustomerConsentChanged{ConsentChannel::kEmail, true, ConsentSource::kStore, Stamp{10, "s01"}};
  const CustomerEvent sms =
      CustomerConsentChanged{ConsentChannel::kSms, true, ConsentSource::kStore, Stamp{5, "s01"}};
  for (const auto& order :
       std::vector<std::vector<CustomerEvent>>{{later, earlier, sms}, {sms, earlier, later}}) {
    CustomerState s = Evolve({}, Registered());
    for (const CustomerEvent& e : order) s = Evolve(std::move(s), e);
    EXPECT_EQ(s.consents[ConsentChannel::kEmail].state, ConsentState::kWithdrawn);
    EXPECT_EQ(s.consents[ConsentChannel::kEmail].source, ConsentSource::kHq);
    EXPECT_EQ(s.consents[ConsentChannel::kSms].state, ConsentState::kGranted);
    EXPECT_EQ(s.stamps.max_hlc, 20);  // the next edit is stamped after every consent seen
  }
  CustomerState never = Evolve({}, Registered());
  EXPECT_EQ(never.consents[ConsentChannel::kSms].state, ConsentState::kNeverAsked);
}

TEST(CustomerEvolve, ProgramChangeIsNotRetroactive) {
  SettingsState settings;
  CustomerState s = Evolve(CustomerState{}, Registered());
  auto first = Decide(s, settings, RecordPurchase{"t1", 1000, 1});
  ASSERT_TRUE(first);
  for (const auto& e : *first) s = Evolve(std::move(s), e);
  settings.program = {3, 100, Rounding::kFloor};
  auto second = Decide(s, settings, RecordPurchase{"t2", 1000, 2});
  ASSERT_TRUE(second);
  for (const auto& e : *second) s = Evolve(std::move(s), e);
  EXPECT_EQ(s.purchases["t1"].points_earned, 10);
  EXPECT_EQ(s.purchases["t2"].points_earned, 30);
  EXPECT_EQ(s.points, 40);
}

}  // namespace
}  // namespace clientele
