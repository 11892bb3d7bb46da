// Step mode: the same session, paused before every client command, with raw commands typed mid-session.
#include <catch2/catch_test_macros.hpp>
#include <chrono>
#include <functional>
#include <thread>

#include "smtpwb/demo_server.hpp"
#include "smtpwb/session.hpp"
#include "support.hpp"

using namespace smtpwb;
using namespace std::chrono_literals;

namespace {
bool wait_until(const std::function<bool()>& condition) {
  for (int i = 0; i < 500; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

SessionOptions stepping(const DemoServer& server, std::shared_ptr<StepGate> gate) {
  SessionOptions o;
  o.extra_ca_file = server.ca_file();
  o.step_gate = std::move(gate);
  return o;
}

std::size_t count_text(const SessionResult& r, Dir dir, const std::string& text) {
  std::size_t n = 0;
  for (const auto& e : r.transcript) n += e.dir == dir && e.text.rfind(text, 0) == 0;
  return n;
}
}  // namespace

TEST_CASE("Step mode pauses before each command and runs typed commands through the session", "[step]") {
  DemoServer server(DemoServerConfig{"demo", "demo-password", DemoFault::None});
  server.start();
  auto gate = std::make_shared<StepGate>();
  Session session(test::demo_settings(server), {}, std::make_shared<EventQueue>(), stepping(server, gate));
  session.start();

  REQUIRE(wait_until([&] { return gate->waiting(); }));
  CHECK(gate->pending().rfind("EHLO ", 0) == 0);
  gate->send_line("NOOP");
  REQUIRE(wait_until([&] { return gate->waiting(); }));  // paused again before the same EHLO
  CHECK(gate->pending().rfind("EHLO ", 0) == 0);
  gate->step();
  REQUIRE(wait_until([&] { return gate->waiting() && gate->pending() == "STARTTLS"; }));
  gate->continue_all();
  session.wait();

  const auto& r = session.result();
  INFO((r.failure ? r.failure->message : ""));
  REQUIRE(r.ok);
  CHECK(count_text(r, Dir::Client, "NOOP") == 1);
  CHECK(count_text(r, Dir::Server, "250") >= 3);
}

TEST_CASE("Cancel while paused in step mode ends the session promptly", "[step]") {
  DemoServer server(DemoServerConfig{"demo", "demo-password", DemoFault::None});
  server.start();
  auto gate = std::make_shared<StepGate>();
  Session session(test::demo_settings(server), {}, std::make_shared<EventQueue>(), stepping(server, gate));
  session.start();
  REQUIRE(wait_until([&] { return gate->waiting(); }));
  auto t0 = std::chrono::steady_clock::now();
  session.cancel();
  session.wait();
  CHECK(std::chrono::steady_clock::now() - t0 < 200ms);
  REQUIRE(session.result().failure);
  CHECK(session.result().failure->category == FailureCategory::Cancelled);
}
