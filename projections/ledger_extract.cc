#include "projections/ledger_extract.h"

#include <boost/json.hpp>
#include <unordered_map>

#include "domain/customer_code.h"
#include "domain/event_codec.h"
#include "domain/ids.h"
#include "domain/ledger.h"
#include "domain/nodes.h"
#include "domain/time.h"
#include "eventstore/base64.h"
#include "eventstore/coding.h"
#include "eventstore/record_format.h"
#include "eventstore/recording_times.h"
#include "projections/internal/extract_writer.h"
#include "projections/internal/json_line.h"

namespace clientele {

namespace {

using extract_internal::ExtractWriter;
using extract_internal::Sink;

// What the first pass learns of each customer with an entry in the window.
struct Span {
  std::uint64_t first = 0;  // positions of its first and last entry in the window
  std::uint64_t last = 0;
  // Filled by the second pass.
  bool opened = false;
  std::string code;
  std::int64_t version = 0;  // of the last event seen
  Points points = 0;
  Money credit = 0;
};

// Whether a customer event type is a ledger entry, learnt from EffectOf on
// the first event of each type (it depends on the type alone).
class EntryTypes {
 public:
  // Whether `e` is an entry: its payload is decoded only for a type not seen
  // before. Corruption if that payload does not decode.
  Result<bool> IsEntry(const RecordedEvent& e) {
    if (auto known = entry_.find(e.type); known != entry_.end()) return known->second;
    auto entry = Entry(e);
    if (!entry) return Error(entry.error());
    return entry->has_value();
  }
  // The event's effect if it is an entry, nullopt if not; Corruption if its
  // payload does not decode.
  Result<std::optional<LedgerEffect>> Entry(const RecordedEvent& e) {
    auto known = entry_.find(e.type);
    if (known != entry_.end() && !known->second) return std::nullopt;
    auto decoded = DecodeCustomerEvent(e.type, e.schema, e.data);
    if (!decoded) {
      return Error(Status::Corruption("event " + e.id + " at position " +
                                      std::to_string(e.position) +
                                      " does not decode: " + decoded.error().message()));
    }
    LedgerEffect effect = EffectOf(*decoded);
    if (known == entry_.end()) entry_.emplace(e.type, effect.entry);
    if (!effect.entry) return std::nullopt;
    return effect;
  }

 private:
  std::unordered_map<std::string, bool> entry_;
};

// The registry as the log's "nodes" stream has it.
Result<NodeRegistry> ReadRegistry(EventStore* log) {
  NodeRegistry registry;
  auto events = log->ReadStream(kNodesStream, 1, SIZE_MAX);
  if (!events) return Error(events.error());
  for (const RecordedEvent& e : *events) {
    if (auto decoded = DecodeNodeEvent(e.type, e.schema, e.data)) {
      registry = Evolve(std::move(registry), *decoded);
    }
  }
  return registry;
}

std::string HeaderLine(const LedgerExportOptions& o, const std::string& customer,
                       std::uint64_t head, const std::string& head_hash,
                       const NodeRegistry& registry) {
  boost::json::object h;
  h["extract"] = kLedgerExtractFormat;
  h["node"] = o.node;
  h["from"] = FormatTime(o.from_ms);
  h["to"] = FormatTime(o.to_ms);
  if (!customer.empty()) h["customer"] = customer;
  h["made_at"] = FormatTime(o.made_at_ms);
  h["log_head"] = boost::json::object{{"position", head}, {"hash", coding::Hex(head_hash)}};
  boost::json::array keys;
  for (const auto& [key, state] : registry.keys) {
    keys.push_back(boost::json::object{{"node", state.node},
                                       {"key", key},
                                       {"revoked", state.revoked},
                                       {"valid_through", state.valid_through}});
  }
  h["keys"] = std::move(keys);
  return boost::json::serialize(h) + "\n";
}

}  // namespace

Result<LedgerExportStats> ExportLedger(EventStore* log, const LedgerExportOptions& options,
                                       std::FILE* out) {
  if (options.from_ms >= options.to_ms) {
    return Error(Status::InvalidArgument("to", "invalid_window", "--to must be after --from"));
  }
  // The customer asked for: an id now, or a code found on the first pass.
  std::string want_id, want_code;
  if (!options.customer.empty()) {
    if (auto uuid = ParseUuid(options.customer, "customer")) {
      want_id = *uuid;
    } else if (auto code = ParseCustomerCode(options.customer)) {
      want_code = FormatCustomerCode(code->node, code->sequence);
    } else {
      return Error(
          Status::InvalidArgument("customer", "invalid_customer",
                                  "customer must be a customer id or a code like CUST-00042"));
    }
  }
  const std::uint64_t head = log->Head();
  auto registry = ReadRegistry(log);
  if (!registry) return Error(registry.error());

  // Pass 1: which customers have entries in the window, from where to where.
  std::unordered_map<std::string, Span> spans;  // by stream name
  EntryTypes types;
  Status failure;
  std::string head_hash(record::kHashSize, '\0');
  std::string own_origin;
  Status scanned = log->ScanAll(1, [&](const RecordedEvent& e) {
    if (e.position > head) return false;
    head_hash = e.hash;
    // A node signs its own events only when it sends them: in its log they
    // are the numbered ones without a proof.
    if (own_origin.empty() && e.signature.empty() && e.seq > 0) own_origin = e.origin;
    if (!e.stream.starts_with(kCustomerStreamPrefix)) return true;
    const std::string_view id = std::string_view(e.stream).substr(kCustomerStreamPrefix.size());
    if (!want_code.empty() && want_id.empty() && e.type == "customer.registered") {
      auto decoded = DecodeCustomerEvent(e.type, e.schema, e.data);
      if (decoded && std::get<CustomerRegistered>(*decoded).code == want_code) want_id = id;
    }
    if (!options.customer.empty() && id != want_id) return true;
    if (e.time_ms < options.from_ms || e.time_ms >= options.to_ms) return true;
    auto entry = types.IsEntry(e);
    if (!entry) {
      failure = entry.error();
      return false;
    }
    if (!*entry) return true;
    Span& span = spans[e.stream];
    if (span.first == 0) span.first = e.position;
    span.last = e.position;
    return true;
  });
  if (!scanned.ok()) return Error(scanned);
  if (!failure.ok()) return Error(failure);
  if (!options.customer.empty() && want_id.empty()) {
    return Error(
        Status::NotFound("customer_not_found", "no customer " + options.customer + " in this log"));
  }

  LedgerExportOptions o = options;
  if (o.node.empty() && o.key != nullptr) {  // the node whose key will sign
    auto it = registry->keys.find(PublicKeyText(o.key->public_key()));
    if (it != registry->keys.end()) o.node = it->second.node;
  }
  if (o.node.empty()) o.node = own_origin;
  Sink sink(out);
  if (Status s = sink.Write(HeaderLine(o, want_id, head, head_hash, *registry)); !s.ok()) {
    return Error(s);
  }
  // Pass 2: every customer's balances from its whole history; the lines,
  // written by `writer` on its own thread.
  LedgerExportStats stats;
  stats.customers = spans.size();
  RecordingTimes recorded(log);
  ExtractWriter writer(&sink);
  std::string canonical;
  std::string prev(record::kHashSize, '\0');  // the hash of the event before
  auto visit = [&](const RecordedEvent& e) {
    auto it = spans.find(e.stream);
    if (it == spans.end()) return true;
    Span& span = it->second;
    if (e.position > span.last) return true;
    const std::int64_t version_before = span.version;
    span.version = e.version;
    if (span.code.empty() && e.type == "customer.registered") {
      if (auto decoded = DecodeCustomerEvent(e.type, e.schema, e.data)) {
        span.code = std::get<CustomerRegistered>(*decoded).code;
      }
    }
    auto entry = types.Entry(e);
    if (!entry) {
      failure = entry.error();
      return false;
    }
    if (*entry) {
      span.points += (*entry)->points;
      span.credit += (*entry)->credit;
    }
    if (e.position < span.first) return true;
    auto at = recorded.At(e.position);
    if (!at) {
      failure = at.error();
      return false;
    }
    std::string* out = writer.Buffer();
    const std::string_view customer =
        std::string_view(e.stream).substr(kCustomerStreamPrefix.size());
    if (!span.opened) {
      span.opened = true;
      json_line::Opening(customer, span.code, version_before,
                         span.points - (*entry ? (*entry)->points : 0),
                         span.credit - (*entry ? (*entry)->credit : 0), out);
    }
    canonical.clear();
    record::EncodeCanonical(e, &canonical);
    json_line::EventLine f;
    f.e = &e;
    f.customer = customer;
    f.recorded_ms = *at;
    f.in_window = e.time_ms >= options.from_ms && e.time_ms < options.to_ms;
    f.entry = entry->has_value();
    if (f.entry) {
      f.points_change = (*entry)->points;
      f.credit_change = (*entry)->credit;
      f.points_after = span.points;
      f.credit_after = span.credit;
      ++stats.entries;
    }
    f.prev_hash = prev;
    f.canonical = canonical;
    json_line::Event(f, out);
    writer.Wrote();
    ++stats.lines;
    return true;
  };
  scanned = log->ScanAll(1, [&](const RecordedEvent& e) {
    if (e.position > head) return false;
    const bool more = visit(e);
    prev = e.hash;
    return more;
  });
  Status written = writer.Finish();
  if (!scanned.ok()) return Error(scanned);
  if (!failure.ok()) return Error(failure);
  if (!written.ok()) return Error(written);

  const std::string digest = sink.Digest();
  boost::json::object end{{"lines", stats.lines},
                          {"entries", stats.entries},
                          {"customers", stats.customers},
                          {"digest", coding::Hex(digest)}};
  if (options.key != nullptr) {
    std::string message(kLedgerSignedPrefix);
    message += digest;
    end["key"] = PublicKeyText(options.key->public_key());
    end["signature"] = Base64Encode(options.key->Sign(message));
  }
  const std::string line =
      boost::json::serialize(boost::json::object{{"end", std::move(end)}}) + "\n";
  if (std::fwrite(line.data(), 1, line.size(), out) != line.size() || std::fflush(out) != 0) {
    return Error(Status::Unavailable("writing the extract failed"));
  }
  return stats;
}

}  // namespace clientele
