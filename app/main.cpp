// smtp-workbench: the workbench window (GUI), or `check` for headless tests.
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "check/check_command.hpp"
#include "exporter/exporter_command.hpp"

namespace {
const char* kUsage = R"(usage: smtp-workbench [--config-dir DIR] [--run-test NAME [--screenshot FILE]]   the workbench window
       smtp-workbench check [options]   test an SMTP server headless (see check --help)
       smtp-workbench demo [check options] test against the built-in demo server
       smtp-workbench check --nagios [...] the test as a Nagios/Icinga plugin (see check --help)
       smtp-workbench exporter --listen ADDRESS:PORT [...]   a Prometheus exporter (see exporter --help)
       smtp-workbench --version
)";

#ifdef SMTPWB_WITH_GUI
// The window is its own executable beside this one (smtp-workbench-gui), so that `check` does not load
// the window's libraries (GLFW, OpenGL, libsecret, GLib and theirs): that costs ~3 ms of CPU at every
// start, a third of a whole test. Same process: exec, not a child.
int run_window(char** argv) {
  char self[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  std::string dir = n > 0 ? std::string(self, static_cast<std::size_t>(n)) : std::string(".");
  std::string window = dir.substr(0, dir.rfind('/')) + "/smtp-workbench-gui";
  ::execv(window.c_str(), argv);
  std::fprintf(stderr, "smtp-workbench: cannot start the window (%s: %s)\n", window.c_str(), std::strerror(errno));
  return 1;
}
#endif
}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  const std::string first = args.empty() ? std::string() : args[0];
  if (first == "--help" || first == "-h") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (first == "--version") {
    std::printf("smtp-workbench %s\n", SMTPWB_VERSION);
    return 0;
  }
  using smtpwb::app::report_internal_errors;
  using smtpwb::app::run_check;
  if (first == "check") return report_internal_errors([&] { return run_check({args.begin() + 1, args.end()}); });
  if (first == "exporter") return smtpwb::app::run_exporter({args.begin() + 1, args.end()});
  if (first == "demo") {
    std::vector<std::string> rest{"--demo"};
    rest.insert(rest.end(), args.begin() + 1, args.end());
    return report_internal_errors([&] { return run_check(rest); });
  }
#ifdef SMTPWB_WITH_GUI
  if (first.empty() || first.rfind("--", 0) == 0) return run_window(argv);
#else
  if (args.empty()) {
    std::fputs("smtp-workbench: this build has no window (SMTPWB_BUILD_GUI=OFF); use check\n", stderr);
    return 2;
  }
#endif
  std::fprintf(stderr, "smtp-workbench: unknown command \"%s\"\n%s", first.c_str(), kUsage);
  return 2;
}
