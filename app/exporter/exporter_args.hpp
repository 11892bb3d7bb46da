#pragma once
// `smtp-workbench exporter` command line: parsed into a plain value, never executed here.
#include <optional>
#include <string>
#include <vector>

namespace smtpwb::app {

struct ExporterArgs {
  std::string listen_host;  // an address literal or a name; IPv6 literals without brackets
  int listen_port = 0;
  std::string config_dir;    // empty: the window's ($XDG_CONFIG_HOME/smtp-workbench)
  std::string secrets_file;  // empty: no secrets (modules that need a password fail their probe)
  int max_concurrent = 16;   // probes running at once; the others wait in the queue
  bool help = false;
};

// Parses argv after "exporter"; returns the usage error (one line, naming the flag) or nullopt.
std::optional<std::string> parse_exporter_args(const std::vector<std::string>& argv, ExporterArgs& out);
// "127.0.0.1:9115", "[::1]:9115", "localhost:9115" -> host and port; nullopt when malformed.
std::optional<std::pair<std::string, int>> split_host_port(const std::string& text);

const char* exporter_usage();

}  // namespace smtpwb::app
