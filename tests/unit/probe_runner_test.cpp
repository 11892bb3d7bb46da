// The probes' runner: one thread per row, and the hook that lets a consumer wake instead of polling.
#include <catch2/catch_test_macros.hpp>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "smtpwb/probe_runner.hpp"

using namespace smtpwb;

TEST_CASE("The probe runner calls its hook as each row starts and again once progress counts it done", "[probe][runner]") {
  ProbeRunner<int> runner({0, 0, 0}, [](std::size_t i, const std::atomic<bool>&) { return static_cast<int>(i) + 10; });
  std::mutex mutex;
  std::vector<ProbeProgress> seen;
  runner.start([&] {
    std::lock_guard lock(mutex);
    seen.push_back(runner.progress());
  });
  runner.wait();
  REQUIRE(seen.size() == 6);  // three starts, three ends
  std::size_t max_done = 0;
  for (const auto& p : seen) max_done = std::max(max_done, p.done);
  CHECK(max_done == 3);  // the last end is counted before its hook runs
  CHECK(runner.finished());
  CHECK(runner.results() == std::vector<int>{10, 11, 12});
}

TEST_CASE("The probe runner works without a hook, and cancel reaches every row", "[probe][runner]") {
  ProbeRunner<int> runner({-1, -1}, [](std::size_t, const std::atomic<bool>& cancel) {
    while (!cancel.load()) std::this_thread::yield();
    return 1;
  });
  runner.start();
  runner.cancel();
  runner.wait();
  CHECK(runner.finished());
  CHECK(runner.results() == std::vector<int>{1, 1});
}
