// A client of another node's events feed (GET /v1/events): how a store with
// an empty log copies HQ's log (consumers/catch_up.h).
#pragma once

#include <cstdint>
#include <string>

#include "consumers/catch_up.h"
#include "domain/status.h"

namespace clientele {

// Fetches feed pages from `base_url` ("http://HOST:PORT") with the bearer
// `token` (a principal with the sync or audit.read permission). Each call
// opens a connection; a page that does not parse is Corruption, a refusal is
// Unavailable with HQ's answer.
FetchFeed HttpFeed(const std::string& base_url, std::string token);

}  // namespace clientele
