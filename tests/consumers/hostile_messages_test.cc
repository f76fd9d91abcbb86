// Hostile messages, sent with a plain Kafka producer on both topics, as a
// store machine or anyone with access to the topics could: each one is
// dead-lettered with its reason, neither node's log changes, and the next
// legitimate message on the same partition is applied.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <climits>

#include "consumers/cloud_event.h"
#include "consumers/embedded_broker.h"
#include "consumers/replicator.h"
#include "domain/clock.h"
#include "tests/consumers/kafka_test_util.h"
#include "tests/consumers/signed_events.h"
#include "tests/consumers/test_producer.h"
#include "tests/test_util.h"
#include "tests/test_util_process.h"

namespace clientele::testing {
namespace {

constexpr const char* kUpstream = "clientele.upstream";
constexpr const char* kEvents = "clientele.events";
constexpr std::int64_t kNow = 1'800'000'000'000;  // the receivers' clock

CustomerDetails Ada() {
  CustomerDetails d;
  d[DetailField::kFirstName] = "Ada";
  d[DetailField::kLastName] = "Lovelace";
  return d;
}

// One hostile message and the reason it must be refused with.
struct Case {
  std::string name;
  const char* topic;
  RecordedEvent event;
  std::string reason;
  std::string raw_value;  // with raw: sent as is, no headers
  bool raw = false;
};

class HostileMessagesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto broker = EmbeddedBroker::Start();
    ASSERT_TRUE(broker);
    broker_ = std::move(*broker);
    // One partition each: every message of a topic is on the same partition.
    for (const char* t : {kUpstream, kEvents, "clientele.dead-letter"}) {
      ASSERT_TRUE(broker_->CreateTopic(t, 1).ok());
    }
    auto hq = EventStore::Open({.path = dir_.sub("hq"), .origin = "hq", .sync = false});
    auto store = EventStore::Open({.path = dir_.sub("s02"), .origin = "s02", .sync = false});
    ASSERT_TRUE(hq && store);
    hq_ = std::move(*hq);
    store_ = std::move(*store);
    // The registry: HQ records it; the store has it by sync, signed by HQ.
    // s01 enrolled; s04's key revoked after its event 2.
    for (const NodeEvent& e : {NodeEvent(NodeKeyEnrolled{"hq", origins_.KeyText("hq")}),
                               NodeEvent(NodeKeyEnrolled{"s01", origins_.KeyText("s01")}),
                               NodeEvent(NodeKeyEnrolled{"s04", origins_.KeyText("s04")}),
                               NodeEvent(NodeKeyRevoked{"s04", origins_.KeyText("s04"), 2})}) {
      NewEvent n;
      n.id = NewUuid();
      n.type = std::string(EventTypeName(e));
      n.data = EncodePayload(e);
      ASSERT_TRUE(hq_->Append(std::string(kNodesStream), ExpectedVersion::Any(), {n}));
      ASSERT_TRUE(store_->AppendReplicated({origins_.Signed(origins_.Node(e))}));
    }
  }

  std::unique_ptr<Replicator> Start(EventStore* log, const std::string& node, const char* topic,
                                    Channel channel) {
    ReplicatorOptions o;
    o.bootstrap = broker_->bootstrap();
    o.topic = topic;
    o.group_id = "clientele-" + node;
    o.node = node;
    o.channel = channel;
    o.hq_key = origins_.Key("hq").public_key();
    o.clock = &clock_;
    o.log = [](std::string_view) {};
    auto r = Replicator::Start(log, std::move(o));
    EXPECT_TRUE(r) << r.error().ToString();
    return r ? std::move(*r) : nullptr;
  }

  RecordedEvent Signed(const std::string& origin, const std::string& customer,
                       const CustomerEvent& event) {
    RecordedEvent e = origins_.Customer(origin, customer, event);
    e.time_ms = kNow - 60'000;
    return origins_.Signed(e);
  }

  TempDir dir_;
  Origins origins_;
  ManualClock clock_{kNow};
  std::unique_ptr<EmbeddedBroker> broker_;
  std::unique_ptr<EventStore> hq_, store_;
};

TEST_F(HostileMessagesTest, EachIsADeadLetterWithItsReasonAndTheNextMessageIsApplied) {
  const std::string known = NewUuid();  // a customer s01 registered, on both nodes
  RecordedEvent registered =
      Signed("s01", known, CustomerRegistered{known, "CUST-S01-00001", Ada(), "s01"});
  ASSERT_TRUE(hq_->AppendReplicated({registered}));
  ASSERT_TRUE(store_->AppendReplicated({registered}));
  const std::uint64_t hq_head = hq_->Head(), store_head = store_->Head();

  std::vector<Case> cases;
  auto add = [&](std::string name, const char* topic, RecordedEvent e, std::string reason) {
    cases.push_back({std::move(name), topic, std::move(e), std::move(reason)});
  };
  const std::string other = NewUuid();
  // Who may say what.
  {
    RecordedEvent e = origins_.Customer("hq", known, CreditAdjusted{5000, "gift"});
    add("an event claiming origin hq, signed by s01", kUpstream, origins_.Signed(e, "s01"),
        "wrong_channel");
  }
  add("a real HQ event sent upstream", kUpstream, Signed("hq", known, CreditAdjusted{5000, "x"}),
      "wrong_channel");
  {
    RecordedEvent e = origins_.Customer("hq", known, CreditAdjusted{5000, "gift"});
    add("an event claiming origin hq, signed by s01", kEvents, origins_.Signed(e, "s01"),
        "unknown_key");
  }
  {
    RecordedEvent e = origins_.Settings(LoyaltyProgramSet{{100, 1, Rounding::kFloor}});
    e.origin = "s01";
    add("a settings change from s01", kUpstream, origins_.Signed(e), "type_not_allowed");
  }
  {
    RecordedEvent e = origins_.Node(NodeKeyEnrolled{"s09", origins_.KeyText("s09")});
    e.origin = "s01";
    add("s01 enrolling a node", kUpstream, origins_.Signed(e), "type_not_allowed");
  }
  add("an overdraft record from s01", kUpstream,
      Signed("s01", known, CreditOverdraftDetected{NewUuid(), "s01", 100}), "type_not_allowed");
  add("a duplicate reversal from s01 (taking back a rival's top-up)", kUpstream,
      Signed("s01", known,
             DuplicateReversed{"top_up", "pay-x", NewUuid(), NewUuid(), "s02", 0, 0, -5000}),
      "type_not_allowed");
  add("s01 registering in s02's code space", kUpstream,
      Signed("s01", other, CustomerRegistered{other, "CUST-S02-00001", Ada(), "s02"}),
      "invalid_payload");
  add("s01 registering with HQ's code", kUpstream,
      Signed("s01", other, CustomerRegistered{other, "CUST-00001", Ada(), "s01"}),
      "invalid_payload");
  add("a registration whose id is not its stream's", kUpstream,
      Signed("s01", other, CustomerRegistered{NewUuid(), "CUST-S01-00002", Ada(), "s01"}),
      "invalid_payload");
  {
    CustomerDetails d = Ada();
    d[DetailField::kFirstName] = "  Ada ";
    add("names a node would have trimmed", kUpstream,
        Signed("s01", other, CustomerRegistered{other, "CUST-S01-00003", d, "s01"}),
        "invalid_payload");
  }
  {
    CustomerDetails d = Ada();
    d[DetailField::kFirstName] =
        "Rene\xCC\x81"
        "e";  // NFD: a node would have stored NFC
    add("a name not in NFC", kUpstream,
        Signed("s01", other, CustomerRegistered{other, "CUST-S01-00004", d, "s01"}),
        "invalid_payload");
    d[DetailField::kFirstName] = "Ada\u202Eecalevol";  // shown as "Adalovelace" reversed
    add("a name with a right-to-left override", kUpstream,
        Signed("s01", other, CustomerRegistered{other, "CUST-S01-00005", d, "s01"}),
        "invalid_payload");
  }
  add("a top-up of 2^63-1", kUpstream, Signed("s01", known, CreditToppedUp{INT64_MAX, "p", ""}),
      "invalid_payload");
  add("a negative top-up", kUpstream, Signed("s01", known, CreditToppedUp{-5000, "p2", ""}),
      "invalid_payload");
  add("a zero adjustment", kUpstream, Signed("s01", known, CreditAdjusted{0, "x"}),
      "invalid_payload");
  add("a negative purchase", kEvents, Signed("s01", known, PurchaseRecorded{"T1", -1, kNow}),
      "invalid_payload");
  {
    RecordedEvent e = origins_.Settings(LoyaltyProgramSet{{1, 0, Rounding::kFloor}});
    add("a program with per_amount 0, from HQ itself", kEvents, origins_.Signed(e),
        "invalid_payload");
    RecordedEvent absurd =
        origins_.Settings(LoyaltyProgramSet{{2'000'000'000, 1, Rounding::kFloor}});
    add("a program with absurd points, from HQ itself", kEvents, origins_.Signed(absurd),
        "invalid_payload");
  }
  {
    DetailsPatch p;
    p[DetailField::kEmail] = "x@example.com";
    add("an edit stamped hlc 2^63-1", kUpstream,
        Signed("s01", known, CustomerDetailsChanged{p, Stamp{INT64_MAX, "s01"}}),
        "invalid_payload");
    add("an edit stamped by another node", kUpstream,
        Signed("s01", known, CustomerDetailsChanged{p, Stamp{kNow * 4096, "s02"}}),
        "invalid_payload");
  }
  {
    RecordedEvent e = origins_.Customer("s01", known, CreditToppedUp{100, "p3", ""});
    e.time_ms = kNow + 10 * 60 * 1000;  // ten minutes ahead; the skew allows five
    add("a time beyond the skew", kUpstream, origins_.Signed(e), "future_time");
  }
  {
    RecordedEvent e = Signed("s01", known, CreditToppedUp{100, "p4", ""});
    e.data = EncodePayload(CustomerEvent(CreditToppedUp{100000, "p4", ""}));
    add("an amount changed after signing", kUpstream, e, "bad_signature");
    RecordedEvent none = origins_.Customer("s01", known, CreditToppedUp{100, "p5", ""});
    add("no signature at all", kEvents, none, "bad_signature");
  }
  add("an unknown node", kUpstream, Signed("s03", known, CreditToppedUp{100, "p6", ""}),
      "unknown_key");
  {
    RecordedEvent e = origins_.Customer("s01", known, CreditToppedUp{100, "p7", ""});
    add("s01's event signed with s04's key", kUpstream, origins_.Signed(e, "s04"), "unknown_key");
  }
  {
    origins_.Customer("s04", known, CreditToppedUp{1, "a", ""});  // s04's events 1 and 2
    origins_.Customer("s04", known, CreditToppedUp{1, "b", ""});
    add("a revoked key, after its last valid event", kUpstream,
        Signed("s04", known, CreditToppedUp{100, "p8", ""}), "revoked_key");
  }
  {
    RecordedEvent e = registered;
    e.data = EncodePayload(CustomerEvent(CustomerRegistered{known, "CUST-S01-00001", Ada(), ""}));
    add("a reused id with other content", kUpstream, origins_.Signed(e), "event_id_reused");
    RecordedEvent reseq = Signed("s01", known, CreditToppedUp{100, "p9", ""});
    reseq.seq = registered.seq;
    add("a reused sequence number", kEvents, origins_.Signed(reseq), "sequence_reused");
    RecordedEvent unsequenced = origins_.Customer("s01", known, CreditToppedUp{100, "pa", ""});
    unsequenced.seq = 0;
    add("no sequence number", kEvents, origins_.Signed(unsequenced), "unsequenced");
    RecordedEvent huge = origins_.Customer("s01", known, CreditToppedUp{100, "pz", ""});
    huge.seq = UINT64_MAX;  // would wrap every node's gap arithmetic
    add("a sequence number of 2^64-1", kUpstream, origins_.Signed(huge), "sequence_out_of_range");
  }
  {
    RecordedEvent big = origins_.Customer("s01", known, CreditToppedUp{100, "pb", ""});
    big.data.append(std::string(2 << 20, ' '));
    add("an oversize message", kUpstream, origins_.Signed(big), "oversize");
  }
  cases.push_back({"a non-event", kUpstream, {}, "malformed_message", "hello", true});
  cases.push_back({"a non-event", kEvents, {}, "malformed_message", std::string(100, '\0'), true});

  Producer producer(broker_->bootstrap());
  std::size_t upstream = 0, events = 0;
  for (const Case& c : cases) {
    if (c.raw) {
      producer.Raw(c.topic, known, c.raw_value, nullptr);
    } else {
      producer.Send(c.topic, c.event);
    }
    ++(c.topic == std::string(kUpstream) ? upstream : events);
  }
  // Then a legitimate message on each topic, the same partition.
  RecordedEvent good_up = Signed("s01", known, CreditToppedUp{700, "good-1", ""});
  RecordedEvent good_down = Signed("s01", known, CreditToppedUp{300, "good-2", ""});
  producer.Send(kUpstream, good_up);
  producer.Send(kEvents, good_down);

  auto at_hq = Start(hq_.get(), "hq", kUpstream, Channel::kUpstream);
  auto at_store = Start(store_.get(), "s02", kEvents, Channel::kEvents);
  ASSERT_TRUE(at_hq && at_store);
  ASSERT_TRUE(Eventually([&] {
    return at_hq->stats().messages == upstream + 1 && at_store->stats().messages == events + 1;
  })) << at_hq->stats().messages
      << " " << at_store->stats().messages;
  EXPECT_EQ(at_hq->stats().dead_letters, upstream);
  EXPECT_EQ(at_store->stats().dead_letters, events);
  EXPECT_EQ(at_hq->stats().appended, 1u);
  EXPECT_EQ(at_store->stats().appended, 1u);
  EXPECT_EQ(hq_->Head(), hq_head + 1) << "only the legitimate top-up";
  EXPECT_EQ(store_->Head(), store_head + 1);
  EXPECT_TRUE(hq_->FindById(good_up.id));
  EXPECT_TRUE(store_->FindById(good_down.id));

  // Each dead letter says why, in the order sent.
  auto dead = Consume(broker_->bootstrap(), "clientele.dead-letter", cases.size(), "reader");
  ASSERT_EQ(dead.size(), cases.size());
  std::map<std::string, std::vector<std::string>> reasons;  // node -> reasons in order
  for (const Received& r : dead) {
    reasons[r.headers.at("clientele_node")].push_back(r.headers.at("clientele_error"));
  }
  std::map<std::string, std::size_t> next;
  for (const Case& c : cases) {
    const std::string node = c.topic == std::string(kUpstream) ? "hq" : "s02";
    const std::size_t i = next[node]++;
    ASSERT_LT(i, reasons[node].size());
    EXPECT_TRUE(reasons[node][i].starts_with(c.reason))
        << c.name << " at " << node << ": " << reasons[node][i];
  }
}

}  // namespace
}  // namespace clientele::testing
