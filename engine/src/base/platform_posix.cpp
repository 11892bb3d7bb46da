// The platform interface on Linux (and other POSIX systems).
#include "smtpwb/platform.hpp"

#include <arpa/inet.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <thread>

extern char** environ;

namespace smtpwb::platform {

std::tm utc_time(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}

std::tm local_time(std::time_t t) {
  std::tm tm{};
  localtime_r(&t, &tm);
  return tm;
}

std::time_t from_utc(std::tm tm) { return timegm(&tm); }

std::optional<std::string> env(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (!value) return std::nullopt;
  return std::string(value);
}

bool set_env(const std::string& name, const std::string& value) { return ::setenv(name.c_str(), value.c_str(), 1) == 0; }

void unset_env(const std::string& name) { ::unsetenv(name.c_str()); }

std::string host_name() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) return {};
  return host;
}

std::string error_text(int os_error) { return std::strerror(os_error); }

std::optional<std::array<unsigned char, 4>> parse_ipv4(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) return std::nullopt;  // inet_pton would stop at it
  std::array<unsigned char, 4> out{};
  if (inet_pton(AF_INET, std::string(text).c_str(), out.data()) != 1) return std::nullopt;
  return out;
}

std::optional<std::array<unsigned char, 16>> parse_ipv6(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) return std::nullopt;
  std::array<unsigned char, 16> out{};
  if (inet_pton(AF_INET6, std::string(text).c_str(), out.data()) != 1) return std::nullopt;
  return out;
}

std::string format_ipv6(const unsigned char* bytes16) {
  char text[INET6_ADDRSTRLEN] = {};
  if (!inet_ntop(AF_INET6, bytes16, text, sizeof text)) return {};
  return text;
}

// On Linux a path is bytes, and the workbench's bytes are UTF-8.
std::filesystem::path path_from_utf8(std::string_view utf8) { return std::filesystem::path(std::string(utf8)); }
std::string utf8_from_path(const std::filesystem::path& path) { return path.string(); }

std::filesystem::path config_dir() {
  namespace fs = std::filesystem;
  if (auto xdg = env("XDG_CONFIG_HOME"); xdg && !xdg->empty()) return fs::path(*xdg) / "smtp-workbench";
  if (auto home = env("HOME"); home && !home->empty()) return fs::path(*home) / ".config" / "smtp-workbench";
  return fs::current_path() / ".smtp-workbench";
}

bool open_url(const std::string& url) {
  if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0) return false;
  pid_t pid = 0;
  char* const argv[] = {const_cast<char*>("xdg-open"), const_cast<char*>(url.c_str()), nullptr};
  if (posix_spawnp(&pid, "xdg-open", nullptr, nullptr, argv, environ) != 0) return false;
  // Reaped without blocking the UI: xdg-open returns at once after handing the URL to the browser.
  std::thread([pid] { waitpid(pid, nullptr, 0); }).detach();
  return true;
}

void init_console() {}  // terminals take UTF-8 and escape sequences as they are

bool colour_terminal(std::FILE* stream) {
  auto term = env("TERM");
  return ::isatty(::fileno(stream)) && term && *term != "dumb";
}

std::string missing_display() {
  if (env("DISPLAY") || env("WAYLAND_DISPLAY")) return {};
  return "no display (neither DISPLAY nor WAYLAND_DISPLAY is set)";
}

std::vector<std::string> arguments(int argc, char** argv) { return std::vector<std::string>(argv, argv + argc); }

std::filesystem::path executable_path() {
  char self[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  return n > 0 ? std::filesystem::path(std::string(self, static_cast<std::size_t>(n))) : std::filesystem::path(".");
}

int run_instead(const std::filesystem::path& program, const std::vector<std::string>& args, std::string& error) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  ::execv(program.c_str(), argv.data());
  error = std::strerror(errno);
  return 1;
}

std::filesystem::path make_temp_dir(const std::string& prefix) {
  std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "XXXXXX")).string();
  if (!::mkdtemp(tmpl.data())) return {};
  return tmpl;
}

}  // namespace smtpwb::platform
