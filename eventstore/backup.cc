// Making, checking and restoring backups (eventstore/backup.h).
#include "eventstore/backup.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>

#include "eventstore/atomic_file.h"
#include "eventstore/system_clock.h"

namespace clientele {

namespace {

namespace fs = std::filesystem;

constexpr mode_t kFileMode = 0600;
constexpr mode_t kFolderMode = 0700;

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

Status Io(const std::string& what, int err) {
  return Status::Unavailable(what + ": " + std::strerror(err));
}

// Reads `from` whole, hashing it; with `to`, also writes it there (a new
// file, 0600, synced). The result names the file `rel`.
Result<BackupFile> CopyAndHash(const std::string& from, const std::string& to,
                               const std::string& rel) {
  const int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return Error(Io("cannot read " + from, errno));
  int out = -1;
  if (!to.empty()) {
    out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, kFileMode);
    if (out < 0) {
      const int err = errno;
      ::close(in);
      return Error(Io("cannot create " + to, err));
    }
    ::fchmod(out, kFileMode);  // whatever the umask
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  BackupFile file{rel, 0, ""};
  std::string buffer(1 << 20, '\0');
  Status failed;
  for (;;) {
    const ssize_t n = ::read(in, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      failed = Io("cannot read " + from, errno);
      break;
    }
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), buffer.data(), static_cast<std::size_t>(n));
    file.bytes += static_cast<std::uint64_t>(n);
    for (ssize_t done = 0; out >= 0 && done < n;) {
      const ssize_t w = ::write(out, buffer.data() + done, static_cast<std::size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        failed = Io("cannot write " + to, errno);
        break;
      }
      done += w;
    }
    if (!failed.ok()) break;
  }
  ::close(in);
  if (out >= 0) {
    if (failed.ok() && ::fsync(out) != 0) failed = Io("cannot sync " + to, errno);
    ::close(out);
  }
  if (!failed.ok()) return Error(failed);
  unsigned char digest[32];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &len);
  file.sha256 = Hex(std::string_view(reinterpret_cast<const char*>(digest), len));
  return file;
}

Status SyncFolder(const std::string& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Io("cannot sync " + folder, errno);
  const bool ok = ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  return ok ? Status::OK() : Io("cannot sync " + folder, err);
}

// Makes `folder` (0700) and any missing parent below `root`.
Status MakeFolders(const fs::path& root, const fs::path& rel) {
  fs::path at = root;
  for (const fs::path& part : rel) {
    at /= part;
    if (::mkdir(at.c_str(), kFolderMode) != 0 && errno != EEXIST) {
      return Io("cannot create " + at.string(), errno);
    }
  }
  return Status::OK();
}

// True if `path` is missing or an empty folder; false with `why` otherwise.
bool MissingOrEmpty(const std::string& path, std::string* why) {
  std::error_code ec;
  const fs::file_status st = fs::symlink_status(path, ec);
  if (st.type() == fs::file_type::not_found) return true;
  if (st.type() != fs::file_type::directory) {
    *why = path + " exists and is not a folder";
    return false;
  }
  if (!fs::is_empty(path, ec) || ec) {
    *why = path + " is not empty";
    return false;
  }
  return true;
}

// Removes what a failed call made: `folder` itself if it made it, else
// what is in it.
void Undo(const std::string& folder, bool made_folder) {
  std::error_code ec;
  if (made_folder) {
    fs::remove_all(folder, ec);
    return;
  }
  for (const auto& entry : fs::directory_iterator(folder, ec)) fs::remove_all(entry.path(), ec);
}

// Every regular file under `root`/`sub`, by path relative to `root`; an
// entry of another kind (a link, a device) is Corruption.
Result<std::vector<std::string>> ListFiles(const std::string& root, const std::string& sub) {
  std::vector<std::string> out;
  std::error_code ec;
  const fs::path base(root);
  for (fs::recursive_directory_iterator it(base / sub, ec), end; !ec && it != end;
       it.increment(ec)) {
    const fs::file_status st = it->symlink_status(ec);
    if (ec) break;
    if (st.type() == fs::file_type::directory) continue;
    const std::string rel = it->path().lexically_relative(base).generic_string();
    if (st.type() != fs::file_type::regular) {
      std::string what = rel;
      what += " in " + root + " is not a regular file";
      return Error(Status::Corruption(std::move(what)));
    }
    out.push_back(rel);
  }
  if (ec)
    return Error(Status::Unavailable("cannot list " + (base / sub).string() + ": " + ec.message()));
  std::sort(out.begin(), out.end());
  return out;
}

// The head of the log in `folder`/log, found by walking its whole chain,
// and the highest number of `node`'s own events in it.
struct Walked {
  VerifyReport report;
  std::uint64_t own_highest = 0;
};

Result<Walked> Walk(const std::string& folder, const std::string& node) {
  auto copy = EventStore::Open({.path = folder, .read_only = true});
  if (!copy) return Error(copy.error());
  Walked out;
  auto report = (*copy)->Verify([&](const RecordedEvent& e) {
    if (e.origin == node) out.own_highest = std::max(out.own_highest, e.seq);
  });
  if (!report) return Error(report.error());
  out.report = std::move(*report);
  return out;
}

// Walks the chain of the log in `folder`/log and compares its head with
// the manifest's.
Status CheckChain(const std::string& folder, const BackupManifest& m) {
  auto walked = Walk(folder, m.node);
  if (!walked) return walked.error();
  const VerifyReport& report = walked->report;
  if (!report.ok) {
    return Status::Corruption("the backup's log is broken at position " +
                              std::to_string(report.broken_position) + ": " + report.problem);
  }
  if (report.head != m.position || report.events_checked != m.events ||
      Hex(report.head_hash) != m.hash || walked->own_highest != m.own_highest) {
    return Status::Corruption("the backup's log ends at position " + std::to_string(report.head) +
                              " with hash " + Hex(report.head_hash) +
                              ", and its manifest says position " + std::to_string(m.position) +
                              " with hash " + m.hash);
  }
  return Status::OK();
}

Result<BackupManifest> ReadManifest(const std::string& backup) {
  const std::string path = (fs::path(backup) / kBackupManifestFile).string();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error(
        Status::NotFound("no_backup_manifest", backup + " is not a Clientele backup: it has no " +
                                                   std::string(kBackupManifestFile) +
                                                   " (a backup cut short leaves none)"));
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return ParseBackupManifest(text);
}

Status Mismatch(const std::string& rel, const BackupFile& want, const BackupFile& got) {
  if (want.bytes != got.bytes) {
    return Status::Corruption("the backup's " + rel + " holds " + std::to_string(got.bytes) +
                              " bytes, its manifest says " + std::to_string(want.bytes));
  }
  return Status::Corruption("the backup's " + rel +
                            " has changed since the backup was made: its SHA-256 is not the "
                            "manifest's");
}

std::mutex& BackupMutex() {
  static std::mutex mu;
  return mu;
}

Result<BackupManifest> Fill(EventStore* log, const std::string& target,
                            const BackupOptions& options) {
  BackupManifest m;
  m.node = options.node;
  m.role = options.role;
  m.source = options.data;
  m.created_ms = (options.clock != nullptr ? options.clock : SystemClock::Default())->NowMs();
  // The small files first: a cursor copied now never points past the log
  // copied after it.
  for (const std::string& rel : options.files) {
    const fs::path from = fs::path(options.data) / rel;
    std::error_code ec;
    if (!fs::is_regular_file(from, ec)) continue;
    const fs::path parent = fs::path(rel).parent_path();
    if (!parent.empty()) {
      if (Status s = MakeFolders(target, parent); !s.ok()) return Error(s);
    }
    auto copied = CopyAndHash(from.string(), (fs::path(target) / rel).string(), rel);
    if (!copied) return Error(copied.error());
    m.files.push_back(std::move(*copied));
  }
  const std::string log_copy = (fs::path(target) / "log").string();
  auto head_before = log->Checkpoint(log_copy);
  if (!head_before) return Error(head_before.error());
  auto walked = Walk(target, options.node);
  if (!walked) return Error(walked.error());
  const VerifyReport& report = walked->report;
  if (!report.ok) {
    return Error(Status::Corruption("the copy of the log is broken at position " +
                                    std::to_string(report.broken_position) + ": " + report.problem +
                                    " (run clientele verify on the node)"));
  }
  if (report.head < *head_before) {
    return Error(
        Status::Corruption("the copy of the log ends at position " + std::to_string(report.head) +
                           ", before the acknowledged position " + std::to_string(*head_before)));
  }
  m.position = report.head;
  m.events = report.events_checked;
  m.hash = Hex(report.head_hash);
  m.own_highest = walked->own_highest;
  if (options.after_log) {
    auto later = options.after_log();
    if (!later) return Error(later.error());
    for (const std::string& rel : *later) {
      const fs::path parent = fs::path(rel).parent_path();
      if (!parent.empty()) {
        if (Status s = MakeFolders(target, parent); !s.ok()) return Error(s);
      }
      auto copied = CopyAndHash((fs::path(options.data) / rel).string(),
                                (fs::path(target) / rel).string(), rel);
      if (!copied) return Error(copied.error());
      m.files.push_back(std::move(*copied));
    }
  }
  auto log_files = ListFiles(target, "log");
  if (!log_files) return Error(log_files.error());
  for (const std::string& rel : *log_files) {
    const std::string path = (fs::path(target) / rel).string();
    ::chmod(path.c_str(), kFileMode);  // a hard link: the node's own file, the owner's alone
    auto hashed = CopyAndHash(path, "", rel);
    if (!hashed) return Error(hashed.error());
    m.files.push_back(std::move(*hashed));
  }
  ::chmod(log_copy.c_str(), kFolderMode);
  std::sort(m.files.begin(), m.files.end(),
            [](const BackupFile& a, const BackupFile& b) { return a.path < b.path; });
  for (const std::string& folder : {log_copy, target}) {
    if (Status s = SyncFolder(folder); !s.ok()) return Error(s);
  }
  // Last: a folder with a manifest is a whole backup.
  if (Status s = WriteFileAtomically((fs::path(target) / kBackupManifestFile).string(),
                                     BackupManifestJson(m));
      !s.ok()) {
    return Error(s);
  }
  return m;
}

// `path` with its links resolved and no trailing '/'.
fs::path Resolved(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(fs::path(path), ec);
  if (ec) p = fs::path(path).lexically_normal();
  while (!p.has_filename() && p.has_relative_path()) p = p.parent_path();
  return p;
}

}  // namespace

Status CheckBackupTarget(const std::string& target, const std::string& data) {
  const fs::path path(target);
  if (target.empty() || !path.is_absolute()) {
    return Status::InvalidArgument(
        "path", "backup_path_not_absolute",
        "the backup folder must be an absolute path on the node's machine, not '" + target + "'");
  }
  std::error_code ec;
  const fs::path resolved = Resolved(target);
  const fs::path home = fs::weakly_canonical(fs::absolute(data, ec), ec);
  const fs::path rel = resolved.lexically_relative(home);
  if (!rel.empty() && *rel.begin() != "..") {
    return Status::InvalidArgument(
        "path", "backup_path_inside_data",
        target + " is inside the data folder " + home.string() +
            ": a backup there would be lost with it (and copied into the next backup)");
  }
  const fs::path parent = resolved.parent_path();
  if (!fs::is_directory(parent, ec)) {
    return Status::InvalidArgument("path", "backup_parent_missing",
                                   "the folder " + parent.string() + " does not exist");
  }
  std::string why;
  if (!MissingOrEmpty(resolved.string(), &why)) {
    return Status::FailedPrecondition(
        "path", "backup_target_not_empty",
        why + ": a backup goes into a new or empty folder, never over anything");
  }
  return Status::OK();
}

Result<BackupManifest> CreateBackup(EventStore* log, const std::string& target,
                                    const BackupOptions& options) {
  std::lock_guard lock(BackupMutex());
  if (Status s = CheckBackupTarget(target, options.data); !s.ok()) return Error(s);
  const std::string folder = Resolved(target).string();
  bool made = false;
  if (::mkdir(folder.c_str(), kFolderMode) == 0) {
    made = true;
  } else if (errno != EEXIST) {
    return Error(Io("cannot create " + folder, errno));
  }
  ::chmod(folder.c_str(), kFolderMode);
  auto manifest = Fill(log, folder, options);
  if (!manifest) Undo(folder, made);
  return manifest;
}

Result<BackupManifest> CheckBackup(const std::string& backup) {
  auto m = ReadManifest(backup);
  if (!m) return m;
  // An unlisted file in the log (say, a WAL) would change what it holds.
  auto present = ListFiles(backup, "log");
  if (!present) return Error(present.error());
  std::set<std::string> listed;
  for (const BackupFile& f : m->files) listed.insert(f.path);
  for (const std::string& rel : *present) {
    if (!listed.contains(rel)) {
      return Error(Status::Corruption("the backup's " + rel + " is not in its manifest"));
    }
  }
  for (const BackupFile& want : m->files) {
    auto got = CopyAndHash((fs::path(backup) / want.path).string(), "", want.path);
    if (!got) {
      return Error(Status::Corruption("the backup's " + want.path +
                                      " cannot be read: " + got.error().message()));
    }
    if (got->bytes != want.bytes || got->sha256 != want.sha256) {
      return Error(Mismatch(want.path, want, *got));
    }
  }
  if (Status s = CheckChain(backup, *m); !s.ok()) return Error(s);
  return m;
}

Result<BackupManifest> RestoreBackup(const std::string& backup, const std::string& data) {
  auto m = ReadManifest(backup);
  if (!m) return m;
  std::string why;
  if (!MissingOrEmpty(data, &why)) {
    return Error(Status::FailedPrecondition(
        "data", "restore_target_not_empty",
        why + ": a backup is restored only into a new or empty data folder, never over a node's "
              "data"));
  }
  bool made = false;
  std::error_code ec;
  if (!fs::exists(data, ec)) {
    const fs::path parent = fs::absolute(data, ec).parent_path();
    if (!fs::is_directory(parent, ec)) {
      return Error(Status::InvalidArgument("data", "restore_parent_missing",
                                           "the folder " + parent.string() + " does not exist"));
    }
    if (::mkdir(data.c_str(), kFolderMode) != 0) return Error(Io("cannot create " + data, errno));
    made = true;
  }
  ::chmod(data.c_str(), kFolderMode);
  auto fail = [&](Status s) -> Result<BackupManifest> {
    Undo(data, made);
    return Error(std::move(s));
  };
  std::set<std::string> folders;
  for (const BackupFile& want : m->files) {
    const fs::path parent = fs::path(want.path).parent_path();
    if (!parent.empty() && folders.insert(parent.string()).second) {
      if (Status s = MakeFolders(data, parent); !s.ok()) return fail(s);
    }
    auto got = CopyAndHash((fs::path(backup) / want.path).string(),
                           (fs::path(data) / want.path).string(), want.path);
    if (!got) {
      return fail(Status::Corruption("the backup's " + want.path +
                                     " cannot be copied: " + got.error().message()));
    }
    if (got->bytes != want.bytes || got->sha256 != want.sha256) {
      return fail(Mismatch(want.path, want, *got));
    }
  }
  folders.insert(".");
  for (const std::string& folder : folders) {
    if (Status s = SyncFolder((fs::path(data) / folder).string()); !s.ok()) return fail(s);
  }
  if (Status s = CheckChain(data, *m); !s.ok()) return fail(s);
  return m;
}

}  // namespace clientele
