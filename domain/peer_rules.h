// What a node may say: the checks a receiving node makes of an event another
// node sent, beyond its signature (consumers/admission.h). The payload must be
// one the matching local command could have produced at its origin:
//
// - references, notes and amounts meet the command's rules (domain/rules.h):
//   amounts positive and within the money limit, deltas non-zero, and so on;
// - names and contact details are already normalised (domain/details.h);
// - a registration names its own stream's customer, a code in the origin's
//   own code space (domain/customer_code.h), and the origin as origin store;
// - an edit's stamp was made by the origin, and neither it nor the event's
//   time is ahead of the receiver's clock by more than the allowed skew (a
//   store offline for days legitimately sends old times: the past is fine);
// - a loyalty program is within ValidateProgram's ranges;
// - a consent change's source fits its origin ("hq" from HQ, "store" from a
//   store) and its stamp is the origin's, as an edit's.
// - an erasure gives a reason.
// Sealed personal fields (ctx.sealed) are checked by nobody but their
// authentication: the node that opens them later trusts the origin's key.
//
// Which types each origin may send at all is the caller's rule: settings,
// the node registry, overdraft and shortfall records and expiries are HQ's
// alone.
#pragma once

#include <cstdint>
#include <string_view>

#include "domain/events.h"
#include "domain/nodes.h"
#include "domain/status.h"

namespace clientele {

struct PeerContext {
  std::string_view origin;       // the node the event claims to come from
  std::string_view customer_id;  // the id of the event's customer stream
  std::int64_t now_ms = 0;       // the receiver's clock
  std::int64_t max_skew_ms = 0;  // how far ahead of it a time may be
  // The payload's personal fields are sealed (domain/personal_data.h) and
  // were decoded without a key: they cannot be checked, and read as absent.
  bool sealed = false;
};

// OK, or InvalidArgument naming the field and rule that fail.
Status CheckPeerEvent(const CustomerEvent& event, const PeerContext& ctx);
Status CheckPeerEvent(const SettingsEvent& event);
Status CheckPeerEvent(const NodeEvent& event);

// OK if a time `ms` is not ahead of ctx.now_ms by more than ctx.max_skew_ms.
Status CheckNotFuture(std::string_view field, std::int64_t ms, const PeerContext& ctx);

}  // namespace clientele
