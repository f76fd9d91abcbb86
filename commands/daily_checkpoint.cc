#include "commands/daily_checkpoint.h"

#include "domain/audit_checkpoint.h"
#include "domain/ids.h"
#include "eventstore/coding.h"

namespace clientele {

Result<bool> RecordDailyCheckpoint(EventStore* log, Clock* clock, const TimeZone& tz) {
  if (log->origin() != kHqNode) {
    return Error(Status::FailedPrecondition("", "not_hq",
                                            "checkpoints of the log are HQ's alone to record"));
  }
  const std::string day = FormatDay(tz.DayOf(clock->NowMs()));
  const std::string id = CheckpointId(day);
  auto existing = log->FindById(id);
  if (existing) return false;
  if (existing.error().code() != StatusCode::kNotFound) return Error(existing.error());
  const std::uint64_t head = log->Head();
  if (head == 0) return false;
  auto at = log->ReadAll(head, 1);
  if (!at) return Error(at.error());
  if (at->empty()) return Error(Status::Unavailable("the log's head cannot be read"));
  NewEvent e;
  e.id = id;
  e.type = std::string(kCheckpointRecordedType);
  e.schema = 1;
  e.data = EncodePayload(CheckpointRecorded{day, head, coding::Hex(at->front().hash)});
  e.actor = "system";
  auto appended = log->Append(kAuditStream, ExpectedVersion::Any(), {std::move(e)});
  if (!appended) {
    // Another caller recorded the day's checkpoint meanwhile, at another head.
    if (appended.error().reason() == "event_id_reused") return false;
    return Error(appended.error());
  }
  return !appended->duplicate;
}

}  // namespace clientele
