// librdkafka configurations from property maps, the node's own defaults
// overridden by the operator's `kafka.*` settings.
#pragma once

#include <map>
#include <string>

#include "domain/status.h"

typedef struct rd_kafka_conf_s rd_kafka_conf_t;

namespace clientele {

using KafkaProperties = std::map<std::string, std::string>;

// A new configuration with `defaults`, then `overrides`, set. InvalidArgument
// naming "kafka.<property>" for a property librdkafka refuses.
Result<rd_kafka_conf_t*> KafkaConf(KafkaProperties defaults, const KafkaProperties& overrides);

}  // namespace clientele
