// HQ's daily checkpoint of its log head (domain/audit_checkpoint.h): the
// serve loop calls RecordDailyCheckpoint at start and every minute; the first
// call of each day on the clock (in the chain's time zone) records that
// day's checkpoint.
#pragma once

#include "domain/clock.h"
#include "domain/status.h"
#include "domain/time_zone.h"
#include "eventstore/event_store.h"

namespace clientele {

// Records the checkpoint of the UTC day `clock` says it is - the log's head
// position and hash now - unless that day has one. Returns true if it was
// recorded by this call; false if the day had one already or the log is
// empty. FailedPrecondition if `log` is not HQ's; Unavailable if the log
// cannot be read or written. Safe to call from several threads or processes
// at once: a day's id is fixed, so only one checkpoint of it is ever appended.
// Days are the chain's (`tz`, chain.time_zone).
Result<bool> RecordDailyCheckpoint(EventStore* log, Clock* clock, const TimeZone& tz = TimeZone());

}  // namespace clientele
