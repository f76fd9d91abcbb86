#include "consumers/replicator.h"

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <thread>
#include <unordered_set>

#include "consumers/cloud_event.h"
#include "consumers/kafka_conf.h"

namespace clientele {

namespace {

constexpr std::size_t kMaxBatch = 1000;

}  // namespace

struct Replicator::Impl {
  EventStore* log = nullptr;
  ReplicatorOptions options;
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

  // Copies the message to the dead-letter topic with the reason.
  void DeadLetter(const rd_kafka_message_t* m, const std::string& reason, ReplicatorStats* batch) {
    rd_kafka_headers_t* original = nullptr;
    rd_kafka_headers_t* h = rd_kafka_message_headers(m, &original) == RD_KAFKA_RESP_ERR_NO_ERROR
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
        RD_KAFKA_V_KEY(m->key, m->key_len), RD_KAFKA_V_VALUE(m->payload, m->len),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) rd_kafka_headers_destroy(h);
    ++batch->dead_letters;
    Log("dead letter: message " + where + " -> " + options.dead_letter_topic + ": " + reason);
  }

  // Appends `events` durably; retries storage failures until they clear or
  // the replicator stops. True once durable.
  bool AppendDurably(std::vector<RecordedEvent>* events, std::vector<RecordedEvent>* fresh,
                     ReplicatorStats* batch) {
    for (int attempt = 0; !stopping.load(); ++attempt) {
      const std::uint64_t head = log->Head();
      auto appended = log->AppendReplicated(*events);
      if (appended) {
        for (std::size_t i = 0; i < events->size(); ++i) {
          if (appended->positions[i] > head) {
            (*events)[i].position = appended->positions[i];
            fresh->push_back(std::move((*events)[i]));
          }
        }
        batch->appended += fresh->size();
        batch->duplicates += events->size() - fresh->size();
        return true;
      }
      Count(&ReplicatorStats::storage_retries);
      Log("appending " + std::to_string(events->size()) +
          " replicated events failed, retrying: " + appended.error().ToString());
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::min(1000, 50 << std::min(attempt, 4))));
    }
    return false;
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

  void Handle(const std::vector<rd_kafka_message_t*>& batch) {
    std::vector<RecordedEvent> events;
    std::unordered_set<std::string> ids;
    rd_kafka_topic_partition_list_t* offsets = rd_kafka_topic_partition_list_new(8);
    bool dead = false;
    ReplicatorStats counted;
    for (rd_kafka_message_t* m : batch) {
      if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
          Log(std::string("consumer: ") + rd_kafka_message_errstr(m));
        }
        continue;
      }
      ++counted.messages;
      // The offset to commit: past this message (the last per partition wins).
      rd_kafka_topic_partition_list_add(offsets, rd_kafka_topic_name(m->rkt), m->partition)
          ->offset = m->offset + 1;
      auto event = FromMessage(m);
      if (!event) {
        DeadLetter(m, event.error().ToString(), &counted);
        dead = true;
        continue;
      }
      if (event->origin == options.node && log->FindById(event->id)) {
        ++counted.echoes;
        ++counted.duplicates;
        continue;
      }
      if (!ids.insert(event->id).second) {
        ++counted.duplicates;
        continue;
      }
      events.push_back(std::move(*event));
    }
    std::vector<RecordedEvent> fresh;
    const bool durable = events.empty() || AppendDurably(&events, &fresh, &counted);
    if (dead) rd_kafka_flush(dead_letters, 10000);
    if (durable) {
      if (!fresh.empty() && options.after_append) options.after_append(fresh);
      if (offsets->cnt > 0) rd_kafka_offsets_store(consumer, offsets);
    }
    Publish(counted);
    rd_kafka_topic_partition_list_destroy(offsets);
  }
};

Replicator::Replicator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Replicator::~Replicator() = default;

Result<std::unique_ptr<Replicator>> Replicator::Start(EventStore* log, ReplicatorOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->log = log;
  impl->options = std::move(options);
  const ReplicatorOptions& o = impl->options;
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
