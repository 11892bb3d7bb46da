// smtp-workbench: the workbench window (GUI), or `check` for headless tests.
#include <cstdio>
#include <string>
#include <vector>

#include "check/check_command.hpp"
#ifdef SMTPWB_WITH_GUI
#include "gui/gui_main.hpp"
#endif

namespace {
const char* kUsage = R"(usage: smtp-workbench [--config-dir DIR] [--run-test NAME [--screenshot FILE]]   the workbench window
       smtp-workbench check [options]   test an SMTP server headless (see check --help)
       smtp-workbench demo [check options] test against the built-in demo server
       smtp-workbench --version
)";
}

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
  if (first == "check") return smtpwb::app::run_check({args.begin() + 1, args.end()});
  if (first == "demo") {
    std::vector<std::string> rest{"--demo"};
    rest.insert(rest.end(), args.begin() + 1, args.end());
    return smtpwb::app::run_check(rest);
  }
#ifdef SMTPWB_WITH_GUI
  if (first.empty() || first.rfind("--", 0) == 0) return smtpwb::gui::run_gui(args);
#else
  if (args.empty()) {
    std::fputs("smtp-workbench: this build has no window (SMTPWB_BUILD_GUI=OFF); use check\n", stderr);
    return 2;
  }
#endif
  std::fprintf(stderr, "smtp-workbench: unknown command \"%s\"\n%s", first.c_str(), kUsage);
  return 2;
}
