#pragma once
// One probe: a connection's Test, bounded by a deadline, diagnosed as `check` diagnoses it.
#include <atomic>
#include <chrono>
#include <optional>

#include "smtpwb/result.hpp"
#include "smtpwb/session.hpp"
#include "smtpwb/settings.hpp"

namespace smtpwb::app {

struct ProbeJob {
  ConnectionSettings settings;
  SessionOptions options;
  std::chrono::steady_clock::time_point deadline;  // the whole probe, queueing included
  const std::atomic<bool>* shutting_down = nullptr;  // cancels the probe when it turns true
};

struct ProbeRun {
  SessionResult result;    // with hints
  double seconds = 0;      // the test's wall time
};

// Each step gets the time left (at most the connection's timeout); at the deadline the test is
// cancelled and reported as a timeout.
ProbeRun run_probe(ProbeJob job);

// The time a probe may take: the connection's timeout, or less when Prometheus says how long it waits
// (X-Prometheus-Scrape-Timeout-Seconds; 0.5 s are kept for the answer, as blackbox_exporter does).
std::chrono::milliseconds probe_budget(int timeout_s, std::optional<double> scrape_timeout_s);

}  // namespace smtpwb::app
