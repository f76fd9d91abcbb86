// A client of another node's events feed (GET /v1/events): how a store with
// an empty log copies HQ's log (consumers/catch_up.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "consumers/catch_up.h"
#include "domain/status.h"

namespace clientele {

// Fetches feed pages from `base_url` ("http://HOST:PORT") with the bearer
// `token` (a principal with the sync or audit.read permission). Each call
// opens a connection; a page that does not parse is Corruption, a refusal is
// Unavailable with HQ's answer.
FetchFeed HttpFeed(const std::string& base_url, std::string token);

// The public key (32 bytes) of the node at `base_url`, from its
// GET /v1/sync/identity, asked with the bearer `token`.
Result<std::string> FetchNodeKey(const std::string& base_url, const std::string& token);

}  // namespace clientele
