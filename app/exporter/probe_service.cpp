#include "exporter/probe_service.hpp"

#include <charconv>
#include <set>

#include "exporter/exporter_args.hpp"
#include "exporter/probe.hpp"
#include "smtpwb/event_format.hpp"
#include "smtpwb/platform.hpp"

namespace smtpwb::app {

namespace {

using Clock = std::chrono::steady_clock;

std::optional<double> scrape_timeout(const HttpRequest& request) {
  auto text = request.header("x-prometheus-scrape-timeout-seconds");
  if (!text) return std::nullopt;
  double v = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || end != text->data() + text->size() || !(v > 0)) return std::nullopt;
  return v;
}

std::optional<std::string> apply_target(const std::string& target, ProbeParams& p) {
  std::string host = target;
  if (target.find(':') != std::string::npos) {
    auto hp = split_host_port(target);
    if (!hp || hp->second < 1) return "target: \"" + target + "\" is not HOST:PORT (an IPv6 address in brackets)";
    host = hp->first;
    p.target_port = hp->second;
  }
  if (!is_valid_hostname(host) && !is_ip_literal(host)) return "target: \"" + host + "\" is not a host name or an IP address";
  p.target_host = host;
  return std::nullopt;
}

// The redacted transcript and the metrics, for &debug=true.
std::string debug_text(const std::string& module, const SessionResult& r, const std::string& metrics) {
  std::string out = "Transcript of the test of module \"" + module + "\" (secrets masked):\n";
  LineStyle style;
  for (const auto& e : r.transcript) out += format_line(e, style) + "\n";
  return out + "\nMetrics:\n" + metrics;
}

}  // namespace

std::optional<ProbeParams> parse_probe_params(const std::vector<std::pair<std::string, std::string>>& query, std::string& error) {
  ProbeParams p;
  std::set<std::string> seen;
  for (const auto& [name, value] : query) {
    if (!seen.insert(name).second) {
      error = "the parameter \"" + name + "\" is given twice";
      return std::nullopt;
    }
    if (name == "module") {
      p.module = value;
    } else if (name == "target") {
      if (auto err = apply_target(value, p)) {
        error = *err;
        return std::nullopt;
      }
    } else if (name == "debug") {
      if (value != "true" && value != "false") {
        error = "debug: \"" + value + "\" is not true or false";
        return std::nullopt;
      }
      p.debug = value == "true";
    } else {
      error = "unknown parameter \"" + name + "\" (module, target, debug; passwords come from --secrets-file, never from a URL)";
      return std::nullopt;
    }
  }
  if (p.module.empty()) {
    error = "the parameter \"module\" is missing: /probe?module=NAME (a saved connection's name)";
    return std::nullopt;
  }
  return p;
}

ProbeService::ProbeService(ModuleStore& modules, std::map<std::string, ModuleSecrets> secrets, int max_concurrent,
                           std::size_t max_queued)
    : modules_(modules), secrets_(std::move(secrets)), max_concurrent_(max_concurrent), pool_(max_concurrent, max_queued) {}

ProbeService::~ProbeService() { shutting_down_.store(true); }

ExporterStats ProbeService::stats() const {
  const std::size_t in_flight = in_flight_.load(), queued = std::min(pool_.queued(), in_flight);
  return {success_.load(), failure_.load(), rejected_.load(), queued, in_flight - queued, max_concurrent_};
}

void ProbeService::handle(const HttpRequest& request, const HttpReply& reply) {
  if (request.path != "/probe" && request.path != "/metrics") return reply(text_response(404, "not found: " + request.path));
  if (request.method != "GET") return reply(text_response(405, "only GET is answered here"));
  if (request.path == "/metrics")
    return reply(HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", exporter_metrics(stats())});
  probe(request, reply);
}

void ProbeService::probe(const HttpRequest& request, const HttpReply& reply) {
  std::string error;
  auto params = parse_probe_params(request.query, error);
  if (!params) return reply(text_response(400, error));
  auto settings = modules_.find(params->module);
  if (!settings)
    return reply(text_response(400, "unknown module \"" + params->module + "\": modules are the saved connections in " +
                                        platform::utf8_from_path(modules_.directory())));
  ProbeJob job;
  job.settings = *settings;
  if (params->target_host) job.settings.address = *params->target_host;
  if (params->target_port) job.settings.port = *params->target_port;
  if (auto it = secrets_.find(params->module); it != secrets_.end()) apply_secrets(it->second, job.settings, job.options);
  job.options.look_up_dns_facts = false;
  job.deadline = Clock::now() + probe_budget(settings->timeout_s, scrape_timeout(request));
  job.shutting_down = &shutting_down_;
  ++in_flight_;
  bool queued = pool_.submit([this, reply, job = std::move(job), params = *params]() mutable {
    HttpResponse response;
    if (Clock::now() >= job.deadline) {
      ++rejected_;
      response = text_response(503, "the exporter was busy: the probe waited past its deadline in the queue");
    } else {
      try {
        response = finish_probe(params.module, params, std::move(job));
      } catch (const std::exception& e) {
        response = text_response(500, std::string("internal error: ") + e.what());
      }
    }
    --in_flight_;  // before the answer: whoever reads /metrics after it sees the probe done
    reply(std::move(response));
  });
  if (!queued) {
    --in_flight_;
    ++rejected_;
    reply(text_response(503, "the exporter is busy: too many probes are waiting"));
  }
}

HttpResponse ProbeService::finish_probe(const std::string& module, const ProbeParams& params, ProbeJob job) {
  ProbeContext context;
  context.starttls = job.settings.security == Security::StartTls;
  context.authenticates = !job.settings.anonymous;
  auto run = run_probe(std::move(job));
  context.duration_seconds = run.seconds;
  ++(run.result.ok ? success_ : failure_);
  std::string metrics = probe_metrics(run.result, context);
  if (params.debug) return text_response(200, debug_text(module, run.result, metrics));
  return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", std::move(metrics)};
}

}  // namespace smtpwb::app
