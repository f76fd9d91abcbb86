#include "api/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <simdjson.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/passwords.h"
#include "domain/ids.h"
#include "eventstore/atomic_file.h"

namespace clientele::api {

namespace {

constexpr std::array<std::pair<std::string_view, Permission>, 15> kNames = {{
    {"customers.view", kView},
    {"customers.create", kCreate},
    {"customers.edit", kEdit},
    {"customers.manage", kManage},
    {"customers.manage_loyalty", kManageLoyalty},
    {"customers.manage_credit", kManageCredit},
    {"audit.read", kAuditRead},
    {"settings.manage", kSettingsManage},
    {"sync", kSync},
    {"nodes.manage", kNodesManage},
    {"backups.create", kBackupsCreate},
    {"reports.view", kReportsView},
    {"customers.export_personal", kExportPersonal},
    {"customers.erase", kErase},
    {"principals.manage", kPrincipalsManage},
}};

std::string Hex(const unsigned char* bytes, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 15];
  }
  return out;
}

Status Bad(const std::string& path, const std::string& what) {
  return Status::InvalidArgument("principals", "invalid_principals",
                                 "the principals file " + path + " " + what);
}

}  // namespace

std::optional<Permission> ParsePermission(std::string_view name) {
  for (const auto& [n, p] : kNames) {
    if (n == name) return p;
  }
  return std::nullopt;
}

std::string_view PermissionName(Permission p) {
  for (const auto& [n, q] : kNames) {
    if (q == p) return n;
  }
  return "";
}

std::vector<std::string> PermissionNames(std::uint32_t permissions) {
  std::vector<std::string> out;
  for (const auto& [n, p] : kNames) {
    if (permissions & p) out.emplace_back(n);
  }
  return out;
}

bool Principal::Can(Permission p) const {
  if (permissions & p) return true;
  return (p == kCreate || p == kEdit) && (permissions & kManage);
}

std::string HashToken(std::string_view token) {
  unsigned char digest[32];
  unsigned int len = 0;
  EVP_Digest(token.data(), token.size(), digest, &len, EVP_sha256(), nullptr);
  return Hex(digest, len);
}

std::string NewToken() {
  unsigned char bytes[32];
  RAND_bytes(bytes, sizeof(bytes));
  return Hex(bytes, sizeof(bytes));
}

Result<Authenticator> Authenticator::Load(const std::string& path) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto err = parser.load(path).get(root); err) {
    return Error(Bad(path, std::string("cannot be read as JSON: ") + simdjson::error_message(err)));
  }
  simdjson::dom::array list;
  if (root["principals"].get_array().get(list))
    return Error(Bad(path, "has no \"principals\" list"));
  std::vector<Entry> entries;
  for (simdjson::dom::element item : list) {
    Entry e;
    std::string_view name, hash, password, node = "*";
    simdjson::dom::array perms;
    if (item["name"].get_string().get(name) || item["permissions"].get_array().get(perms)) {
      return Error(Bad(path, "has a principal without name or permissions"));
    }
    for (const Entry& seen : entries) {
      if (seen.principal.name == name) {
        return Error(Bad(path, "names " + std::string(name) + " twice (names are unique)"));
      }
    }
    const bool has_token = item["token_sha256"].error() != simdjson::NO_SUCH_FIELD;
    if (has_token && (item["token_sha256"].get_string().get(hash) || hash.size() != 64 ||
                      hash.find_first_not_of("0123456789abcdef") != std::string_view::npos)) {
      return Error(Bad(path, "gives " + std::string(name) +
                                 " a token_sha256 that is not 64 lower-case hex digits"));
    }
    const bool has_password = item["password_argon2id"].error() != simdjson::NO_SUCH_FIELD;
    if (has_password &&
        (item["password_argon2id"].get_string().get(password) || !IsPasswordHash(password))) {
      return Error(Bad(path, "gives " + std::string(name) +
                                 " a password_argon2id that is not an Argon2id hash string "
                                 "(set it with `clientele password`)"));
    }
    if (!item["node"].get_string().get(node) && node != "*") {
      if (Status s = ValidateNodeId(node, "node"); !s.ok()) {
        return Error(Bad(path, "gives " + std::string(name) + " a bad node: " + s.message()));
      }
    }
    for (simdjson::dom::element p : perms) {
      std::string_view pname;
      if (p.get_string().get(pname))
        return Error(Bad(path, "lists a permission that is not a string"));
      if (pname == "*") {
        e.principal.permissions = kAllPermissions;
        continue;
      }
      auto perm = ParsePermission(pname);
      if (!perm) return Error(Bad(path, "lists an unknown permission: " + std::string(pname)));
      e.principal.permissions |= *perm;
    }
    e.token_sha256 = hash;
    e.password_argon2id = password;
    e.principal.name = name;
    e.principal.node = node;
    entries.push_back(std::move(e));
  }
  return Authenticator(std::move(entries));
}

Result<std::string> Authenticator::CreateFirst(const std::string& path, const std::string& name) {
  if (std::filesystem::exists(path)) {
    return Error(Status::FailedPrecondition("principals", "exists", path + " already exists"));
  }
  const std::string token = NewToken();
  std::ostringstream text;
  text << "{\"principals\": [\n  {\"name\": \"" << name << "\", \"token_sha256\": \""
       << HashToken(token) << "\", \"permissions\": [\"*\"], \"node\": \"*\"}\n]}\n";
  Status s = WriteFileAtomically(
      path, text.str(), std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  if (!s.ok()) return Error(s);
  return token;
}

Result<Principal> Authenticator::Authenticate(std::optional<std::string_view> authorization) const {
  if (!authorization) {
    return Error(
        Status::Unauthenticated("missing_token", "send an Authorization: Bearer <token> header"));
  }
  std::string_view value = *authorization;
  constexpr std::string_view kBearer = "Bearer ";
  if (value.size() <= kBearer.size() || !value.substr(0, kBearer.size()).starts_with("Bearer") ||
      value[6] != ' ') {
    return Error(Status::Unauthenticated("invalid_token",
                                         "the Authorization header must be Bearer <token>"));
  }
  const std::string hash = HashToken(value.substr(kBearer.size()));
  for (const Entry& e : entries_) {
    if (e.token_sha256.size() != hash.size()) continue;  // a principal without a token
    if (CRYPTO_memcmp(e.token_sha256.data(), hash.data(), hash.size()) == 0) return e.principal;
  }
  return Error(Status::Unauthenticated("invalid_token", "the token is not known"));
}

const Authenticator::Entry* Authenticator::Find(std::string_view name) const {
  for (const Entry& e : entries_) {
    if (e.principal.name == name) return &e;
  }
  return nullptr;
}

}  // namespace clientele::api
