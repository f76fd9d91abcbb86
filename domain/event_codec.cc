#include "domain/event_codec.h"

#include <simdjson.h>

#include <array>
#include <boost/json.hpp>

#include "domain/overloaded.h"
#include "domain/personal_data.h"

namespace clientele {

namespace {

namespace json = boost::json;

// ---- writing -------------------------------------------------------------

void PutIfSet(json::object& o, std::string_view key, const std::string& v) {
  if (!v.empty()) o[key] = v;
}

void PutDetails(json::object& o, const CustomerDetails& d) {
  for (DetailField f : kAllDetailFields) {
    if (f == DetailField::kFirstName || f == DetailField::kLastName) {
      o[DetailFieldName(f)] = d[f];
    } else {
      PutIfSet(o, DetailFieldName(f), d[f]);
    }
  }
}

void PutStamp(json::object& o, const Stamp& s) {
  o["hlc"] = s.hlc;
  o["node"] = s.node;
}

void PutMoved(json::object& o, Points points, Money credit, Money spent, std::int64_t visit_ms) {
  o["points"] = points;
  o["credit"] = credit;
  o["spent"] = spent;
  o["last_visit"] = visit_ms;
}

json::object ToJson(const CustomerEvent& event) {
  json::object o;
  std::visit(Overloaded{
                 [&](const CustomerRegistered& e) {
                   o["customer_id"] = e.customer_id;
                   o["code"] = e.code;
                   PutDetails(o, e.details);
                   PutIfSet(o, "origin_store", e.origin_store);
                 },
                 [&](const CustomerDetailsChanged& e) {
                   for (DetailField f : kAllDetailFields) {
                     if (e.changes[f]) o[DetailFieldName(f)] = *e.changes[f];
                   }
                   PutStamp(o, e.stamp);
                 },
                 [&](const CustomerDeactivated& e) { PutStamp(o, e.stamp); },
                 [&](const CustomerReactivated& e) { PutStamp(o, e.stamp); },
                 [&](const CustomerDeleted& e) { PutStamp(o, e.stamp); },
                 [&](const PurchaseRecorded& e) {
                   o["tab_id"] = e.tab_id;
                   o["amount"] = e.amount;
                   o["paid_at"] = e.paid_at_ms;
                 },
                 [&](const PurchaseRefunded& e) {
                   o["refund_id"] = e.refund_id;
                   o["tab_id"] = e.tab_id;
                   o["amount"] = e.amount;
                 },
                 [&](const PointsEarned& e) {
                   o["tab_id"] = e.tab_id;
                   o["points"] = e.points;
                 },
                 [&](const PointsReversed& e) {
                   o["refund_id"] = e.refund_id;
                   o["tab_id"] = e.tab_id;
                   o["points"] = e.points;
                 },
                 [&](const PointsRedeemed& e) {
                   o["points"] = e.points;
                   PutIfSet(o, "note", e.note);
                   PutIfSet(o, "reference", e.reference);
                 },
                 [&](const PointsAdjusted& e) {
                   o["delta"] = e.delta;
                   o["note"] = e.note;
                 },
                 [&](const CreditToppedUp& e) {
                   o["amount"] = e.amount;
                   o["payment_ref"] = e.payment_ref;
                   PutIfSet(o, "note", e.note);
                 },
                 [&](const CreditDeducted& e) {
                   o["amount"] = e.amount;
                   PutIfSet(o, "note", e.note);
                   PutIfSet(o, "reference", e.reference);
                 },
                 [&](const CreditAdjusted& e) {
                   o["delta"] = e.delta;
                   o["note"] = e.note;
                 },
                 [&](const CreditOverdraftDetected& e) {
                   o["deduction_id"] = e.deduction_id;
                   o["store"] = e.store;
                   o["shortfall"] = e.shortfall;
                 },
                 [&](const DuplicateReversed& e) {
                   o["kind"] = e.kind;
                   o["reference"] = e.reference;
                   o["duplicate_id"] = e.duplicate_id;
                   o["kept_id"] = e.kept_id;
                   o["store"] = e.store;
                   o["spent"] = e.spent;
                   o["points"] = e.points;
                   o["credit"] = e.credit;
                 },
                 [&](const ConflictRecorded& e) {
                   o["kind"] = e.kind;
                   o["reference"] = e.reference;
                   o["event_id"] = e.event_id;
                   o["other_id"] = e.other_id;
                   o["store"] = e.store;
                 },
                 [&](const PointsExpired& e) {
                   o["lot_id"] = e.lot_id;
                   o["points"] = e.points;
                   o["expired_at"] = e.expired_at_ms;
                 },
                 [&](const PointsShortfallDetected& e) {
                   o["redemption_id"] = e.redemption_id;
                   o["store"] = e.store;
                   o["shortfall"] = e.shortfall;
                 },
                 [&](const CustomerConsentChanged& e) {
                   o["channel"] = ConsentChannelName(e.channel);
                   o["granted"] = e.granted;
                   o["source"] = ConsentSourceName(e.source);
                   PutStamp(o, e.stamp);
                 },
                 [&](const CustomerMerged& e) {
                   o["merge_id"] = e.merge_id;
                   o["survivor_id"] = e.survivor_id;
                   o["survivor_code"] = e.survivor_code;
                   PutMoved(o, e.points, e.credit, e.spent, e.last_visit_ms);
                 },
                 [&](const MergeReceived& e) {
                   o["merge_id"] = e.merge_id;
                   o["duplicate_id"] = e.duplicate_id;
                   o["duplicate_code"] = e.duplicate_code;
                   PutMoved(o, e.points, e.credit, e.spent, e.last_visit_ms);
                 },
                 [&](const MergeSettled& e) {
                   o["merge_id"] = e.merge_id;
                   o["kind"] = e.kind;
                   o["side"] = e.side;
                   o["other_id"] = e.other_id;
                   PutMoved(o, e.points, e.credit, e.spent, e.last_visit_ms);
                 },
                 [&](const CustomerErased& e) { o["reason"] = e.reason; },
             },
             event);
  return o;
}

// ---- sealing -------------------------------------------------------------

// The payload keys that hold personal data: the detail fields and the notes
// of points and credit entries.
bool IsPersonalKey(std::string_view key) {
  if (key == "note") return true;
  for (DetailField f : kAllDetailFields) {
    if (DetailFieldName(f) == key) return true;
  }
  return false;
}

// ---- reading -------------------------------------------------------------

class Reader {
 public:
  explicit Reader(simdjson::dom::object obj) : obj_(obj) {}

  // A sealed payload: its personal fields are read from `personal` (the
  // opened blob), or are all absent when it could not be opened (nullptr).
  void set_sealed(const simdjson::dom::object* personal) {
    sealed_ = true;
    if (personal != nullptr) personal_ = *personal;
    opened_ = personal != nullptr;
  }

  std::string Str(std::string_view key, bool required = true) {
    std::string_view v;
    simdjson::dom::object from = obj_;
    const bool personal = sealed_ && IsPersonalKey(key);
    if (personal) {
      if (!opened_) return "";
      from = personal_;
    }
    auto field = from[key];
    if (field.error() == simdjson::NO_SUCH_FIELD && (!required || personal)) return "";
    if (field.get_string().get(v) != simdjson::SUCCESS) Fail(key);
    return std::string(v);
  }
  std::optional<std::string> OptStr(std::string_view key) {
    simdjson::dom::object from = obj_;
    if (sealed_ && IsPersonalKey(key)) {
      if (!opened_) return std::nullopt;
      from = personal_;
    }
    if (from[key].error() == simdjson::NO_SUCH_FIELD) return std::nullopt;
    return Str(key);
  }
  bool Bool(std::string_view key) {
    bool v = false;
    if (obj_[key].get_bool().get(v) != simdjson::SUCCESS) Fail(key);
    return v;
  }
  // Marks `key` as holding a value the type does not know.
  void Bad(std::string_view key) { Fail(key); }
  std::int64_t Int(std::string_view key) {
    std::int64_t v = 0;
    if (obj_[key].get_int64().get(v) != simdjson::SUCCESS) Fail(key);
    return v;
  }
  // The stamp of a schema-2 edit; schema 1 had none.
  Stamp ReadStamp() {
    if (schema_ < 2) return Stamp{};
    Stamp s;
    s.hlc = Int("hlc");
    s.node = Str("node");
    return s;
  }
  void set_schema(std::uint32_t schema) { schema_ = schema; }
  bool ok() const { return bad_.empty(); }
  const std::string& bad_field() const { return bad_; }

 private:
  void Fail(std::string_view key) {
    if (bad_.empty()) bad_ = std::string(key);
  }
  simdjson::dom::object obj_;
  simdjson::dom::object personal_;
  bool sealed_ = false, opened_ = false;
  std::string bad_;
  std::uint32_t schema_ = 1;
};

CustomerDetails ReadDetails(Reader& r) {
  CustomerDetails d;
  for (DetailField f : kAllDetailFields) {
    bool required = f == DetailField::kFirstName || f == DetailField::kLastName;
    d[f] = r.Str(DetailFieldName(f), required);
  }
  return d;
}

struct CustomerType {
  std::string_view name;
  CustomerEvent (*read)(Reader&);
  std::uint32_t schema = 1;  // the newest; older ones are upcast by `read`
};

// Indexed like the CustomerEvent variant.
const CustomerType kCustomerTypes[] = {
    {"customer.registered",
     [](Reader& r) -> CustomerEvent {
       CustomerRegistered e;
       e.customer_id = r.Str("customer_id");
       e.code = r.Str("code");
       e.details = ReadDetails(r);
       e.origin_store = r.Str("origin_store", false);
       return e;
     }},
    {"customer.details_changed",
     [](Reader& r) -> CustomerEvent {
       CustomerDetailsChanged e;
       for (DetailField f : kAllDetailFields) e.changes[f] = r.OptStr(DetailFieldName(f));
       e.stamp = r.ReadStamp();
       return e;
     },
     2},
    {"customer.deactivated",
     [](Reader& r) -> CustomerEvent { return CustomerDeactivated{r.ReadStamp()}; }, 2},
    {"customer.reactivated",
     [](Reader& r) -> CustomerEvent { return CustomerReactivated{r.ReadStamp()}; }, 2},
    {"customer.deleted", [](Reader& r) -> CustomerEvent { return CustomerDeleted{r.ReadStamp()}; },
     2},
    {"purchase.recorded",
     [](Reader& r) -> CustomerEvent {
       return PurchaseRecorded{r.Str("tab_id"), r.Int("amount"), r.Int("paid_at")};
     }},
    {"purchase.refunded",
     [](Reader& r) -> CustomerEvent {
       return PurchaseRefunded{r.Str("refund_id"), r.Str("tab_id"), r.Int("amount")};
     }},
    {"loyalty.points_earned",
     [](Reader& r) -> CustomerEvent {
       return PointsEarned{r.Str("tab_id"), r.Int("points")};
     }},
    {"loyalty.points_reversed",
     [](Reader& r) -> CustomerEvent {
       return PointsReversed{r.Str("refund_id"), r.Str("tab_id"), r.Int("points")};
     }},
    {"loyalty.points_redeemed",
     [](Reader& r) -> CustomerEvent {
       return PointsRedeemed{r.Int("points"), r.Str("note", false), r.Str("reference", false)};
     }},
    {"loyalty.points_adjusted",
     [](Reader& r) -> CustomerEvent {
       return PointsAdjusted{r.Int("delta"), r.Str("note")};
     }},
    {"credit.topped_up",
     [](Reader& r) -> CustomerEvent {
       return CreditToppedUp{r.Int("amount"), r.Str("payment_ref"), r.Str("note", false)};
     }},
    {"credit.deducted",
     [](Reader& r) -> CustomerEvent {
       return CreditDeducted{r.Int("amount"), r.Str("note", false), r.Str("reference", false)};
     }},
    {"credit.adjusted",
     [](Reader& r) -> CustomerEvent {
       return CreditAdjusted{r.Int("delta"), r.Str("note")};
     }},
    {"credit.overdraft_detected",
     [](Reader& r) -> CustomerEvent {
       return CreditOverdraftDetected{r.Str("deduction_id"), r.Str("store"), r.Int("shortfall")};
     }},
    {"ledger.duplicate_reversed",
     [](Reader& r) -> CustomerEvent {
       return DuplicateReversed{r.Str("kind"),    r.Str("reference"), r.Str("duplicate_id"),
                                r.Str("kept_id"), r.Str("store"),     r.Int("spent"),
                                r.Int("points"),  r.Int("credit")};
     }},
    {"ledger.conflict_recorded",
     [](Reader& r) -> CustomerEvent {
       return ConflictRecorded{r.Str("kind"), r.Str("reference"), r.Str("event_id"),
                               r.Str("other_id"), r.Str("store")};
     }},
    {"loyalty.points_expired",
     [](Reader& r) -> CustomerEvent {
       return PointsExpired{r.Str("lot_id"), r.Int("points"), r.Int("expired_at")};
     }},
    {"loyalty.points_shortfall_detected",
     [](Reader& r) -> CustomerEvent {
       return PointsShortfallDetected{r.Str("redemption_id"), r.Str("store"), r.Int("shortfall")};
     }},
    {"customer.consent_changed",
     [](Reader& r) -> CustomerEvent {
       CustomerConsentChanged e;
       auto channel = ParseConsentChannel(r.Str("channel"), "channel");
       if (!channel) r.Bad("channel");
       e.channel = channel.value_or(ConsentChannel::kEmail);
       e.granted = r.Bool("granted");
       auto source = ParseConsentSource(r.Str("source"));
       if (!source) r.Bad("source");
       e.source = source.value_or(ConsentSource::kRegister);
       e.stamp.hlc = r.Int("hlc");  // stamped from its first schema
       e.stamp.node = r.Str("node");
       return e;
     }},
    {"customer.merged",
     [](Reader& r) -> CustomerEvent {
       CustomerMerged e{r.Str("merge_id"), r.Str("survivor_id"), r.Str("survivor_code")};
       e.points = r.Int("points");
       e.credit = r.Int("credit");
       e.spent = r.Int("spent");
       e.last_visit_ms = r.Int("last_visit");
       return e;
     }},
    {"customer.merge_received",
     [](Reader& r) -> CustomerEvent {
       MergeReceived e{r.Str("merge_id"), r.Str("duplicate_id"), r.Str("duplicate_code")};
       e.points = r.Int("points");
       e.credit = r.Int("credit");
       e.spent = r.Int("spent");
       e.last_visit_ms = r.Int("last_visit");
       return e;
     }},
    {"customer.merge_settled",
     [](Reader& r) -> CustomerEvent {
       MergeSettled e{r.Str("merge_id"), r.Str("kind"), r.Str("side"), r.Str("other_id")};
       e.points = r.Int("points");
       e.credit = r.Int("credit");
       e.spent = r.Int("spent");
       e.last_visit_ms = r.Int("last_visit");
       return e;
     }},
    {"customer.erased", [](Reader& r) -> CustomerEvent { return CustomerErased{r.Str("reason")}; }},
};
static_assert(std::size(kCustomerTypes) == std::variant_size_v<CustomerEvent>);

const std::string_view kSettingsTypes[] = {"settings.loyalty_program_set",
                                           "settings.module_enabled", "settings.module_disabled"};
static_assert(std::size(kSettingsTypes) == std::variant_size_v<SettingsEvent>);

// Parses `json` as an object and runs `read` on it, mapping every failure to a Status.
template <typename T, typename F>
Result<T> Parse(std::string_view type, std::uint32_t schema, std::string_view json, F read,
                std::uint32_t newest = kCurrentSchema, PersonalDataKeys* keys = nullptr,
                std::string_view customer_id = {}) {
  if (schema < 1 || schema > newest) {
    return Error(Status::InvalidArgument(
        "schema", "unknown_schema",
        std::string(type) + " has no schema version " + std::to_string(schema)));
  }
  thread_local simdjson::dom::parser parser;  // its buffers are reused event after event
  simdjson::dom::object obj;
  if (parser.parse(json.data(), json.size()).get_object().get(obj) != simdjson::SUCCESS) {
    return Error(Status::Corruption("payload of " + std::string(type) + " is not a JSON object"));
  }
  Reader reader(obj);
  reader.set_schema(schema);
  std::string_view blob;
  simdjson::dom::object personal;
  if (obj[kSealedKey].get_string().get(blob) == simdjson::SUCCESS) {
    thread_local simdjson::dom::parser personal_parser;
    bool opened = false;
    if (keys != nullptr) {
      // A blob that does not open (no key, a damaged or foreign one) leaves
      // the fields absent: the rest of the event, which the hash chain and
      // the signatures cover, still counts.
      auto plain = keys->Open(customer_id, type, blob);
      opened =
          plain && personal_parser.parse(plain->data(), plain->size()).get_object().get(personal) ==
                       simdjson::SUCCESS;
    }
    reader.set_sealed(opened ? &personal : nullptr);
  }
  T event = read(reader);
  if (!reader.ok()) {
    return Error(Status::Corruption("payload of " + std::string(type) + " has a missing or bad '" +
                                    reader.bad_field() + "'"));
  }
  return event;
}

}  // namespace

std::string_view EventTypeName(const CustomerEvent& e) { return kCustomerTypes[e.index()].name; }
std::string_view EventTypeName(const SettingsEvent& e) { return kSettingsTypes[e.index()]; }

std::string EncodePayload(const CustomerEvent& event) { return json::serialize(ToJson(event)); }

Result<std::string> EncodeSealedPayload(const CustomerEvent& event, std::string_view customer_id,
                                        PersonalDataKeys* keys, bool make_key) {
  json::object o = ToJson(event);
  if (keys == nullptr) return json::serialize(o);
  json::object clear, personal;
  for (auto& [key, value] : o) {
    (IsPersonalKey(key) ? personal : clear)[key] = std::move(value);
  }
  if (personal.empty()) return json::serialize(clear);
  auto blob = keys->Seal(customer_id, EventTypeName(event), json::serialize(personal),
                         make_key || std::holds_alternative<CustomerRegistered>(event));
  if (!blob) return Error(blob.error());
  clear[kSealedKey] = *blob;
  return json::serialize(clear);
}

Result<CustomerEvent> WithoutPersonalData(const CustomerEvent& event) {
  json::object clear;
  for (auto& [key, value] : ToJson(event)) {
    if (!IsPersonalKey(key)) clear[key] = std::move(value);
  }
  clear[kSealedKey] = "";  // read as a sealed payload without its key
  return DecodeCustomerEvent(EventTypeName(event), SchemaOf(event), json::serialize(clear));
}

bool PayloadIsSealed(std::string_view json) {
  // Quotes inside string values are escaped: "sealed": can only be a key.
  return json.find("\"sealed\":") != std::string_view::npos;
}

bool HasPersonalData(const CustomerEvent& event) {
  for (const auto& [key, value] : ToJson(event)) {
    if (IsPersonalKey(key)) return true;
  }
  return false;
}

std::string EncodePayload(const SettingsEvent& event) {
  json::object o;
  std::visit(Overloaded{
                 [&](const LoyaltyProgramSet& e) {
                   o["points"] = e.program.points;
                   o["per_amount"] = e.program.per_amount;
                   o["rounding"] = RoundingName(e.program.rounding);
                   if (e.program.expiry.policy != ExpiryPolicy::kNever) {
                     o["expiry"] = ExpiryPolicyName(e.program.expiry.policy);
                     o["expiry_months"] = e.program.expiry.months;
                   }
                 },
                 [&](const ModuleEnabled& e) { o["module"] = ModuleName(e.module); },
                 [&](const ModuleDisabled& e) { o["module"] = ModuleName(e.module); },
             },
             event);
  return json::serialize(o);
}

bool IsCustomerEventType(std::string_view type) {
  for (const auto& t : kCustomerTypes) {
    if (t.name == type) return true;
  }
  return false;
}

bool IsSettingsEventType(std::string_view type) {
  for (auto t : kSettingsTypes) {
    if (t == type) return true;
  }
  return false;
}

Result<CustomerEvent> DecodeCustomerEvent(std::string_view type, std::uint32_t schema,
                                          std::string_view json, PersonalDataKeys* keys,
                                          std::string_view customer_id) {
  for (const auto& t : kCustomerTypes) {
    if (t.name == type) {
      return Parse<CustomerEvent>(type, schema, json, t.read, t.schema, keys, customer_id);
    }
  }
  return Error(Status::InvalidArgument("type", "unknown_event_type",
                                       "unknown customer event type '" + std::string(type) + "'"));
}

std::span<const std::string_view> CustomerEventTypes() {
  static const auto kNames = [] {
    std::array<std::string_view, std::size(kCustomerTypes)> names;
    for (std::size_t i = 0; i < names.size(); ++i) names[i] = kCustomerTypes[i].name;
    return names;
  }();
  return kNames;
}

std::uint32_t SchemaOf(const CustomerEvent& e) { return kCustomerTypes[e.index()].schema; }
std::uint32_t SchemaOf(const SettingsEvent& e) {
  return std::holds_alternative<LoyaltyProgramSet>(e) ? 2 : kCurrentSchema;
}

Result<SettingsEvent> DecodeSettingsEvent(std::string_view type, std::uint32_t schema,
                                          std::string_view json) {
  bool bad_value = false;
  auto module = [&](Reader& r) {
    auto m = ParseModule(r.Str("module"));
    bad_value = bad_value || !m;
    return m.value_or(Module::kCustomers);
  };
  Result<SettingsEvent> out;
  if (type == kSettingsTypes[0]) {
    out = Parse<SettingsEvent>(
        type, schema, json,
        [&](Reader& r) -> SettingsEvent {
          LoyaltyProgram p;
          p.points = r.Int("points");
          p.per_amount = r.Int("per_amount");
          auto rounding = ParseRounding(r.Str("rounding"));
          bad_value = bad_value || !rounding;
          p.rounding = rounding.value_or(Rounding::kFloor);
          // Schema 1 had no expiry policy: its points never expire.
          if (schema >= 2) {
            if (auto name = r.OptStr("expiry")) {
              auto policy = ParseExpiryPolicy(*name);
              bad_value = bad_value || !policy || *policy == ExpiryPolicy::kNever;
              p.expiry.policy = policy.value_or(ExpiryPolicy::kNever);
              std::int64_t months = r.Int("expiry_months");
              bad_value = bad_value || months < 1 || months > kMaxExpiryMonths;
              p.expiry.months = static_cast<int>(months);
            }
          }
          return LoyaltyProgramSet{p};
        },
        2);
  } else if (type == kSettingsTypes[1]) {
    out = Parse<SettingsEvent>(
        type, schema, json, [&](Reader& r) -> SettingsEvent { return ModuleEnabled{module(r)}; });
  } else if (type == kSettingsTypes[2]) {
    out = Parse<SettingsEvent>(
        type, schema, json, [&](Reader& r) -> SettingsEvent { return ModuleDisabled{module(r)}; });
  } else {
    return Error(Status::InvalidArgument(
        "type", "unknown_event_type", "unknown settings event type '" + std::string(type) + "'"));
  }
  if (out && bad_value) {
    return Error(Status::Corruption("payload of " + std::string(type) + " has an unknown value"));
  }
  return out;
}

}  // namespace clientele
