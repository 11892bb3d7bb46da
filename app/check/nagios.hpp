#pragma once
// `check --nagios`: the test as a monitoring plugin (Nagios, Icinga, Naemon, Checkmk, Zabbix's
// external checks). One status line "SMTP OK|WARNING|CRITICAL|UNKNOWN - summary | perfdata", long
// output lines after it, and the plugin exit codes.
#include <optional>
#include <string>
#include <vector>

#include "smtpwb/result.hpp"

namespace smtpwb::app {

enum class PluginStatus { Ok = 0, Warning = 1, Critical = 2, Unknown = 3 };

struct PluginThresholds {
  std::optional<int> warn_ms, crit_ms;                // the whole test's time, above
  std::optional<int> cert_warn_days, cert_crit_days;  // the first expiring certificate's days left, below
};

struct PluginOutput {
  PluginStatus status = PluginStatus::Unknown;
  std::string text;  // every line, each ending with "\n"
};

// Pure: the plugin's output for a finished (diagnosed) test. A failed test is CRITICAL, except a
// failure of the settings or a cancel (UNKNOWN: nothing was learnt about the server).
PluginOutput plugin_output(const SessionResult& result, const PluginThresholds& thresholds);
// UNKNOWN with the reason, for a usage error or an internal error.
PluginOutput plugin_unknown(const std::string& reason);
// Text for the plugin output: printable (server bytes as visible_text shows them), one line, and no
// '|', which would start the performance data.
std::string plugin_text(std::string_view text);

// Whether the arguments ask for plugin mode (--nagios), before they are parsed: even a usage error
// must then be answered in the plugin's format.
bool wants_plugin_output(const std::vector<std::string>& argv);
// Runs `check --nagios ...`; prints the plugin output, returns its exit status.
int run_nagios_check(const std::vector<std::string>& argv);

}  // namespace smtpwb::app
