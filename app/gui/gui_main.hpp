#pragma once
#include <string>
#include <vector>

namespace smtpwb::gui {
// The workbench window; returns the process exit status (with --run-test: the test's).
int run_gui(const std::vector<std::string>& args);
}  // namespace smtpwb::gui
