// `clientele password --principals FILE --name NAME`: sets a principal's
// password (api/passwords.h), read from standard input (one line; without
// echo when it is a terminal), as an Argon2id hash in the principals file.
// A running node takes it on SIGHUP (or set it through
// PUT /v1/principals/{name}/password, which reloads at once).
#pragma once

#include <cstdio>
#include <string>

namespace clientele {

// Reads the password from `in`. Exit status 0, 1 refused (too short, too
// long, no such principal, a principals file that does not load), 2 the file
// cannot be written.
int RunPassword(const std::string& principals, const std::string& name, std::FILE* in);

}  // namespace clientele
