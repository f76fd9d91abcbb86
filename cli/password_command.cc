#include "cli/password_command.h"

#include <termios.h>
#include <unistd.h>

#include "api/auth.h"
#include "api/passwords.h"

namespace clientele {

namespace {

// One line of `in` without its line end; false at the end of the input.
bool ReadLine(std::FILE* in, std::string* line) {
  line->clear();
  int c;
  bool any = false;
  while ((c = std::fgetc(in)) != EOF) {
    any = true;
    if (c == '\n') break;
    line->push_back(static_cast<char>(c));
  }
  if (!line->empty() && line->back() == '\r') line->pop_back();
  return any;
}

// Reads the password, without echo when `in` is a terminal.
bool ReadPassword(std::FILE* in, std::string* password) {
  const int fd = ::fileno(in);
  termios old{};
  const bool tty = ::isatty(fd) && ::tcgetattr(fd, &old) == 0;
  if (tty) {
    std::fprintf(stderr, "New password: ");
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  const bool read = ReadLine(in, password);
  if (tty) {
    ::tcsetattr(fd, TCSAFLUSH, &old);
    std::fprintf(stderr, "\n");
  }
  return read;
}

}  // namespace

int RunPassword(const std::string& principals, const std::string& name, std::FILE* in) {
  auto current = api::Authenticator::Load(principals);
  if (!current) {
    std::fprintf(stderr, "clientele: %s\n", current.error().message().c_str());
    return 1;
  }
  if (current->Find(name) == nullptr) {
    std::fprintf(stderr,
                 "clientele: no principal is named %s in %s; add it to the file first (name, "
                 "permissions, node)\n",
                 name.c_str(), principals.c_str());
    return 1;
  }
  std::string password;
  if (!ReadPassword(in, &password)) {
    std::fprintf(stderr, "clientele: no password on standard input\n");
    return 1;
  }
  if (Status s = api::CheckNewPassword(password); !s.ok()) {
    std::fprintf(stderr, "clientele: %s\n", s.message().c_str());
    return 1;
  }
  auto hash = api::HashPassword(password);
  if (!hash) {
    std::fprintf(stderr, "clientele: %s\n", hash.error().message().c_str());
    return 2;
  }
  if (Status s = api::SetPasswordInFile(principals, name, *hash); !s.ok()) {
    std::fprintf(stderr, "clientele: %s\n", s.message().c_str());
    return s.code() == StatusCode::kUnavailable ? 2 : 1;
  }
  std::printf(
      "clientele: password of %s set in %s; a running node takes it on SIGHUP (kill -HUP PID)\n",
      name.c_str(), principals.c_str());
  return 0;
}

}  // namespace clientele
