#include "exporter/probe.hpp"

#include <cmath>
#include <condition_variable>
#include <mutex>

#include "smtpwb/diagnose.hpp"

namespace smtpwb::app {

namespace {

using Clock = std::chrono::steady_clock;

std::string seconds_text(std::chrono::milliseconds ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms.count()) / 1000.0);
  return buf;
}

}  // namespace

std::chrono::milliseconds probe_budget(int timeout_s, std::optional<double> scrape_timeout_s) {
  double seconds = timeout_s;
  if (scrape_timeout_s && *scrape_timeout_s > 0)
    seconds = std::min(seconds, std::max(*scrape_timeout_s - 0.5, *scrape_timeout_s / 2));
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

ProbeRun run_probe(ProbeJob job) {
  const auto start = Clock::now();
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(job.deadline - start);
  job.settings.timeout_s = std::max(1, std::min(job.settings.timeout_s, static_cast<int>(std::ceil(left.count() / 1000.0))));
  std::mutex mutex;
  std::condition_variable done;
  // No transcript is shown while it runs: the queue keeps nothing and only wakes this thread at the end.
  auto queue = std::make_shared<EventQueue>([&] { std::lock_guard lock(mutex); done.notify_one(); }, 0);
  Session session(job.settings, TestRequest{}, queue, job.options);
  session.start();
  bool timed_out = false;
  {
    std::unique_lock lock(mutex);
    while (!session.finished()) {
      if (Clock::now() >= job.deadline) timed_out = true;
      if (timed_out || (job.shutting_down && job.shutting_down->load())) break;
      done.wait_for(lock, std::chrono::milliseconds(50));
    }
  }
  if (!session.finished()) session.cancel();
  session.wait();
  ProbeRun run{session.take_result(), std::chrono::duration<double>(Clock::now() - start).count()};
  if (timed_out && run.result.failure && run.result.failure->category == FailureCategory::Cancelled) {
    run.result.failure->category = FailureCategory::Timeout;
    run.result.failure->message = "The probe did not finish within its time (" + seconds_text(left) +
                                  ": the connection's timeout, or the scrape timeout if shorter)";
  }
  diag::finish(job.settings, run.result);
  return run;
}

}  // namespace smtpwb::app
