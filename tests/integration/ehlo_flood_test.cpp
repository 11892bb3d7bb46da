// Issue 13: a huge EHLO reply (1000 lines of AUTH tokens) from a scripted server: the engine parses it in
// linear time, keeps at most 100 mechanisms and says so, and cancel ends the session at once.
#include <catch2/catch_test_macros.hpp>

#include <chrono>
#include <thread>

#include "scripted_server.hpp"
#include "smtpwb/printable.hpp"
#include "smtpwb/session.hpp"

using Clock = std::chrono::steady_clock;

TEST_CASE("Session: a 1000-line EHLO full of AUTH tokens is capped, and cancel ends it at once", "[session][hostile]") {
  test::Script script;
  script.ehlo_reply.clear();
  for (int line = 0; line < 999; ++line) {
    script.ehlo_reply += "250-AUTH";
    for (int token = 0; token < 100; ++token) script.ehlo_reply += " M" + std::to_string(line) + "X" + std::to_string(token);
    script.ehlo_reply += "\r\n";
  }
  script.ehlo_reply += "250 AUTH PLAIN\r\n";
  script.quit_reply.clear();  // the session then waits for QUIT's reply until cancelled
  test::ScriptedServer server(script);
  smtpwb::ConnectionSettings s;
  s.address = "127.0.0.1";
  s.port = server.port();
  s.security = smtpwb::Security::None;
  s.anonymous = true;
  s.timeout_s = 60;  // far beyond the test: only cancel can end the session early
  smtpwb::Session session(s, {}, nullptr);
  session.start();
  // Cancel once the whole reply has been read: in the AUTH phase (where the mechanisms are listed) or after.
  auto started = Clock::now();
  auto read_whole_reply = [&] { return session.current_phase() >= smtpwb::Phase::Auth || session.finished(); };
  while (!read_whole_reply() && Clock::now() - started < std::chrono::seconds(20))
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  double read_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  INFO("the reply was read in " << read_ms << " ms");
  REQUIRE(read_whole_reply());
  session.cancel();
  auto cancelled = Clock::now();
  while (!session.finished() && Clock::now() - cancelled < std::chrono::seconds(10))
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  double ms = std::chrono::duration<double, std::milli>(Clock::now() - cancelled).count();
  INFO("ended " << ms << " ms after cancel");
  REQUIRE(session.finished());
  CHECK(ms < 2000);
  session.wait();
  const auto& r = session.result();
  std::string shown;
  for (const auto& e : r.transcript) shown += smtpwb::printable(e.text.substr(0, 100)) + "\n";
  INFO((r.failure ? r.failure->message : std::string("no failure")) << "; transcript:\n" << shown);
  CHECK(r.auth.offered.size() == 100);
  bool said_capped = false;
  for (const auto& e : r.transcript) said_capped |= e.text.find("only the first 100") != std::string::npos;
  CHECK(said_capped);
}
