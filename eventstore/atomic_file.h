// Small files (cursors, records, principals) written whole or not at all.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "domain/status.h"

namespace clientele {

// Replaces the file at `path` with `contents`: written to PATH.tmp, with
// `perms`, flushed to disk, then renamed over `path`, so a reader (or a
// restart after a crash) sees the old file or the new one. Unavailable when
// the disk refuses.
Status WriteFileAtomically(const std::string& path, std::string_view contents,
                           std::filesystem::perms perms = std::filesystem::perms::owner_read |
                                                          std::filesystem::perms::owner_write |
                                                          std::filesystem::perms::group_read |
                                                          std::filesystem::perms::others_read);

}  // namespace clientele
