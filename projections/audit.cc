#include "projections/audit.h"

#include <algorithm>
#include <cctype>

#include "domain/customer_code.h"
#include "domain/event_codec.h"
#include "domain/ids.h"
#include "domain/time.h"

namespace clientele {

Result<AuditReport> AuditCustomer(EventStore* log, std::string_view customer,
                                  std::int64_t as_of_ms) {
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
  Status failure;
  bool found = false;
  auto visit = [&](const RecordedEvent& e) {
    if (!failure.ok() || e.time_ms > as_of_ms || !e.stream.starts_with(kCustomerStreamPrefix)) {
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
