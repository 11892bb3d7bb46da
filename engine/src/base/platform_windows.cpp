// The platform interface on Windows. Text crosses the Win32 API as UTF-16 (the W functions), never
// through the ANSI code page, so names and paths outside it survive.
#include "smtpwb/platform.hpp"

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <knownfolders.h>
#include <objbase.h>
#include <process.h>
#include <shellapi.h>
#include <shlobj.h>

#include <cstdlib>
#include <cstring>
#include <io.h>

#include "base/wide.hpp"

namespace smtpwb::platform {

std::tm utc_time(std::time_t t) {
  std::tm tm{};
  gmtime_s(&tm, &t);
  return tm;
}

std::tm local_time(std::time_t t) {
  std::tm tm{};
  localtime_s(&tm, &t);
  return tm;
}

std::time_t from_utc(std::tm tm) { return _mkgmtime(&tm); }

std::optional<std::string> env(const std::string& name) {
  const wchar_t* value = _wgetenv(wide::from_utf8(name).c_str());
  if (!value) return std::nullopt;
  return wide::to_utf8(value);
}

bool set_env(const std::string& name, const std::string& value) {
  return _wputenv_s(wide::from_utf8(name).c_str(), wide::from_utf8(value).c_str()) == 0;
}

void unset_env(const std::string& name) { _wputenv_s(wide::from_utf8(name).c_str(), L""); }

std::string host_name() {
  DWORD size = 0;
  GetComputerNameExW(ComputerNameDnsFullyQualified, nullptr, &size);
  std::wstring name(size, L'\0');
  if (size == 0 || !GetComputerNameExW(ComputerNameDnsFullyQualified, name.data(), &size)) return {};
  name.resize(size);
  return wide::to_utf8(name);
}

std::string error_text(int os_error) {
  wchar_t* buffer = nullptr;
  DWORD n = FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
                           nullptr, static_cast<DWORD>(os_error), 0, reinterpret_cast<wchar_t*>(&buffer), 0, nullptr);
  std::string text = n > 0 ? wide::to_utf8(std::wstring_view(buffer, n)) : std::string();
  if (buffer) LocalFree(buffer);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' || text.back() == '.')) text.pop_back();
  if (text.empty()) text = "error " + std::to_string(os_error);
  return text;
}

std::optional<std::array<unsigned char, 4>> parse_ipv4(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) return std::nullopt;
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
  in6_addr address{};
  std::memcpy(&address, bytes16, 16);
  if (!inet_ntop(AF_INET6, &address, text, sizeof text)) return {};
  return text;
}

std::filesystem::path path_from_utf8(std::string_view utf8) { return std::filesystem::path(wide::from_utf8(utf8)); }
std::string utf8_from_path(const std::filesystem::path& path) { return wide::to_utf8(path.native()); }

std::filesystem::path config_dir() {
  namespace fs = std::filesystem;
  PWSTR roaming = nullptr;
  if (SUCCEEDED(SHGetKnownFolderPath(FOLDERID_RoamingAppData, KF_FLAG_DEFAULT, nullptr, &roaming)) && roaming) {
    fs::path dir = fs::path(roaming) / L"smtp-workbench";
    CoTaskMemFree(roaming);
    return dir;
  }
  if (roaming) CoTaskMemFree(roaming);
  if (const wchar_t* appdata = _wgetenv(L"APPDATA"); appdata && *appdata) return fs::path(appdata) / L"smtp-workbench";
  return fs::current_path() / L".smtp-workbench";
}

bool open_url(const std::string& url) {
  if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0) return false;
  // ShellExecuteW returns a value above 32 on success; it hands the URL to the default browser and returns.
  auto result = reinterpret_cast<INT_PTR>(
      ShellExecuteW(nullptr, L"open", wide::from_utf8(url).c_str(), nullptr, nullptr, SW_SHOWNORMAL));
  return result > 32;
}

void init_console() {
  SetConsoleOutputCP(CP_UTF8);
  for (DWORD which : {STD_OUTPUT_HANDLE, STD_ERROR_HANDLE}) {
    HANDLE h = GetStdHandle(which);
    DWORD mode = 0;
    if (h != INVALID_HANDLE_VALUE && GetConsoleMode(h, &mode)) SetConsoleMode(h, mode | ENABLE_VIRTUAL_TERMINAL_PROCESSING);
  }
}

// A console shows colours only when it accepted virtual terminal processing (Windows 10 and later).
bool colour_terminal(std::FILE* stream) {
  HANDLE h = reinterpret_cast<HANDLE>(_get_osfhandle(_fileno(stream)));
  DWORD mode = 0;
  if (h == INVALID_HANDLE_VALUE || !GetConsoleMode(h, &mode)) return false;
  return (mode & ENABLE_VIRTUAL_TERMINAL_PROCESSING) != 0;
}

std::string missing_display() { return {}; }  // a desktop session always has one

std::vector<std::string> arguments(int argc, char** argv) {
  int count = 0;
  LPWSTR* wide_args = CommandLineToArgvW(GetCommandLineW(), &count);
  if (!wide_args) return std::vector<std::string>(argv, argv + argc);
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) out.push_back(wide::to_utf8(wide_args[i]));
  LocalFree(wide_args);
  return out;
}

std::filesystem::path executable_path() {
  std::wstring buffer(MAX_PATH, L'\0');
  while (true) {
    DWORD n = GetModuleFileNameW(nullptr, buffer.data(), static_cast<DWORD>(buffer.size()));
    if (n == 0) return std::filesystem::path(L".");
    if (n < buffer.size()) return std::filesystem::path(buffer.substr(0, n));
    buffer.resize(buffer.size() * 2);
  }
}

// Windows has no exec: the window runs as a child, and its exit status becomes this process's.
int run_instead(const std::filesystem::path& program, const std::vector<std::string>& args, std::string& error) {
  std::vector<std::wstring> wide_args;
  for (const auto& a : args) wide_args.push_back(wide::quote_argument(wide::from_utf8(a)));
  std::vector<const wchar_t*> argv;
  for (const auto& a : wide_args) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  intptr_t status = _wspawnv(_P_WAIT, program.c_str(), argv.data());
  if (status == -1) {
    error = error_text(GetLastError());
    return 1;
  }
  return static_cast<int>(status);
}

std::filesystem::path make_temp_dir(const std::string& prefix) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path base = fs::temp_directory_path(ec);
  if (ec) return {};
  for (int attempt = 0; attempt < 100; ++attempt) {
    LARGE_INTEGER now{};
    QueryPerformanceCounter(&now);
    fs::path candidate = base / (path_from_utf8(prefix).native() + std::to_wstring(GetCurrentProcessId()) + L"-" +
                                 std::to_wstring(now.QuadPart % 1000000007LL));
    if (CreateDirectoryW(candidate.c_str(), nullptr)) return candidate;  // fails when it exists: never reused
  }
  return {};
}

}  // namespace smtpwb::platform
