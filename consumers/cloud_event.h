// Events as Kafka messages: the CloudEvents Kafka binding in binary mode.
//
//   key      the customer id ("settings" for the settings stream)
//   value    the event's JSON payload
//   headers  ce_specversion "1.0", ce_id (event id), ce_type, ce_source
//            ("/clientele/<origin node>"), ce_time (RFC 3339, UTC, ms),
//            content-type "application/json", and the extensions ce_stream,
//            ce_schema, ce_actor, ce_correlationid, ce_causationid,
//            ce_sequence (the origin's number of the event) and ce_signature
//            (its proof of origin, eventstore/signing.h, in base64); and
//            clientele_datakey, the customer's data key wrapped under the
//            chain key (eventstore/data_keys.h), on events with sealed
//            personal fields whose sender still holds the key.
//
// The publisher writes messages with ToHeaders; the replicator reads them back
// with FromMessage, which checks everything a node needs before the event may
// enter its log.
#pragma once

#include <string>
#include <string_view>

#include "domain/status.h"
#include "eventstore/event.h"

typedef struct rd_kafka_headers_s rd_kafka_headers_t;
typedef struct rd_kafka_message_s rd_kafka_message_t;

namespace clientele {

// The message key of an event: its customer id, or "settings".
std::string_view MessageKey(const RecordedEvent& e);

// A new header list for `e` (the caller hands it to rd_kafka_producev or
// destroys it).
rd_kafka_headers_t* ToHeaders(const RecordedEvent& e);

// The event a message carries, its envelope well-formed: a canonical id, a
// stream (customer-<uuid>, settings, nodes or audit) that matches the key, an origin
// node id, a time, numbers where numbers belong. InvalidArgument naming what
// is wrong otherwise. Whether the node may take the event is Admission's
// question (consumers/admission.h). The position, version and hash are this
// node's to assign.
Result<RecordedEvent> FromMessage(const rd_kafka_message_t* message);

}  // namespace clientele
