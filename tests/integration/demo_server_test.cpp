// Faults no real server produces on request, from the built-in demo server; and cancel/timeout bounds.
#include <catch2/catch_test_macros.hpp>

#include "smtpwb/demo_server.hpp"
#include "smtpwb/session.hpp"
#include "support.hpp"

using namespace smtpwb;
using Clock = std::chrono::steady_clock;

namespace {
struct Demo {
  DemoServer server;
  explicit Demo(DemoFault fault = DemoFault::None) : server(DemoServerConfig{"demo", "demo-password", fault}) { server.start(); }
  ConnectionSettings settings(Security mode = Security::StartTls) const {
    ConnectionSettings s = test::demo_settings(server);
    if (mode == Security::Implicit) s.port = server.implicit_port();
    s.security = mode;
    return s;
  }
  SessionOptions options() const {
    SessionOptions o;
    o.extra_ca_file = server.ca_file();
    return o;
  }
};
double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }
}  // namespace

TEST_CASE("Demo server: a full test with a message is received intact", "[demo]") {
  Demo demo;
  TestRequest req;
  req.message = MessageSpec{"a@demo.test", {"b@demo.test"}, "hello", "line one\n.dot line\n"};
  auto r = run_session(demo.settings(), req, demo.options());
  INFO((r.failure ? r.failure->message : ""));
  REQUIRE(r.ok);
  auto msgs = demo.server.messages();
  REQUIRE(msgs.size() == 1);
  CHECK(msgs[0].mail_from == "a@demo.test");
  CHECK(msgs[0].data.find("\r\n\r\nline one\r\n.dot line\r\n") != std::string::npos);
}

TEST_CASE("Demo server: stop after connect ends after the greeting; stop after TLS after the second EHLO", "[demo]") {
  Demo demo;
  auto client_lines = [](const SessionResult& r) {
    std::vector<std::string> lines;
    for (const auto& e : r.transcript)
      if (e.dir == Dir::Client) lines.push_back(e.text.substr(0, e.text.find(' ')));
    return lines;
  };
  TestRequest connect_only;
  connect_only.stop_after = StopAfter::Connect;
  auto r = run_session(demo.settings(), connect_only, demo.options());
  REQUIRE(r.ok);
  CHECK(client_lines(r) == std::vector<std::string>{"QUIT"});
  CHECK_FALSE(r.tls.used);
  CHECK_FALSE(r.server.banner.empty());

  auto implicit = run_session(demo.settings(Security::Implicit), connect_only, demo.options());
  REQUIRE(implicit.ok);
  CHECK(implicit.tls.used);  // implicit TLS comes before the greeting
  CHECK(client_lines(implicit) == std::vector<std::string>{"QUIT"});

  TestRequest tls_only;
  tls_only.stop_after = StopAfter::Tls;
  auto t = run_session(demo.settings(), tls_only, demo.options());
  REQUIRE(t.ok);
  CHECK(client_lines(t) == std::vector<std::string>{"EHLO", "STARTTLS", "EHLO", "QUIT"});
}

TEST_CASE("Demo server: bytes injected after 220 to STARTTLS are discarded and flagged", "[demo][fault]") {
  Demo demo(DemoFault::StartTlsInjection);
  auto r = run_session(demo.settings(), {}, demo.options());
  INFO((r.failure ? r.failure->message : ""));
  REQUIRE(r.ok);  // the session goes on, inside TLS, without acting on the injected reply
  CHECK(r.tls.starttls_injection);
  bool flagged = false;
  for (const auto& e : r.transcript) flagged |= e.dir == Dir::Error && e.text.find("CVE-2011-0411") != std::string::npos;
  CHECK(flagged);
}

TEST_CASE("Demo server: STARTTLS not offered stops the test, no silent downgrade", "[demo][fault]") {
  Demo demo(DemoFault::NoStartTls);
  auto r = run_session(demo.settings(), {}, demo.options());
  REQUIRE_FALSE(r.ok);
  CHECK(r.failure->category == FailureCategory::Tls);
  CHECK(r.failure->message.find("does not offer STARTTLS") != std::string::npos);
  CHECK_FALSE(r.tls.used);
}

TEST_CASE("Demo server: STARTTLS answered 454, 421 greeting, closed on connect", "[demo][fault]") {
  {
    Demo demo(DemoFault::StartTls454);
    auto r = run_session(demo.settings(), {}, demo.options());
    REQUIRE_FALSE(r.ok);
    CHECK(r.failure->category == FailureCategory::Tls);
    CHECK(r.failure->reply_code == 454);
  }
  {
    Demo demo(DemoFault::Greet421);
    auto r = run_session(demo.settings(), {}, demo.options());
    REQUIRE_FALSE(r.ok);
    CHECK(r.failure->category == FailureCategory::Smtp);
    CHECK(r.failure->reply_code == 421);
  }
  {
    Demo demo(DemoFault::CloseOnConnect);
    auto r = run_session(demo.settings(), {}, demo.options());
    REQUIRE_FALSE(r.ok);
    CHECK(r.failure->category == FailureCategory::Connect);
  }
}

TEST_CASE("Demo server: plain SMTP on the implicit port is named as such", "[demo][fault]") {
  Demo demo(DemoFault::PlaintextOnImplicit);
  auto r = run_session(demo.settings(Security::Implicit), {}, demo.options());
  REQUIRE_FALSE(r.ok);
  CHECK(r.failure->category == FailureCategory::Tls);
  CHECK(r.failure->message.find("answered in plain text (\"220 demo.smtp-workbench.test ESMTP") != std::string::npos);
}

TEST_CASE("Silent server: the timeout bounds the wait, cancel ends the session within 200 ms", "[demo][fault]") {
  Demo demo(DemoFault::NoBanner);
  auto s = demo.settings();
  s.timeout_s = 1;
  auto t0 = Clock::now();
  auto r = run_session(s, {}, demo.options());
  CHECK(ms_since(t0) < 1000 + 500);
  REQUIRE_FALSE(r.ok);
  CHECK(r.failure->category == FailureCategory::Timeout);

  s.timeout_s = 30;
  Session session(s, {}, std::make_shared<EventQueue>(), demo.options());
  session.start();
  while (session.current_phase() != Phase::Banner) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto cancelled_at = Clock::now();
  session.cancel();
  session.wait();
  CHECK(ms_since(cancelled_at) < 200);
  REQUIRE(session.result().failure);
  CHECK(session.result().failure->category == FailureCategory::Cancelled);
}

TEST_CASE("Events reach the queue's consumer in order, with the result's transcript", "[demo]") {
  Demo demo;
  std::atomic<int> wakes{0};
  auto queue = std::make_shared<EventQueue>([&] { ++wakes; });
  Session session(demo.settings(), {}, queue, demo.options());
  session.start();
  std::vector<Event> all, batch;
  while (!session.finished()) {
    queue->drain(batch);
    all.insert(all.end(), batch.begin(), batch.end());
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  session.wait();
  queue->drain(batch);
  all.insert(all.end(), batch.begin(), batch.end());
  const auto& transcript = session.result().transcript;
  REQUIRE(all.size() == transcript.size());
  for (std::size_t i = 0; i < all.size(); ++i) CHECK(all[i].text == transcript[i].text);
  for (std::size_t i = 1; i < all.size(); ++i) CHECK(all[i].t_us >= all[i - 1].t_us);
  CHECK(wakes.load() >= 1);
}

TEST_CASE("Session: take_result moves the finished result out, the transcript is not copied", "[demo]") {
  Demo demo;
  Session session(demo.settings(), TestRequest{}, std::make_shared<EventQueue>(), demo.options());
  session.start();
  session.wait();
  REQUIRE_FALSE(session.result().transcript.empty());
  const Event* lines = session.result().transcript.data();
  const std::size_t count = session.result().transcript.size();
  SessionResult r = session.take_result();
  INFO((r.failure ? r.failure->message : ""));
  CHECK(r.ok);
  CHECK(r.transcript.size() == count);
  CHECK(r.transcript.data() == lines);  // the same buffer: moved, not copied
  CHECK(session.result().transcript.empty());
}
