// The window's one job abstraction: work on the job's own thread (TaskJob) and engine objects with
// threads of their own (EngineJob) start, cancel, report progress and wake the UI loop the same way.
#include <catch2/catch_test_macros.hpp>

#include <atomic>
#include <chrono>
#include <iterator>
#include <functional>
#include <thread>

#include "model/job.hpp"
#include "smtpwb/net/io.hpp"
#include "smtpwb/tls_probe.hpp"

using namespace smtpwb;
using namespace smtpwb::gui;
using namespace std::chrono_literals;

namespace {
// Counts the wake-ups, as glfwPostEmptyEvent would post them.
struct WakeCounter {
  std::shared_ptr<std::atomic<int>> count = std::make_shared<std::atomic<int>>(0);
  Wake wake() const {
    return [c = count] { c->fetch_add(1); };
  }
  int value() const { return count->load(); }
};

// A loopback port nothing listens on: connections to it are refused at once.
int closed_port() {
  int port = 0;
  net::listen_loopback(port);  // closed again at once
  return port;
}

bool wait_for(const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(1ms);
  return done();
}

struct Answer {
  std::string text;
};

// An engine object that keeps its own thread, like TlsProbe: start() takes the row hook.
class FakeProber {
 public:
  ~FakeProber() {
    cancel();
    if (thread_.joinable()) thread_.join();
  }
  void start(std::function<void()> on_row_change) {
    thread_ = std::thread([this, hook = std::move(on_row_change)] {
      for (std::size_t i = 0; i < 3 && !cancel_.load(); ++i) {
        done_.store(i + 1);
        hook();
      }
      while (!cancel_.load()) std::this_thread::sleep_for(1ms);
      finished_.store(true);
      hook();
    });
  }
  void cancel() { cancel_.store(true); }
  bool finished() const { return finished_.load(); }
  ProbeProgress progress() const { return {done_.load(), 3}; }

 private:
  std::atomic<bool> cancel_{false}, finished_{false};
  std::atomic<std::size_t> done_{0};
  std::thread thread_;
};

// Like Session: no hook (it wakes through its EventQueue) and no progress count.
struct FakeSession {
  bool started = false, cancelled = false;
  void start() { started = true; }
  void cancel() { cancelled = true; }
  bool finished() const { return cancelled; }
};
}  // namespace

TEST_CASE("A task job runs its work on its thread, reports progress and results, and wakes each time", "[gui][job]") {
  WakeCounter wakes;
  TaskJob<Answer> job(wakes.wake(), [](TaskJob<Answer>& j) {
    j.set_progress(1, 2);
    j.update([](Answer& a) { a.text = "half"; });
    j.set_progress(2, 2);
    j.update([](Answer& a) { a.text = "all"; });
  });
  CHECK(job.running());  // until it has run
  job.start();
  REQUIRE(wait_for([&] { return job.finished(); }));
  CHECK(job.progress().done == 2);
  CHECK(job.progress().total == 2);
  CHECK(job.snapshot().text == "all");
  CHECK(job.read([](const Answer& a) { return a.text.size(); }) == 3);
  CHECK(job.failure().empty());
  REQUIRE(wait_for([&] { return wakes.value() == 5; }));  // four reports and the end
}

TEST_CASE("Cancelling a task job stops its work through the flag it polls", "[gui][job]") {
  WakeCounter wakes;
  std::atomic<bool> saw_cancel{false};
  TaskJob<Answer> job(wakes.wake(), [&](TaskJob<Answer>& j) {
    while (!j.cancel_flag().load()) std::this_thread::sleep_for(1ms);
    saw_cancel = j.cancel_requested();
  });
  job.start();
  std::this_thread::sleep_for(20ms);
  CHECK_FALSE(job.finished());
  auto t0 = std::chrono::steady_clock::now();
  job.cancel();
  REQUIRE(wait_for([&] { return job.finished(); }));
  CHECK(std::chrono::steady_clock::now() - t0 < 1s);
  CHECK(saw_cancel);
  CHECK(wakes.value() >= 1);  // the end woke the window
}

TEST_CASE("A task job's destructor cancels and joins; a throwing work ends it with the reason", "[gui][job]") {
  WakeCounter wakes;
  std::atomic<bool> work_ended{false};
  {
    TaskJob<Answer> job(wakes.wake(), [&](TaskJob<Answer>& j) {
      while (!j.cancel_requested()) std::this_thread::sleep_for(1ms);
      work_ended = true;
    });
    job.start();
  }
  CHECK(work_ended);

  TaskJob<Answer> failing(wakes.wake(), [](TaskJob<Answer>&) { throw std::runtime_error("no route to host"); });
  failing.start();
  REQUIRE(wait_for([&] { return failing.finished(); }));
  CHECK(failing.failure() == "no route to host");
}

TEST_CASE("An engine job starts the engine with a hook that wakes the window, and forwards cancel and progress", "[gui][job]") {
  WakeCounter wakes;
  EngineJob<FakeProber> job(wakes.wake());
  job.start();
  REQUIRE(wait_for([&] { return job.progress().done == 3; }));
  CHECK(job.progress().total == 3);
  REQUIRE(wait_for([&] { return wakes.value() >= 3; }));  // one per row
  CHECK(job.running());
  job.cancel();
  REQUIRE(wait_for([&] { return job.finished(); }));
  REQUIRE(wait_for([&] { return wakes.value() >= 4; }));

  EngineJob<FakeSession> session(wakes.wake());
  session.start();
  CHECK(session.engine().started);
  CHECK(session.progress().total == 0);  // nothing to count
  CHECK(session.running());
  session.cancel();
  CHECK(session.engine().cancelled);
  CHECK(session.finished());
}

TEST_CASE("Probe TLS as a job: every row wakes the window as it starts and as it ends", "[gui][job][probe]") {
  ProbeTarget target;
  target.route.host = "127.0.0.1";
  target.port = closed_port();
  target.security = Security::Implicit;
  target.timeout = std::chrono::milliseconds(2000);
  WakeCounter wakes;
  EngineJob<TlsProbe> job(wakes.wake(), target);
  job.start();
  REQUIRE(wait_for([&] { return job.finished(); }, 10s));
  const auto rows = std::size(kAllTlsVersions);
  CHECK(job.progress().done == rows);
  CHECK(wait_for([&] { return wakes.value() == static_cast<int>(2 * rows); }));
  for (const auto& row : job.engine().results()) CHECK_FALSE(row.offered());
}
