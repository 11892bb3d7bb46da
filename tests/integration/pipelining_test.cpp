// PIPELINING (RFC 2920): MAIL, RCPT and DATA in one write, the message, the dot and QUIT in another, each
// reply still read and checked in order; against the real Postfix, and the demo server for what the
// wire shows (commands that arrived before the previous reply went out). Step mode pipelines nothing.
#include <catch2/catch_test_macros.hpp>

#include <chrono>
#include <functional>
#include <random>
#include <thread>

#include "smtpwb/demo_server.hpp"
#include "smtpwb/session.hpp"
#include "support.hpp"

using namespace smtpwb;
using namespace std::chrono_literals;

namespace {
std::string unique_marker() {
  std::random_device rd;
  return "pipelining-" + std::to_string(rd()) + std::to_string(rd());
}

// Index of the first transcript line from `dir` starting with `prefix`, at or after `from`; -1 if none.
long find_line(const SessionResult& r, Dir dir, const std::string& prefix, long from = 0) {
  for (auto i = static_cast<std::size_t>(from); i < r.transcript.size(); ++i)
    if (r.transcript[i].dir == dir && r.transcript[i].text.rfind(prefix, 0) == 0) return static_cast<long>(i);
  return -1;
}

// Server replies after transcript line `from`, in order, up to `count` of them.
std::vector<std::string> replies_after(const SessionResult& r, long from, std::size_t count) {
  std::vector<std::string> out;
  for (auto i = static_cast<std::size_t>(from); i < r.transcript.size() && out.size() < count; ++i)
    if (r.transcript[i].dir == Dir::Server) out.push_back(r.transcript[i].text);
  return out;
}

// Anonymous, unencrypted, on the stack's plain listener: Postfix lets 127.0.0.1 send to its own domain
// and refuses to relay anywhere else (554 5.7.1 Relay access denied).
ConnectionSettings plain_anonymous() {
  ConnectionSettings s;
  s.name = "mailstack plain";
  s.address = test::fact("MAILSTACK_SERVER_NAME");
  s.port = test::port("MAILSTACK_PLAIN_PORT");
  s.security = Security::None;
  s.anonymous = true;
  s.timeout_s = 10;
  return s;
}

bool wait_until(const std::function<bool()>& condition) {
  for (int i = 0; i < 500; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}
}  // namespace

TEST_CASE("Postfix: MAIL, RCPT and DATA go out together and each reply is checked", "[postfix][pipelining]") {
  auto marker = unique_marker();
  TestRequest req;
  req.message = MessageSpec{test::fact("MAILSTACK_USER"), {"rcpt@example.test"}, marker, "pipelined\n"};
  auto r = run_session(test::stack_settings("MAILSTACK_TLS13_PORT"), req);
  INFO((r.failure ? r.failure->message : ""));
  REQUIRE(r.ok);
  CHECK(r.message.accepted);

  // All three commands were sent before the first of their replies was read.
  long mail = find_line(r, Dir::Client, "MAIL FROM:<");
  REQUIRE(mail >= 0);
  CHECK(find_line(r, Dir::Client, "RCPT TO:<rcpt@example.test>", mail) == mail + 1);
  CHECK(find_line(r, Dir::Client, "DATA", mail) == mail + 2);
  auto envelope = replies_after(r, mail, 3);
  REQUIRE(envelope.size() == 3);
  CHECK(envelope[0].rfind("250 2.1.0", 0) == 0);
  CHECK(envelope[1].rfind("250 2.1.5", 0) == 0);
  CHECK(envelope[2].rfind("354 ", 0) == 0);
  CHECK(r.transcript[mail + 1].phase == Phase::Rcpt);
  CHECK(r.transcript[mail + 2].phase == Phase::Data);

  // The message, the dot and QUIT together; the dot's "250 queued" is read (and checked) before "221".
  long body = find_line(r, Dir::Client, "<message body");
  REQUIRE(body > mail);
  CHECK(find_line(r, Dir::Client, ".", body) == body + 1);
  CHECK(find_line(r, Dir::Client, "QUIT", body) == body + 2);
  auto after = replies_after(r, body, 2);
  REQUIRE(after.size() == 2);
  CHECK(after[0].find("queued") != std::string::npos);
  CHECK(after[1].rfind("221", 0) == 0);
  CHECK(r.message.server_reply.find("queued") != std::string::npos);
  CHECK_FALSE(test::wait_for_delivery(marker).empty());
}

TEST_CASE("Postfix: a recipient refused in the pipeline fails the test with its own reply", "[postfix][pipelining]") {
  TestRequest req;
  req.message = MessageSpec{"sender@example.test", {"someone@elsewhere.invalid"}, "refused", "never delivered\n"};
  auto r = run_session(plain_anonymous(), req);
  REQUIRE_FALSE(r.ok);
  CHECK(r.failure->category == FailureCategory::Smtp);
  CHECK(r.failure->phase == Phase::Rcpt);
  CHECK(r.failure->reply_code == 554);
  CHECK(r.failure->message.find("someone@elsewhere.invalid") != std::string::npos);
  CHECK(r.failure->message.find("Relay access denied") != std::string::npos);
  // Every pipelined command is shown with its reply, DATA's refusal too; no message was sent.
  long mail = find_line(r, Dir::Client, "MAIL FROM:<sender@example.test>");
  REQUIRE(mail >= 0);
  CHECK(find_line(r, Dir::Client, "DATA", mail) == mail + 2);
  auto replies = replies_after(r, mail, 3);
  REQUIRE(replies.size() == 3);
  CHECK(replies[0].rfind("250", 0) == 0);
  CHECK(replies[1].rfind("554", 0) == 0);
  CHECK(replies[2].rfind("2", 0) != 0);
  CHECK(replies[2].rfind("3", 0) != 0);
  CHECK(find_line(r, Dir::Client, "<message body") < 0);
  CHECK_FALSE(r.message.attempted);
}

TEST_CASE("Postfix: DATA accepted after a refused recipient sends nothing and reports the recipient",
          "[postfix][pipelining]") {
  auto marker = unique_marker();
  TestRequest req;
  req.message = MessageSpec{"sender@example.test", {"rcpt@example.test", "someone@elsewhere.invalid"}, marker, "no\n"};
  auto r = run_session(plain_anonymous(), req);
  REQUIRE_FALSE(r.ok);
  CHECK(r.failure->phase == Phase::Rcpt);
  CHECK(r.failure->reply_code == 554);
  CHECK(r.failure->message.find("someone@elsewhere.invalid") != std::string::npos);
  long mail = find_line(r, Dir::Client, "MAIL FROM:<");
  REQUIRE(mail >= 0);
  auto replies = replies_after(r, mail, 4);
  REQUIRE(replies.size() == 4);
  CHECK(replies[1].rfind("250", 0) == 0);
  CHECK(replies[2].rfind("554", 0) == 0);
  CHECK(replies[3].rfind("354", 0) == 0);  // one recipient was accepted, so Postfix is ready for data
  CHECK(find_line(r, Dir::Info, "The server accepted DATA although") >= 0);
  CHECK(find_line(r, Dir::Client, "<message body") < 0);
  // Closing in the middle of DATA makes Postfix drop the transaction: nothing reaches the mailbox.
  CHECK(test::wait_for_delivery(marker, std::chrono::seconds(2)).empty());
}

TEST_CASE("Demo server: a normal test pipelines, step mode sends each command after the reply", "[demo][pipelining][step]") {
  DemoServer server(DemoServerConfig{"demo", "demo-password", DemoFault::None});
  server.start();
  ConnectionSettings s = test::demo_settings(server);
  TestRequest req;
  req.message = MessageSpec{"a@demo.test", {"b@demo.test"}, "hello", "body\n"};

  auto normal = run_session(s, req, SessionOptions{server.ca_file(), nullptr, {}, {}});
  INFO((normal.failure ? normal.failure->message : ""));
  REQUIRE(normal.ok);
  // MAIL (RCPT and DATA already there), RCPT (DATA already there), the dot (QUIT already there).
  REQUIRE(server.messages().size() == 1);
  CHECK(server.messages()[0].sent_ahead == 3);

  auto gate = std::make_shared<StepGate>();
  Session stepped(s, req, std::make_shared<EventQueue>(), SessionOptions{server.ca_file(), gate, {}, {}});
  stepped.start();
  // Step through the envelope: each command is offered only once the previous reply has arrived.
  for (const char* next : {"EHLO", "STARTTLS", "EHLO", "AUTH", "MAIL FROM", "RCPT TO", "DATA"}) {
    REQUIRE(wait_until([&] { return gate->waiting() && gate->pending().rfind(next, 0) == 0; }));
    gate->step();
  }
  gate->continue_all();  // the body, the dot and QUIT: still one at a time, a gate stands before each
  stepped.wait();
  const auto& r = stepped.result();
  INFO((r.failure ? r.failure->message : ""));
  REQUIRE(r.ok);
  REQUIRE(server.messages().size() == 2);
  CHECK(server.messages()[1].sent_ahead == 0);
  long mail = find_line(r, Dir::Client, "MAIL FROM:<a@demo.test>");
  REQUIRE(mail >= 0);
  CHECK(r.transcript[mail + 1].dir == Dir::Server);  // MAIL's reply comes before RCPT is sent
}
