// Temp file + fsync + rename + directory fsync (see atomic_file.h).
#include "base/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

namespace tcplan::base {
namespace {

Error os_error(const std::string& what, const std::filesystem::path& path) {
  return Error{what + " " + path.string() + ": " + std::strerror(errno)};
}

}  // namespace

Status<Error> write_file_atomically(const std::filesystem::path& path, std::string_view contents,
                                    mode_t mode) {
  std::filesystem::path dir = path.parent_path().empty() ? "." : path.parent_path();
  std::string tmpl = (dir / (path.filename().string() + ".tmp.XXXXXX")).string();
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  int fd = ::mkstemp(name.data());
  if (fd < 0) return os_error("creating a temp file for", path);
  std::filesystem::path tmp(name.data());
  auto fail = [&](const std::string& what) {
    Error e = os_error(what, path);
    ::close(fd);
    ::unlink(tmp.c_str());
    return e;
  };
  if (::fchmod(fd, mode) != 0) return fail("setting the mode of");
  size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("writing");
    done += static_cast<size_t>(n);
  }
  // fsync before rename: otherwise a power loss can publish the name with no data behind it.
  if (::fsync(fd) != 0) return fail("syncing");
  if (::close(fd) != 0) {
    Error e = os_error("closing", path);
    ::unlink(tmp.c_str());
    return e;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Error e = os_error("renaming " + tmp.string() + " to", path);
    ::unlink(tmp.c_str());
    return e;
  }
  // The rename itself is durable only once the directory entry is synced.
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

}  // namespace tcplan::base
