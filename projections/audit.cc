#include "projections/audit.h"

#include <algorithm>
#include <cctype>

#include "domain/customer_code.h"
#include "domain/event_codec.h"
#include "domain/ids.h"
#include "domain/time.h"

namespace clientele {

std::string_view AsOfName(AsOf basis) {
  return basis == AsOf::kRecorded ? "recorded" : "event_time";
}

Result<AsOf> ParseAsOf(std::string_view name, std::string_view field) {
  if (name == "event_time") return AsOf::kEventTime;
  if (name == "recorded") return AsOf::kRecorded;
  return Error(Status::InvalidArgument(
      std::string(field), "invalid_basis",
      std::string(field) + " must be event_time (what had happened by then, as known now) or " +
          "recorded (what this node's books held then)"));
}

Result<AuditReport> AuditCustomer(EventStore* log, std::string_view customer, std::int64_t as_of_ms,
                                  AsOf basis) {
  // Either an id now, or a code whose registration tells the id on the way.
  std::string id, code;
  if (auto uuid = ParseUuid(customer, "customer")) {
    id = *uuid;
  } else if (auto parsed = ParseCustomerCode(customer)) {
    code = FormatCustomerCode(parsed->node, parsed->sequence);
  } else {
    return Error(
        Status::InvalidArgument("customer", "invalid_customer",
                                "customer must be a customer id or a code like CUST-00042"));
  }
  AuditReport report;
  report.as_of_ms = as_of_ms;
  report.basis = basis;
  // Recorded: positions up to what the books held at as_of; of those marked
  // as recorded from the start (a log from before recording times), the
  // ones whose own time is by then.
  std::uint64_t through = UINT64_MAX, unmarked = 0;
  if (basis == AsOf::kRecorded) {
    auto head_at = log->HeadAt(as_of_ms);
    if (!head_at) return Error(head_at.error());
    auto from_start = log->HeadAt(0);
    if (!from_start) return Error(from_start.error());
    through = report.recorded_through = *head_at;
    unmarked = *from_start;
  }
  Status failure;
  bool found = false;
  auto visit = [&](const RecordedEvent& e) {
    if (!failure.ok() || e.position > through ||
        ((basis == AsOf::kEventTime || e.position <= unmarked) && e.time_ms > as_of_ms) ||
        !e.stream.starts_with(kCustomerStreamPrefix)) {
      return;
    }
    std::string_view stream_id = std::string_view(e.stream).substr(kCustomerStreamPrefix.size());
    if (id.empty() && e.type == "customer.registered") {
      auto decoded = DecodeCustomerEvent(e.type, e.schema, e.data);
      if (decoded && std::get<CustomerRegistered>(*decoded).code == code) id = stream_id;
    }
    if (id.empty() || stream_id != id) return;
    auto entry = Apply(e, &report.customer);
    if (!entry) {
      failure = entry.error();
      return;
    }
    found = true;
    if (*entry) report.entries.push_back(**entry);
  };
  auto verified = log->Verify(visit);
  if (!verified) return Error(verified.error());
  if (!verified->ok) {
    return Error(Status::Corruption("the hash chain is broken at position " +
                                    std::to_string(verified->broken_position) + ": " +
                                    verified->problem + "; this history cannot be vouched for"));
  }
  if (!failure.ok()) return Error(failure);
  if (!found || report.customer.code.empty()) {
    return Error(Status::NotFound("customer_not_found", "no customer " + std::string(customer) +
                                                            " existed by " + FormatTime(as_of_ms)));
  }
  OrderHistory(&report.entries);
  report.events_checked = verified->events_checked;
  return report;
}

}  // namespace clientele
