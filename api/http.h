// HTTP requests and responses as the service sees them: plain values, free of
// the network library, so routes can be called and tested without sockets.
// api/http_server.h turns Beast messages into these and back.
#pragma once

#include <functional>
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
  // For a body the server wrote to a file instead (ServerOptions::spool_to):
  // the file. The handler may move it away; the server removes what is left.
  std::string body_file;
  std::string request_id;  // assigned by the server, echoed in X-Request-Id
  // The client's address as the server's socket sees it ("127.0.0.1",
  // "::1"; a proxy's, behind one), "" when unknown.
  std::string peer;
  // True when the request came over HTTPS (the server's TLS).
  bool secure = false;

  // The header's value, or nullopt.
  std::optional<std::string_view> Header(std::string_view name) const;
};

// A body produced piece by piece: each call appends the next piece to `out`
// and returns false once there is no more. Called on a worker thread.
using BodyStream = std::function<bool(std::string* out)>;

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // If set, the body is sent as it is produced (chunked) and `body` is unused.
  BodyStream stream;
  // The answer to a HEAD request: the GET answer's head (its Content-Length
  // included, when known) without the body.
  bool head_only = false;
};

// Splits "/a/b?x=1&y=%20" into a decoded path and query; false if the target
// is malformed (bad percent-encoding, not starting with '/').
bool ParseTarget(std::string_view target, std::string* path,
                 std::map<std::string, std::string>* query);

}  // namespace clientele::api
