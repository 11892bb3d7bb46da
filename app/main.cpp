// smtp-workbench: the workbench window (GUI), or `check` for headless tests.
#include <cstdio>
#include <string>
#include <vector>

#include "check/check_command.hpp"

namespace {
const char* kUsage = R"(usage: smtp-workbench check [options]   test an SMTP server headless (see check --help)
       smtp-workbench demo [check options] test against the built-in demo server
       smtp-workbench --version
)";
}

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    std::printf("smtp-workbench %s\n", SMTPWB_VERSION);
    return 0;
  }
  if (args[0] == "check") return smtpwb::app::run_check({args.begin() + 1, args.end()});
  if (args[0] == "demo") {
    std::vector<std::string> rest{"--demo"};
    rest.insert(rest.end(), args.begin() + 1, args.end());
    return smtpwb::app::run_check(rest);
  }
  std::fprintf(stderr, "smtp-workbench: unknown command \"%s\"\n%s", args[0].c_str(), kUsage);
  return 2;
}
