#include "api/passwords.h"

#include <simdjson.h>
#include <sodium.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>

#include "eventstore/atomic_file.h"

namespace clientele::api {

namespace {

// libsodium, initialised once (sodium_init is thread-safe, but cheap only after the first).
void InitSodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) std::abort();  // no secure random source: nothing can be safe
  });
}

std::size_t CodePoints(std::string_view text) {
  std::size_t n = 0;
  for (char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

}  // namespace

Status CheckNewPassword(std::string_view password) {
  if (!simdjson::validate_utf8(password.data(), password.size())) {
    return Status::InvalidArgument("password", "invalid_utf8", "the password is not valid UTF-8");
  }
  if (password.size() > kMaxPasswordBytes) {
    return Status::InvalidArgument(
        "password", "password_too_long",
        "a password is at most " + std::to_string(kMaxPasswordBytes) + " bytes");
  }
  if (CodePoints(password) < kMinPasswordChars) {
    return Status::InvalidArgument(
        "password", "password_too_short",
        "a password has at least " + std::to_string(kMinPasswordChars) +
            " characters; a few unrelated words make a long one easy to remember");
  }
  return Status::OK();
}

Result<std::string> HashPassword(std::string_view password) {
  InitSodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return Error(Status::Unavailable("the password cannot be hashed now (out of memory)"));
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view hash, std::string_view password) {
  InitSodium();
  if (!IsPasswordHash(hash)) return VerifyNoPassword(password);
  const std::string terminated(hash);
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

bool VerifyNoPassword(std::string_view password) {
  InitSodium();
  // A hash of random bytes nobody knows, made once with the same limits.
  static const std::string dummy = [] {
    unsigned char secret[32];
    randombytes_buf(secret, sizeof(secret));
    auto hash = HashPassword(std::string_view(reinterpret_cast<char*>(secret), sizeof(secret)));
    return hash ? *hash : std::string();
  }();
  if (!dummy.empty()) {
    [[maybe_unused]] const int never =
        crypto_pwhash_str_verify(dummy.c_str(), password.data(), password.size());
  }
  return false;
}

bool IsPasswordHash(std::string_view text) {
  return text.starts_with("$argon2id$") && text.size() < crypto_pwhash_STRBYTES &&
         text.find('\0') == std::string_view::npos;
}

Status SetPasswordInFile(const std::string& path, std::string_view name, const std::string& hash) {
  auto bad = [&](const std::string& what) {
    return Status::InvalidArgument("principals", "invalid_principals",
                                   "the principals file " + path + " " + what);
  };
  std::ifstream in(path, std::ios::binary);
  if (!in) return bad("cannot be opened");
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  boost::json::value root = boost::json::parse(text.str(), ec);
  if (ec || !root.is_object()) return bad("cannot be read as JSON");
  auto* list = root.as_object().if_contains("principals");
  if (list == nullptr || !list->is_array()) return bad("has no \"principals\" list");
  boost::json::object* found = nullptr;
  for (boost::json::value& item : list->as_array()) {
    if (!item.is_object()) return bad("has a principal that is not an object");
    const auto* n = item.as_object().if_contains("name");
    if (n != nullptr && n->is_string() && n->as_string() == name) found = &item.as_object();
  }
  if (found == nullptr) {
    return Status::NotFound("principal_not_found",
                            "no principal is named " + std::string(name) + " in " + path);
  }
  (*found)["password_argon2id"] = hash;
  // As the first start writes it: one principal a line.
  std::string out = "{";
  bool first_key = true;
  for (const auto& [key, value] : root.as_object()) {
    out += first_key ? "" : ",\n ";
    first_key = false;
    out += boost::json::serialize(boost::json::value(key)) + ": ";
    if (key != "principals") {
      out += boost::json::serialize(value);
      continue;
    }
    out += "[";
    bool first = true;
    for (const boost::json::value& item : value.as_array()) {
      out += first ? "\n  " : ",\n  ";
      first = false;
      out += boost::json::serialize(item);
    }
    out += "\n]";
  }
  out += "}\n";
  return WriteFileAtomically(path, out);
}

}  // namespace clientele::api
