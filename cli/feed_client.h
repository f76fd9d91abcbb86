// A client of another node's sync routes: the events feed (GET /v1/events),
// how a store with an empty log copies HQ's log (consumers/catch_up.h), and
// the holdings and per-origin reads of gap repair (consumers/gap_repair.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "consumers/catch_up.h"
#include "domain/status.h"
#include "eventstore/holdings.h"

namespace clientele {

// Each call below reaches the node at `base_url` ("http://HOST:PORT" or
// "https://HOST:PORT"); over https its certificate is verified against the CA
// file `tls_ca` (sync.tls_ca; empty: the system's trust store, see
// NodeClient), and a certificate that does not verify is Unavailable.
//
// Fetches feed pages from `base_url` with the bearer
// `token` (a principal with the sync or audit.read permission). Each call
// opens a connection; a page that does not parse is Corruption, a refusal is
// Unavailable with HQ's answer.
FetchFeed HttpFeed(const std::string& base_url, std::string token, std::string tls_ca = "");

// Tells HQ what this node (`node`) holds and returns what HQ holds
// (POST /v1/sync/holdings).
Result<std::vector<OriginHolding>> ExchangeHoldings(const std::string& base_url,
                                                    const std::string& token,
                                                    const std::string& node,
                                                    const std::vector<OriginHolding>& ours,
                                                    const std::string& tls_ca = "");

// Up to `limit` events of `origin` numbered `from_seq` or more, as the node at
// `base_url` holds them (GET /v1/sync/origins/{origin}/events).
Result<std::vector<RecordedEvent>> FetchOriginEvents(const std::string& base_url,
                                                     const std::string& token,
                                                     const std::string& origin,
                                                     std::uint64_t from_seq, std::size_t limit,
                                                     const std::string& tls_ca = "");

// The public key (32 bytes) of the node at `base_url`, from its
// GET /v1/sync/identity, asked with the bearer `token`.
// The chain key (eventstore/data_keys.h) from HQ's GET /v1/sync/chain-key.
Result<std::string> FetchChainKey(const std::string& base_url, const std::string& token,
                                  const std::string& tls_ca);
Result<std::string> FetchNodeKey(const std::string& base_url, const std::string& token,
                                 const std::string& tls_ca = "");

}  // namespace clientele
