// `clientele serve`: runs a node's HTTP service until SIGINT or SIGTERM.
#pragma once

#include "cli/config.h"

namespace clientele {

// Opens the log and projections, catches up, serves, and on a signal stops
// accepting, finishes requests in progress and closes the log cleanly.
// Returns the process's exit code.
int RunServe(const ServeConfig& config);

}  // namespace clientele
