// Configuration: defaults, then the file, then the environment, then flags.
#include "cli/config.h"

#include <gtest/gtest.h>

namespace clientele {
namespace {

TEST(Config, DefaultsAreAnHqNodeOnLoopback) {
  auto c = LoadConfig(std::nullopt, "", {}, {});
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->role, "hq");
  EXPECT_EQ(c->node, "hq");
  EXPECT_EQ(c->data, "./data");
  EXPECT_EQ(c->address, "127.0.0.1");
  EXPECT_EQ(c->port, 8080);
  EXPECT_EQ(c->principals, "./data/principals.json");
}

TEST(Config, FileThenEnvironmentThenFlags) {
  const std::string file = R"(
    data = "/srv/a"
    listen = "0.0.0.0:9000"
    node = "s01"
    [http]
    worker_threads = 12
    read_timeout_ms = 2500
  )";
  auto c =
      LoadConfig(file, "node.toml", {{"listen", "0.0.0.0:9100"}, {"http.worker_threads", "20"}},
                 {{"listen", "[::1]:9200"}});
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->data, "/srv/a") << "from the file";
  EXPECT_EQ(c->role, "store") << "a store id makes a store";
  EXPECT_EQ(c->worker_threads, 20) << "the environment beats the file";
  EXPECT_EQ(c->read_timeout_ms, 2500);
  EXPECT_EQ(c->address, "::1") << "flags beat both";
  EXPECT_EQ(c->port, 9200);
  EXPECT_EQ(c->principals, "/srv/a/principals.json");
}

TEST(Config, ConsoleSessionsAndLockout) {
  auto defaults = LoadConfig(std::nullopt, "", {}, {});
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->session_idle_minutes, 30);
  EXPECT_EQ(defaults->session_max_hours, 12);
  EXPECT_EQ(defaults->lockout_failures, 5);
  EXPECT_EQ(defaults->lockout_address_failures, 50);
  EXPECT_EQ(defaults->lockout_minutes, 15);
  const std::string file = R"(
    [console]
    session_idle_minutes = 10
    session_max_hours = 8
    max_sessions = 500
    lockout_failures = 3
    lockout_address_failures = 0
    lockout_minutes = 30
  )";
  auto c = LoadConfig(file, "node.toml", {}, {});
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->session_idle_minutes, 10);
  EXPECT_EQ(c->session_max_hours, 8);
  EXPECT_EQ(c->max_sessions, 500);
  EXPECT_EQ(c->lockout_failures, 3);
  EXPECT_EQ(c->lockout_address_failures, 0) << "0: no limit by address (behind a proxy)";
  EXPECT_EQ(c->lockout_minutes, 30);
  auto bad = LoadConfig("[console]\nsession_idle_minutes = 0\n", "node.toml", {}, {});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field(), "console.session_idle_minutes");
}

TEST(Config, EnvironmentVariablesMapToKeys) {
  char a[] = "CLIENTELE_LISTEN=1.2.3.4:5";
  char b[] = "CLIENTELE_HTTP_MAX_BODY_BYTES=4096";
  char c[] = "PATH=/bin";
  char d[] = "CLIENTELE_CONFIG=/etc/x.toml";
  char* env[] = {a, b, c, d, nullptr};
  ConfigValues v = ConfigFromEnvironment(env);
  EXPECT_EQ(v, (ConfigValues{{"listen", "1.2.3.4:5"}, {"http.max_body_bytes", "4096"}}));
}

TEST(Config, KafkaAndSyncSettings) {
  const std::string file = R"(
    node = "s01"
    [kafka]
    bootstrap = "k1:9093,k2:9093"
    partitions = 6
    "security.protocol" = "SASL_SSL"
    "sasl.username" = "clientele-s01"
    [sync]
    hq_url = "http://hq.internal:8080"
    token_file = "/etc/clientele/hq-sync-token"
  )";
  char env0[] = "CLIENTELE_KAFKA_BOOTSTRAP=k3:9093";
  char env1[] = "CLIENTELE_SYNC_TOKEN_FILE=/run/secrets/token";
  char* environ_[] = {env0, env1, nullptr};
  auto c = LoadConfig(file, "store.toml", ConfigFromEnvironment(environ_), {});
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->kafka_bootstrap, "k3:9093") << "the environment beats the file";
  EXPECT_EQ(c->kafka_partitions, 6);
  EXPECT_EQ(c->kafka, (std::map<std::string, std::string>{{"security.protocol", "SASL_SSL"},
                                                          {"sasl.username", "clientele-s01"}}));
  EXPECT_EQ(c->hq_url, "http://hq.internal:8080");
  EXPECT_EQ(c->sync_token_file, "/run/secrets/token");
  auto flag = LoadConfig(std::nullopt, "", {}, {{"kafka.bootstrap", "127.0.0.1:39293"}});
  ASSERT_TRUE(flag);
  EXPECT_EQ(flag->kafka_bootstrap, "127.0.0.1:39293");
  auto bad = LoadConfig(std::nullopt, "", {}, {{"sync.hq_url", "hq:8080"}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field(), "sync.hq_url");
}

TEST(Config, HttpsSettings) {
  const std::string file = R"(
    node = "s01"
    [http]
    tls_cert = "/etc/clientele/server.pem"
    tls_key = "/etc/clientele/server.key"
    [sync]
    hq_url = "https://hq.internal:8443"
    tls_ca = "/etc/clientele/ca.pem"
  )";
  char env_ca[] = "CLIENTELE_SYNC_TLS_CA=/env/ca.pem";
  char cli_ca[] = "CLIENTELE_TLS_CA=/not/a/setting.pem";  // the command line's, not serve's
  char* environ[] = {env_ca, cli_ca, nullptr};
  auto c = LoadConfig(file, "node.toml", ConfigFromEnvironment(environ), {});
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(c->tls_cert, "/etc/clientele/server.pem");
  EXPECT_EQ(c->tls_key, "/etc/clientele/server.key");
  EXPECT_EQ(c->hq_url, "https://hq.internal:8443");
  EXPECT_EQ(c->sync_tls_ca, "/env/ca.pem");
  auto half = LoadConfig(std::nullopt, "", {}, {{"http.tls_cert", "/a.pem"}});
  ASSERT_FALSE(half);
  EXPECT_EQ(half.error().field(), "http.tls_key");
}

TEST(Config, TheMassRemovalLimitOfImports) {
  auto defaults = LoadConfig(std::nullopt, "", {}, {});
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->max_removal_percent, 20);
  auto file = LoadConfig("[imports]\nmax_removal_percent = 5\n", "c.toml", {}, {});
  ASSERT_TRUE(file) << file.error().ToString();
  EXPECT_EQ(file->max_removal_percent, 5);
  char a[] = "CLIENTELE_IMPORTS_MAX_REMOVAL_PERCENT=100";
  char* env[] = {a, nullptr};
  auto from_env =
      LoadConfig("[imports]\nmax_removal_percent = 5\n", "c.toml", ConfigFromEnvironment(env), {});
  ASSERT_TRUE(from_env) << from_env.error().ToString();
  EXPECT_EQ(from_env->max_removal_percent, 100);
  auto bad = LoadConfig(std::nullopt, "", {}, {{"imports.max_removal_percent", "101"}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field(), "imports.max_removal_percent");
}

TEST(Config, TheChainsTimeZoneAndTheExpirySweep) {
  auto defaults = LoadConfig(std::nullopt, "", {}, {});
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->time_zone, "UTC");
  EXPECT_EQ(defaults->expiry_sweep_minutes, 60);
  auto file =
      LoadConfig("[chain]\ntime_zone = \"Europe/Warsaw\"\n[loyalty]\nexpiry_sweep_minutes = 5\n",
                 "c.toml", {}, {});
  ASSERT_TRUE(file) << file.error().ToString();
  EXPECT_EQ(file->time_zone, "Europe/Warsaw");
  EXPECT_EQ(file->expiry_sweep_minutes, 5);
  char a[] = "CLIENTELE_CHAIN_TIME_ZONE=America/New_York";
  char* env[] = {a, nullptr};
  auto from_env = LoadConfig(std::nullopt, "", ConfigFromEnvironment(env), {});
  ASSERT_TRUE(from_env) << from_env.error().ToString();
  EXPECT_EQ(from_env->time_zone, "America/New_York");
  for (const char* zone : {"Europe/Atlantis", "", "../../etc/passwd", "CET-1CEST"}) {
    auto bad = LoadConfig(std::nullopt, "", {}, {{"chain.time_zone", zone}});
    ASSERT_FALSE(bad) << zone;
    EXPECT_EQ(bad.error().field(), "chain.time_zone");
    EXPECT_EQ(bad.error().reason(), "unknown_time_zone");
  }
  EXPECT_EQ(from_env->currency, "EUR") << "the default";
  auto chf = LoadConfig(std::nullopt, "", {}, {{"chain.currency", "CHF"}});
  ASSERT_TRUE(chf) << chf.error().ToString();
  EXPECT_EQ(chf->currency, "CHF");
  for (const char* code : {"", "chf", "EURO", "E1R", "€"}) {
    auto wrong = LoadConfig(std::nullopt, "", {}, {{"chain.currency", code}});
    ASSERT_FALSE(wrong) << code;
    EXPECT_EQ(wrong.error().reason(), "invalid_currency") << code;
  }
  auto bad = LoadConfig(std::nullopt, "", {}, {{"loyalty.expiry_sweep_minutes", "0"}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field(), "loyalty.expiry_sweep_minutes");
}

TEST(Config, BadValuesAreNamed) {
  struct Case {
    ConfigValues flags;
    const char* key;
  };
  for (const Case& k : std::vector<Case>{{{{"listen", "8080"}}, "listen"},
                                         {{{"listen", "host:99999"}}, "listen"},
                                         {{{"node", "Store 1"}}, "node"},
                                         {{{"role", "store"}}, "node"},
                                         {{{"role", "hq"}, {"node", "s01"}}, "node"},
                                         {{{"role", "boss"}}, "role"},
                                         {{{"http.worker_threads", "many"}}, "http.worker_threads"},
                                         {{{"shoe_size", "42"}}, "shoe_size"}}) {
    auto c = LoadConfig(std::nullopt, "", {}, k.flags);
    ASSERT_FALSE(c) << k.key;
    EXPECT_EQ(c.error().field(), k.key) << c.error().ToString();
  }
  auto broken = LoadConfig("listen = ", "bad.toml", {}, {});
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().message().find("bad.toml:1"), std::string::npos)
      << broken.error().message();
}

}  // namespace
}  // namespace clientele
