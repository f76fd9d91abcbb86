#include "consumers/outbox_publisher.h"

#include <librdkafka/rdkafka.h>
#include <sys/types.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "consumers/cloud_event.h"
#include "consumers/kafka_conf.h"
#include "eventstore/atomic_file.h"
#include "eventstore/signing.h"

namespace clientele {

namespace {

// The cursor file: the position, then the id of the Kafka cluster it counts
// for (absent in files written before the id was kept).
struct SavedCursor {
  std::uint64_t position = 0;
  std::string cluster;
};

Result<SavedCursor> ReadCursor(const std::string& path) {
  std::ifstream in(path);
  SavedCursor c;
  if (!in) return c;  // never published
  if (!(in >> c.position)) {
    return Error(Status::Corruption("the outbox cursor " + path + " does not hold a position"));
  }
  in >> c.cluster;
  return c;
}

Status WriteCursor(const std::string& path, std::uint64_t position, const std::string& cluster) {
  Status s = WriteFileAtomically(path, std::to_string(position) + "\n" + cluster + "\n");
  if (!s.ok()) return Status::Unavailable("cannot save the outbox cursor " + path);
  return Status::OK();
}

}  // namespace

struct OutboxPublisher::Impl {
  EventStore* log = nullptr;
  PublisherOptions options;
  rd_kafka_t* producer = nullptr;

  mutable std::mutex mu;
  std::set<std::uint64_t> in_flight;  // produced, not yet acknowledged
  std::uint64_t produced = 0;         // the last position handed over (or skipped)
  std::uint64_t saved = 0;            // the cursor on disk
  bool failed = false;                // a delivery failed: resume from the cursor
  std::string saved_cluster;          // the cluster the saved cursor counts for
  std::string cluster;                // the cluster met (set by the publishing thread)

  // Events published again for gap repair (Republish): delivery reports
  // carry kRepublished | batch number instead of a log position.
  static constexpr std::uintptr_t kRepublished = std::uintptr_t{1} << 63;
  struct Again {
    std::size_t pending = 0;
    bool failed = false;
  };
  std::map<std::uint64_t, Again> again;  // by batch number; guarded by mu
  std::uint64_t next_again = 0;
  std::condition_variable again_cv;

  std::atomic<bool> stopping{false};
  std::thread thread;

  ~Impl() {
    stopping = true;
    if (thread.joinable()) thread.join();
    if (producer != nullptr) {
      rd_kafka_flush(producer, 5000);
      rd_kafka_poll(producer, 0);
      SaveCursor();
      rd_kafka_destroy(producer);
    }
  }

  std::uint64_t Cursor() const {
    std::lock_guard lock(mu);
    return in_flight.empty() ? produced : *in_flight.begin() - 1;
  }

  void SaveCursor() {
    const std::uint64_t c = Cursor();
    if (c == saved || cluster.empty()) return;
    if (Status s = WriteCursor(options.cursor_path, c, cluster); !s.ok()) {
      std::fprintf(stderr, "clientele: outbox: %s\n", s.ToString().c_str());
      return;
    }
    saved = c;
  }

  static void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    const auto position = reinterpret_cast<std::uintptr_t>(m->_private);
    std::lock_guard lock(self->mu);
    if ((position & kRepublished) != 0) {
      auto it = self->again.find(position & ~kRepublished);
      if (it == self->again.end()) return;
      if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) it->second.failed = true;
      --it->second.pending;
      self->again_cv.notify_all();
      return;
    }
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::fprintf(stderr, "clientele: outbox: event %llu not delivered: %s\n",
                   static_cast<unsigned long long>(position), rd_kafka_err2str(m->err));
      self->failed = true;  // stays in flight: the cursor stops before it
      return;
    }
    self->in_flight.erase(position);
  }

  // Hands one event to librdkafka, its delivery reported with `tag` (its
  // position unless published again). False if the producer refused it.
  bool Produce(const RecordedEvent& e, std::uintptr_t tag = 0) {
    const std::string_view key = MessageKey(e);
    rd_kafka_headers_t* h = ToHeaders(e);
    if (options.carry_key) {
      if (std::string wrapped = options.carry_key(e); !wrapped.empty()) {
        rd_kafka_header_add(h, "clientele_datakey", -1, wrapped.data(),
                            static_cast<ssize_t>(wrapped.size()));
      }
    }
    if (tag == 0) {
      std::lock_guard lock(mu);
      in_flight.insert(e.position);
    }
    rd_kafka_resp_err_t err = rd_kafka_producev(
        producer, RD_KAFKA_V_TOPIC(options.topic.c_str()), RD_KAFKA_V_KEY(key.data(), key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(e.data.data()), e.data.size()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(h),
        // librdkafka's per-message opaque carries the log position to the delivery report.
        // NOLINTNEXTLINE(performance-no-int-to-ptr)
        RD_KAFKA_V_OPAQUE(
            reinterpret_cast<void*>(tag != 0 ? tag : static_cast<std::uintptr_t>(e.position))),
        RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_headers_destroy(h);  // not handed over
      if (tag != 0) return false;
      std::lock_guard lock(mu);
      in_flight.erase(e.position);
      return false;
    }
    return true;
  }

  // Learns which Kafka cluster this is. A cursor counts for the cluster it
  // was saved for: a different one (an embedded broker started afresh, a
  // cluster rebuilt) has none of the events, so they all go out again;
  // consumers drop what they already have by event id.
  bool MeetCluster() {
    const char* id = rd_kafka_clusterid(producer, 1000);
    if (id == nullptr) return false;  // unreachable for now: the events wait
    std::string now(id);
    rd_kafka_mem_free(producer, const_cast<char*>(id));
    std::lock_guard lock(mu);
    if (!saved_cluster.empty() && saved_cluster != now && produced > 0) {
      std::fprintf(stderr,
                   "clientele: outbox: Kafka cluster %s is not %s, which the cursor was for; "
                   "publishing the whole log again\n",
                   now.c_str(), saved_cluster.c_str());
      produced = 0;
      saved = UINT64_MAX;  // save the reset cursor
    }
    cluster = std::move(now);
    return true;
  }

  void Run() {
    while (!stopping.load() && !MeetCluster()) {
    }
    auto sub = log->Subscribe(Cursor());
    auto last_save = std::chrono::steady_clock::now();
    while (!stopping.load()) {
      rd_kafka_poll(producer, 0);
      bool resume = false;
      std::size_t waiting = 0;
      {
        std::lock_guard lock(mu);
        resume = failed;
        waiting = in_flight.size();
      }
      if (resume) {  // start again from the cursor: the failed events go out again
        rd_kafka_flush(producer, 1000);
        std::lock_guard lock(mu);
        failed = false;
        produced = in_flight.empty() ? produced : *in_flight.begin() - 1;
        in_flight.clear();
        sub = log->Subscribe(produced);
        continue;
      }
      if (waiting < options.max_in_flight) {
        auto events = sub->Next(1024, std::chrono::milliseconds(50));
        if (events) {
          if (options.key != nullptr) {
            SignOwn(*options.key, log->origin(), *events, options.sign_batch);
          }
          for (const RecordedEvent& e : *events) {
            const bool publish = options.only_origin.empty() || e.origin == options.only_origin;
            while (publish && !Produce(e) && !stopping.load()) rd_kafka_poll(producer, 100);
            std::lock_guard lock(mu);
            produced = e.position;
          }
        }
      } else {
        rd_kafka_poll(producer, 50);
      }
      if (std::chrono::steady_clock::now() - last_save > std::chrono::milliseconds(100)) {
        SaveCursor();
        last_save = std::chrono::steady_clock::now();
      }
    }
  }
};

OutboxPublisher::OutboxPublisher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OutboxPublisher::~OutboxPublisher() = default;

Result<std::unique_ptr<OutboxPublisher>> OutboxPublisher::Start(EventStore* log,
                                                                PublisherOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->log = log;
  impl->options = std::move(options);
  auto cursor = ReadCursor(impl->options.cursor_path);
  if (!cursor) return Error(cursor.error());
  if (cursor->position > log->Head()) {
    // The log was restored from a backup older than the cursor: everything up
    // to its head was published then; what comes next must not be skipped.
    std::fprintf(stderr, "clientele: outbox: cursor %llu is past the log's head %llu; using %llu\n",
                 static_cast<unsigned long long>(cursor->position),
                 static_cast<unsigned long long>(log->Head()),
                 static_cast<unsigned long long>(log->Head()));
    cursor->position = log->Head();
  }
  impl->produced = impl->saved = cursor->position;
  impl->saved_cluster = cursor->cluster;
  auto made = KafkaConf(
      {
          {"bootstrap.servers", impl->options.bootstrap},
          {"enable.idempotence", "true"},
          {"message.timeout.ms", "0"},  // never give up on a message: the broker may be down long
          {"linger.ms", "5"},
      },
      impl->options.kafka);
  if (!made) return Error(made.error());
  rd_kafka_conf_t* conf = *made;
  char err[512];
  rd_kafka_conf_set_dr_msg_cb(conf, &Impl::OnDelivery);
  rd_kafka_conf_set_opaque(conf, impl.get());
  impl->producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  if (impl->producer == nullptr) {
    return Error(Status::Unavailable(std::string("cannot create the Kafka producer: ") + err));
  }
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->Run(); });
  return std::unique_ptr<OutboxPublisher>(new OutboxPublisher(std::move(impl)));
}

std::uint64_t OutboxPublisher::cursor() const { return impl_->Cursor(); }

Status OutboxPublisher::Republish(std::vector<RecordedEvent> events,
                                  std::chrono::milliseconds timeout) {
  Impl& im = *impl_;
  if (im.options.key != nullptr) {
    SignOwn(*im.options.key, im.log->origin(), events, im.options.sign_batch);
  }
  std::uint64_t batch;
  {
    std::lock_guard lock(im.mu);
    batch = ++im.next_again;
    im.again[batch].pending = events.size();
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  Status outcome;
  for (const RecordedEvent& e : events) {
    while (!im.Produce(e, Impl::kRepublished | batch)) {
      if (std::chrono::steady_clock::now() > deadline) {
        outcome = Status::Unavailable("the Kafka producer's queue stayed full");
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // its thread polls
    }
    if (!outcome.ok()) break;
  }
  std::unique_lock lock(im.mu);
  if (outcome.ok()) {
    Impl::Again& a = im.again[batch];
    if (!im.again_cv.wait_until(lock, deadline, [&] { return a.pending == 0; })) {
      outcome = Status::Unavailable("Kafka did not acknowledge the events published again in time");
    } else if (a.failed) {
      outcome = Status::Unavailable("Kafka refused some of the events published again");
    }
  }
  im.again.erase(batch);
  return outcome;
}

std::uint64_t OutboxPublisher::lag() const {
  const std::uint64_t head = impl_->log->Head(), c = impl_->Cursor();
  return head > c ? head - c : 0;
}

}  // namespace clientele
