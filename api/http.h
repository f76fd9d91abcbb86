// HTTP requests and responses as the service sees them: plain values, free of
// the network library, so routes can be called and tested without sockets.
// api/http_server.h turns Beast messages into these and back.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace clientele::api {

struct HttpRequest {
  std::string method;                          // "GET", "POST", ...
  std::string path;                            // percent-decoded, without the query
  std::map<std::string, std::string> query;    // decoded; the last of repeated names
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string request_id;  // assigned by the server, echoed in X-Request-Id

  // The header's value, or nullopt.
  std::optional<std::string_view> Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// Splits "/a/b?x=1&y=%20" into a decoded path and query; false if the target
// is malformed (bad percent-encoding, not starting with '/').
bool ParseTarget(std::string_view target, std::string* path,
                 std::map<std::string, std::string>* query);

}  // namespace clientele::api
