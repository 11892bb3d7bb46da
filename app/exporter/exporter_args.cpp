#include "exporter/exporter_args.hpp"

#include "check/arg_text.hpp"

namespace smtpwb::app {

namespace {

std::optional<std::string> apply(const std::string& flag, const std::string& value, ExporterArgs& a) {
  if (flag == "--listen") {
    auto hp = split_host_port(value);
    if (!hp || hp->second < 1) return "--listen: \"" + value + "\" is not ADDRESS:PORT, e.g. 127.0.0.1:9125 or [::1]:9125";
    a.listen_host = hp->first;
    a.listen_port = hp->second;
  } else if (flag == "--config-dir") {
    a.config_dir = value;
  } else if (flag == "--secrets-file") {
    a.secrets_file = value;
  } else if (flag == "--max-concurrent") {
    auto n = parse_int(value);
    if (!n || *n < 1 || *n > 1024) return "--max-concurrent: \"" + value + "\" is not a number from 1 to 1024";
    a.max_concurrent = *n;
  } else {
    return "unknown option \"" + flag + "\" (see smtp-workbench exporter --help)";
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::pair<std::string, int>> split_host_port(const std::string& text) {
  std::string host, port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') return std::nullopt;
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string::npos || text.find(':') != colon) return std::nullopt;  // bare IPv6 needs brackets
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  auto n = parse_int(port);
  if (host.empty() || !n || *n < 0 || *n > 65535) return std::nullopt;
  return std::pair{host, *n};
}

std::optional<std::string> parse_exporter_args(const std::vector<std::string>& argv, ExporterArgs& a) {
  for (std::size_t i = 0; i < argv.size(); ++i) {
    std::string flag = argv[i], value;
    if (flag == "--help" || flag == "-h") {
      a.help = true;
      continue;
    }
    if (auto eq = flag.find('='); flag.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    } else if (flag.rfind("--", 0) == 0 && i + 1 < argv.size()) {
      value = argv[++i];
    } else if (flag.rfind("--", 0) == 0) {
      return flag == "--listen" || flag == "--config-dir" || flag == "--secrets-file" || flag == "--max-concurrent"
                 ? std::optional<std::string>(flag + " needs a value")
                 : std::optional<std::string>("unknown option \"" + flag + "\" (see smtp-workbench exporter --help)");
    } else {
      return "unexpected argument \"" + flag + "\" (see smtp-workbench exporter --help)";
    }
    if (auto err = apply(flag, value, a)) return err;
  }
  if (!a.help && a.listen_host.empty()) return "--listen ADDRESS:PORT is required, e.g. --listen 127.0.0.1:9125";
  return std::nullopt;
}

const char* exporter_usage() {
  return R"(usage: smtp-workbench exporter --listen ADDRESS:PORT [--config-dir DIR] [--secrets-file F] [--max-concurrent N]

A Prometheus exporter: each saved connection (DIR/connections/*.json, as the window and
`check --save-profile` write them) is a module, and a scrape of
  GET /probe?module=NAME[&target=HOST:PORT][&debug=true]
runs that connection's Test (target overrides its address and port) and answers with its metrics
(probe_success, probe_duration_seconds, probe_ssl_earliest_cert_expiry, smtp_phase_duration_seconds, ...).
debug=true answers with the test's transcript (secrets masked) and the metrics.
  GET /metrics   the exporter's own counters (probes by result, in flight)

  --listen ADDRESS:PORT    listen on this address only, e.g. 127.0.0.1:9125 or [::1]:9125
  --config-dir DIR         where the connections are (default: the window's, ~/.config/smtp-workbench)
  --secrets-file F         JSON: {"module name": "password or token", ...} or {"name": {"password": ..., "token": ...,
                           "proxy_password": ...}}; refused unless only its owner can read it (chmod 600)
  --max-concurrent N       probes running at once (default 16); more wait in a queue. Each probe takes at
                           most its connection's timeout, or Prometheus's scrape timeout less 0.5 s if shorter.
)";
}

}  // namespace smtpwb::app
