#include "exporter/exporter_command.hpp"

#include <csignal>
#include <cstdio>

#include "exporter/exporter_args.hpp"
#include "exporter/http_listener.hpp"
#include "exporter/modules.hpp"
#include "exporter/probe_service.hpp"
#include "smtpwb/platform.hpp"

namespace smtpwb::app {

namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int) { g_stop.store(true); }

int usage_error(const std::string& message) {
  std::fprintf(stderr, "smtp-workbench exporter: %s\n", message.c_str());
  return 2;
}

// Every scrape in flight holds a socket, every running probe one more (and a TLS context); the rest
// of the descriptors stay free for the process.
std::size_t connection_limit(int max_concurrent) {
  std::size_t files = raise_open_file_limit();
  std::size_t reserve = 64 + 4 * static_cast<std::size_t>(max_concurrent);
  return files > reserve + 16 ? std::min<std::size_t>(files - reserve, 65536) : 16;
}

// The exporter from its flags to SIGINT/SIGTERM; returns the exit status.
int serve(const std::vector<std::string>& argv) {
  ExporterArgs args;
  if (auto err = parse_exporter_args(argv, args)) return usage_error(*err);
  if (args.help) {
    std::fputs(exporter_usage(), stdout);
    return 0;
  }
  std::map<std::string, ModuleSecrets> secrets;
  if (!args.secrets_file.empty()) {
    std::string error;
    auto loaded = load_secrets(args.secrets_file, error);
    if (!loaded) return usage_error("--secrets-file " + error);
    secrets = std::move(*loaded);
  }
  ModuleStore modules(args.config_dir.empty() ? platform::config_dir() : platform::path_from_utf8(args.config_dir));
  const std::size_t max_connections = connection_limit(args.max_concurrent);
  std::unique_ptr<HttpListener> listener;
  try {
    listener = std::make_unique<HttpListener>(args.listen_host, args.listen_port, max_connections);
  } catch (const ListenError& e) {
    std::fprintf(stderr, "smtp-workbench exporter: --listen: %s\n", e.what());
    return 2;
  }
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
#ifdef SIGBREAK
  std::signal(SIGBREAK, on_stop_signal);  // Ctrl+Break in a Windows console (Ctrl+C arrives as SIGINT)
#endif
  std::fprintf(stderr, "smtp-workbench exporter: listening on %s; %zu modules in %s; at most %d probes at once\n",
               listener->address().c_str(), modules.names().size(), platform::utf8_from_path(modules.directory()).c_str(),
               args.max_concurrent);
  std::fflush(stderr);
  {
    // Queued probes each hold a connection; beyond this many the answer is 503 at once.
    ProbeService service(modules, std::move(secrets), args.max_concurrent, max_connections);
    listener->serve([&](const HttpRequest& r, const HttpReply& reply) { service.handle(r, reply); }, g_stop);
  }
  std::fprintf(stderr, "smtp-workbench exporter: stopped\n");
  return 0;
}

}  // namespace

int run_exporter(const std::vector<std::string>& argv) {
  try {
    return serve(argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "smtp-workbench exporter: internal error (please report it): %s\n", e.what());
  }
  return 1;
}

}  // namespace smtpwb::app
