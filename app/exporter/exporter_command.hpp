#pragma once
#include <string>
#include <vector>

namespace smtpwb::app {
// Runs `smtp-workbench exporter`; returns the process exit status (0 after SIGINT/SIGTERM, 2 usage).
int run_exporter(const std::vector<std::string>& argv);
}  // namespace smtpwb::app
