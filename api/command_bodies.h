// The bodies of the customer command routes, read alike by each route
// (api/customer_routes.cc) and by POST /v1/batch (api/batch_routes.cc), so
// that a command in a batch is judged exactly as its own route judges it.
#pragma once

#include <cstdint>
#include <expected>
#include <span>
#include <string_view>
#include <vector>

#include "api/auth.h"
#include "api/http.h"
#include "api/json_body.h"
#include "domain/commands.h"

namespace clientele::api {

struct CommandBody {
  std::string_view kind;                 // its name in a batch: "purchase"
  std::string_view route;                // its own route: "POST /v1/customers/{ref}/purchases"
  Permission permission;                 // what its own route needs
  std::vector<std::string_view> fields;  // the fields its body may hold
  // The command of a body whose fields were checked (JsonBody::Parse with
  // `fields`), or the problem its route answers (422 for bad fields).
  // `now_ms`: the service's clock, for defaults like a purchase's paid_at.
  std::expected<CustomerCommand, HttpResponse> (*read)(JsonBody& body, std::int64_t now_ms);
};

// Every command a batch may hold, in the order of the docs.
std::span<const CommandBody> CommandBodies();
// The command named `kind`, or null.
const CommandBody* FindCommandBody(std::string_view kind);

}  // namespace clientele::api
