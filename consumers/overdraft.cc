#include "consumers/overdraft.h"

#include <algorithm>
#include <map>
#include <set>

#include "domain/customer.h"
#include "domain/event_codec.h"
#include "domain/ids.h"

namespace clientele {

Result<int> RecordOverdrafts(EventStore* log, const std::vector<RecordedEvent>& appended) {
  std::map<std::string, std::set<std::string>> deductions;  // stream -> deduction ids
  for (const RecordedEvent& e : appended) {
    if (e.type == "credit.deducted") deductions[e.stream].insert(e.id);
  }
  int recorded = 0;
  for (const auto& [stream, ids] : deductions) {
    auto events = log->ReadStream(stream, 1, SIZE_MAX);
    if (!events) return Error(events.error());
    CustomerState state;
    std::vector<NewEvent> overdrafts;
    for (const RecordedEvent& e : *events) {
      auto decoded = DecodeCustomerEvent(e.type, e.schema, e.data);
      if (!decoded) continue;  // the projections report undecodable events
      state = Evolve(std::move(state), *decoded);
      if (!ids.contains(e.id) || state.credit >= 0) continue;
      const auto& deduction = std::get<CreditDeducted>(*decoded);
      CreditOverdraftDetected found{e.id, e.origin, std::min(deduction.amount, -state.credit)};
      NewEvent out;
      out.id = DerivedUuid("credit.overdraft_detected:" + e.id);
      if (log->FindById(out.id)) continue;  // found before (a redelivery)
      out.type = std::string(EventTypeName(CustomerEvent(found)));
      out.schema = SchemaOf(found);
      out.data = EncodePayload(found);
      out.actor = "system";
      out.causation_id = e.id;
      out.correlation_id = e.correlation_id;
      overdrafts.push_back(std::move(out));
    }
    if (overdrafts.empty()) continue;
    const std::size_t n = overdrafts.size();
    auto result = log->Append(stream, ExpectedVersion::Any(), std::move(overdrafts));
    if (!result) return Error(result.error());
    if (!result->duplicate) recorded += static_cast<int>(n);
  }
  return recorded;
}

}  // namespace clientele
