#pragma once
// What the exporter answers: /probe runs a module's Test on the worker pool, /metrics gives the
// exporter's own counters, anything else is 404. No sockets here (http_listener.cpp has them), so the
// routing is tested in-process.
#include <atomic>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "exporter/http.hpp"
#include "exporter/metrics.hpp"
#include "exporter/modules.hpp"
#include "exporter/probe.hpp"
#include "exporter/worker_pool.hpp"

namespace smtpwb::app {

struct ProbeParams {
  std::string module;
  std::optional<std::string> target_host;
  std::optional<int> target_port;
  bool debug = false;
};
// The query of /probe: module (required), target (host[:port]), debug (true|false); anything else is
// refused, so that no secret is ever taken from a URL.
std::optional<ProbeParams> parse_probe_params(const std::vector<std::pair<std::string, std::string>>& query, std::string& error);

class ProbeService {
 public:
  ProbeService(ModuleStore& modules, std::map<std::string, ModuleSecrets> secrets, int max_concurrent,
               std::size_t max_queued);
  ~ProbeService();  // cancels running probes, then waits for the workers

  // Answers now (errors, /metrics) or from a worker (/probe). Called on the listener's thread.
  void handle(const HttpRequest& request, const HttpReply& reply);
  ExporterStats stats() const;

 private:
  void probe(const HttpRequest& request, const HttpReply& reply);
  HttpResponse finish_probe(const std::string& module, const ProbeParams& params, ProbeJob job);

  ModuleStore& modules_;
  std::map<std::string, ModuleSecrets> secrets_;
  int max_concurrent_;
  std::atomic<bool> shutting_down_{false};
  std::atomic<std::uint64_t> success_{0}, failure_{0}, rejected_{0};
  std::atomic<std::size_t> in_flight_{0};  // accepted, not yet answered: less than before each answer
  WorkerPool pool_;  // last: destroyed (joined) first, while everything its jobs use still exists
};

}  // namespace smtpwb::app
