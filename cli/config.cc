#include "cli/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <utility>

#include "domain/ids.h"
#include "domain/time_zone.h"

namespace clientele {

namespace {

Status Bad(const std::string& key, const std::string& what) {
  return Status::InvalidArgument(key, "invalid_config", key + " " + what);
}

Status ParseInt(const std::string& key, const std::string& text, std::int64_t min, std::int64_t max,
                std::int64_t* out) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < min || v > max) {
    return Bad(key, "must be a whole number from " + std::to_string(min) + " to " +
                        std::to_string(max) + ", not '" + text + "'");
  }
  *out = v;
  return Status::OK();
}

Status Set(ServeConfig* c, const std::string& key, const std::string& value) {
  std::int64_t n = 0;
  if (key == "role") {
    if (value != "hq" && value != "store") return Bad(key, "must be hq or store");
    c->role = value;
  } else if (key == "node") {
    if (Status s = ValidateNodeId(value, key); !s.ok()) return s;
    c->node = value;
  } else if (key == "data") {
    if (value.empty()) return Bad(key, "must not be empty");
    c->data = value;
  } else if (key == "listen") {
    const std::size_t colon = value.rfind(':');
    if (colon == std::string::npos || colon == 0) return Bad(key, "must be ADDRESS:PORT");
    if (Status s = ParseInt(key, value.substr(colon + 1), 0, 65535, &n); !s.ok()) return s;
    c->address = value.substr(0, colon);
    if (c->address.size() > 2 && c->address.front() == '[' && c->address.back() == ']') {
      c->address = c->address.substr(1, c->address.size() - 2);
    }
    c->port = static_cast<std::uint16_t>(n);
  } else if (key == "principals") {
    c->principals = value;
  } else if (key == "http.network_threads" || key == "http.worker_threads") {
    if (Status s = ParseInt(key, value, key == "http.network_threads" ? 0 : 1, 1024, &n); !s.ok()) {
      return s;
    }
    (key == "http.network_threads" ? c->network_threads : c->worker_threads) = static_cast<int>(n);
  } else if (key == "http.max_body_bytes") {
    if (Status s = ParseInt(key, value, 1024, 1LL << 30, &c->max_body_bytes); !s.ok()) return s;
  } else if (key == "http.max_upload_bytes") {
    if (Status s = ParseInt(key, value, 1024, 1LL << 40, &c->max_upload_bytes); !s.ok()) return s;
  } else if (key == "http.max_connections") {
    if (Status s = ParseInt(key, value, 1, 1000000, &c->max_connections); !s.ok()) return s;
  } else if (key == "http.max_uploads") {
    if (Status s = ParseInt(key, value, 1, 1024, &c->max_uploads); !s.ok()) return s;
  } else if (key == "http.max_upload_spool_bytes") {
    if (Status s = ParseInt(key, value, 1024, 1LL << 44, &c->max_upload_spool_bytes); !s.ok()) {
      return s;
    }
  } else if (key == "http.max_header_bytes") {
    if (Status s = ParseInt(key, value, 1024, 1 << 20, &c->max_header_bytes); !s.ok()) return s;
  } else if (key == "http.read_timeout_ms") {
    if (Status s = ParseInt(key, value, 100, 3600000, &c->read_timeout_ms); !s.ok()) return s;
  } else if (key == "http.write_timeout_ms") {
    if (Status s = ParseInt(key, value, 100, 3600000, &c->write_timeout_ms); !s.ok()) return s;
  } else if (key == "http.idle_timeout_ms") {
    if (Status s = ParseInt(key, value, 100, 3600000, &c->idle_timeout_ms); !s.ok()) return s;
  } else if (key == "http.tls_cert" || key == "http.tls_key") {
    (key == "http.tls_cert" ? c->tls_cert : c->tls_key) = value;
  } else if (key == "kafka.bootstrap") {
    c->kafka_bootstrap = value;
  } else if (key == "kafka.partitions") {
    if (Status s = ParseInt(key, value, 1, 256, &c->kafka_partitions); !s.ok()) return s;
  } else if (key.starts_with("kafka.") && key.size() > 6) {
    c->kafka[key.substr(6)] = value;
  } else if (key == "sync.hq_url") {
    if (!value.starts_with("http://") && !value.starts_with("https://")) {
      return Bad(key, "must be http://HOST:PORT or https://HOST:PORT");
    }
    c->hq_url = value;
  } else if (key == "sync.token_file") {
    c->sync_token_file = value;
  } else if (key == "sync.tls_ca") {
    c->sync_tls_ca = value;
  } else if (key == "sync.hq_key") {
    c->hq_key = value;
  } else if (key == "sync.max_clock_skew_ms") {
    if (Status s = ParseInt(key, value, 1000, 7LL * 24 * 3600 * 1000, &c->max_clock_skew_ms);
        !s.ok()) {
      return s;
    }
  } else if (key == "sync.repair_interval_ms") {
    if (Status s = ParseInt(key, value, 100, 3600 * 1000, &c->repair_interval_ms); !s.ok()) {
      return s;
    }
  } else if (key == "sync.max_message_bytes") {
    if (Status s = ParseInt(key, value, 64 << 10, 64 << 20, &c->max_message_bytes); !s.ok()) {
      return s;
    }
  } else if (key == "idempotency.lifetime_hours") {
    if (Status s = ParseInt(key, value, 1, 24 * 30, &c->idempotency_lifetime_hours); !s.ok()) {
      return s;
    }
  } else if (key == "idempotency.max_keys_per_principal") {
    if (Status s = ParseInt(key, value, 1, 100000000, &c->idempotency_max_keys); !s.ok()) return s;
  } else if (key == "idempotency.max_bytes_per_principal") {
    if (Status s = ParseInt(key, value, 64 << 10, 1LL << 40, &c->idempotency_max_bytes); !s.ok()) {
      return s;
    }
  } else if (key == "idempotency.max_answer_bytes") {
    if (Status s = ParseInt(key, value, 1024, 64 << 20, &c->idempotency_max_answer_bytes);
        !s.ok()) {
      return s;
    }
  } else if (key == "imports.max_removal_percent") {
    if (Status s = ParseInt(key, value, 0, 100, &c->max_removal_percent); !s.ok()) return s;
  } else if (key == "personal_data.seal") {
    if (value != "on" && value != "off" && value != "true" && value != "false") {
      return Status::InvalidArgument(key, "invalid_value", key + " must be on or off");
    }
    c->seal_personal_data = value == "on" || value == "true";
  } else if (key == "chain.time_zone") {
    auto zone = TimeZone::Load(value);
    if (!zone) return Status::InvalidArgument(key, "unknown_time_zone", zone.error().message());
    c->time_zone = value;
  } else if (key == "chain.currency") {
    const bool code = value.size() == 3 && std::all_of(value.begin(), value.end(), [](char ch) {
                        return ch >= 'A' && ch <= 'Z';
                      });
    if (!code) {
      return Status::InvalidArgument(key, "invalid_currency",
                                     key + " must be an ISO 4217 code such as EUR, USD or CHF");
    }
    c->currency = value;
  } else if (key == "loyalty.expiry_sweep_minutes") {
    if (Status s = ParseInt(key, value, 1, 7 * 24 * 60, &c->expiry_sweep_minutes); !s.ok()) {
      return s;
    }
  } else if (key == "console.session_idle_minutes") {
    if (Status s = ParseInt(key, value, 1, 7 * 24 * 60, &c->session_idle_minutes); !s.ok()) {
      return s;
    }
  } else if (key == "console.session_max_hours") {
    if (Status s = ParseInt(key, value, 1, 24 * 30, &c->session_max_hours); !s.ok()) return s;
  } else if (key == "console.max_sessions") {
    if (Status s = ParseInt(key, value, 1, 1000000, &c->max_sessions); !s.ok()) return s;
  } else if (key == "console.lockout_failures") {
    if (Status s = ParseInt(key, value, 1, 1000, &c->lockout_failures); !s.ok()) return s;
  } else if (key == "console.lockout_address_failures") {
    if (Status s = ParseInt(key, value, 0, 1000000, &c->lockout_address_failures); !s.ok()) {
      return s;
    }
  } else if (key == "console.lockout_minutes") {
    if (Status s = ParseInt(key, value, 1, 24 * 60, &c->lockout_minutes); !s.ok()) return s;
  } else {
    return Status::InvalidArgument(key, "unknown_config", "unknown configuration key " + key);
  }
  return Status::OK();
}

// Flattens a TOML table into "section.key" -> text.
Status Flatten(const toml::table& table, const std::string& prefix, ConfigValues* out) {
  for (const auto& [k, node] : table) {
    const std::string key = prefix + std::string(k.str());
    if (const toml::table* sub = node.as_table()) {
      if (Status s = Flatten(*sub, key + ".", out); !s.ok()) return s;
    } else if (auto s = node.value<std::string>()) {
      (*out)[key] = *s;
    } else if (auto i = node.value<std::int64_t>()) {
      (*out)[key] = std::to_string(*i);
    } else {
      return Bad(key, "must be a string or a whole number");
    }
  }
  return Status::OK();
}

}  // namespace

ConfigValues ConfigFromEnvironment(char** environ) {
  ConfigValues out;
  constexpr std::string_view kPrefix = "CLIENTELE_";
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    const std::size_t eq = entry.find('=');
    if (!entry.starts_with(kPrefix) || eq == std::string_view::npos) continue;
    std::string name(entry.substr(kPrefix.size(), eq - kPrefix.size()));
    if (name == "CONFIG" || name == "CRASH_CYCLES" || name == "TLS_CA" || name == "CONSOLE_DIR") {
      continue;  // not settings
    }
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (std::string_view section : {"http_", "kafka_", "sync_", "idempotency_", "imports_",
                                     "chain_", "loyalty_", "personal_data_"}) {
      if (name.starts_with(section)) name[section.size() - 1] = '.';
    }
    out[name] = std::string(entry.substr(eq + 1));
  }
  return out;
}

Result<ServeConfig> LoadConfig(const std::optional<std::string>& toml_text,
                               const std::string& file_name, const ConfigValues& environment,
                               const ConfigValues& flags) {
  ServeConfig c;
  ConfigValues from_file;
  if (toml_text) {
    toml::table table;
    try {
      table = toml::parse(*toml_text, file_name);
    } catch (const toml::parse_error& err) {
      return Error(Status::InvalidArgument("config", "invalid_config",
                                           file_name + ":" +
                                               std::to_string(err.source().begin.line) + ": " +
                                               std::string(err.description())));
    }
    if (Status s = Flatten(table, "", &from_file); !s.ok()) return Error(s);
  }
  for (const ConfigValues* source : {&std::as_const(from_file), &environment, &flags}) {
    for (const auto& [key, value] : *source) {
      if (Status s = Set(&c, key, value); !s.ok()) return Error(s);
    }
  }
  auto given = [&](const char* key) {
    return from_file.contains(key) || environment.contains(key) || flags.contains(key);
  };
  const bool node_given = given("node");
  if (!given("role") && c.node != "hq") c.role = "store";  // a store id says it all
  if (c.role == "hq" && c.node != "hq") {
    return Error(Bad("node", "must be hq when role is hq (a store's node is its store id)"));
  }
  if (c.role == "store" && (c.node == "hq" || !node_given)) {
    return Error(Bad("node", "must be the store's id (like s01) when role is store"));
  }
  if (c.tls_cert.empty() != c.tls_key.empty()) {
    return Error(c.tls_cert.empty() ? Bad("http.tls_cert", "must be set with http.tls_key")
                                    : Bad("http.tls_key", "must be set with http.tls_cert"));
  }
  if (c.principals.empty()) c.principals = c.data + "/principals.json";
  return c;
}

}  // namespace clientele
