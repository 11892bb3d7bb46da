// smtp-workbench: the workbench window (GUI), or `check` for headless tests.
#include <cstdio>
#include <string>
#include <vector>

#include "check/check_command.hpp"
#include "exporter/exporter_command.hpp"
#include "smtpwb/platform.hpp"

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
// start, a third of a whole test. Same process on Linux: exec, not a child (Windows has no exec).
int run_window(const std::vector<std::string>& argv) {
  const auto self = smtpwb::platform::executable_path();
  const auto window = self.parent_path() / ("smtp-workbench-gui" + self.extension().string());  // ".exe" on Windows
  std::string error;
  int status = smtpwb::platform::run_instead(window, argv, error);
  if (!error.empty())
    std::fprintf(stderr, "smtp-workbench: cannot start the window (%s: %s)\n", smtpwb::platform::utf8_from_path(window).c_str(),
                 error.c_str());
  return status;
}
#endif
}  // namespace

int main(int argc, char** argv) {
  smtpwb::platform::init_console();
  const std::vector<std::string> all = smtpwb::platform::arguments(argc, argv);
  std::vector<std::string> args(all.begin() + (all.empty() ? 0 : 1), all.end());
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
  if (first.empty() || first.rfind("--", 0) == 0) return run_window(all);
#else
  if (args.empty()) {
    std::fputs("smtp-workbench: this build has no window (SMTPWB_BUILD_GUI=OFF); use check\n", stderr);
    return 2;
  }
#endif
  std::fprintf(stderr, "smtp-workbench: unknown command \"%s\"\n%s", first.c_str(), kUsage);
  return 2;
}
