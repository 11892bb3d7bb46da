#pragma once
#include <string>
#include <vector>

namespace smtpwb::app {
// Runs `smtp-workbench check`; returns the process exit status.
int run_check(const std::vector<std::string>& argv);
}  // namespace smtpwb::app
