// Backups of a node's data folder, taken while the node serves, checked as
// they are made, and restored into an empty folder.
//
// A backup is a folder of its own:
//
//   BACKUP/backup.json  the manifest (below); written last, so a folder
//                       without it is not a backup
//   BACKUP/log/         a checkpoint of DATA/log (EventStore::Checkpoint)
//   BACKUP/<file>       the files the caller names (keys, principals, cursors,
//                       import records), copied before the checkpoint, so a
//                       cursor never points past the log beside it
//
// The manifest:
//
//   {"format": "clientele-backup/1", "node": "s01", "role": "store",
//    "created_at": "2026-11-23T10:15:00.000Z", "source": "/var/lib/clientele",
//    "log": {"position": 120000, "events": 120000, "hash": "<64 hex digits>",
//            "own_highest": 5123},
//    "files": [{"path": "log/000123.sst", "bytes": 4096, "sha256": "<64 hex digits>"}, ...]}
//
// `log` is the head of the copy's hash chain (its last position, the chain's
// hash there and the number of events), found by walking the whole chain of
// the copy, with the highest sequence number of the node's own events in it; `files` is every file
// of the backup but backup.json, by path relative to the backup, with its size and SHA-256. Folders
// are made 0700 and files 0600 (a log's table files are hard links to the node's own, the owner's
// alone too).
//
// The manifest finds damage (a changed byte, a missing or truncated file);
// it is not a signature: whoever can rewrite a backup can rewrite its
// manifest. Keep backups where only operators write.
//
// Thread-safe: one backup is made at a time in a process; others wait.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/clock.h"
#include "domain/status.h"
#include "eventstore/event_store.h"

namespace clientele {

inline constexpr std::string_view kBackupFormat = "clientele-backup/1";
inline constexpr std::string_view kBackupManifestFile = "backup.json";

struct BackupFile {
  std::string path;  // relative to the backup, '/'-separated
  std::uint64_t bytes = 0;
  std::string sha256;  // lower-case hex
};

struct BackupManifest {
  std::string node;  // hq or a store id
  std::string role;  // hq or store
  std::int64_t created_ms = 0;
  std::string source;             // the data folder it was taken from
  std::uint64_t position = 0;     // the log's last position
  std::uint64_t events = 0;       // events whose link verified
  std::string hash;               // the chain's hash at `position`, hex ("" for an empty log)
  std::uint64_t own_highest = 0;  // the highest number of `node`'s own events in the log
  std::vector<BackupFile> files;  // sorted by path
};

// The manifest as backup.json holds it.
std::string BackupManifestJson(const BackupManifest& manifest);
// Corruption if `json` is not a manifest of this format (or names a path
// outside the backup).
Result<BackupManifest> ParseBackupManifest(std::string_view json);

struct BackupOptions {
  std::string data;                // the node's data folder (its log is <data>/log)
  std::string node, role;          // recorded in the manifest
  std::vector<std::string> files;  // relative to `data`: each copied if it exists
  Clock* clock = nullptr;          // created_at; defaults to the system clock
  // Called once the log is copied; the files it names (relative to `data`)
  // are copied then: what must cover every event of the copy (the data keys,
  // eventstore/data_keys.h). Optional.
  std::function<Result<std::vector<std::string>>()> after_log;
};

// Whether `target` may receive a backup of the data folder `data`:
//   InvalidArgument("backup_path_not_absolute") - a relative path;
//   InvalidArgument("backup_path_inside_data")  - `target` is `data` or in it;
//   InvalidArgument("backup_parent_missing")    - its parent folder is missing;
//   FailedPrecondition("backup_target_not_empty") - it exists and is not an
//                                                   empty folder.
Status CheckBackupTarget(const std::string& target, const std::string& data);

// Makes a backup of `log` (open and serving: appends go on) in `target`
// (CheckBackupTarget's rules; created if missing), then walks the copy's
// whole hash chain. Returns the manifest written, or the target's refusal,
// Corruption if the copy does not verify or lacks an event acknowledged
// before the call, Unavailable if the disk refuses. On failure, nothing the
// call made is left in `target`.
Result<BackupManifest> CreateBackup(EventStore* log, const std::string& target,
                                    const BackupOptions& options);

// Checks the backup in the folder `backup` where it is, changing nothing:
// its manifest, every listed file (size and SHA-256), no unlisted file in
// its log, and its whole hash chain up to the head the manifest records.
// NotFound("no_backup_manifest") without backup.json; Corruption naming the
// first thing wrong.
Result<BackupManifest> CheckBackup(const std::string& backup);

// Copies the backup in `backup` into the data folder `data`, which must be
// missing or an empty folder (FailedPrecondition("restore_target_not_empty")
// otherwise), checking each file against the manifest as it is copied and
// then the copy's whole hash chain. Only the files the manifest lists are
// copied; the indexes and projections are rebuilt from the log when the node
// starts. Corruption naming the first thing wrong, and then nothing the call
// made is left in `data`.
Result<BackupManifest> RestoreBackup(const std::string& backup, const std::string& data);

}  // namespace clientele
