// A customer as the read side sees it: one row of the customer table with its
// balances, and the entries of its history. Both are derived from the log by
// Apply and can be rebuilt from it at any time.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/consent.h"
#include "domain/details.h"
#include "domain/merge.h"
#include "domain/money.h"
#include "domain/personal_data.h"
#include "domain/stamp.h"
#include "domain/status.h"
#include "eventstore/event.h"

namespace clientele {

// A channel's marketing consent as the table shows it: the state and source
// of the change that won (domain/consent.h), and when and at which node it
// was made (the event's time and origin).
struct ConsentRecord {
  ChannelConsent consent;
  std::int64_t time_ms = 0;  // 0: never asked
  std::string store;         // "hq" or a store id; "" when never asked
  bool operator==(const ConsentRecord&) const = default;
};

struct CustomerRow {
  std::string id;
  std::string code;
  CustomerDetails details;
  std::string origin_store;  // "" when created at HQ
  bool active = true;
  bool deleted = false;
  bool erased = false;       // customer.erased: the details are gone for good
  bool has_history = false;  // any purchase, points or credit entry
  Points points = 0;
  Money credit = 0;
  Money total_spent = 0;
  std::int64_t last_visit_ms = 0;  // 0: never
  std::int64_t created_ms = 0;
  std::int64_t updated_ms = 0;
  std::int64_t version = 0;    // the stream version of the last event applied
  std::uint64_t position = 0;  // the log position of the last event applied
  FieldStamps stamps;          // which edit set each field (domain/stamp.h)
  std::array<ConsentRecord, kConsentChannelCount> consents;  // by ConsentChannel
  MergeLinks merges;  // merges it took part in (domain/merge.h)

  const ConsentRecord& consent(ConsentChannel c) const { return consents[static_cast<int>(c)]; }
  bool operator==(const CustomerRow&) const = default;
};

// One change of points or credit, with the balances right after it. A
// customer's history is ordered by time, then the node it was made at, then
// stream order. Every node sees one node's events of a customer in the same
// order, so every node's history has the same order, whatever order
// replication brought the events in.
struct HistoryEntry {
  std::string event_id;
  std::uint64_t position = 0;  // in this node's log
  std::int64_t version = 0;    // in this node's copy of the stream
  std::int64_t time_ms = 0;
  std::string type;  // the event type, e.g. "credit.topped_up"
  Points points_change = 0;
  Money credit_change = 0;
  Points points_after = 0;
  Money credit_after = 0;
  std::string note;
  std::string reference;
  std::string actor;
  std::string store;  // the node the change was made at: "hq" or a store id

  bool operator==(const HistoryEntry&) const = default;
};

// True if `a` comes before `b` in a history.
bool HistoryBefore(const HistoryEntry& a, const HistoryEntry& b);

// Applies one recorded event of a customer stream to `row` (empty for a new
// customer). Returns the history entry the event makes, if it is a points or
// credit change. Events of other types leave the row as it is.
// InvalidArgument for an event that is not a customer event; Corruption if its
// payload does not parse. Sealed personal fields are opened with `keys`
// (absent without; domain/event_codec.h). An erasure clears the details, and
// no later edit sets them again.
Result<std::optional<HistoryEntry>> Apply(const RecordedEvent& event, CustomerRow* row,
                                          PersonalDataKeys* keys = nullptr);

// Sorts `entries` into history order and sets the balances after each.
void OrderHistory(std::vector<HistoryEntry>* entries);
// Sets the balances after each of `entries`, which are in history order.
void SetBalancesAfter(std::vector<HistoryEntry>* entries);

std::string EncodeRow(const CustomerRow& row);
Status DecodeRow(std::string_view bytes, CustomerRow* row);
std::string EncodeEntry(const HistoryEntry& entry);
Status DecodeEntry(std::string_view bytes, HistoryEntry* entry);

}  // namespace clientele
