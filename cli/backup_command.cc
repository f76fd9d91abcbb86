#include "cli/backup_command.h"

#include <sys/stat.h>

#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cli/feed_client.h"
#include "cli/node_client.h"
#include "consumers/own_events.h"
#include "domain/ids.h"
#include "domain/time.h"
#include "eventstore/atomic_file.h"
#include "eventstore/backup.h"
#include "eventstore/data_keys.h"
#include "eventstore/signing.h"
#include "eventstore/system_clock.h"

namespace clientele {

namespace {

namespace fs = std::filesystem;

int ExitCode(const Status& s) {
  switch (s.code()) {
    case StatusCode::kCorruption:
      return 3;
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kConflict:
    case StatusCode::kPermissionDenied:
    case StatusCode::kUnauthenticated:
      return 1;
    default:
      return 2;
  }
}

int Fail(const char* command, const Status& s) {
  std::fprintf(stderr, "clientele %s: %s\n", command, s.message().c_str());
  return ExitCode(s);
}

std::string Absolute(const std::string& path) {
  std::error_code ec;
  return fs::absolute(path, ec).lexically_normal().string();
}

void PrintManifest(const BackupManifest& m) {
  std::uint64_t bytes = 0, log_files = 0;
  for (const BackupFile& f : m.files) {
    bytes += f.bytes;
    if (f.path.starts_with("log/")) ++log_files;
  }
  std::printf("  node %s (%s), data folder %s, made at %s\n", m.node.c_str(), m.role.c_str(),
              m.source.c_str(), FormatTime(m.created_ms).c_str());
  std::printf("  log: %llu events up to position %llu, chain hash %s\n",
              static_cast<unsigned long long>(m.events),
              static_cast<unsigned long long>(m.position),
              m.hash.empty() ? "(empty log)" : m.hash.c_str());
  std::printf("  %s's own events numbered up to %llu\n", m.node.c_str(),
              static_cast<unsigned long long>(m.own_highest));
  std::printf("  files: %zu (%llu of the log), %.1f MB\n", m.files.size(),
              static_cast<unsigned long long>(log_files), static_cast<double>(bytes) / 1e6);
}

// Takes the node's own events newer than the backup back from the peer at
// `from` into the restored data folder (consumers/own_events.h).
Result<OwnEventsRecovered> TakeBackOwnEvents(const std::string& data, const BackupManifest& m,
                                             const NodeAddress& from) {
  std::string hq_key;
  if (m.role == "hq") {
    const std::string path = data + "/node-key.pem";
    if (!fs::exists(path)) {
      return Error(Status::FailedPrecondition(
          "", "no_node_key",
          "the backup holds no node-key.pem: HQ's own events cannot be checked"));
    }
    auto key = NodeKey::LoadOrCreate(path);
    if (!key) return Error(key.error());
    hq_key = (*key)->public_key();
  } else {
    std::string text;
    if (std::ifstream in(data + "/hq-key"); in) in >> text;
    auto key = ParsePublicKey(text);
    if (!key) {
      return Error(Status::FailedPrecondition(
          "", "no_hq_key", "the backup holds no HQ key (hq-key): the events cannot be checked"));
    }
    hq_key = *key;
  }
  auto log = EventStore::Open({.path = data, .origin = m.node});
  if (!log) return Error(log.error());
  // The keys of the events taken back come with them: into the restored copy
  // of the data keys (DATA/keys-backup, DATA/keys from the node's first start).
  auto chain_key = LoadChainKey(data + "/chain-key");
  if (!chain_key) return Error(chain_key.error());
  auto keys = DataKeys::Open(data + "/" + kKeysBackup);
  if (!keys) return Error(keys.error());
  AdmissionOptions options{.node = m.node, .hq_key = hq_key, .clock = SystemClock::Default()};
  if (!chain_key->empty()) {
    options.take_key = [&](const RecordedEvent& e) {
      if (!e.stream.starts_with(kCustomerStreamPrefix)) return;
      (void)(*keys)->Take(*chain_key,
                          std::string_view(e.stream).substr(kCustomerStreamPrefix.size()),
                          e.carried_key, e.type, e.data);
    };
    options.persist_keys = [&] { return (*keys)->Persist(); };
  }
  Admission admission(log->get(), std::move(options));
  return RecoverOwnEvents(
      log->get(), &admission,
      [url = from.url, token = Token(from), ca = from.tls_ca](
          const std::string& origin, std::uint64_t from_seq, std::size_t limit) {
        return FetchOriginEvents(url, token, origin, from_seq, limit, ca);
      });
}

}  // namespace

std::vector<std::string> BackedUpFiles(const std::string& data) {
  std::vector<std::string> out = {"node-key.pem",  "hq-key",      "principals.json",
                                  "outbox-cursor", "join-cursor", "overdraft-checkpoint",
                                  "chain-key"};
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fs::path(data) / "imports", ec)) {
    const fs::path& p = entry.path();
    if (p.extension() == ".json" && entry.is_regular_file(ec)) {
      out.push_back("imports/" + p.filename().string());
    }
  }
  return out;
}

int RunBackupOnline(const NodeAddress& node, const std::string& to) {
  if (!fs::path(to).is_absolute()) {
    std::fprintf(stderr,
                 "clientele backup: --to must be an absolute path on the node's machine (the "
                 "node writes the backup), not '%s'\n",
                 to.c_str());
    return 1;
  }
  // No deadline: the node answers once the copy's whole chain has been walked.
  NodeClient client(node.url, Token(node), std::chrono::seconds::zero(), node.tls_ca);
  auto reply =
      client.Post("/v1/admin/backups", boost::json::serialize(boost::json::object{{"path", to}}));
  if (!reply) return Fail("backup", reply.error());
  if (reply->status != 201) {
    boost::system::error_code ec;
    boost::json::value problem = boost::json::parse(reply->body, ec);
    std::string detail = reply->body;
    if (!ec && problem.is_object() && problem.as_object().contains("detail")) {
      detail = std::string(problem.at("detail").as_string());
    }
    std::fprintf(stderr, "clientele backup: %s answered %d: %s\n", node.url.c_str(), reply->status,
                 detail.c_str());
    return reply->status == 500 ? 3 : reply->status >= 500 ? 2 : 1;
  }
  auto manifest = ParseBackupManifest(reply->body);
  if (!manifest) return Fail("backup", manifest.error());
  std::printf("backup made and verified in %s\n", to.c_str());
  PrintManifest(*manifest);
  return 0;
}

int RunBackupOffline(const std::string& data_arg, const std::string& node_arg,
                     const std::string& to) {
  ::umask(077);
  const std::string data = Absolute(data_arg);
  std::error_code ec;
  if (!fs::exists(data + "/log", ec)) {
    return Fail("backup", Status::NotFound("no_log", "there is no Clientele log in " + data));
  }
  std::string node = node_arg;
  if (node.empty()) {
    if (fs::exists(data + "/hq-key", ec)) {
      return Fail("backup", Status::InvalidArgument(
                                "node", "node_required",
                                data + " is a store's (it holds hq-key): say which with --node"));
    }
    node = "hq";
  }
  auto log = EventStore::Open({.path = data, .origin = node});
  if (!log) {
    if (log.error().code() == StatusCode::kUnavailable) {
      std::fprintf(stderr,
                   "clientele backup: %s\n  while the node runs, ask it: clientele backup --to "
                   "FOLDER --url URL --token-file FILE\n",
                   log.error().message().c_str());
      return 2;
    }
    return Fail("backup", log.error());
  }
  const std::string target = Absolute(to);
  const std::string keys_copy = data + "/" + kKeysBackup;
  fs::remove_all(keys_copy, ec);
  auto keys = DataKeys::Open(data + "/keys");
  if (!keys) return Fail("backup", keys.error());
  auto made = CreateBackup(log->get(), target,
                           {.data = data,
                            .node = node,
                            .role = node == "hq" ? "hq" : "store",
                            .files = BackedUpFiles(data),
                            .after_log = [&] { return (*keys)->Checkpoint(keys_copy); }});
  fs::remove_all(keys_copy, ec);
  if (!made) return Fail("backup", made.error());
  std::printf("backup made and verified in %s\n", target.c_str());
  PrintManifest(*made);
  return 0;
}

int RunCheckBackup(const std::string& backup_arg) {
  const std::string backup = Absolute(backup_arg);
  auto checked = CheckBackup(backup);
  if (!checked) {
    std::printf("BROKEN: %s\n", checked.error().message().c_str());
    return ExitCode(checked.error());
  }
  std::printf(
      "ok: the backup in %s is whole: every file as its manifest says, the hash chain "
      "intact\n",
      backup.c_str());
  PrintManifest(*checked);
  return 0;
}

int RunRestore(const std::string& backup_arg, const std::string& data_arg,
               const NodeAddress* from) {
  ::umask(077);
  const std::string backup = Absolute(backup_arg), data = Absolute(data_arg);
  auto restored = RestoreBackup(backup, data);
  if (!restored) return Fail("restore", restored.error());
  std::printf("restored the backup in %s into %s; every file and the hash chain checked\n",
              backup.c_str(), data.c_str());
  PrintManifest(*restored);
  const BackupManifest& m = *restored;
  bool taken_back = false;
  if (from != nullptr) {
    auto recovered = TakeBackOwnEvents(data, m, *from);
    if (recovered) {
      taken_back = true;
      std::printf(
          "took back %llu event(s) of %s newer than the backup from %s; its next own "
          "event is numbered %llu\n",
          static_cast<unsigned long long>(recovered->appended), m.node.c_str(), from->url.c_str(),
          static_cast<unsigned long long>(recovered->highest) + 1);
    } else {
      std::fprintf(stderr,
                   "clientele restore: could not take %s's own newer events back from %s: %s\n",
                   m.node.c_str(), from->url.c_str(), recovered.error().message().c_str());
    }
  }
  if (!taken_back) {
    const std::string line = "restored from " + backup + " (node " + m.node + ", log position " +
                             std::to_string(m.position) + ", made " + FormatTime(m.created_ms) +
                             ")\n";
    if (Status s = WriteFileAtomically(data + "/" + kRestoredMarker, line); !s.ok()) {
      return Fail("restore", s);
    }
  }
  std::printf("\nstart the node on it: clientele serve --node %s --data %s ...\n", m.node.c_str(),
              data.c_str());
  std::printf("it rebuilds its indexes and customer table from the log as it starts");
  if (taken_back) {
    std::printf(".\n");
  } else if (m.role == "store") {
    std::printf(
        "; before it serves, it takes\nits own events newer than the backup back from HQ "
        "(sync.hq_url), so it never numbers\ntwo events alike (without sync.hq_url it refuses "
        "to start: restore again with --from HQ_URL).\n");
  } else {
    std::printf(
        ".\nHQ's own events newer than the backup may be held by the stores, so HQ refuses to "
        "start\non this folder until either: restore again into an empty folder with --from "
        "STORE_URL\n--token-file FILE, or, if no store holds any, remove %s/%s\n(see "
        "OPERATIONS.md, Backup and restore).\n",
        data.c_str(), kRestoredMarker);
  }
  return 0;
}

}  // namespace clientele
