// clientele: the Clientele command-line entry point.
//
//   clientele version
//   clientele verify --data DIR        check the hash chain of a node's log
//   clientele verify --backup DIR      check a backup: its files and its log's chain
//   clientele backup --to DIR [--url URL | --data DIR]   back a node up (cli/backup_command.h)
//   clientele restore BACKUP DATA      restore a backup into an empty data folder
//   clientele demo --data DIR          write a few customers and print the log
//   clientele audit --data DIR --customer ID|CODE [--as-of TIME] [--basis event_time|recorded]
//                                      history and balances as of a moment, from the log
//   clientele audit export|check|checkpoints ...   ledger extracts, HQ's checkpoints
//                                      (cli/audit_command.h)
//   clientele rebuild --data DIR       rebuild the projections from the log
//   clientele report NAME [--date D | --from D --to D] [--format table|csv|json]
//                                      a report of the chain, from a running node
//   clientele serve [--config FILE] [--listen ADDR:PORT] ...   run the HTTP service
//   clientele password --principals FILE --name NAME   set a principal's password
//                                      (read from stdin; cli/password_command.h)
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>

#include "cli/audit_command.h"
#include "cli/backup_command.h"
#include "cli/broker.h"
#include "cli/config.h"
#include "cli/nodes_command.h"
#include "cli/password_command.h"
#include "cli/report_command.h"
#include "cli/serve.h"
#include "cli/transfer.h"
#include "commands/command_handler.h"
#include "domain/ids.h"
#include "domain/money.h"
#include "domain/time.h"
#include "eventstore/data_keys.h"
#include "eventstore/event_store.h"
#include "eventstore/system_clock.h"
#include "eventstore/uuid.h"
#include "projections/audit.h"
#include "projections/projector.h"

namespace clientele {
namespace {

constexpr const char* kVersion = "0.1.0";

int Fail(const Status& s) {
  std::fprintf(stderr, "clientele: %s\n", s.ToString().c_str());
  return s.code() == StatusCode::kCorruption ? 3 : 2;
}

int RunVerify(const std::string& data) {
  auto store = EventStore::Open({.path = data, .read_only = true});
  if (!store) return Fail(store.error());
  auto report = (*store)->Verify();
  if (!report) return Fail(report.error());
  if (report->ok) {
    std::printf("ok: %llu events, hash chain intact\n",
                static_cast<unsigned long long>(report->events_checked));
    return 0;
  }
  std::printf("BROKEN at position %llu: %s (%llu events before it verified)\n",
              static_cast<unsigned long long>(report->broken_position), report->problem.c_str(),
              static_cast<unsigned long long>(report->events_checked));
  return 1;
}

int RunAudit(const std::string& data, const std::string& customer, const std::string& as_of,
             const std::string& basis_name) {
  auto when = ParseTime(as_of, SystemClock::Default()->NowMs());
  if (!when) return Fail(when.error());
  auto basis = ParseAsOf(basis_name, "--basis");
  if (!basis) return Fail(basis.error());
  auto store = EventStore::Open({.path = data, .read_only = true});
  if (!store) return Fail(store.error());
  auto report = AuditCustomer(store->get(), customer, *when, *basis);
  if (!report) return Fail(report.error());
  const CustomerRow& c = report->customer;
  std::printf("customer %s  %s %s  (id %s)%s\n", c.code.c_str(),
              c.details[DetailField::kFirstName].c_str(), c.details[DetailField::kLastName].c_str(),
              c.id.c_str(), c.deleted ? "  DELETED" : (c.active ? "" : "  deactivated"));
  std::printf("as of %s%s: points %lld, credit %s, total spent %s\n\n",
              FormatTime(report->as_of_ms).c_str(),
              *basis == AsOf::kRecorded ? (" as this node had recorded it (log up to position " +
                                           std::to_string(report->recorded_through) + ")")
                                              .c_str()
                                        : "",
              static_cast<long long>(c.points), FormatMoney(c.credit).c_str(),
              FormatMoney(c.total_spent).c_str());
  std::printf("%-24s %-24s %8s %12s %8s %12s  %s\n", "time", "change", "points", "credit",
              "pts after", "credit after", "note / reference / by / at");
  for (const HistoryEntry& e : report->entries) {
    std::printf("%-24s %-24s %+8lld %12s %8lld %12s  %s / %s / %s / %s\n",
                FormatTime(e.time_ms).c_str(), e.type.c_str(),
                static_cast<long long>(e.points_change), FormatMoney(e.credit_change).c_str(),
                static_cast<long long>(e.points_after), FormatMoney(e.credit_after).c_str(),
                e.note.c_str(), e.reference.c_str(), e.actor.c_str(), e.store.c_str());
  }
  std::printf("\nhash chain intact over the whole log (%llu events)\n",
              static_cast<unsigned long long>(report->events_checked));
  return 0;
}

int RunRebuild(const std::string& data) {
  auto store = EventStore::Open({.path = data});
  if (!store) return Fail(store.error());
  const std::string path = data + "/projections";
  std::filesystem::remove_all(path);
  auto keys = DataKeys::Open(data + "/keys");
  if (!keys) return Fail(keys.error());
  auto projector = Projector::Open(store->get(), path, keys->get());
  if (!projector) return Fail(projector.error());
  const std::uint64_t head = (*store)->Head();
  const auto start = std::chrono::steady_clock::now();
  auto seconds = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  auto last_print = start;
  Status s = (*projector)->CatchUp([&](std::uint64_t at) {
    auto now = std::chrono::steady_clock::now();
    if (now - last_print < std::chrono::milliseconds(200) && at < head) return;
    last_print = now;
    double rate = static_cast<double>(at) / std::max(seconds(), 1e-9);
    int done = head == 0
                   ? 100
                   : static_cast<int>(100.0 * static_cast<double>(at) / static_cast<double>(head));
    std::string bar(done / 4, '#');
    bar.resize(25, '.');
    std::fprintf(stderr, "\rrebuilding [%s] %3d%%  %llu/%llu events  %.0f events/s  ETA %.0fs ",
                 bar.c_str(), done, static_cast<unsigned long long>(at),
                 static_cast<unsigned long long>(head), rate,
                 rate > 0 ? static_cast<double>(head - at) / rate : 0.0);
  });
  std::fprintf(stderr, "\n");
  if (!s.ok()) return Fail(s);
  auto stats = (*projector)->stats();
  std::printf("rebuilt %llu customers from %llu events in %.2f s\n",
              static_cast<unsigned long long>(stats.customers),
              static_cast<unsigned long long>(head), seconds());
  // The reports are kept in the chain's time zone, which is the node's
  // configuration: the node rebuilds them as it starts.
  std::error_code ec;
  if (std::filesystem::remove_all(data + "/reports", ec) > 0) {
    std::printf("the reports are rebuilt when the node next starts\n");
  }
  return 0;
}

int RunDemo(const std::string& data, const std::string& node) {
  if (Status s = ValidateNodeId(node, "--node"); !s.ok()) return Fail(s);
  auto store = EventStore::Open({.path = data, .origin = node});
  if (!store) return Fail(store.error());
  CommandHandler handler(store->get(), node);
  if (Status s = handler.Init(); !s.ok()) return Fail(s);

  CustomerDetails ada;
  ada[DetailField::kFirstName] = "Ada";
  ada[DetailField::kLastName] = "Müller";
  ada[DetailField::kEmail] = "ada@example.com";
  ada[DetailField::kPhone] = "+41 79 555 01 23";
  auto created = handler.Register(ada, "demo");
  if (!created) return Fail(created.error());
  const std::string id = created->customer_id;
  std::string tab = "tab-" + NewUuid().substr(0, 8);
  for (const CustomerCommand& cmd : std::vector<CustomerCommand>{
           RecordPurchase{tab, 4250, 1'700'000'000'000},
           TopUpCredit{5000, "pay-" + tab, "gift card"},
           DeductCredit{1200, "coffee", "tab-2"},
           RedeemPoints{10, "free cookie", ""},
       }) {
    if (auto r = handler.Execute(id, cmd, "demo"); !r) return Fail(r.error());
  }
  auto state = handler.LoadCustomer(id);
  if (!state) return Fail(state.error());
  std::printf("customer %s  %s %s  points %lld  credit %s  spent %s\n", state->code.c_str(),
              state->details[DetailField::kFirstName].c_str(),
              state->details[DetailField::kLastName].c_str(), static_cast<long long>(state->points),
              FormatMoney(state->credit).c_str(), FormatMoney(state->total_spent).c_str());
  std::printf("\nthe log of %s:\n", data.c_str());
  Status s = (*store)->ScanAll(1, [](const RecordedEvent& e) {
    std::printf("%6llu  %-26s %-46s v%-3lld %s\n", static_cast<unsigned long long>(e.position),
                e.type.c_str(), e.stream.c_str(), static_cast<long long>(e.version),
                e.data.c_str());
    return true;
  });
  if (!s.ok()) return Fail(s);
  auto report = (*store)->Verify();
  if (!report) return Fail(report.error());
  std::printf("\nverify: %s, %llu events\n", report->ok ? "hash chain intact" : "BROKEN",
              static_cast<unsigned long long>(report->events_checked));
  return report->ok ? 0 : 1;
}

}  // namespace
}  // namespace clientele

namespace {

int Main(int argc, char** argv) {
  CLI::App app{"Clientele: customers, loyalty points and prepaid credit for a POS chain"};
  app.require_subcommand(1);

  app.add_subcommand("version", "Print the version")->callback([] {
    std::printf("clientele %s\n", clientele::kVersion);
  });

  std::string data = "./data";
  std::string node = "hq";
  auto* verify = app.add_subcommand(
      "verify", "Check the hash chain of a node's event log, or a backup and its log");
  std::string backup_folder;
  auto* verify_data = verify->add_option("--data", data, "The node's data folder");
  auto* verify_backup =
      verify->add_option("--backup", backup_folder, "A backup's folder (clientele backup)");
  verify_data->excludes(verify_backup);
  verify->require_option(1);

  auto* demo = app.add_subcommand("demo", "Record a sample customer and print the event log");
  demo->add_option("--data", data, "The node's data folder")->capture_default_str();
  demo->add_option("--node", node, "This node: hq or a store id")->capture_default_str();

  std::string customer, as_of = "now", basis = "event_time";
  auto* audit = app.add_subcommand(
      "audit",
      "A customer's points and credit history as of a moment, replayed from the log (--data, "
      "--customer); or a ledger extract's export and check, or HQ's checkpoints");
  // Needed without a subcommand; checked after parsing.
  auto* audit_data = audit->add_option("--data", data, "The node's data folder");
  auto* audit_customer = audit->add_option("--customer", customer, "Customer id or code");
  audit->add_option("--as-of", as_of, "2026-11-23T10:15:00Z, 2026-11-23, epoch ms or now")
      ->capture_default_str();
  audit
      ->add_option("--basis", basis,
                   "event_time: what had happened by then, as known now; recorded: what this "
                   "node's books held then")
      ->check(CLI::IsMember({"event_time", "recorded"}))
      ->capture_default_str();
  audit->require_subcommand(0, 1);
  clientele::AuditExportArgs audit_export_args;
  audit_export_args.out = "-";
  auto* audit_export = audit->add_subcommand(
      "export", "Write a ledger extract: every points and credit entry of a period, checkable");
  audit_export->add_option("--data", audit_export_args.data, "The node's data folder")->required();
  audit_export->add_option("--from", audit_export_args.from, "Start of the period (included)")
      ->required();
  audit_export->add_option("--to", audit_export_args.to, "End of the period (excluded)")
      ->required();
  audit_export->add_option("--customer", audit_export_args.customer,
                           "Only this customer (id or code)");
  audit_export->add_option("--out", audit_export_args.out, "The file ('-': standard output)")
      ->capture_default_str();
  std::string audit_file;
  int audit_threads = 0;
  auto* audit_check = audit->add_subcommand(
      "check", "Check a ledger extract without the node: links, amounts, balances, signatures");
  audit_check->add_option("FILE", audit_file, "The extract")->required();
  audit_check->add_option("--threads", audit_threads, "Threads (0: one per core)")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  std::string audit_data_dir, audit_against;
  auto* audit_checkpoints = audit->add_subcommand(
      "checkpoints", "Check HQ's log against the daily checkpoints of its head recorded in a log");
  audit_checkpoints->add_option("--data", audit_data_dir, "The data folder holding checkpoints")
      ->required();
  audit_checkpoints->add_option(
      "--against", audit_against,
      "HQ's data folder, when --data is a store's (default: --data, which must be HQ's)");

  auto* rebuild =
      app.add_subcommand("rebuild", "Rebuild the projections from the log (stop the node first)");
  rebuild->add_option("--data", data, "The node's data folder")->required();

  auto* broker = app.add_subcommand(
      "broker", "Run the embedded Kafka-protocol broker alone (stdin: 'down' / 'up')");
  int partitions = 4;
  broker->add_option("--partitions", partitions, "Partitions per topic")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();

  auto* serve = app.add_subcommand(
      "serve", "Run the node's HTTP service (configuration: file < CLIENTELE_* variables < flags)");
  std::string config_file;
  std::map<std::string, std::string> flag_values;
  serve->add_option("--config", config_file, "A TOML configuration file (or CLIENTELE_CONFIG)");
  for (const char* key : {"role", "node", "data", "listen", "principals"}) {
    serve->add_option_function<std::string>(
        std::string("--") + key,
        [&flag_values, key](const std::string& v) { flag_values[key] = v; },
        std::string("Overrides '") + key + "' (see clientele serve --help and OPERATIONS.md)");
  }
  serve->add_option_function<std::string>(
      "--kafka", [&](const std::string& v) { flag_values["kafka.bootstrap"] = v; },
      "Kafka bootstrap servers (default: run an embedded broker and print its address)");
  serve->add_option_function<std::string>(
      "--hq-url", [&](const std::string& v) { flag_values["sync.hq_url"] = v; },
      "A store's way to HQ's events feed (http://HOST:PORT), read when its log is empty");
  serve->add_option_function<std::string>(
      "--sync-token-file", [&](const std::string& v) { flag_values["sync.token_file"] = v; },
      "The file holding the token for HQ's events feed");
  serve->add_option_function<std::string>(
      "--hq-key", [&](const std::string& v) { flag_values["sync.hq_key"] = v; },
      "HQ's public key (from `clientele key` at HQ); pinned at a store's first start");
  serve->add_option_function<std::string>(
      "--tls-cert", [&](const std::string& v) { flag_values["http.tls_cert"] = v; },
      "HTTPS: the certificate chain (PEM) to serve with, with --tls-key");
  serve->add_option_function<std::string>(
      "--tls-key", [&](const std::string& v) { flag_values["http.tls_key"] = v; },
      "HTTPS: the certificate's private key (PEM)");
  serve->add_option_function<std::string>(
      "--tls-ca", [&](const std::string& v) { flag_values["sync.tls_ca"] = v; },
      "With an https:// --hq-url: the CA certificates (PEM) HQ's certificate must chain to");
  serve->add_option_function<std::string>(
      "--worker-threads", [&](const std::string& v) { flag_values["http.worker_threads"] = v; },
      "Threads answering requests");

  clientele::NodeAddress address;
  if (const char* url = std::getenv("CLIENTELE_URL")) address.url = url;
  if (const char* token = std::getenv("CLIENTELE_TOKEN")) address.token = token;
  if (const char* ca = std::getenv("CLIENTELE_TLS_CA")) address.tls_ca = ca;
  auto node_options = [&address](CLI::App* cmd) {
    cmd->add_option("--url", address.url, "The node (or CLIENTELE_URL)")->capture_default_str();
    cmd->add_option("--token-file", address.token_file,
                    "A file holding the bearer token (unless CLIENTELE_TOKEN is set)")
        ->capture_default_str();
    cmd->add_option("--tls-ca,--cacert", address.tls_ca,
                    "With an https:// --url: the CA certificates (PEM) the node's certificate "
                    "must chain to (default: the system's; or CLIENTELE_TLS_CA)");
  };
  std::string import_file, import_mode = "merge";
  bool dry_run = false;
  auto* import = app.add_subcommand(
      "import", "Import customers from a CSV file: analyse, show what would change, then apply");
  import->add_option("FILE", import_file, "The customer file (CSV)")->required();
  import
      ->add_option("--mode", import_mode,
                   "merge: add and update; replace: also remove customers missing from the file")
      ->check(CLI::IsMember({"merge", "replace"}))
      ->capture_default_str();
  import->add_flag("--dry-run", dry_run, "Analyse only: show what would change, apply nothing");
  bool yes = false;
  import->add_flag("--yes", yes,
                   "Apply a replace that removes more than imports.max_removal_percent of the "
                   "customers without asking (needed when standard input is not a terminal)");
  node_options(import);

  std::string report_name;
  clientele::ReportFlags report_flags;
  auto* report =
      app.add_subcommand("report",
                         "A report of the chain from a running node: liability, roll-forward, "
                         "between-stores, dormant, activity or top-customers");
  report->add_option("NAME", report_name, "The report")
      ->required()
      ->check(CLI::IsMember(
          {"liability", "roll-forward", "between-stores", "dormant", "activity", "top-customers"}));
  report->add_option("--date", report_flags.date, "liability, dormant: the day (default today)");
  report->add_option("--from", report_flags.from,
                     "The period's first day, e.g. 2026-11-01 (default the first of this month)");
  report->add_option("--to", report_flags.to, "The period's last day (default today)");
  report->add_option("--limit", report_flags.limit, "top-customers: how many (default 20)");
  report->add_option("--format", report_flags.format, "table (default), csv or json")
      ->check(CLI::IsMember({"table", "csv", "json"}));
  node_options(report);

  std::string export_out = "-", export_search, export_status = "all";
  auto* exporter = app.add_subcommand("export", "Write the customer table as a CSV file");
  exporter->add_option("--search", export_search, "Only customers the table's search finds");
  exporter->add_option("--status", export_status, "active, inactive or all")
      ->check(CLI::IsMember({"active", "inactive", "all"}))
      ->capture_default_str();
  exporter->add_option("--out", export_out, "The file to write ('-': standard output)")
      ->capture_default_str();
  node_options(exporter);

  std::string backup_to, backup_data, backup_node;
  auto* backup = app.add_subcommand(
      "backup",
      "Back a node up while it serves (it writes the backup on its machine); or, stopped, from "
      "its data folder (--data)");
  backup->add_option("--to", backup_to, "A new or empty folder: absolute, on the node's machine")
      ->required();
  backup->add_option("--data", backup_data,
                     "The data folder of a stopped node (without: ask the node at --url)");
  backup->add_option("--node", backup_node, "With --data: the node's id (a store's is needed)");
  node_options(backup);
  std::string restore_to;
  clientele::NodeAddress restore_peer;
  restore_peer.url.clear();
  auto* restore = app.add_subcommand(
      "restore", "Restore a backup into a new or empty data folder, checking it as it goes");
  restore->add_option("BACKUP", backup_folder, "The backup's folder")->required();
  restore->add_option("DATA", restore_to, "The data folder to restore into (new or empty)")
      ->required();
  restore->add_option("--from", restore_peer.url,
                      "A node to take this node's own events newer than the backup back from "
                      "(HQ for a store, an up-to-date store for HQ)");
  restore->add_option("--token-file", restore_peer.token_file,
                      "With --from: a file holding a token with sync or audit.read there");
  restore->add_option("--tls-ca,--cacert", restore_peer.tls_ca,
                      "With an https:// --from: the CA certificates (PEM) to verify it with");

  auto* key = app.add_subcommand(
      "key", "Print this node's public signing key (made if the node has none yet)");
  key->add_option("--data", data, "The node's data folder")->required();

  auto* nodes = app.add_subcommand(
      "nodes", "HQ's registry of the stores allowed to sync: list, enroll, revoke");
  nodes->require_subcommand(1);
  std::string node_id, node_key;
  auto* nodes_list = nodes->add_subcommand("list", "Every node and key HQ knows");
  node_options(nodes_list);
  auto* nodes_enroll =
      nodes->add_subcommand("enroll", "Let a store sync, signing with KEY (`clientele key`)");
  nodes_enroll->add_option("NODE", node_id, "The store's id, like s01")->required();
  nodes_enroll->add_option("KEY", node_key, "The store's public key")->required();
  node_options(nodes_enroll);
  auto* nodes_revoke = nodes->add_subcommand(
      "revoke", "Refuse a store's later events: one key (--key) or all its keys");
  nodes_revoke->add_option("NODE", node_id, "The store's id")->required();
  nodes_revoke->add_option("--key", node_key, "Only this key (rotation: enroll the new first)");
  node_options(nodes_revoke);

  auto* password = app.add_subcommand(
      "password", "Set a principal's password (read from standard input) in a principals file");
  std::string password_file, password_name;
  password->add_option("--principals", password_file, "The principals file")->required();
  password->add_option("--name", password_name, "The principal's name")->required();

  // An unknown command is named, with the ones there are.
  if (argc >= 2 && argv[1][0] != '-') {
    std::string names;
    bool known = false;
    for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
      known = known || sub->get_name() == argv[1];
      names += (names.empty() ? "" : ", ") + sub->get_name();
    }
    if (!known) {
      std::fprintf(stderr,
                   "clientele: unknown command '%s'; the commands are %s (clientele --help)\n",
                   argv[1], names.c_str());
      return 2;
    }
  }
  CLI11_PARSE(app, argc, argv);
  for (CLI::App* cmd : {import, exporter, report, nodes_list, nodes_enroll, nodes_revoke, backup}) {
    if (!cmd->parsed() || (cmd == backup && !backup_data.empty())) continue;
    if (clientele::Status s = clientele::CheckToken(address); !s.ok()) {
      std::fprintf(stderr, "clientele: %s\n", s.message().c_str());
      return 2;
    }
  }
  if (backup->parsed()) {
    if (!backup_data.empty())
      return clientele::RunBackupOffline(backup_data, backup_node, backup_to);
    return clientele::RunBackupOnline(address, backup_to);
  }
  if (restore->parsed()) {
    if (restore_peer.url.empty()) return clientele::RunRestore(backup_folder, restore_to, nullptr);
    if (clientele::Status s = clientele::CheckToken(restore_peer); !s.ok()) {
      std::fprintf(stderr, "clientele: %s\n", s.message().c_str());
      return 2;
    }
    return clientele::RunRestore(backup_folder, restore_to, &restore_peer);
  }
  if (key->parsed()) return clientele::RunKey(data);
  if (password->parsed()) return clientele::RunPassword(password_file, password_name, stdin);
  if (nodes_list->parsed()) return clientele::RunNodes(address, "list", "", "");
  if (nodes_enroll->parsed()) return clientele::RunNodes(address, "enroll", node_id, node_key);
  if (nodes_revoke->parsed()) return clientele::RunNodes(address, "revoke", node_id, node_key);
  if (import->parsed()) {
    return clientele::RunImport(address, import_file, import_mode,
                                {.dry_run = dry_run, .yes = yes});
  }
  if (report->parsed()) return clientele::RunReport(address, report_name, report_flags);
  if (exporter->parsed()) {
    std::string query = "?status=" + export_status;
    if (!export_search.empty()) {
      static const char* kHex = "0123456789ABCDEF";
      query += "&search=";
      for (unsigned char c : export_search) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
          query.push_back(static_cast<char>(c));
        } else {
          query += '%';
          query += kHex[c >> 4];
          query += kHex[c & 15];
        }
      }
    }
    return clientele::RunExport(address, query, export_out);
  }
  if (serve->parsed()) {
    if (config_file.empty()) {
      if (const char* env = std::getenv("CLIENTELE_CONFIG")) config_file = env;
    }
    std::optional<std::string> text;
    if (!config_file.empty()) {
      std::ifstream in(config_file);
      if (!in) {
        std::fprintf(stderr, "clientele: cannot read the configuration file %s\n",
                     config_file.c_str());
        return 2;
      }
      text = std::string(std::istreambuf_iterator<char>(in), {});
    }
    auto config = clientele::LoadConfig(text, config_file,
                                        clientele::ConfigFromEnvironment(environ), flag_values);
    if (!config) return clientele::Fail(config.error());
    return clientele::RunServe(*config);
  }
  if (broker->parsed()) return clientele::RunBroker(partitions);
  if (verify->parsed()) {
    if (!backup_folder.empty()) return clientele::RunCheckBackup(backup_folder);
    return clientele::RunVerify(data);
  }
  if (audit_export->parsed()) return clientele::RunAuditExport(audit_export_args);
  if (audit_check->parsed()) return clientele::RunAuditCheck(audit_file, audit_threads);
  if (audit_checkpoints->parsed()) {
    return clientele::RunAuditCheckpoints(audit_data_dir, audit_against);
  }
  if (audit->parsed()) {
    for (CLI::Option* needed : {audit_data, audit_customer}) {
      if (needed->count() == 0) {
        std::fprintf(stderr,
                     "clientele audit: %s is required (or a subcommand: export, check, "
                     "checkpoints)\n",
                     needed->get_name().c_str());
        return 2;
      }
    }
    return clientele::RunAudit(data, customer, as_of, basis);
  }
  if (rebuild->parsed()) return clientele::RunRebuild(data);
  if (demo->parsed()) return clientele::RunDemo(data, node);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Main(argc, argv);
  } catch (const std::exception& e) {  // a bug or a start-up failure: say it, fail
    std::fprintf(stderr, "clientele: %s\n", e.what());
    return 2;
  }
}
