#include "imports/import_service.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "domain/event_codec.h"
#include "domain/ids.h"
#include "eventstore/atomic_file.h"
#include "eventstore/uuid.h"
#include "imports/import_record.h"

namespace clientele {

namespace fs = std::filesystem;

namespace {

constexpr auto kCatchUp = std::chrono::seconds(60);

Status ImportNotFound(const std::string& id) {
  return Status::NotFound("import_not_found",
                          "there is no import " + id + " (analyses are kept for 24 hours)");
}

// Ids are UUIDs: nothing else may name a file in the folder.
bool ValidId(const std::string& id) { return ParseUuid(id, "id").has_value(); }

}  // namespace

ImportService::ImportService(std::string dir, EventStore* store, Projector* projections,
                             CommandHandler* commands, Clock* clock, std::string node,
                             ImportOptions options)
    : dir_(std::move(dir)),
      store_(store),
      projections_(projections),
      commands_(commands),
      clock_(clock),
      node_(std::move(node)),
      options_(options) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
}

std::string ImportService::UploadPath() const { return dir_ + "/" + NewUuid() + ".upload"; }

Status ImportService::Save(const ImportRecord& record) const {
  return WriteFileAtomically(dir_ + "/" + record.id + ".json",
                             boost::json::serialize(ImportRecordToJson(record)));
}

void ImportService::Sweep(bool starting) {
  const auto now = fs::file_time_type::clock::now();
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const fs::path& p = entry.path();
    auto age = now - fs::last_write_time(p, ec);
    if (ec) continue;
    const bool upload = p.extension() == ".upload";
    if (upload && (starting || age >= std::chrono::milliseconds(kAbandonedMs))) {
      fs::remove(p, ec);
      continue;
    }
    if (age < std::chrono::milliseconds(kKeepMs)) continue;
    if (p.extension() == ".json") {  // an applied import's record is kept
      auto record = Get(p.stem().string());
      if (record && record->applied) continue;
    }
    fs::remove(p, ec);
  }
}

void ImportService::DropPending() {
  // Without confirm_mu_: a confirm holds it while it waits for the
  // projections, which call this. A confirm reading a file removed meanwhile
  // reads it to the end (an unlinked file stays readable while open).
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const fs::path& p = entry.path();
    if (p.extension() != ".csv") continue;
    auto record = Get(p.stem().string());
    if (record && record->applied) continue;
    fs::remove(p, ec);
    fs::remove(fs::path(p).replace_extension(".json"), ec);
  }
}

Result<ImportRecord> ImportService::Analyse(const std::string& path, ImportMode mode,
                                            const std::string& actor,
                                            const ImportProgressFn& progress) {
  Sweep();
  ImportRecord record;
  record.id = NewUuid();
  record.actor = actor;
  record.max_removal_percent = options_.max_removal_percent;
  record.analysed_ms = clock_->NowMs();
  const std::string csv = dir_ + "/" + record.id + ".csv";
  std::error_code ec;
  fs::rename(path, csv, ec);
  if (ec) return Error(Status::Unavailable("cannot keep the uploaded file: " + ec.message()));
  projections_->WaitFor(store_->Head(), kCatchUp);
  std::ifstream in(csv, std::ios::binary);
  auto summary = PlanImport(in, mode, *projections_, projections_->Settings(), {}, progress);
  if (!summary) {
    fs::remove(csv, ec);
    return Error(summary.error());
  }
  record.summary = std::move(*summary);
  if (Status s = Save(record); !s.ok()) return Error(s);
  return record;
}

Result<ImportRecord> ImportService::Get(const std::string& id) const {
  if (!ValidId(id)) return Error(ImportNotFound(id));
  std::ifstream in(dir_ + "/" + id + ".json");
  if (!in) return Error(ImportNotFound(id));
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text.str(), ec);
  if (ec) return Error(Status::Corruption("import record " + id + " does not parse"));
  auto record = ImportRecordFromJson(v);
  if (record) record->max_removal_percent = options_.max_removal_percent;
  return record;
}

Result<ImportRecord> ImportService::Confirm(const std::string& id, const std::string& actor,
                                            ConfirmOptions confirm,
                                            const ImportProgressFn& progress) {
  std::lock_guard turn(confirm_mu_);
  auto record = Get(id);
  if (!record) return Error(record.error());
  if (record->applied) return record;
  if (!record->first_event_id.empty()) {  // a confirm got as far as the log: did it land?
    auto first = store_->FindById(record->first_event_id);
    if (first) {
      record->applied = true;
      record->applied_ms = first->time_ms;
      record->applied_by = first->actor;
      record->first_position = first->position;
      if (Status s = Save(*record); !s.ok()) return Error(s);
      return record;
    }
    if (first.error().code() != StatusCode::kNotFound) return Error(first.error());
  }
  if (record->summary.error_count > 0) {
    return Error(Status::FailedPrecondition(
        "import", "import_has_errors",
        "the analysis found " + std::to_string(record->summary.error_count) +
            " errors; correct the file and upload it again (nothing was applied)"));
  }
  const ImportSummary& analysed = record->summary;
  if (analysed.MassRemoval(options_.max_removal_percent) && !confirm.allow_mass_removal) {
    return Error(Status::FailedPrecondition(
        "import", "mass_removal",
        "the import would remove " + std::to_string(analysed.removals()) + " of the " +
            std::to_string(analysed.customers) + " customers (" +
            std::to_string(analysed.RemovalSharePercent()) + "%: " +
            std::to_string(analysed.deleted) + " deleted, " + std::to_string(analysed.deactivated) +
            " deactivated), more than imports.max_removal_percent allows (" +
            std::to_string(options_.max_removal_percent) +
            "%); if that is meant, confirm with {\"allow_mass_removal\": true} (clientele "
            "import --yes); nothing was applied"));
  }
  const std::string csv = dir_ + "/" + id + ".csv";
  std::ifstream in(csv, std::ios::binary);
  if (!in) return Error(ImportNotFound(id));

  // Plan again against the customers as they are now, staging the events.
  if (!projections_->WaitFor(store_->Head(), kCatchUp)) {
    return Error(Status::Unavailable("the customer table is behind the log; try again"));
  }
  auto bulk = store_->StartBulk();
  if (!bulk) return Error(bulk.error());
  const std::int64_t now = clock_->NowMs();
  const std::string origin_store = node_ == kHqNode ? "" : node_;
  const SettingsState settings = projections_->Settings();
  std::string first_event_id;
  auto stage = [&](ImportChange&& change) -> Status {
    std::string customer_id = change.before.id;
    ExpectedVersion expected = ExpectedVersion::Exact(change.version);
    std::vector<CustomerEvent> events;
    if (change.kind == ImportChange::Kind::kCreate) {
      customer_id = DerivedUuid("import:" + id + ":line:" + std::to_string(change.line));
      expected = ExpectedVersion::NoStream();
      RegisterCustomer cmd{customer_id,  commands_->NextCode(),      std::move(change.details),
                           origin_store, std::move(change.consents), ConsentSource::kImport};
      auto decided = Decide(CustomerState{}, settings, cmd);
      if (!decided) return decided.error();
      events = std::move(*decided);
      StampEdits(CustomerState{}, now, node_, &events);  // the consents given
    } else {
      events = std::move(change.events);
      StampEdits(change.before, now, node_, &events);
    }
    const std::string stream = CustomerStream(customer_id);
    std::vector<NewEvent> batch;
    const std::string id_prefix = "import:" + id + ":" + stream + ":";
    for (const CustomerEvent& event : events) {
      NewEvent e;
      e.id = DerivedUuid(id_prefix + std::to_string(batch.size()));
      e.type = std::string(EventTypeName(event));
      e.schema = SchemaOf(event);
      auto sealed = EncodeSealedPayload(event, customer_id, commands_->keys(),
                                        commands_->RegisteredInClear(stream));
      if (!sealed) return sealed.error();
      e.data = std::move(*sealed);
      e.actor = actor;
      e.correlation_id = id;
      if (first_event_id.empty()) first_event_id = e.id;
      batch.push_back(std::move(e));
    }
    return (*bulk)->Add(stream, expected, std::move(batch));
  };
  auto plan = PlanImport(in, record->summary.mode, *projections_, settings, stage, progress);
  if (!plan) return Error(plan.error());
  const Status changed = Status::Conflict(
      "import_changed",
      "customers changed since the analysis, so the file would now make other changes; "
      "analyse it again (nothing was applied)");
  if (plan->fingerprint != record->summary.fingerprint) return Error(changed);

  record->first_event_id = first_event_id;
  if (Status s = Save(*record); !s.ok()) return Error(s);
  if (PersonalDataKeys* keys = commands_->keys(); keys != nullptr) {
    if (Status s = keys->Persist(); !s.ok()) return Error(s);  // the new customers' keys
  }
  auto committed = store_->CommitBulk(std::move(*bulk));
  if (!committed) {
    if (committed.error().reason() == "wrong_expected_version") return Error(changed);
    return Error(committed.error());
  }
  record->applied = true;
  record->applied_ms = now;
  record->applied_by = actor;
  record->first_position = committed->first_position;
  record->last_position = committed->last_position;
  if (committed->duplicate) {  // applied before, its record not saved: find where
    auto first = store_->FindById(first_event_id);
    record->first_position = first ? first->position : 0;
    record->last_position = 0;
  }
  projections_->WaitFor(store_->Head(), kCatchUp);
  if (Status s = Save(*record); !s.ok()) return Error(s);
  std::error_code ec;
  fs::remove(csv, ec);
  return record;
}

}  // namespace clientele
