// backup.json: writing and reading the manifest (grammar in eventstore/backup.h).
#include <boost/json.hpp>
#include <set>

#include "domain/time.h"
#include "eventstore/backup.h"

namespace clientele {

namespace {

namespace json = boost::json;

bool IsHex64(std::string_view s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

// A path inside the backup: relative, '/'-separated names of letters,
// digits, '.', '_' and '-', none of them "." or "..".
bool IsSafePath(std::string_view path) {
  if (path.empty() || path.size() > 255 || path == kBackupManifestFile) return false;
  std::size_t at = 0;
  while (at <= path.size()) {
    std::size_t end = path.find('/', at);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view name = path.substr(at, end - at);
    if (name.empty() || name == "." || name == "..") return false;
    for (char c : name) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-';
      if (!ok) return false;
    }
    at = end + 1;
  }
  return true;
}

Status Bad(const std::string& what) { return Status::Corruption("the backup's manifest " + what); }

}  // namespace

std::string BackupManifestJson(const BackupManifest& m) {
  // One file a line, so that a person can read it and a diff shows what changed.
  json::object head{{"format", kBackupFormat},
                    {"node", m.node},
                    {"role", m.role},
                    {"created_at", FormatTime(m.created_ms)},
                    {"source", m.source},
                    {"log", json::object{{"position", m.position},
                                         {"events", m.events},
                                         {"hash", m.hash},
                                         {"own_highest", m.own_highest}}}};
  std::string out = json::serialize(head);
  out.pop_back();  // the closing brace
  out += ",\n \"files\": [";
  for (std::size_t i = 0; i < m.files.size(); ++i) {
    const BackupFile& f = m.files[i];
    out += i == 0 ? "\n  " : ",\n  ";
    out +=
        json::serialize(json::object{{"path", f.path}, {"bytes", f.bytes}, {"sha256", f.sha256}});
  }
  out += "]}\n";
  return out;
}

Result<BackupManifest> ParseBackupManifest(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return Error(Bad("is not JSON: " + ec.message()));
  const json::object& o = v.as_object();
  auto string = [&](const json::object& in, const char* key) -> const json::string* {
    const json::value* f = in.if_contains(key);
    return f != nullptr && f->is_string() ? &f->as_string() : nullptr;
  };
  auto number = [&](const json::object& in, const char* key, std::uint64_t* out) {
    const json::value* f = in.if_contains(key);
    if (f == nullptr) return false;
    if (f->is_uint64()) {
      *out = f->as_uint64();
      return true;
    }
    if (f->is_int64() && f->as_int64() >= 0) {
      *out = static_cast<std::uint64_t>(f->as_int64());
      return true;
    }
    return false;
  };
  const json::string* format = string(o, "format");
  if (format == nullptr || *format != kBackupFormat) {
    return Error(Bad("is not of the format " + std::string(kBackupFormat)));
  }
  BackupManifest m;
  const json::string* node = string(o, "node");
  const json::string* role = string(o, "role");
  const json::string* created = string(o, "created_at");
  const json::string* source = string(o, "source");
  if (node == nullptr || role == nullptr || created == nullptr || source == nullptr) {
    return Error(Bad("lacks node, role, created_at or source"));
  }
  m.node = std::string(*node);
  m.role = std::string(*role);
  m.source = std::string(*source);
  auto when = ParseTime(std::string(*created), 0);
  if (!when) return Error(Bad("has a created_at that is not a time"));
  m.created_ms = *when;
  const json::value* log = o.if_contains("log");
  if (log == nullptr || !log->is_object()) return Error(Bad("lacks the log's head"));
  const json::string* hash = string(log->as_object(), "hash");
  if (!number(log->as_object(), "position", &m.position) ||
      !number(log->as_object(), "events", &m.events) ||
      !number(log->as_object(), "own_highest", &m.own_highest) || hash == nullptr ||
      !(hash->empty() ? m.position == 0 : IsHex64(*hash))) {
    return Error(Bad("has a log head without position, events, own_highest and a 64-digit hash"));
  }
  m.hash = std::string(*hash);
  const json::value* files = o.if_contains("files");
  if (files == nullptr || !files->is_array()) return Error(Bad("lacks its list of files"));
  std::set<std::string> seen;
  for (const json::value& f : files->as_array()) {
    if (!f.is_object()) return Error(Bad("lists a file that is not an object"));
    BackupFile file;
    const json::string* path = string(f.as_object(), "path");
    const json::string* sha = string(f.as_object(), "sha256");
    if (path == nullptr || sha == nullptr || !number(f.as_object(), "bytes", &file.bytes) ||
        !IsHex64(*sha)) {
      return Error(Bad("lists a file without path, bytes and a 64-digit sha256"));
    }
    if (!IsSafePath(*path)) {
      return Error(Bad("lists a path outside the backup: " + std::string(*path)));
    }
    file.path = std::string(*path);
    file.sha256 = std::string(*sha);
    if (!seen.insert(file.path).second) return Error(Bad("lists " + file.path + " twice"));
    m.files.push_back(std::move(file));
  }
  return m;
}

}  // namespace clientele
