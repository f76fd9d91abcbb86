// The configuration of `clientele serve`.
//
// Sources, later ones winning field by field:
//   1. built-in defaults (below): HQ, ./data, 127.0.0.1:8080;
//   2. a TOML file (--config FILE, or CLIENTELE_CONFIG);
//   3. environment variables CLIENTELE_<KEY> (e.g. CLIENTELE_LISTEN);
//   4. command-line flags (--listen ...).
//
// Keys (TOML names; flags and variables use the same names):
//   role         "hq" | "store" (default: store when node is a store id)
//   node         "hq" for HQ; the store's id for a store ("s01")
//   data         the data folder
//   listen       "ADDRESS:PORT"
//   principals   the principals file (default DATA/principals.json)
//   [http] network_threads, worker_threads, max_body_bytes, max_upload_bytes, max_header_bytes,
//          max_connections, max_uploads, max_upload_spool_bytes,
//          read_timeout_ms, write_timeout_ms, idle_timeout_ms
//          tls_cert, tls_key  HTTPS: the certificate chain and its private key
//                       (PEM files, both or neither; flags --tls-cert, --tls-key);
//                       the port then speaks TLS 1.2+ only, no plain HTTP
//   [kafka] bootstrap   Kafka's bootstrap servers ("" : run the embedded
//                       broker); flag --kafka, variable CLIENTELE_KAFKA_BOOTSTRAP
//           partitions  of the topics the embedded broker creates (default 4)
//           "<property>" any other librdkafka property, passed through
//                       (security.protocol, sasl.*, ssl.*, ...)
//   [sync] hq_url       a store's way to HQ's HTTP events feed, used when its
//                       log is empty (a new store, a lost disk): http:// or https://
//          tls_ca       with an https hq_url: the CA certificates (PEM) HQ's
//                       certificate must chain to (default: the system's);
//                       flag --tls-ca
//          token_file   the file holding the bearer token for that feed
//          hq_key       HQ's public key (base64, from `clientele key` at HQ); a
//                       store without it asks HQ (hq_url) at its first start
//                       and pins the answer in DATA/hq-key
//          max_clock_skew_ms  how far ahead of this node's clock a peer's event
//                       time or edit stamp may be (default 300000: 5 minutes)
//          max_message_bytes  larger Kafka messages are dead letters (default 1 MiB)
//          repair_interval_ms how often a store compares what it holds with
//                       HQ to find and repair gaps (default 5000)
//   [idempotency] lifetime_hours (24), max_keys_per_principal (10000),
//          max_bytes_per_principal (64 MiB), max_answer_bytes (256 KiB):
//          writes sent with an Idempotency-Key (api/idempotency.h)
//   [imports] max_removal_percent  a replace import that would remove (delete
//                       or deactivate) more than this share of the customers
//                       is confirmed only when the confirm allows a mass
//                       removal (0..100, default 20)
//   [chain] time_zone   the chain's time zone, an IANA name (default "UTC"):
//                       the days of the reports and of points expiry; every
//                       node of a chain uses the same
//   [chain] currency    the chain's one currency, an ISO 4217 code (default
//                       "EUR"): how the console shows money (minor units are
//                       hundredths)
//   [personal_data] seal  "on" (default): the personal fields of the events
//                       this node writes are encrypted with each customer's
//                       data key (DATA/keys; OPERATIONS.md, Personal data);
//                       "off" writes them in clear (benchmark baselines only:
//                       erasure cannot remove clear fields from the log)
//   [loyalty] expiry_sweep_minutes  how often HQ expires points that are due
//                       (default 60; at start too)
//   [console] session_idle_minutes (30), session_max_hours (12): a sign-in
//                       session ends after so long unused, and so long after
//                       it began (api/sessions.h); max_sessions (10000) held
//                       at once, the least recently used ending beyond
//          lockout_failures (5) failed sign-ins for one name, or
//                       lockout_address_failures (50; 0: none) from one client
//                       address, within lockout_minutes (15) lock it for
//                       lockout_minutes (api/lockout.h)
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "domain/status.h"

namespace clientele {

struct ServeConfig {
  std::string role = "hq";
  std::string node = "hq";
  std::string data = "./data";
  std::string address = "127.0.0.1";
  std::uint16_t port = 8080;
  std::string principals;  // "" until resolved: DATA/principals.json
  int network_threads = 0;
  int worker_threads = 64;
  std::int64_t max_body_bytes = 1 << 20;
  std::int64_t max_upload_bytes = 1LL << 30;  // customer files to import
  std::int64_t max_header_bytes = 16 << 10;
  std::int64_t max_connections = 1024;
  std::int64_t max_uploads = 4;                     // customer files arriving at once
  std::int64_t max_upload_spool_bytes = 4LL << 30;  // and their bytes together
  std::int64_t read_timeout_ms = 10000;
  std::int64_t write_timeout_ms = 10000;
  std::int64_t idle_timeout_ms = 60000;
  std::string tls_cert;                      // http.tls_cert: "" serves plain HTTP
  std::string tls_key;                       // http.tls_key
  std::string kafka_bootstrap;               // "": embedded broker
  std::int64_t kafka_partitions = 4;         // embedded broker's topics
  std::map<std::string, std::string> kafka;  // librdkafka properties passed through
  std::string hq_url;                        // "http://HOST:PORT" or "https://HOST:PORT"
  std::string sync_token_file;
  std::string sync_tls_ca;  // "": the system's trust store
  std::string hq_key;       // base64 text
  std::int64_t max_clock_skew_ms = 5 * 60 * 1000;
  std::int64_t max_message_bytes = 1 << 20;
  std::int64_t repair_interval_ms = 5000;
  std::int64_t idempotency_lifetime_hours = 24;
  std::int64_t idempotency_max_keys = 10000;                // per principal
  std::int64_t idempotency_max_bytes = 64LL << 20;          // per principal
  std::int64_t idempotency_max_answer_bytes = 256LL << 10;  // larger answers are not kept
  std::int64_t max_removal_percent = 20;                    // imports.max_removal_percent
  std::string time_zone = "UTC";                            // chain.time_zone
  std::string currency = "EUR";                             // chain.currency
  std::int64_t expiry_sweep_minutes = 60;                   // loyalty.expiry_sweep_minutes
  bool seal_personal_data = true;                           // personal_data.seal
  std::int64_t session_idle_minutes = 30;                   // console.session_idle_minutes
  std::int64_t session_max_hours = 12;                      // console.session_max_hours
  std::int64_t max_sessions = 10000;                        // console.max_sessions
  std::int64_t lockout_failures = 5;                        // console.lockout_failures
  std::int64_t lockout_address_failures = 50;               // console.lockout_address_failures
  std::int64_t lockout_minutes = 15;                        // console.lockout_minutes
};

// Values by key ("listen", "http.worker_threads", ...), as text.
using ConfigValues = std::map<std::string, std::string>;

// The CLIENTELE_* variables of `environ`, by key ("CLIENTELE_HTTP_WORKER_THREADS"
// becomes "http.worker_threads").
ConfigValues ConfigFromEnvironment(char** environ);

// Builds the configuration from the file's TOML text (nullopt: no file), the
// environment and the flags. InvalidArgument naming the key for a bad value,
// an unknown key or an inconsistent role and node.
Result<ServeConfig> LoadConfig(const std::optional<std::string>& toml_text,
                               const std::string& file_name, const ConfigValues& environment,
                               const ConfigValues& flags);

}  // namespace clientele
