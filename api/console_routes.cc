// GET / and GET /console/{file}: the console's static files (api/console_files.h).
// They hold no data, so they need no token; what the console shows comes from
// the JSON routes, which check the signed-in principal's permissions.
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

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

// For whoever works on the console: with CLIENTELE_CONSOLE_DIR set, the node
// reads the console's files from that folder at each request instead of the
// ones built in, so an edit shows at the next reload without a rebuild. Only
// plain file names are read (no folder, no leading dot).
std::optional<HttpResponse> ServeFromFolder(const std::string& name);

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

std::string_view TypeOf(std::string_view name) {
  auto ends = [&](std::string_view ext) { return name.ends_with(ext); };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  return "";
}

std::optional<HttpResponse> ServeFromFolder(const std::string& name) {
  static const char* folder = std::getenv("CLIENTELE_CONSOLE_DIR");
  if (folder == nullptr || *folder == '\0') return std::nullopt;
  bool plain = !name.empty() && name[0] != '.';
  for (char ch : name) {
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '.' || ch == '_' || ch == '-';
    plain = plain && ok;
  }
  std::string_view type = TypeOf(name);
  if (!plain || type.empty()) return std::nullopt;
  std::ifstream in(std::string(folder) + "/" + name, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream body;
  body << in.rdbuf();
  std::string text = body.str();
  return Serve(ConsoleFile{name, type, text});
}

}  // namespace

HttpResponse Service::ConsoleIndex(Context&) {
  if (auto r = ServeFromFolder("index.html")) return *std::move(r);
  return Serve(*FindConsoleFile("index.html"));
}

HttpResponse Service::ConsoleFileRoute(Context& ctx) {
  const std::string& name = ctx.params.at("file");
  if (auto r = ServeFromFolder(name)) return *std::move(r);
  const ConsoleFile* file = FindConsoleFile(name);
  if (file == nullptr) {
    return Problem(404, "no_such_file", "the console has no file " + name);
  }
  return Serve(*file);
}

}  // namespace clientele::api
