#include "consumers/kafka_conf.h"

#include <librdkafka/rdkafka.h>

namespace clientele {

Result<rd_kafka_conf_t*> KafkaConf(KafkaProperties defaults, const KafkaProperties& overrides) {
  for (const auto& [k, v] : overrides) defaults[k] = v;
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  for (const auto& [k, v] : defaults) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return Error(Status::InvalidArgument("kafka." + k, "invalid_kafka_setting", err));
    }
  }
  return conf;
}

}  // namespace clientele
