// A consumer (check, the window) learns that a session ended from a wake-up, never from a timeout.
#include <catch2/catch_test_macros.hpp>

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
