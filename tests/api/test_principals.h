// The principals of the API tests, one per permission mix. Their tokens are
// their names: "admin" (everything), "viewer" (customers.view), "cashier"
// (view, create, edit), "store" (everything, node s01), "no-<permission>"
// (everything but that one permission), "only-<permission>" (just that one).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "api/auth.h"

namespace clientele::testing {

inline std::vector<api::Authenticator::Entry> TestPrincipals() {
  std::vector<api::Authenticator::Entry> out;
  auto add = [&](const std::string& token, std::uint32_t perms, const std::string& node) {
    out.push_back({api::HashToken(token), api::Principal{token, perms, node}});
  };
  add("admin", api::kAllPermissions, "*");
  add("viewer", api::kView, "*");
  add("cashier", api::kView | api::kCreate | api::kEdit, "*");
  add("store", api::kAllPermissions, "s01");
  for (std::uint32_t bit = 1; bit < api::kAllPermissions; bit <<= 1) {
    const auto p = static_cast<api::Permission>(bit);
    // customers.manage implies create and edit: drop it too when they go.
    std::uint32_t perms = api::kAllPermissions & ~bit;
    if (p == api::kCreate || p == api::kEdit) perms &= ~api::kManage;
    add("no-" + std::string(api::PermissionName(p)), perms, "*");
    add("only-" + std::string(api::PermissionName(p)), bit, "*");
  }
  return out;
}

}  // namespace clientele::testing
