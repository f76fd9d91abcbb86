// The OpenAPI 3 document served at /v1/openapi.json: api/openapi.json,
// compiled in. A test checks that it lists exactly the routes the service has.
#pragma once

#include <string_view>

namespace clientele::api {

std::string_view OpenApiDocument();

}  // namespace clientele::api
