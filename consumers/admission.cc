#include "consumers/admission.h"

#include "domain/audit_checkpoint.h"
#include "domain/event_codec.h"
#include "domain/ids.h"
#include "domain/peer_rules.h"

namespace clientele {

namespace {

Status Refuse(std::string reason, std::string message) {
  return Status::PermissionDenied(std::move(reason), std::move(message));
}

bool HqOnly(std::string_view type) {
  return IsSettingsEventType(type) || IsNodeEventType(type) || IsAuditEventType(type) ||
         type == "credit.overdraft_detected" || type == "ledger.duplicate_reversed" ||
         type == "ledger.conflict_recorded" || type == "loyalty.points_expired" ||
         type == "loyalty.points_shortfall_detected" || type == "customer.merge_settled";
}

}  // namespace

Admission::Admission(EventStore* log, AdmissionOptions options)
    : log_(log), options_(std::move(options)) {}

Status Admission::BeginBatch() {
  batch_ids_.clear();
  batch_seqs_.clear();
  auto events = log_->ReadStream(kNodesStream, registry_version_ + 1, SIZE_MAX);
  if (!events) return events.error();
  for (const RecordedEvent& e : *events) {
    registry_version_ = e.version;
    auto decoded = DecodeNodeEvent(e.type, e.schema, e.data);
    if (decoded) registry_ = Evolve(std::move(registry_), *decoded);
  }
  batch_registry_ = registry_;
  return Status::OK();
}

Status Admission::CheckOrigin(const RecordedEvent& e, Channel channel) {
  if (Status s = ValidateNodeId(e.origin, "origin"); !s.ok()) {
    return Refuse("wrong_channel", "the origin '" + e.origin + "' is not a node id");
  }
  if (e.origin == options_.node) {
    // This node's own events come back only from HQ, never via upstream.
    if (channel == Channel::kUpstream) {
      return Refuse("wrong_channel", "HQ's own events never come from clientele.upstream");
    }
  } else if (channel == Channel::kUpstream && e.origin == kHqNode) {
    return Refuse("wrong_channel", "clientele.upstream carries stores' events, never HQ's");
  }
  if (HqOnly(e.type) && e.origin != kHqNode) {
    return Refuse("type_not_allowed", e.type + " is HQ's alone to record, not " + e.origin + "'s");
  }
  const bool stream_fits = IsCustomerEventType(e.type) ? e.stream.starts_with(kCustomerStreamPrefix)
                           : IsSettingsEventType(e.type) ? e.stream == kSettingsStream
                           : IsNodeEventType(e.type)     ? e.stream == kNodesStream
                           : IsAuditEventType(e.type)    ? e.stream == kAuditStream
                                                         : false;
  if (!stream_fits) {
    return Refuse("wrong_stream", "an event of type '" + e.type + "' on stream '" + e.stream + "'");
  }
  const std::string_view key = ProofKey(e.signature);
  if (key.empty()) return Refuse("bad_signature", "the event carries no well-formed signature");
  if (e.origin == kHqNode) {
    if (key != options_.hq_key) {
      return Refuse("unknown_key", "the event is signed with a key other than HQ's");
    }
  } else if (Status s = batch_registry_.MaySign(e.origin, PublicKeyText(key), e.seq); !s.ok()) {
    return s;
  }
  return verifier_.Verify(e);
}

Status Admission::CheckPayload(const RecordedEvent& e) {
  PeerContext ctx;
  ctx.origin = e.origin;
  ctx.now_ms = options_.clock->NowMs();
  ctx.max_skew_ms = options_.max_skew_ms;
  if (Status s = CheckNotFuture("time", e.time_ms, ctx); !s.ok()) {
    return Refuse("future_time", s.message());
  }
  auto invalid = [](const Status& s) {
    return Refuse("invalid_payload",
                  s.field().empty() ? s.message() : s.field() + ": " + s.message());
  };
  auto malformed = [](const Status& s) { return Refuse("malformed_payload", s.message()); };
  if (IsCustomerEventType(e.type)) {
    const std::string_view id = std::string_view(e.stream).substr(kCustomerStreamPrefix.size());
    auto canonical = ParseUuid(id, "stream");
    if (!canonical || *canonical != id) {
      return Refuse("wrong_stream", "the stream is not customer-<canonical uuid>");
    }
    ctx.customer_id = id;
    ctx.sealed = PayloadIsSealed(e.data);
    auto decoded = DecodeCustomerEvent(e.type, e.schema, e.data);
    if (!decoded) return malformed(decoded.error());
    if (Status s = CheckPeerEvent(*decoded, ctx); !s.ok()) return invalid(s);
    return Status::OK();
  }
  if (IsSettingsEventType(e.type)) {
    auto decoded = DecodeSettingsEvent(e.type, e.schema, e.data);
    if (!decoded) return malformed(decoded.error());
    if (Status s = CheckPeerEvent(*decoded); !s.ok()) return invalid(s);
    return Status::OK();
  }
  if (IsAuditEventType(e.type)) {
    auto checkpoint = DecodeCheckpoint(e.type, e.schema, e.data);
    return checkpoint ? Status::OK() : malformed(checkpoint.error());
  }
  auto decoded = DecodeNodeEvent(e.type, e.schema, e.data);
  if (!decoded) return malformed(decoded.error());
  return Status::OK();
}

Result<Verdict> Admission::CheckIdentity(const RecordedEvent& e) {
  if (auto it = batch_ids_.find(e.id); it != batch_ids_.end()) {
    if (SameEvent(it->second, e)) return Verdict::kDuplicate;
    return Error(Refuse("event_id_reused", "event " + e.id + " came twice with other content"));
  }
  auto existing = log_->FindById(e.id);
  if (existing) {
    if (SameEvent(*existing, e)) return Verdict::kDuplicate;
    return Error(
        Refuse("event_id_reused", "event " + e.id + " is already in the log with other content"));
  }
  if (existing.error().code() != StatusCode::kNotFound) return Error(existing.error());
  const auto seq_key = std::make_pair(e.origin, e.seq);
  if (batch_seqs_.contains(seq_key)) {
    return Error(Refuse("sequence_reused", "event " + std::to_string(e.seq) + " of " + e.origin +
                                               " came twice with different ids"));
  }
  auto same_seq = log_->FindBySeq(e.origin, e.seq);
  if (same_seq) {
    return Error(Refuse("sequence_reused", "the log holds another event numbered " +
                                               std::to_string(e.seq) + " of " + e.origin));
  }
  if (same_seq.error().code() != StatusCode::kNotFound) return Error(same_seq.error());
  return Verdict::kNew;
}

Result<Verdict> Admission::Check(const RecordedEvent& e, Channel channel) {
  if (e.seq == 0) {
    return Error(Refuse("unsequenced", "the event has no sequence number of its origin"));
  }
  if (e.seq > kMaxSequence) {
    return Error(Refuse("sequence_out_of_range",
                        "the event's sequence number is beyond what a node ever numbers"));
  }
  if (auto id = ParseUuid(e.id, "id"); !id || *id != e.id) {
    return Error(Refuse("malformed_message", "the event id is not a canonical UUID"));
  }
  // What this node already holds, unchanged, is harmless whoever sends it
  // (echoes and redeliveries are most of the traffic): no signature check.
  auto verdict = CheckIdentity(e);
  if (verdict && *verdict == Verdict::kDuplicate && !e.carried_key.empty() && options_.take_key) {
    options_.take_key(e);  // the event came before, the key perhaps not
  }
  if (!verdict || *verdict == Verdict::kDuplicate) return verdict;
  if (Status s = CheckOrigin(e, channel); !s.ok()) return Error(s);
  if (Status s = CheckPayload(e); !s.ok()) return Error(s);
  if (!e.carried_key.empty() && options_.take_key) options_.take_key(e);
  batch_ids_.emplace(e.id, e);
  batch_seqs_.emplace(std::make_pair(e.origin, e.seq), e.id);
  if (IsNodeEventType(e.type)) {
    if (auto decoded = DecodeNodeEvent(e.type, e.schema, e.data)) {
      batch_registry_ = Evolve(std::move(batch_registry_), *decoded);
    }
  }
  return Verdict::kNew;
}

}  // namespace clientele
