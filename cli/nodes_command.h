// `clientele key` and `clientele nodes`: a node's signing key, and HQ's
// registry of the nodes allowed to sync (domain/nodes.h).
#pragma once

#include <string>

#include "cli/transfer.h"

namespace clientele {

// Prints the public key of the node whose data folder is `data`, creating
// the key if the node has none yet (so a store can be enrolled before its
// first start). Exit status 0, or 2 if the key cannot be read or made.
int RunKey(const std::string& data);

// `action` is "list", "enroll" (node and key) or "revoke" (node; key
// optional: every key of the node when empty). Prints the registry after the
// change. Exit status 0, 1 refused, 2 the node could not be reached.
int RunNodes(const NodeAddress& address, const std::string& action, const std::string& node,
             const std::string& key);

}  // namespace clientele
