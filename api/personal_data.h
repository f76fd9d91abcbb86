// The customer's own data (GDPR art. 15 access, art. 20 portability): one JSON
// document with everything a node holds about one customer.
//
//   {"document": "clientele.personal_data", "format": 1,
//    "generated_at", "generated_by", "node",
//    "customer": {"id", "code", "status": "active"|"inactive"|"deleted"|"erased",
//                 "first_name", "last_name", "email", "phone", "tax_id",
//                 "address", "notes", "origin_store", "created_at", "updated_at",
//                 "version"},
//    "balances": {"points", "credit", "total_spent", "last_visit"},
//    "consent": {"email": {"state", "source", "at", "store"}, "sms": {...}},
//    "stores": [{"node", "events", "first_at", "last_at"}...],
//    "totals": {"events", "by_type": {type: count}, "points_earned",
//               "points_spent", "credit_added", "credit_spent", "purchases",
//               "purchases_amount", "refunds_amount"},
//    "history": [entry...]}        // every event of the customer's stream, in order
//
//   entry := {"id", "version", "time", "type", "description", "store", "actor",
//             "points_change", "credit_change", "spent_change", "note",
//             "reference", "data": {the event's own fields}}
//
// Everything is given whatever the principal's visibility of points and
// credit and whichever modules are on: it is what is held, not what a till
// shows. Amounts are integer minor units, times RFC 3339 UTC.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "domain/events.h"
#include "domain/personal_data.h"
#include "eventstore/event.h"
#include "projections/customer_row.h"

namespace clientele::api {

// One event of the customer's stream as a history entry of the document.
// `event` is `recorded` decoded.
boost::json::object RenderPersonalEntry(const RecordedEvent& recorded, const CustomerEvent& event);

// The whole document from the customer's row and every event of its stream
// in stream order, sealed fields opened with `keys` (an erased customer's are
// absent); `now_ms`, `node` and `principal` say when, where and for whom it
// was produced.
boost::json::object RenderPersonalData(const CustomerRow& row,
                                       const std::vector<RecordedEvent>& stream,
                                       PersonalDataKeys* keys, std::int64_t now_ms,
                                       const std::string& node, const std::string& principal);

}  // namespace clientele::api
