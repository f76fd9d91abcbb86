// The JSON the API answers with. Money is in integer minor units (cents),
// times are RFC 3339 UTC strings. What a principal may not see (points without
// customers.manage_loyalty, credit without customers.manage_credit, either
// when its module is off) is left out entirely, not nulled.
#pragma once

#include <boost/json/object.hpp>

#include "domain/loyalty.h"
#include "eventstore/event.h"
#include "projections/customer_row.h"

namespace clientele::api {

struct Visibility {
  bool points = false;
  bool credit = false;
};

// In `sp`'s storage (the default allocator if none: a page of many rows
// passes one boost::json::monotonic_resource).
boost::json::object RenderCustomer(const CustomerRow& row, Visibility v,
                                   const boost::json::storage_ptr& sp = {});
// {"email": {"state", "source", "at", "store"}, "sms": {...}}: each channel's
// marketing consent; source, at and store are null while never asked.
boost::json::object RenderConsents(const CustomerRow& row, const boost::json::storage_ptr& sp = {});
// A history entry; nullopt-like empty object when the principal sees neither
// of the entry's changes (the caller skips it).
boost::json::object RenderHistoryEntry(const HistoryEntry& e, Visibility v);
boost::json::object RenderEvent(const RecordedEvent& e);

}  // namespace clientele::api
