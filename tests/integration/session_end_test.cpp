// A consumer (check, the window) learns that a session ended from a wake-up, never from a timeout.
#include <catch2/catch_test_macros.hpp>

#include <algorithm>
#include <atomic>
#include <vector>

#include "smtpwb/demo_server.hpp"
#include "smtpwb/session.hpp"
#include "support.hpp"

using namespace smtpwb;

TEST_CASE("The last wake-up of a session comes after it has finished", "[demo][session]") {
  DemoServer server(DemoServerConfig{"demo", "demo-password", DemoFault::None});
  server.start();
  ConnectionSettings s = test::demo_settings(server);

  std::atomic<Session*> watched{nullptr};
  std::vector<bool> finished_at_wake;  // only the session thread calls wake
  auto queue = std::make_shared<EventQueue>([&] {
    if (auto* session = watched.load()) finished_at_wake.push_back(session->finished());
  });
  Session session(s, {}, queue, SessionOptions{server.ca_file(), nullptr, {}, {}});
  watched = &session;
  session.start();
  session.wait();
  INFO((session.result().failure ? session.result().failure->message : ""));
  REQUIRE(session.result().ok);
  REQUIRE_FALSE(finished_at_wake.empty());
  // A consumer that drained the last event before finished() turned true is woken once more.
  CHECK(finished_at_wake.back());
}

TEST_CASE("A session wakes its consumer when a phase begins, even before any line of it arrives", "[demo][session]") {
  // The greeting never comes, so the Banner phase has no transcript line while it waits; a window that shows
  // the live phase must still learn of it without polling.
  DemoServer server(DemoServerConfig{"demo", "demo-password", DemoFault::NoBanner});
  server.start();
  ConnectionSettings s = test::demo_settings(server);
  s.timeout_s = 1;

  std::atomic<Session*> watched{nullptr};
  std::vector<Phase> phase_at_wake;  // only the session thread calls wake
  // The queue is never drained, so events wake it only once: the other wake-ups are the phases'.
  auto queue = std::make_shared<EventQueue>([&] {
    if (auto* session = watched.load()) phase_at_wake.push_back(session->current_phase());
  });
  Session session(s, {}, queue, SessionOptions{server.ca_file(), nullptr, {}, {}});
  watched = &session;
  session.start();
  session.wait();
  REQUIRE(session.result().failure);
  CHECK(std::count(phase_at_wake.begin(), phase_at_wake.end(), Phase::Connect) >= 1);
  CHECK(std::count(phase_at_wake.begin(), phase_at_wake.end(), Phase::Banner) >= 1);
}
