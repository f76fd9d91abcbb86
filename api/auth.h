// Bearer-token authentication and the permissions of DESIGN.md §2.
//
// Principals live in a JSON file; tokens are stored only as SHA-256 hashes,
// passwords only as Argon2id hash strings (api/passwords.h):
//
//   {"principals": [
//     {"name": "hq-admin", "token_sha256": "<64 hex digits>",
//      "password_argon2id": "$argon2id$v=19$m=65536,t=2,p=1$...",
//      "permissions": ["customers.view", "customers.manage", ...] or ["*"],
//      "node": "*"}          // "*": any node; "hq" or a store id: only that node
//   ]}
//
// A principal may have a token, a password, both or (not usable yet) neither.
// Names are unique: they are who signs in, and whose idempotency keys and
// sessions are whose. A principal scoped to a node is refused by every other
// node's server.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/status.h"

namespace clientele::api {

enum Permission : std::uint32_t {
  kView = 1 << 0,            // customers.view
  kCreate = 1 << 1,          // customers.create
  kEdit = 1 << 2,            // customers.edit
  kManage = 1 << 3,          // customers.manage (create, edit, delete, deactivate)
  kManageLoyalty = 1 << 4,   // customers.manage_loyalty (and sees points)
  kManageCredit = 1 << 5,    // customers.manage_credit (and sees credit)
  kAuditRead = 1 << 6,       // audit.read
  kSettingsManage = 1 << 7,  // settings.manage
  kSync = 1 << 8,            // sync (node-to-node traffic)
  kNodesManage = 1 << 9,     // nodes.manage (enrol and revoke stores' keys, at HQ)
  kBackupsCreate = 1 << 10,  // backups.create (make a backup of the node's data, on its disk)
  kReportsView = 1 << 11,    // reports.view (the chain's reports; figures by visibility)
  // customers.export_personal: a customer's whole personal-data document
  // (GDPR art. 15/20), every field and history entry, points and credit included
  kExportPersonal = 1 << 12,
  kErase = 1 << 13,             // customers.erase (erase a customer's personal data)
  kPrincipalsManage = 1 << 14,  // principals.manage (set principals' passwords)
  kAllPermissions = (1 << 15) - 1,
};

// "customers.view" -> kView, ...; nullopt for an unknown name.
std::optional<Permission> ParsePermission(std::string_view name);
std::string_view PermissionName(Permission p);
// The names of the permissions in `permissions`, in the order of the enum.
std::vector<std::string> PermissionNames(std::uint32_t permissions);

struct Principal {
  std::string name;
  std::uint32_t permissions = 0;
  std::string node = "*";

  // True if the principal holds `p` (customers.manage implies create and edit).
  bool Can(Permission p) const;
};

// The lower-case hex SHA-256 of a token.
std::string HashToken(std::string_view token);
// A new random token (32 bytes, hex).
std::string NewToken();

class Authenticator {
 public:
  struct Entry {
    std::string token_sha256;  // "": no token
    Principal principal;
    std::string password_argon2id;  // "": no password
  };

  Authenticator() = default;
  explicit Authenticator(std::vector<Entry> entries) : entries_(std::move(entries)) {}

  // Reads a principals file (format above).
  static Result<Authenticator> Load(const std::string& path);
  // Writes a principals file with one principal holding every permission on
  // any node; returns its token. Fails if the file exists.
  static Result<std::string> CreateFirst(const std::string& path, const std::string& name);

  // The principal of an "Authorization: Bearer TOKEN" header value.
  // Unauthenticated ("missing_token" / "invalid_token") otherwise.
  Result<Principal> Authenticate(std::optional<std::string_view> authorization) const;

  // The principal named `name`, or nullptr.
  const Entry* Find(std::string_view name) const;

  std::size_t size() const { return entries_.size(); }

 private:
  std::vector<Entry> entries_;
};

}  // namespace clientele::api
