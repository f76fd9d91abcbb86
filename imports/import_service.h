// Customer imports as a two-step job: analyse, then confirm.
//
// Analyse plans a customer file (imports/customer_import.h) and writes nothing to
// the log; it keeps the file and the analysis under <data>/imports as
// <id>.csv and <id>.json. Confirm plans the same file again against the
// customers as they are now and, if that plan is exactly the one analysed
// (same fingerprint), appends all of its events as one bulk append
// (eventstore/bulk_append.h): every change or none. Event and customer ids
// are derived from the import id, so a confirm repeated after a crash or a
// lost answer appends nothing twice; a confirmed import answers further
// confirms with its recorded outcome.
//
// Analyses not confirmed within 24 hours are removed.
//
// A replace that would remove (delete or deactivate) more than
// ImportOptions::max_removal_percent of the customers is a mass removal: the
// analysis says so, and a confirm refuses it unless it is allowed
// explicitly (ConfirmOptions::allow_mass_removal).
//
// Thread-safe; confirms take turns.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "commands/command_handler.h"
#include "domain/clock.h"
#include "eventstore/event_store.h"
#include "imports/customer_import.h"
#include "projections/projector.h"

namespace clientele {

struct ImportOptions {
  int max_removal_percent = 20;  // 0..100; the setting imports.max_removal_percent
};

struct ConfirmOptions {
  bool allow_mass_removal = false;  // apply even a mass removal
};

struct ImportRecord {
  std::string id;
  std::string actor;
  std::int64_t analysed_ms = 0;
  ImportSummary summary;  // the analysis
  bool applied = false;
  std::int64_t applied_ms = 0;
  std::string applied_by;
  // Its first event, known once a confirm has planned it; when that event is
  // in the log, the import was applied.
  std::string first_event_id;
  std::uint64_t first_position = 0, last_position = 0;  // of its events in the log
  // The limit a confirm applies now (ImportService sets it on every record it returns).
  int max_removal_percent = ImportOptions{}.max_removal_percent;
};

class ImportService {
 public:
  static constexpr std::int64_t kKeepMs = std::int64_t{24} * 3600 * 1000;

  // `dir` is <data>/imports; the others must outlive the service.
  ImportService(std::string dir, EventStore* store, Projector* projections,
                CommandHandler* commands, Clock* clock, std::string node,
                ImportOptions options = {});

  // A path in the imports folder where an upload can be written before
  // Analyse takes it over.
  std::string UploadPath() const;

  // Removes analyses not confirmed within kKeepMs (an applied import's record
  // stays) and uploads abandoned half-way: every one at start (`starting`:
  // nothing is arriving yet), else those untouched for kAbandonedMs. Runs on
  // each analysis; a server also runs it at start and on a timer.
  static constexpr std::int64_t kAbandonedMs = std::int64_t{3600} * 1000;
  void Sweep(bool starting = false);

  // Removes every analysis not yet confirmed, file and record (a customer
  // was erased: its rows may be in a file; the clerk uploads it again).
  // Applied imports keep their records (counts only, no rows).
  void DropPending();

  // Analyses the file at `path` (moved into the imports folder, removed if the
  // file cannot be read as a whole). InvalidArgument for a file that is not a
  // customer file (imports/customer_import.h).
  Result<ImportRecord> Analyse(const std::string& path, ImportMode mode, const std::string& actor,
                               const ImportProgressFn& progress = {});
  // The import's record; NotFound("import_not_found") for an unknown or expired id.
  Result<ImportRecord> Get(const std::string& id) const;
  // Applies the import. FailedPrecondition("import_has_errors") if its
  // analysis found errors; FailedPrecondition("mass_removal") if it is a
  // mass removal and `confirm` does not allow one; Conflict("import_changed")
  // if the customers changed since in a way that changes the plan (analyse
  // again); Unavailable if the log could not be written. Nothing is applied
  // on any error.
  Result<ImportRecord> Confirm(const std::string& id, const std::string& actor,
                               ConfirmOptions confirm = {}, const ImportProgressFn& progress = {});

 private:
  Status Save(const ImportRecord& record) const;

  std::string dir_;
  EventStore* store_;
  Projector* projections_;
  CommandHandler* commands_;
  Clock* clock_;
  std::string node_;
  ImportOptions options_;
  std::mutex confirm_mu_;
};

}  // namespace clientele
