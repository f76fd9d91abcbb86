// Signing in (api/service.h): the session routes, the cookie's
// authentication of the other routes with its CSRF check, and the password
// route. Sessions live in api/sessions.h, the limit on failures in
// api/lockout.h, password hashes in api/passwords.h.
#include <openssl/crypto.h>

#include <boost/json.hpp>

#include "api/json_body.h"
#include "api/passwords.h"
#include "api/problem.h"
#include "api/service_internal.h"

namespace clientele::api {

namespace {

constexpr std::string_view kCookie = "clientele_session";

// The value of the cookie `name` in the request's Cookie header(s), or "".
std::string CookieValue(const HttpRequest& req, std::string_view name) {
  auto header = req.Header("cookie");
  if (!header) return "";
  std::string_view rest = *header;
  while (!rest.empty()) {
    const std::size_t end = rest.find(';');
    std::string_view pair = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    while (!pair.empty() && (pair.front() == ' ' || pair.front() == '\t')) pair.remove_prefix(1);
    const std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos || pair.substr(0, eq) != name) continue;
    std::string_view value = pair.substr(eq + 1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    return std::string(value);
  }
  return "";
}

std::string SessionCookie(const HttpRequest& req, const std::string& value, bool clear) {
  std::string c = std::string(kCookie) + "=" + value + "; Path=/";
  if (clear) c += "; Max-Age=0";
  c += "; HttpOnly; SameSite=Strict";
  if (req.secure) c += "; Secure";
  return c;
}

bool SafeMethod(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS";
}

bool SameSecret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && !a.empty() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

HttpResponse NotSignedIn() {
  return Problem(401, "not_signed_in",
                 "no valid session: sign in with POST /v1/session (or send an Authorization: "
                 "Bearer <token> header)");
}

HttpResponse CsrfInvalid() {
  return Problem(403, "csrf_token_invalid",
                 "a request signed in by the session cookie that changes anything must carry "
                 "the header X-CSRF-Token with the session's csrf_token (GET /v1/session)");
}

// Counts a password hash being computed while alive; ok() is false when
// `limit` are being computed already.
class HashSlot {
 public:
  HashSlot(std::atomic<int>* counter, int limit) : counter_(counter) {
    ok_ = counter_->fetch_add(1) < limit;
  }
  ~HashSlot() { counter_->fetch_sub(1); }
  HashSlot(const HashSlot&) = delete;
  HashSlot& operator=(const HashSlot&) = delete;
  bool ok() const { return ok_; }

 private:
  std::atomic<int>* counter_;
  bool ok_ = false;
};

HttpResponse Busy() {
  HttpResponse r = Problem(503, "sign_in_busy",
                           "this node is checking as many passwords as it may at once; retry in "
                           "a moment");
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

}  // namespace

std::optional<std::pair<Session, Principal>> Service::SignedIn(const HttpRequest& req) {
  const std::string id = CookieValue(req, kCookie);
  if (id.empty()) return std::nullopt;
  auto session = sessions_.Use(id);
  if (!session) return std::nullopt;
  // The principal as it is now: removed, and the session is over; its
  // password changed (or removed), and the session is refused.
  auto principals = Principals();
  const Authenticator::Entry* entry = principals->Find(session->principal);
  if (entry == nullptr) {
    sessions_.End(id);
    return std::nullopt;
  }
  if (entry->password_argon2id.empty() || entry->password_argon2id != session->password_hash) {
    return std::nullopt;
  }
  return std::make_pair(std::move(*session), entry->principal);
}

std::expected<Principal, HttpResponse> Service::Caller(Context& ctx) {
  auto principal = CallerOf(ctx.req);
  if (principal && !ctx.req.Header("authorization")) ctx.session_id = CookieValue(ctx.req, kCookie);
  return principal;
}

std::expected<Principal, HttpResponse> Service::CallerOf(const HttpRequest& req) {
  if (req.Header("authorization") || CookieValue(req, kCookie).empty()) {
    auto principal = Principals()->Authenticate(req.Header("authorization"));
    if (!principal) return std::unexpected(Problem(principal.error()));
    return std::move(*principal);
  }
  auto signed_in = SignedIn(req);
  if (!signed_in) return std::unexpected(NotSignedIn());
  if (!SafeMethod(req.method) &&
      !SameSecret(req.Header("x-csrf-token").value_or(""), signed_in->first.csrf_token)) {
    return std::unexpected(CsrfInvalid());
  }
  return std::move(signed_in->second);
}

HttpResponse Service::SessionAnswer(const Session& session, const Principal& principal) {
  boost::json::array permissions;
  for (const std::string& name : PermissionNames(principal.permissions)) {
    permissions.emplace_back(name);
  }
  HttpResponse r = Json(boost::json::object{{"principal", principal.name},
                                            {"node", options_.node},
                                            {"currency", options_.currency},
                                            {"permissions", std::move(permissions)},
                                            {"csrf_token", session.csrf_token}});
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

HttpResponse Service::SignIn(Context& ctx) {
  auto body = JsonBody::Parse(ctx.req.body, {"name", "password"});
  if (!body) return body.error();
  auto name = body->String("name", true);
  auto password = body->String("password", true);
  if (!body->errors().empty()) return Problem(body->errors());
  const std::string& address = ctx.req.peer;
  if (std::int64_t wait = lockout_.RetryAfterSeconds(*name, address); wait > 0) {
    HttpResponse r = Problem(429, "too_many_attempts",
                             "too many failed sign-ins for this name or from this address; try "
                             "again in " +
                                 std::to_string(wait) + " seconds");
    r.headers.emplace_back("Retry-After", std::to_string(wait));
    return r;
  }
  HashSlot slot(&hashing_, options_.max_concurrent_hashes);
  if (!slot.ok()) return Busy();
  auto principals = Principals();
  const Authenticator::Entry* entry = principals->Find(*name);
  // An unknown name, a principal without a password and a wrong password
  // cost one hash each and get the same answer.
  const bool ok = entry != nullptr && !entry->password_argon2id.empty()
                      ? VerifyPassword(entry->password_argon2id, *password)
                      : VerifyNoPassword(*password);
  if (!ok) {
    lockout_.Failed(*name, address);
    return Problem(401, "invalid_credentials", "the name or the password is not right");
  }
  lockout_.Succeeded(*name);
  if (entry->principal.node != "*" && entry->principal.node != options_.node) {
    return Problem(403, "wrong_node",
                   "this principal acts for node " + entry->principal.node + ", and this is node " +
                       options_.node + "; sign in there");
  }
  Sessions::Begun begun = sessions_.Begin(entry->principal.name, entry->password_argon2id);
  HttpResponse r = SessionAnswer(begun.session, entry->principal);
  r.headers.emplace_back("Set-Cookie", SessionCookie(ctx.req, begun.id, false));
  return r;
}

HttpResponse Service::GetSession(Context& ctx) {
  auto signed_in = SignedIn(ctx.req);
  if (!signed_in) return NotSignedIn();
  return SessionAnswer(signed_in->first, signed_in->second);
}

HttpResponse Service::SignOut(Context& ctx) {
  const std::string id = CookieValue(ctx.req, kCookie);
  if (auto signed_in = SignedIn(ctx.req)) {
    if (!SameSecret(ctx.req.Header("x-csrf-token").value_or(""), signed_in->first.csrf_token)) {
      return CsrfInvalid();
    }
    sessions_.End(id);
  }
  HttpResponse r;
  r.status = 204;
  r.content_type.clear();
  r.headers.emplace_back("Set-Cookie", SessionCookie(ctx.req, "", true));
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

HttpResponse Service::SetPasswordRoute(Context& ctx) {
  auto body = JsonBody::Parse(ctx.req.body, {"password"});
  if (!body) return body.error();
  auto password = body->String("password", true);
  if (!body->errors().empty()) return Problem(body->errors());
  if (Status s = CheckNewPassword(*password); !s.ok()) return Problem(s);
  if (options_.principals_file.empty()) {
    return Problem(503, "principals_file_unknown",
                   "this service was not given its principals file; set the password with "
                   "`clientele password` and reload (SIGHUP)");
  }
  const std::string name = ctx.params["name"];
  std::lock_guard lock(password_mu_);
  // The file as it is now must load: a file broken by hand is not rewritten.
  auto current = Authenticator::Load(options_.principals_file);
  if (!current) return Problem(409, "principals_file_invalid", current.error().message());
  if (current->Find(name) == nullptr) {
    return Problem(404, "principal_not_found",
                   "no principal is named " + name + " in " + options_.principals_file);
  }
  HashSlot slot(&hashing_, options_.max_concurrent_hashes);
  if (!slot.ok()) return Busy();
  auto hash = HashPassword(*password);
  if (!hash) return Problem(hash.error());
  if (Status s = SetPasswordInFile(options_.principals_file, name, *hash); !s.ok()) {
    return Problem(s);
  }
  auto reloaded = Authenticator::Load(options_.principals_file);
  if (!reloaded) return Problem(500, "internal", reloaded.error().message());
  SetPrincipals(std::move(*reloaded));
  // The principal's other sessions end; the one changing its own password stays.
  sessions_.EndOthers(name, ctx.principal.name == name ? ctx.session_id : "", *hash);
  HttpResponse r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

}  // namespace clientele::api
