// Passwords of principals: Argon2id hashes through libsodium
// (crypto_pwhash_str with OPSLIMIT_INTERACTIVE and MEMLIMIT_INTERACTIVE: about
// 64 MiB and a tenth of a second per hash), stored in the principals file as
// "password_argon2id" (api/auth.h). A password is never stored or logged.
//
// Thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "domain/status.h"

namespace clientele::api {

inline constexpr std::size_t kMinPasswordChars = 12;    // characters (UTF-8 code points)
inline constexpr std::size_t kMaxPasswordBytes = 1024;  // bytes

// OK, or InvalidArgument on the field "password": "password_too_short" under
// kMinPasswordChars characters, "password_too_long" over kMaxPasswordBytes
// bytes, "invalid_utf8" if it is not UTF-8.
Status CheckNewPassword(std::string_view password);

// The Argon2id hash string ("$argon2id$v=19$m=65536,t=2,p=1$salt$hash") of
// `password`, with a random salt. Unavailable if the memory for it cannot be had.
Result<std::string> HashPassword(std::string_view password);

// True if `password` matches `hash` (a string HashPassword made). Costs one
// Argon2id hash whatever the answer.
bool VerifyPassword(std::string_view hash, std::string_view password);

// Costs what VerifyPassword costs, for a name that has no password: an
// unknown name and a wrong password take the same time. Always false.
bool VerifyNoPassword(std::string_view password);

// True for text shaped as an Argon2id hash string ("$argon2id$...", shorter
// than libsodium's crypto_pwhash_STRBYTES).
bool IsPasswordHash(std::string_view text);

// Sets the principal `name`'s "password_argon2id" to `hash` in the principals
// file at `path`, keeping everything else in it, and rewrites the file
// atomically (eventstore/atomic_file.h), one principal a line. NotFound
// ("principal_not_found") if no principal has that name; InvalidArgument
// ("invalid_principals") if the file cannot be read as a principals file;
// Unavailable if it cannot be written. Callers serialize their calls.
Status SetPasswordInFile(const std::string& path, std::string_view name, const std::string& hash);

}  // namespace clientele::api
