#include "consumers/replicator.h"

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>

#include "consumers/cloud_event.h"
#include "consumers/kafka_conf.h"
#include "eventstore/system_clock.h"

namespace clientele {

namespace {

constexpr std::size_t kMaxBatch = 1000;

}  // namespace

struct Replicator::Impl {
  EventStore* log = nullptr;
  ReplicatorOptions options;
  std::unique_ptr<Admission> admission;
  rd_kafka_t* consumer = nullptr;
  rd_kafka_t* dead_letters = nullptr;  // a producer for the dead-letter topic

  mutable std::mutex stats_mu;
  ReplicatorStats counts;
  std::atomic<bool> stopping{false};
  std::thread thread;

  ~Impl() {
    stopping = true;
    if (thread.joinable()) thread.join();
    if (consumer != nullptr) {
      rd_kafka_consumer_close(consumer);  // commits the stored offsets
      rd_kafka_destroy(consumer);
    }
    if (dead_letters != nullptr) {
      rd_kafka_flush(dead_letters, 5000);
      rd_kafka_destroy(dead_letters);
    }
  }

  void Log(const std::string& line) {
    if (options.log) {
      options.log(line);
    } else {
      std::fprintf(stderr, "clientele: replicator: %s\n", line.c_str());
    }
  }

  void Count(std::uint64_t ReplicatorStats::*field, std::uint64_t n = 1) {
    std::lock_guard lock(stats_mu);
    counts.*field += n;
  }

  // Adds a handled batch's counts, all at once: whoever sees a message
  // counted also sees what became of it.
  void Publish(const ReplicatorStats& batch) {
    std::lock_guard lock(stats_mu);
    counts.messages += batch.messages;
    counts.appended += batch.appended;
    counts.duplicates += batch.duplicates;
    counts.echoes += batch.echoes;
    counts.dead_letters += batch.dead_letters;
  }

  // Copies the message to the dead-letter topic with the reason. An
  // oversize message goes without its headers and value (its size is in the
  // reason), so the dead-letter topic stays as bounded as the limit.
  void DeadLetter(const rd_kafka_message_t* m, const std::string& reason, ReplicatorStats* batch) {
    const bool whole = MessageBytes(m) <= options.max_message_bytes;
    rd_kafka_headers_t* original = nullptr;
    rd_kafka_headers_t* h =
        whole && rd_kafka_message_headers(m, &original) == RD_KAFKA_RESP_ERR_NO_ERROR
            ? rd_kafka_headers_copy(original)
            : rd_kafka_headers_new(4);
    const std::string topic = rd_kafka_topic_name(m->rkt);
    const std::string where =
        topic + "/" + std::to_string(m->partition) + "@" + std::to_string(m->offset);
    rd_kafka_header_add(h, "clientele_error", -1, reason.data(),
                        static_cast<ssize_t>(reason.size()));
    rd_kafka_header_add(h, "clientele_source", -1, where.data(),
                        static_cast<ssize_t>(where.size()));
    rd_kafka_header_add(h, "clientele_node", -1, options.node.data(),
                        static_cast<ssize_t>(options.node.size()));
    rd_kafka_resp_err_t err = rd_kafka_producev(
        dead_letters, RD_KAFKA_V_TOPIC(options.dead_letter_topic.c_str()),
        RD_KAFKA_V_KEY(m->key, std::min<std::size_t>(m->key_len, 1024)),
        RD_KAFKA_V_VALUE(whole ? m->payload : nullptr, whole ? m->len : 0),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) rd_kafka_headers_destroy(h);
    ++batch->dead_letters;
    Log("dead letter: message " + where + " -> " + options.dead_letter_topic + ": " + reason);
  }

  // Sleeps before storage retry number `attempt`.
  static void Backoff(int attempt) {
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::min(1000, 50 << std::min(attempt, 4))));
  }

  void Run() {
    std::vector<rd_kafka_message_t*> batch;
    while (!stopping.load()) {
      rd_kafka_message_t* first = rd_kafka_consumer_poll(consumer, 100);
      if (first == nullptr) continue;
      batch.push_back(first);
      while (batch.size() < kMaxBatch) {
        rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer, 0);
        if (m == nullptr) break;
        batch.push_back(m);
      }
      Handle(batch);
      for (rd_kafka_message_t* m : batch) rd_kafka_message_destroy(m);
      batch.clear();
    }
  }

  // What became of one message.
  struct Decision {
    rd_kafka_message_t* message = nullptr;
    std::optional<RecordedEvent> event;  // set: to append
    std::string dead;                    // set: the reason it is a dead letter
  };

  // Decides every message of the batch; Unavailable if the log could not be
  // read (nothing is sent or appended then).
  Status Decide(const std::vector<rd_kafka_message_t*>& batch, std::vector<Decision>* out,
                ReplicatorStats* counted) {
    out->clear();
    *counted = {};
    if (Status s = admission->BeginBatch(); !s.ok()) return s;
    for (rd_kafka_message_t* m : batch) {
      if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
      ++counted->messages;
      Decision& d = out->emplace_back();
      d.message = m;
      if (MessageBytes(m) > options.max_message_bytes) {
        d.dead = "oversize: the message has " + std::to_string(MessageBytes(m)) +
                 " bytes; the limit is " + std::to_string(options.max_message_bytes);
        continue;
      }
      auto event = FromMessage(m);
      if (!event) {
        d.dead = "malformed_message: " + event.error().message();
        continue;
      }
      auto verdict = admission->Check(*event, options.channel);
      if (!verdict) {
        if (verdict.error().code() == StatusCode::kUnavailable) return verdict.error();
        d.dead = verdict.error().reason() + ": " + verdict.error().message();
        continue;
      }
      if (*verdict == Verdict::kDuplicate) {
        ++counted->duplicates;
        if (event->origin == options.node) ++counted->echoes;
        continue;
      }
      d.event = std::move(*event);
    }
    return Status::OK();
  }

  static std::size_t MessageBytes(const rd_kafka_message_t* m) {
    std::size_t n = m->len + m->key_len;
    rd_kafka_headers_t* h = nullptr;
    if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* name = nullptr;
      const void* value = nullptr;
      size_t size = 0;
      for (size_t i = 0; rd_kafka_header_get_all(h, i, &name, &value, &size) == 0; ++i) {
        n += std::strlen(name) + size;
      }
    }
    return n;
  }

  // Appends the admitted events durably, retrying storage failures until they
  // clear or the replicator stops. An event the log refuses as a conflict
  // (which Admission should have caught) becomes a dead letter. True once
  // everything is durable or dead.
  bool AppendDurably(std::vector<Decision>* decisions, std::vector<RecordedEvent>* fresh,
                     ReplicatorStats* batch) {
    std::vector<Decision*> pending;
    for (Decision& d : *decisions) {
      if (d.event) pending.push_back(&d);
    }
    if (pending.empty()) return true;
    for (int attempt = 0; !stopping.load(); ++attempt) {
      std::vector<RecordedEvent> events;
      for (Decision* d : pending) events.push_back(*d->event);
      const std::uint64_t head = log->Head();
      // The keys the events came with are durable first; if they cannot be
      // made so, nothing is appended and the batch is tried again.
      Status keys = admission->PersistKeys();
      auto appended = keys.ok() ? log->AppendReplicated(events) : Result<AppendResult>(Error(keys));
      if (appended) {
        for (std::size_t i = 0; i < events.size(); ++i) {
          if (appended->positions[i] > head) {
            events[i].position = appended->positions[i];
            fresh->push_back(std::move(events[i]));
          }
        }
        batch->appended += fresh->size();
        batch->duplicates += events.size() - fresh->size();
        return true;
      }
      if (appended.error().code() == StatusCode::kConflict && pending.size() > 1) {
        // Find the one(s) refused: append each alone.
        for (Decision* d : pending) {
          std::vector<Decision> one;
          one.push_back(std::move(*d));
          if (!AppendDurably(&one, fresh, batch)) return false;
          *d = std::move(one[0]);
        }
        return true;
      }
      if (appended.error().code() == StatusCode::kConflict) {
        pending[0]->dead = appended.error().reason() + ": " + appended.error().message();
        pending[0]->event.reset();
        return true;
      }
      Count(&ReplicatorStats::storage_retries);
      Log("appending " + std::to_string(events.size()) +
          " replicated events failed, retrying: " + appended.error().ToString());
      Backoff(attempt);
    }
    return false;
  }

  void Handle(const std::vector<rd_kafka_message_t*>& batch) {
    std::vector<Decision> decisions;
    ReplicatorStats counted;
    for (int attempt = 0;; ++attempt) {
      Status s = Decide(batch, &decisions, &counted);
      if (s.ok()) break;
      if (stopping.load()) return;
      Count(&ReplicatorStats::storage_retries);
      Log("checking " + std::to_string(batch.size()) +
          " replicated messages failed, retrying: " + s.ToString());
      Backoff(attempt);
    }
    std::vector<RecordedEvent> fresh;
    if (!AppendDurably(&decisions, &fresh, &counted)) return;  // stopping: redelivered later
    bool dead = false;
    for (const Decision& d : decisions) {
      if (d.dead.empty()) continue;
      DeadLetter(d.message, d.dead, &counted);
      dead = true;
    }
    if (dead) rd_kafka_flush(dead_letters, 10000);
    if (!fresh.empty() && options.after_append) options.after_append(fresh);
    rd_kafka_topic_partition_list_t* offsets = rd_kafka_topic_partition_list_new(8);
    for (rd_kafka_message_t* m : batch) {
      if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
          Log(std::string("consumer: ") + rd_kafka_message_errstr(m));
        }
        continue;
      }
      // The offset to commit: past this message (the last per partition wins).
      rd_kafka_topic_partition_list_add(offsets, rd_kafka_topic_name(m->rkt), m->partition)
          ->offset = m->offset + 1;
    }
    if (offsets->cnt > 0) rd_kafka_offsets_store(consumer, offsets);
    rd_kafka_topic_partition_list_destroy(offsets);
    Publish(counted);
  }
};

Replicator::Replicator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Replicator::~Replicator() = default;

Result<std::unique_ptr<Replicator>> Replicator::Start(EventStore* log, ReplicatorOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->log = log;
  impl->options = std::move(options);
  const ReplicatorOptions& o = impl->options;
  AdmissionOptions admission;
  admission.node = o.node;
  admission.hq_key = o.hq_key;
  admission.clock = o.clock != nullptr ? o.clock : SystemClock::Default();
  admission.max_skew_ms = o.max_skew_ms;
  admission.take_key = o.take_key;
  admission.persist_keys = o.persist_keys;
  impl->admission = std::make_unique<Admission>(log, std::move(admission));
  auto producer_conf = KafkaConf(
      {
          {"bootstrap.servers", o.bootstrap},
          {"enable.idempotence", "true"},
          {"message.timeout.ms", "0"},
          {"log_level", "3"},
      },
      o.kafka);
  if (!producer_conf) return Error(producer_conf.error());
  char err[512];
  impl->dead_letters = rd_kafka_new(RD_KAFKA_PRODUCER, *producer_conf, err, sizeof(err));
  if (impl->dead_letters == nullptr) {
    return Error(Status::Unavailable(std::string("cannot create the Kafka producer: ") + err));
  }
  auto consumer_conf = KafkaConf(
      {
          {"bootstrap.servers", o.bootstrap},
          {"group.id", o.group_id},
          {"enable.auto.offset.store", "false"},  // stored only once durable
          {"enable.auto.commit", "true"},
          {"auto.commit.interval.ms", "1000"},
          {"auto.offset.reset", "earliest"},
          {"fetch.wait.max.ms", "10"},
          // A message up to 64 MiB is fetched whole, so that one larger than
          // the limit is dead-lettered rather than stalling its partition.
          {"max.partition.fetch.bytes", "67108864"},
          {"fetch.max.bytes", "67108864"},
          {"receive.message.max.bytes", "68157440"},
          // One consumer per node: after a crash its partitions come back to it
          // when it restarts, or after this long.
          {"session.timeout.ms", "10000"},
          {"heartbeat.interval.ms", "1000"},
          {"log_level", "3"},
      },
      o.kafka);
  if (!consumer_conf) return Error(consumer_conf.error());
  impl->consumer = rd_kafka_new(RD_KAFKA_CONSUMER, *consumer_conf, err, sizeof(err));
  if (impl->consumer == nullptr) {
    return Error(Status::Unavailable(std::string("cannot create the Kafka consumer: ") + err));
  }
  rd_kafka_poll_set_consumer(impl->consumer);
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, o.topic.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t e = rd_kafka_subscribe(impl->consumer, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Error(
        Status::Unavailable("cannot subscribe to " + o.topic + ": " + rd_kafka_err2str(e)));
  }
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->Run(); });
  return std::unique_ptr<Replicator>(new Replicator(std::move(impl)));
}

ReplicatorStats Replicator::stats() const {
  std::lock_guard lock(impl_->stats_mu);
  return impl_->counts;
}

}  // namespace clientele
