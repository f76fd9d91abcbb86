// The replicator over the embedded broker: foreign events are appended once,
// echoes and duplicates change nothing, bad messages go to the dead-letter
// topic without holding up the partition, and committed offsets survive a
// restart. Also HQ's overdraft check.
#include "consumers/replicator.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <thread>

#include "consumers/cloud_event.h"
#include "consumers/embedded_broker.h"
#include "consumers/overdraft.h"
#include "domain/event_codec.h"
#include "domain/ids.h"
#include "eventstore/atomic_file.h"
#include "eventstore/uuid.h"
#include "tests/consumers/kafka_test_util.h"
#include "tests/consumers/signed_events.h"
#include "tests/consumers/test_producer.h"
#include "tests/test_util.h"
#include "tests/test_util_process.h"

namespace clientele::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kEvents = "clientele.events";

Origins& Nodes() {
  static Origins origins;
  return origins;
}

// An event as another node recorded and signed it.
RecordedEvent Foreign(const std::string& customer, const CustomerEvent& event,
                      const std::string& origin = "hq") {
  return Nodes().Signed(Nodes().Customer(origin, customer, event));
}

CustomerRegistered Registration(const std::string& id) {
  CustomerDetails d;
  d[DetailField::kFirstName] = "Ada";
  d[DetailField::kLastName] = "Lovelace";
  return CustomerRegistered{id, "CUST-00001", d, ""};
}

class ReplicatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto broker = EmbeddedBroker::Start();
    ASSERT_TRUE(broker);
    broker_ = std::move(*broker);
    ASSERT_TRUE(broker_->CreateTopic("clientele.events", 2).ok());
    ASSERT_TRUE(broker_->CreateTopic("clientele.dead-letter", 1).ok());
    auto store = EventStore::Open({.path = dir_.sub("s01"), .origin = "s01", .sync = false});
    ASSERT_TRUE(store);
    store_ = std::move(*store);
  }

  std::unique_ptr<Replicator> StartReplicator() {
    ReplicatorOptions o;
    o.bootstrap = broker_->bootstrap();
    o.topic = "clientele.events";
    o.group_id = "clientele-s01";
    o.node = "s01";
    o.channel = Channel::kEvents;
    o.hq_key = Nodes().Key("hq").public_key();
    o.log = [this](std::string_view line) {
      std::lock_guard lock(mu_);
      lines_.emplace_back(line);
    };
    auto r = Replicator::Start(store_.get(), std::move(o));
    EXPECT_TRUE(r) << r.error().ToString();
    return r ? std::move(*r) : nullptr;
  }

  TempDir dir_;
  std::unique_ptr<EmbeddedBroker> broker_;
  std::unique_ptr<EventStore> store_;
  std::mutex mu_;
  std::vector<std::string> lines_;
};

TEST_F(ReplicatorTest, AppendsOnceSkipsEchoesAndDeadLettersWhatItCannotRead) {
  const std::string customer = NewUuid();
  Producer producer(broker_->bootstrap());
  // This store's own event, already in its log, will come back as an echo.
  NewEvent own;
  own.id = NewUuid();
  own.type = "customer.registered";
  own.data = EncodePayload(CustomerEvent(Registration(NewUuid())));
  auto local = store_->Append(CustomerStream(NewUuid()), ExpectedVersion::Any(), {own});
  ASSERT_TRUE(local);
  auto own_recorded = store_->FindById(own.id);
  ASSERT_TRUE(own_recorded);

  RecordedEvent registered = Foreign(customer, Registration(customer));
  RecordedEvent topped = Foreign(customer, CreditToppedUp{500, "p1", ""});
  producer.Send(kEvents, registered);
  producer.Send(kEvents, registered);  // a duplicate
  producer.Send(kEvents, *own_recorded);
  // Bad messages on the same key, so on the same partition, before a good one.
  producer.Raw(kEvents, customer, "{}", nullptr);  // no CloudEvents headers at all
  RecordedEvent unknown = Nodes().Customer("hq", customer, CreditToppedUp{1, "x", ""});
  unknown.type = "credit.exploded";
  unknown = Nodes().Signed(unknown);
  producer.Send(kEvents, unknown);
  RecordedEvent garbled = Nodes().Customer("hq", customer, CreditToppedUp{1, "y", ""});
  garbled.data = "not json";
  garbled = Nodes().Signed(garbled);
  producer.Send(kEvents, garbled);
  RecordedEvent misfiled = Foreign(customer, CreditToppedUp{1, "z", ""});
  misfiled.stream = CustomerStream(NewUuid());  // the key no longer matches
  producer.Raw(kEvents, customer, misfiled.data, ToHeaders(misfiled));
  producer.Send(kEvents, topped);  // must still get through

  auto replicator = StartReplicator();
  ASSERT_TRUE(replicator);
  // A message counted is a message handled: its outcome is counted with it.
  ASSERT_TRUE(Eventually([&] { return replicator->stats().messages == 8; }))
      << replicator->stats().messages;
  ASSERT_TRUE(store_->FindById(topped.id).has_value());
  const ReplicatorStats stats = replicator->stats();
  EXPECT_EQ(stats.appended, 2u);
  EXPECT_EQ(stats.echoes, 1u);
  EXPECT_EQ(stats.duplicates, 2u);  // the second copy and the echo
  EXPECT_EQ(stats.dead_letters, 4u);
  EXPECT_EQ(store_->Head(), 3u) << "the own event and the two foreign ones, once each";
  auto stream = store_->ReadStream(CustomerStream(customer), 1, 100);
  ASSERT_TRUE(stream);
  ASSERT_EQ(stream->size(), 2u);
  EXPECT_EQ((*stream)[0].id, registered.id);
  EXPECT_EQ((*stream)[0].origin, "hq");
  EXPECT_EQ((*stream)[0].time_ms, registered.time_ms);
  EXPECT_EQ((*stream)[1].data, topped.data);

  auto dead = Consume(broker_->bootstrap(), "clientele.dead-letter", 4, "reader");
  ASSERT_EQ(dead.size(), 4u);
  std::vector<std::string> reasons;
  for (const Received& r : dead) {
    EXPECT_EQ(r.key, customer);
    EXPECT_EQ(r.headers.at("clientele_node"), "s01");
    EXPECT_TRUE(r.headers.at("clientele_source").starts_with("clientele.events/"));
    reasons.push_back(r.headers.at("clientele_error"));
  }
  EXPECT_NE(reasons[0].find("CloudEvents headers"), std::string::npos) << reasons[0];
  EXPECT_NE(reasons[1].find("credit.exploded"), std::string::npos) << reasons[1];
  EXPECT_NE(reasons[2].find("not a JSON object"), std::string::npos) << reasons[2];
  EXPECT_NE(reasons[3].find("key"), std::string::npos) << reasons[3];
  std::lock_guard lock(mu_);
  EXPECT_EQ(lines_.size(), 4u) << "one log line per dead letter";
}

TEST_F(ReplicatorTest, ARestartResumesAfterTheCommittedOffsets) {
  const std::string customer = NewUuid();
  Producer producer(broker_->bootstrap());
  RecordedEvent registered = Foreign(customer, Registration(customer));
  producer.Send(kEvents, registered);
  {
    auto replicator = StartReplicator();
    ASSERT_TRUE(Eventually([&] { return store_->FindById(registered.id).has_value(); }));
  }  // closing commits the offsets stored after the durable append
  RecordedEvent topped = Foreign(customer, CreditToppedUp{500, "p1", ""});
  producer.Send(kEvents, topped);
  auto replicator = StartReplicator();
  ASSERT_TRUE(Eventually([&] { return replicator->stats().messages >= 1; }));
  // Same key, same partition: a redelivered registration would have come
  // first, in the first batch handled.
  EXPECT_TRUE(store_->FindById(topped.id).has_value());
  EXPECT_EQ(replicator->stats().messages, 1u);
  EXPECT_EQ(replicator->stats().duplicates, 0u);
}

TEST(Overdraft, HqRecordsCreditSpentTwiceOnceAndOnlyThen) {
  TempDir dir;
  auto log = EventStore::Open({.path = dir.path(), .origin = "hq", .sync = false});
  ASSERT_TRUE(log);
  EventStore& hq = **log;
  const std::string id = NewUuid();
  auto local = [&](const CustomerEvent& e) {
    NewEvent n;
    n.id = NewUuid();
    n.type = std::string(EventTypeName(e));
    n.schema = SchemaOf(e);
    n.data = EncodePayload(e);
    ASSERT_TRUE(hq.Append(CustomerStream(id), ExpectedVersion::Any(), {n}));
  };
  local(Registration(id));
  local(CreditToppedUp{10000, "p1", ""});
  // Each store spent what it saw: 80.00 at s01, then 70.00 at s02.
  RecordedEvent first = Foreign(id, CreditDeducted{8000, "", ""}, "s01");
  RecordedEvent second = Foreign(id, CreditDeducted{7000, "", ""}, "s02");
  ASSERT_TRUE(hq.AppendReplicated({first}));
  auto found = RecordOverdrafts(&hq, {first});
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, 0) << "20.00 left: no overdraft";
  ASSERT_TRUE(hq.AppendReplicated({second}));
  found = RecordOverdrafts(&hq, {second});
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, 1);
  found = RecordOverdrafts(&hq, {first, second});
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, 0) << "seen again (a redelivery): recorded once";
  auto stream = hq.ReadStream(CustomerStream(id), 1, 100);
  ASSERT_TRUE(stream);
  ASSERT_EQ(stream->size(), 5u);
  const RecordedEvent& last = stream->back();
  EXPECT_EQ(last.type, "credit.overdraft_detected");
  EXPECT_EQ(last.causation_id, second.id);
  auto decoded = DecodeCustomerEvent(last.type, last.schema, last.data);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(std::get<CreditOverdraftDetected>(*decoded),
            (CreditOverdraftDetected{second.id, "s02", 5000}));
}

}  // namespace
}  // namespace clientele::testing

namespace clientele::testing {
namespace {

// HQ's log with `customers` customers, each with 100 of credit spent twice:
// once at HQ, once at s01 while apart. Returns the s01 deductions' ids.
std::vector<std::string> SpentTwice(EventStore* hq, int customers) {
  std::vector<std::string> deductions;
  auto local = [&](const std::string& id, const CustomerEvent& e) {
    NewEvent n;
    n.id = NewUuid();
    n.type = std::string(EventTypeName(e));
    n.schema = SchemaOf(e);
    n.data = EncodePayload(e);
    EXPECT_TRUE(hq->Append(CustomerStream(id), ExpectedVersion::Any(), {n}));
  };
  std::vector<RecordedEvent> from_store;
  for (int i = 0; i < customers; ++i) {
    const std::string id = NewUuid();
    local(id, Registration(id));
    local(id, CreditToppedUp{100, "p" + std::to_string(i), ""});
    local(id, CreditDeducted{100, "", ""});
    from_store.push_back(Foreign(id, CreditDeducted{100, "", ""}, "s01"));
    deductions.push_back(from_store.back().id);
  }
  EXPECT_TRUE(hq->AppendReplicated(from_store));
  return deductions;
}

std::size_t Overdrafts(EventStore* log) {
  std::size_t n = 0;
  EXPECT_TRUE(log->ScanAll(1,
                           [&](const RecordedEvent& e) {
                             n += e.type == "credit.overdraft_detected";
                             return true;
                           })
                  .ok());
  return n;
}

TEST(OverdraftWatch, FollowsTheLogAndRecordsEachOverdraftOnceAcrossRestarts) {
  TempDir dir;
  auto log = EventStore::Open({.path = dir.sub("hq"), .origin = "hq", .sync = false});
  ASSERT_TRUE(log);
  EventStore* hq = log->get();
  SpentTwice(hq, 400);
  const std::string checkpoint = dir.sub("overdraft-checkpoint");
  {
    auto watch =
        OverdraftWatch::Start(hq, checkpoint, dir.sub("references"), [](std::string_view) {});
    ASSERT_TRUE(watch);
    ASSERT_TRUE(Eventually([&] { return (*watch)->recorded() == 400; }));
    ASSERT_TRUE(Eventually([&] { return (*watch)->checked() == hq->Head(); }));
  }
  EXPECT_EQ(Overdrafts(hq), 400u);
  // A crash after the overdrafts were appended but before the checkpoint
  // moved: the next start checks the same events again and adds nothing.
  ASSERT_TRUE(WriteFileAtomically(checkpoint, "0\n").ok());
  {
    auto watch =
        OverdraftWatch::Start(hq, checkpoint, dir.sub("references"), [](std::string_view) {});
    ASSERT_TRUE(watch);
    ASSERT_TRUE(Eventually([&] { return (*watch)->checked() == hq->Head(); }));
    EXPECT_EQ((*watch)->recorded(), 0u);
  }
  EXPECT_EQ(Overdrafts(hq), 400u);
  // More deductions from the store later: found from the checkpoint on.
  SpentTwice(hq, 3);
  auto watch =
      OverdraftWatch::Start(hq, checkpoint, dir.sub("references"), [](std::string_view) {});
  ASSERT_TRUE(watch);
  ASSERT_TRUE(Eventually([&] { return (*watch)->recorded() == 3; }));
  EXPECT_EQ(Overdrafts(hq), 403u);
}

TEST(OverdraftWatch, RefusesACheckpointThatIsNotAPosition) {
  TempDir dir;
  auto log = EventStore::Open({.path = dir.sub("hq"), .origin = "hq", .sync = false});
  ASSERT_TRUE(log);
  ASSERT_TRUE(WriteFileAtomically(dir.sub("cp"), "twelve\n").ok());
  auto watch = OverdraftWatch::Start(log->get(), dir.sub("cp"), dir.sub("references"));
  ASSERT_FALSE(watch);
  EXPECT_EQ(watch.error().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace clientele::testing
