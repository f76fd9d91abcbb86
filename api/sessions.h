// Sign-in sessions of the console: in memory only (a restart signs everyone
// out). The server keeps a SHA-256 of each session id, never the id itself:
// the id goes once to the browser, in the cookie `clientele_session`.
//
// A session carries the name of its principal and the password hash it
// signed in with; the caller looks the principal up at each request, so a
// principal removed, or whose password changed, is signed out at once.
// A session ends `idle` after its last use or `max_age` after it began,
// whichever comes first, by the injected Clock.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "domain/clock.h"

namespace clientele::api {

struct SessionOptions {
  std::chrono::minutes idle{30};      // console.session_idle_minutes
  std::chrono::minutes max_age{720};  // console.session_max_hours
  // Sessions held at once; beyond, the least recently used ends.
  std::size_t max_sessions = 10000;  // console.max_sessions
};

struct Session {
  std::string principal;
  std::string password_hash;  // the principal's hash when it signed in
  std::string csrf_token;     // for X-CSRF-Token (256 random bits, base64url)
  std::int64_t created_ms = 0;
  std::int64_t last_used_ms = 0;
};

class Sessions {
 public:
  Sessions(SessionOptions options, Clock* clock) : options_(options), clock_(clock) {}

  struct Begun {
    std::string id;  // 256 random bits, base64url: for the cookie, nowhere else
    Session session;
  };
  // A new session for `principal`.
  Begun Begin(const std::string& principal, const std::string& password_hash);

  // The session of the cookie value `id`, its idle expiry moved on; nullopt
  // (and the session forgotten) if there is none or it has expired.
  std::optional<Session> Use(std::string_view id);

  // Ends the session of `id` (if there is one).
  void End(std::string_view id);
  // Ends every session of `principal` but the one of `keep_id` ("" for none),
  // which is rebound to `password_hash`.
  void EndOthers(const std::string& principal, std::string_view keep_id,
                 const std::string& password_hash);

  std::size_t size() const;
  const SessionOptions& options() const { return options_; }

  // The SHA-256 (hex) a session id is kept under.
  static std::string Key(std::string_view id);

 private:
  bool Expired(const Session& s, std::int64_t now) const;

  const SessionOptions options_;
  Clock* clock_;
  mutable std::mutex mu_;
  std::map<std::string, Session> by_key_;  // SHA-256 of the id -> session
};

// A new random value of 256 bits as base64url without padding (43 characters).
std::string RandomToken256();

}  // namespace clientele::api
