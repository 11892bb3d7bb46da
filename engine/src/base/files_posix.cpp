// Durable, private file writes on Linux: mkostemp, fsync, rename, fsync of the directory.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string_view>

#include "smtpwb/files.hpp"

namespace smtpwb {

namespace {

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// After a rename the directory entry is what must reach the disk.
void sync_directory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

std::string write_file_atomically(const std::string& path, const std::string& contents) {
  // mkstemp: a fresh name created with O_EXCL and mode 0600, so nothing planted beside the file (a
  // symlink at a guessable name) is followed or reused. Everything written here may hold server data or
  // names, so the file stays private after the rename too.
  std::filesystem::path target(path);
  std::string dir = target.parent_path().empty() ? std::string(".") : target.parent_path().string();
  std::string tmp = dir + "/." + target.filename().string() + ".XXXXXX";
  int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return path + ": cannot write a temporary file in " + dir + " (" + std::strerror(errno) + ")";
  auto fail = [&](const std::string& what) {
    std::string error = path + ": " + what + " (" + std::strerror(errno) + ")";
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    return error;
  };
  if (!write_all(fd, contents)) return fail("write failed");
  if (::fchmod(fd, 0600) != 0) return fail("cannot make the file private");
  if (::fsync(fd) != 0) return fail("cannot flush the file to disk");
  if (::close(fd) != 0) {
    fd = -1;
    return fail("write failed");
  }
  fd = -1;
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("cannot replace the file");
  sync_directory(dir);
  return {};
}

std::string check_writable(const std::string& path) {
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return path + ": the directory " + dir.string() + " does not exist";
  if (::access(dir.c_str(), W_OK) != 0) return path + ": the directory " + dir.string() + " is not writable (" + std::strerror(errno) + ")";
  return {};
}

std::string create_private_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return std::strerror(errno);
  ::close(fd);
  return {};
}

std::string private_file_problem(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  const auto others = std::filesystem::perms::group_all | std::filesystem::perms::others_all;
  if (ec || (status.permissions() & others) == std::filesystem::perms::none) return {};
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(status.permissions() & std::filesystem::perms::mask));
  return std::string("other users can read or change it (mode ") + mode + "); make it private: chmod 600 " + path;
}

}  // namespace smtpwb
