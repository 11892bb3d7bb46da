#pragma once
// What differs between operating systems, behind one interface: time conversion, the environment,
// IP literals, where the configuration lives, opening a URL, the console, starting the window program.
// One implementation per OS (engine/src/base/platform_posix.cpp, platform_windows.cpp); the rest of the
// code calls these and has no #ifdef. Strings are UTF-8 on every OS.
#include <array>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smtpwb::platform {

// Broken-down time: UTC and local (gmtime_r / localtime_r), and UTC back to time_t (timegm).
std::tm utc_time(std::time_t t);
std::tm local_time(std::time_t t);
std::time_t from_utc(std::tm tm);

// The environment, in UTF-8. nullopt when the variable is not set.
std::optional<std::string> env(const std::string& name);
bool set_env(const std::string& name, const std::string& value);  // false: not set
void unset_env(const std::string& name);

// This machine's name as the OS knows it (gethostname; the DNS name on Windows), empty if unknown.
std::string host_name();

// The OS's words for an error number (strerror; FormatMessage on Windows).
std::string error_text(int os_error);

// IP literals as the OS's inet_pton/inet_ntop read and write them.
std::optional<std::array<unsigned char, 4>> parse_ipv4(std::string_view text);
std::optional<std::array<unsigned char, 16>> parse_ipv6(std::string_view text);
std::string format_ipv6(const unsigned char* bytes16);  // "2001:db8::1"
inline std::string format_ipv4(const unsigned char* bytes4) {
  return std::to_string(bytes4[0]) + "." + std::to_string(bytes4[1]) + "." + std::to_string(bytes4[2]) + "." +
         std::to_string(bytes4[3]);
}

// UTF-8 text <-> a path, on every OS (Windows paths are UTF-16 underneath).
std::filesystem::path path_from_utf8(std::string_view utf8);
std::string utf8_from_path(const std::filesystem::path& path);

// Where the workbench keeps its configuration: $XDG_CONFIG_HOME/smtp-workbench or
// ~/.config/smtp-workbench on Linux, %APPDATA%\smtp-workbench on Windows.
std::filesystem::path config_dir();

// Opens an http(s) URL in the user's browser without waiting; false if it cannot be started.
bool open_url(const std::string& url);

// Console output in UTF-8; colours through terminal escape sequences where the console supports them.
// Called once at the start of main.
void init_console();
// Whether the stream is a terminal that shows colour escape sequences (not NO_COLOR: the caller's rule).
bool colour_terminal(std::FILE* stream);

// Why a window cannot open here, or empty: on Linux, no DISPLAY or WAYLAND_DISPLAY.
std::string missing_display();

// The command line in UTF-8 (Windows: from the wide command line, not the ANSI code page).
std::vector<std::string> arguments(int argc, char** argv);

// The running executable's path.
std::filesystem::path executable_path();
// Runs `program` with `args` (args[0] is the program's name) in this process's place: on Linux exec
// (returns only on failure), on Windows a child this process waits for. Returns the exit status to
// use, with `error` set when the program could not be started.
int run_instead(const std::filesystem::path& program, const std::vector<std::string>& args, std::string& error);

// A new private directory under the system's temporary directory, named prefix + something random.
std::filesystem::path make_temp_dir(const std::string& prefix);

}  // namespace smtpwb::platform
