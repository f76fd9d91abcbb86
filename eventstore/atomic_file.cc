#include "eventstore/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace clientele {

Status WriteFileAtomically(const std::string& path, std::string_view contents,
                           std::filesystem::perms perms) {
  // A temporary of its own (never one someone else made, never through a
  // link), next to the file so that the rename stays in one file system.
  std::string tmp = path + ".tmp.XXXXXX";
  const int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return Status::Unavailable("cannot write " + tmp + ": " + std::strerror(errno));
  bool ok = ::fchmod(fd, static_cast<mode_t>(perms)) == 0;  // whatever the umask
  for (std::size_t done = 0; ok && done < contents.size();) {
    const ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!ok) {
    ::unlink(tmp.c_str());
    return Status::Unavailable("cannot write " + tmp + ": " + std::strerror(err));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    ::unlink(tmp.c_str());
    return Status::Unavailable("cannot write " + path + ": " + ec.message());
  }
  // The rename is durable once the folder is synced.
  const std::string folder = std::filesystem::path(path).parent_path().empty()
                                 ? std::string(".")
                                 : std::filesystem::path(path).parent_path().string();
  const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return Status::Unavailable("cannot sync " + folder + ": " + std::strerror(errno));
  const bool synced = ::fsync(dir) == 0;
  const int dir_err = errno;
  ::close(dir);
  if (!synced) return Status::Unavailable("cannot sync " + folder + ": " + std::strerror(dir_err));
  return Status::OK();
}

}  // namespace clientele
