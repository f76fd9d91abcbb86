// Small files (cursors, records, principals) written whole or not at all.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "domain/status.h"

namespace clientele {

// Replaces the file at `path` with `contents`: written to a temporary of its
// own beside it (created exclusively, never through a link), with `perms`
// (the owner's alone by default), flushed to disk, renamed over `path`, and
// the folder synced, so a reader (or a restart after a crash or power cut)
// sees the old file or the new one. Unavailable when the disk refuses.
Status WriteFileAtomically(const std::string& path, std::string_view contents,
                           std::filesystem::perms perms = std::filesystem::perms::owner_read |
                                                          std::filesystem::perms::owner_write);

}  // namespace clientele
