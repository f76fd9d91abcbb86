// `clientele backup`, `clientele verify --backup` and `clientele restore`
// (OPERATIONS.md, "Backup and restore"; the backup's layout and manifest:
// eventstore/backup.h).
//
//   clientele backup --to FOLDER [--url URL] [--token-file F]
//       the running node makes the backup itself (POST /v1/admin/backups,
//       permission backups.create); FOLDER is an absolute path on its machine
//   clientele backup --to FOLDER --data DATA [--node ID]
//       the node stopped: the backup is made from DATA directly
//   clientele verify --backup FOLDER
//       checks a backup where it is: every file's SHA-256 and the whole chain
//   clientele restore BACKUP DATA [--from URL --token-file F]
//       into a new or empty data folder, checked as it is copied; with
//       --from, the node's own events newer than the backup are first taken
//       back from the node at URL (HQ for a store, a store for HQ)
//
// Exit status: 0 done, 1 refused (a folder not empty, a bad path, a missing
// permission), 2 the node or the disk could not be reached, 3 the backup is
// damaged.
#pragma once

#include <string>
#include <vector>

#include "cli/transfer.h"

namespace clientele {

// DATA/restored: written by `clientele restore` unless it took the node's
// own newer events back (--from). While it is there, a store with
// sync.hq_url takes them back from HQ before it serves; any other node
// refuses to start (an operator removes the file once no peer holds any).
inline constexpr const char* kRestoredMarker = "restored";
// Where a backup keeps a copy of DATA/keys (a RocksDB checkpoint); a restored
// node takes it as DATA/keys at its first start.
inline constexpr const char* kKeysBackup = "keys-backup";

// What a backup copies beside the log, relative to the data folder `data`:
// what cannot be rebuilt from the log (the node's key, HQ's pinned key,
// principals.json) and the cursors that save redoing work (outbox, join,
// overdraft check), plus the import records (imports/ID.json). Not the
// indexes and projections (rebuilt from the log), first-token (a secret
// to be deleted), uploads or bulk staging.
std::vector<std::string> BackedUpFiles(const std::string& data);

int RunBackupOnline(const NodeAddress& node, const std::string& to);
int RunBackupOffline(const std::string& data, const std::string& node, const std::string& to);
int RunCheckBackup(const std::string& backup);
// `from` (null: none) is the peer to take the node's own newer events from.
int RunRestore(const std::string& backup, const std::string& data, const NodeAddress* from);

}  // namespace clientele
