#pragma once
#include <functional>
#include <string>
#include <vector>

namespace smtpwb::app {
// Runs `smtp-workbench check`; returns the process exit status.
int run_check(const std::vector<std::string>& argv);
// The last resort of the command line: runs `body`, and an exception that escapes it is reported on
// stderr as an internal error with exit status 1, instead of an abort (134) after a half-written report.
int report_internal_errors(const std::function<int()>& body);
}  // namespace smtpwb::app
