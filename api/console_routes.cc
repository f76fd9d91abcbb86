// GET / and GET /console/{file}: the console's static files (api/console_files.h).
// They hold no data, so they need no token; what the console shows comes from
// the JSON routes, which check the signed-in principal's permissions.
#include "api/console_files.h"
#include "api/problem.h"
#include "api/service_internal.h"

namespace clientele::api {

namespace {

// The page may load only this node's scripts, styles and images, may talk
// only to this node, runs no inline script or style, and shows in no frame.
constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

HttpResponse Serve(const ConsoleFile& file) {
  HttpResponse r;
  r.content_type = std::string(file.content_type);
  r.body = std::string(file.body);
  // Revalidated at each load: a node upgraded in place serves its new console.
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Content-Security-Policy", kContentSecurityPolicy);
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  return r;
}

}  // namespace

HttpResponse Service::ConsoleIndex(Context&) { return Serve(*FindConsoleFile("index.html")); }

HttpResponse Service::ConsoleFileRoute(Context& ctx) {
  const std::string& name = ctx.params.at("file");
  const ConsoleFile* file = FindConsoleFile(name);
  if (file == nullptr) {
    return Problem(404, "no_such_file", "the console has no file " + name);
  }
  return Serve(*file);
}

}  // namespace clientele::api
