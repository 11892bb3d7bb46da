#pragma once
// From parsed `check` flags to what a session needs: the settings (profile, flags, password, tokens),
// the test request and the session options; for --demo, the running demo server. Shared by the
// ordinary `check` and its plugin mode (--nagios).
#include <memory>
#include <optional>
#include <string>

#include "check/check_args.hpp"
#include "smtpwb/demo_server.hpp"
#include "smtpwb/session.hpp"
#include "smtpwb/settings.hpp"

namespace smtpwb::app {

struct CheckSetup {
  ConnectionSettings settings;
  TestRequest request;
  SessionOptions options;
  std::unique_ptr<DemoServer> demo;  // started, for --demo
};

struct SetupError {
  std::vector<std::string> lines;  // one problem per line, each naming its flag
  int status = 2;                  // 2: usage or settings; 1: the demo server could not start
};

// Reads the profile, applies the flags, reads the password and tokens (environment, file, stdin),
// builds the request and starts the demo server; then validates. Warnings go to stderr.
std::optional<SetupError> prepare_check(const CheckArgs& args, CheckSetup& setup);

// The value of an environment variable named by a flag; sets error (naming the flag) when unset or empty.
std::optional<std::string> env_value(const std::string& flag, const std::string& name, std::string& error);

}  // namespace smtpwb::app
