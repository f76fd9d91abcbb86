// `clientele audit export`, `clientele audit check` and `clientele audit
// checkpoints`: ledger extracts for auditors (projections/ledger_extract.h,
// projections/ledger_check.h) and HQ's daily checkpoints
// (domain/audit_checkpoint.h). `clientele audit --customer` is in main.cc.
//
//   clientele audit export --data DIR --from T --to T [--customer ID|CODE] [--out FILE]
//   clientele audit check FILE
//   clientele audit checkpoints --data DIR [--against HQ_DATA]
//
// Exit status: 0 done and sound, 1 the extract or the log fails a check, 2
// bad input or a file or log that cannot be read.
#pragma once

#include <string>

namespace clientele {

struct AuditExportArgs {
  std::string data;
  std::string from, to;  // times as ParseTime takes them
  std::string customer;  // "" for all
  std::string out;       // "-" for standard output
};

int RunAuditExport(const AuditExportArgs& args);
// `threads` 0: one per core.
int RunAuditCheck(const std::string& file, int threads);
// Checks the checkpoints recorded in the log at `data` against the log at
// `against` (HQ's; "" for `data` itself, which must then be HQ's).
int RunAuditCheckpoints(const std::string& data, const std::string& against);

}  // namespace clientele
