// The test message's SMTP extensions against the suite's Postfix (tests/servers/mailstack.sh): SMTPUTF8
// and BDAT delivered byte-exact into the Maildir, DSN parameters accepted (and Postfix's success report
// quoting the envelope id), and the refusals with their hints on the listener that hides all three.
#include <catch2/catch_test_macros.hpp>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "smtpwb/hints.hpp"
#include "smtpwb/session.hpp"
#include "smtpwb/step_gate.hpp"
#include "smtpwb/smtp/message.hpp"
#include "support.hpp"

using namespace smtpwb;

namespace {

std::string unique_marker(const char* what) {
  std::random_device rd;
  return std::string(what) + "-" + std::to_string(rd()) + std::to_string(rd());
}

const Event* client_line(const SessionResult& r, const std::string& prefix) {
  for (const auto& e : r.transcript)
    if (e.dir == Dir::Client && e.text.rfind(prefix, 0) == 0) return &e;
  return nullptr;
}

std::string without_cr(const std::string& crlf) {
  std::string out;
  for (std::size_t i = 0; i < crlf.size(); ++i)
    if (!(crlf[i] == '\r' && i + 1 < crlf.size() && crlf[i + 1] == '\n')) out += crlf[i];
  return out;
}

std::string header_line(const std::string& text, const std::string& name) {
  auto at = text.find("\n" + name + ": ");
  if (at == std::string::npos) return {};
  return text.substr(at + 1, text.find('\n', at + 1) - at - 1);
}

// The message as delivered from our first header on must be the message we built, byte for byte; only
// Date and Message-ID (made at send time) are taken from the delivered copy. Maildir stores LF line ends.
void require_byte_exact(const MessageSpec& spec, const std::string& delivered) {
  auto start = delivered.find("\nDate: ");
  REQUIRE(start != std::string::npos);
  std::string ours = without_cr(smtp::build_message(spec, "UTF-8", "", true).data);
  for (const char* name : {"Date", "Message-ID"}) {
    std::string built = header_line("\n" + ours, name);
    REQUIRE_FALSE(built.empty());
    ours.replace(ours.find(built), built.size(), header_line(delivered, name));
  }
  CHECK(delivered.substr(start + 1) == ours);
}

MessageSpec utf8_message(const std::string& marker) {
  MessageSpec m;
  m.from = test::fact("MAILSTACK_USER");
  m.to = {"zoë.müller@example.test"};
  m.subject = marker + " Grüße aus Köln, 你好";
  m.body_utf8 = "Grüße 你好 😀\n.leading dot\n..two dots\n.\nend\n";
  m.smtputf8 = true;
  return m;
}

ConnectionSettings noext_settings() {
  ConnectionSettings s;
  s.address = test::fact("MAILSTACK_HOST");
  s.port = test::port("MAILSTACK_NOEXT_PORT");
  s.security = Security::None;
  s.anonymous = true;
  s.timeout_s = 10;
  return s;
}

}  // namespace

TEST_CASE("SMTPUTF8: a UTF-8 recipient and raw UTF-8 headers arrive byte-exact", "[postfix][message][smtputf8]") {
  auto marker = unique_marker("smtputf8");
  auto spec = utf8_message(marker);
  TestRequest req;
  req.message = spec;
  auto r = run_session(test::stack_settings("MAILSTACK_SUBMISSION_PORT"), req);
  INFO((r.failure ? r.failure->message : ""));
  REQUIRE(r.ok);
  const Event* mail = client_line(r, "MAIL FROM:<");
  REQUIRE(mail);
  CHECK(mail->text.find(" SMTPUTF8") != std::string::npos);
  CHECK(client_line(r, "RCPT TO:<zoë.müller@example.test>"));
  CHECK(client_line(r, "DATA"));

  std::string delivered = test::wait_for_delivery(marker);
  REQUIRE_FALSE(delivered.empty());
  CHECK(header_line(delivered, "Subject") == "Subject: " + spec.subject);
  require_byte_exact(spec, delivered);
}

TEST_CASE("BDAT: a message of several chunks, SMTPUTF8 too, arrives byte-exact without dot-stuffing", "[postfix][message][bdat]") {
  auto marker = unique_marker("bdat");
  auto spec = utf8_message(marker);
  spec.bdat = true;
  std::string line = ".a line of the body that starts with a dot, ümlauts and all\n";
  for (int i = 0; i < 2000; ++i) spec.body_utf8 += std::to_string(i) + line;  // > 64 KiB: two chunks at least
  TestRequest req;
  req.message = spec;
  auto r = run_session(test::stack_settings("MAILSTACK_SUBMISSION_PORT"), req);
  INFO((r.failure ? r.failure->message : ""));
  REQUIRE(r.ok);
  CHECK(r.message.accepted);
  CHECK(r.message.bdat_chunks >= 2);
  CHECK(client_line(r, "BDAT 65536"));
  const Event* last = nullptr;
  for (const auto& e : r.transcript)
    if (e.dir == Dir::Client && e.text.rfind("BDAT ", 0) == 0) last = &e;
  REQUIRE(last);
  CHECK(last->text.size() > 10);
  CHECK(last->text.substr(last->text.size() - 5) == " LAST");
  CHECK_FALSE(client_line(r, "DATA"));
  CHECK(client_line(r, "<message chunk, 65536 bytes>"));
  CHECK(r.message.server_reply.find("queued") != std::string::npos);

  std::string delivered = test::wait_for_delivery(marker);
  REQUIRE_FALSE(delivered.empty());
  require_byte_exact(spec, delivered);
}

TEST_CASE("DSN: NOTIFY, RET and ENVID are sent, accepted, and Postfix's report quotes the envelope id", "[postfix][message][dsn]") {
  auto marker = unique_marker("dsn");
  MessageSpec spec;
  spec.from = test::fact("MAILSTACK_USER");
  spec.to = {"rcpt@example.test"};
  spec.subject = marker;
  spec.dsn_notify = "success,failure";
  spec.dsn_ret = "hdrs";
  spec.dsn_envid = "QQ " + marker + "+1";
  TestRequest req;
  req.message = spec;
  auto r = run_session(test::stack_settings("MAILSTACK_SUBMISSION_PORT"), req);
  INFO((r.failure ? r.failure->message : ""));
  REQUIRE(r.ok);
  const Event* mail = client_line(r, "MAIL FROM:<");
  REQUIRE(mail);
  CHECK(mail->text.find(" RET=HDRS ENVID=QQ+20" + marker + "+2B1") != std::string::npos);
  CHECK(client_line(r, "RCPT TO:<rcpt@example.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;rcpt@example.test"));
  // NOTIFY=SUCCESS: Postfix reports the delivery to the sender, whose mail lands in the same Maildir.
  std::string report = test::wait_for_delivery("Original-Envelope-Id: QQ " + marker + "+1");
  CHECK_FALSE(report.empty());
}

TEST_CASE("DSN with SMTPUTF8: a UTF-8 recipient's ORCPT=utf-8 is accepted, and Postfix's success report quotes it",
          "[postfix][message][dsn][smtputf8]") {
  auto marker = unique_marker("orcpt-utf8");
  MessageSpec spec;
  spec.from = test::fact("MAILSTACK_USER");
  spec.to = {"zoë.müller+dsn@example.test"};  // '+' is escaped in unitext as \x{2B}, the ë and ü are not
  spec.subject = marker;
  spec.smtputf8 = true;
  spec.dsn_notify = "success";
  spec.dsn_envid = marker;
  TestRequest req;
  req.message = spec;
  auto r = run_session(test::stack_settings("MAILSTACK_SUBMISSION_PORT"), req);
  INFO((r.failure ? r.failure->message : ""));
  REQUIRE(r.ok);
  CHECK(client_line(r, "RCPT TO:<zoë.müller+dsn@example.test> NOTIFY=SUCCESS ORCPT=utf-8;zoë.müller\\x{2B}dsn@example.test"));
  // Postfix decodes the parameter (\x{2B} back to '+') and quotes the original recipient in its
  // report, an RFC 6533 message/global-delivery-status.
  std::string report = test::wait_for_delivery("Original-Envelope-Id: " + marker);
  REQUIRE_FALSE(report.empty());
  INFO(report);
  CHECK(report.find("Content-Type: message/global-delivery-status") != std::string::npos);
  CHECK(report.find("\nOriginal-Recipient: utf-8;zoë.müller+dsn@example.test\n") != std::string::npos);
}

TEST_CASE("Without SMTPUTF8, CHUNKING or DSN in the EHLO reply the test stops before MAIL FROM, with its hint",
          "[postfix][message][hints]") {
  struct Case {
    const char* name;
    void (*ask)(MessageSpec&);
    FailureCause cause;
    const char* hint;
  };
  const Case cases[] = {
      {"SMTPUTF8", [](MessageSpec& m) { m.smtputf8 = true; }, FailureCause::NoSmtpUtf8, "smtputf8-not-offered"},
      {"CHUNKING", [](MessageSpec& m) { m.bdat = true; }, FailureCause::NoChunking, "chunking-not-offered"},
      {"DSN", [](MessageSpec& m) { m.dsn_notify = "NEVER"; }, FailureCause::NoDsn, "dsn-not-offered"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      TestRequest req;
      req.message = MessageSpec{"sender@example.test", {"rcpt@example.test"}, "refused", "never sent"};
      c.ask(*req.message);
      auto r = run_session(noext_settings(), req);
      REQUIRE_FALSE(r.ok);
      INFO(r.failure->message);
      CHECK(r.failure->cause == c.cause);
      CHECK(r.failure->category == FailureCategory::Smtp);
      CHECK(r.failure->phase == Phase::Mail);
      CHECK(r.failure->message.find(c.name) != std::string::npos);
      CHECK_FALSE(client_line(r, "MAIL FROM"));
      auto hints = HintCatalogue::builtin().match(noext_settings(), r);  // the front ends match them
      REQUIRE_FALSE(hints.empty());
      CHECK(hints.front().id == c.hint);
    }
  }
  // The same listener takes the plain message: the refusals are about the extensions alone.
  TestRequest plain;
  plain.message = MessageSpec{"sender@example.test", {"rcpt@example.test"}, "plain", "plain"};
  CHECK(run_session(noext_settings(), plain).ok);
}

TEST_CASE("check --smtputf8 --bdat --dsn-*: the JSON report says what was used; a refusal exits 10 with the hint",
          "[cli][postfix][message]") {
  test::TempDir dir;
  auto json_path = dir.path / "report.json";
  auto marker = unique_marker("cli-ext");
  auto run = test::run_binary("check --host localhost --port " + test::fact("MAILSTACK_SUBMISSION_PORT") +
                                  " --security starttls --ca-file " + test::fact("MAILSTACK_CA_FILE") +
                                  " --color never --timeout 10 --user " + test::fact("MAILSTACK_USER") +
                                  " --password-env SMTPWB_PW --from " + test::fact("MAILSTACK_USER") +
                                  " --to 'zoë@example.test' --subject " + marker +
                                  " --smtputf8 --bdat --dsn-notify failure,delay --dsn-ret full --dsn-envid 'id 1' --json " +
                                  json_path.string(),
                              "SMTPWB_PW=" + test::fact("MAILSTACK_PASSWORD"));
  INFO(run.out);
  REQUIRE(run.status == 0);
  CHECK(run.out.find("SMTPUTF8 RET=FULL ENVID=id+201") != std::string::npos);
  CHECK(run.out.find("RCPT TO:<zoë@example.test> NOTIFY=FAILURE,DELAY") != std::string::npos);
  CHECK(run.out.find(" LAST") != std::string::npos);
  auto report = nlohmann::json::parse(test::slurp(json_path));
  const auto& m = report["message"];
  CHECK(m["smtputf8"] == true);
  CHECK(m["bdat"] == true);
  CHECK(m["bdat_chunks"] == 1);
  CHECK(m["dsn"]["notify"] == "FAILURE,DELAY");
  CHECK(m["dsn"]["ret"] == "FULL");
  CHECK(m["dsn"]["envid"] == "id 1");
  CHECK_FALSE(test::wait_for_delivery(marker).empty());

  auto refused = test::run_binary("check --host 127.0.0.1 --port " + test::fact("MAILSTACK_NOEXT_PORT") +
                                  " --security none --color never --timeout 10 --from a@example.test --to b@example.test"
                                  " --bdat --json -");
  INFO(refused.out);
  CHECK(refused.status == 10);
  auto refusal = nlohmann::json::parse(refused.out);
  REQUIRE(refusal["hints"].size() >= 1);
  CHECK(refusal["hints"][0]["id"] == "chunking-not-offered");
  CHECK(refusal["failure"]["message"].get<std::string>().find("CHUNKING") != std::string::npos);
}

namespace {

std::size_t index_of(const SessionResult& r, const Event* e) { return static_cast<std::size_t>(e - r.transcript.data()); }

MessageSpec three_chunk_message(const std::string& marker) {
  MessageSpec m;
  m.from = test::fact("MAILSTACK_USER");
  m.to = {"rcpt@example.test"};
  m.subject = marker;
  for (int i = 0; i < 2500; ++i) m.body_utf8 += std::to_string(i) + " a line of the body, long enough to fill three chunks\n";
  m.bdat = true;
  return m;
}

}  // namespace

TEST_CASE("BDAT with PIPELINING: every chunk goes out before the first chunk's reply is read", "[postfix][message][bdat]") {
  auto marker = unique_marker("bdat-pipelined");
  TestRequest req;
  req.message = three_chunk_message(marker);
  auto r = run_session(test::stack_settings("MAILSTACK_SUBMISSION_PORT"), req);
  INFO((r.failure ? r.failure->message : ""));
  REQUIRE(r.ok);
  REQUIRE(r.message.bdat_chunks == 3);
  std::vector<std::size_t> bdat, replies;
  for (std::size_t i = 0; i < r.transcript.size(); ++i) {
    const auto& e = r.transcript[i];
    if (e.dir == Dir::Client && e.text.rfind("BDAT ", 0) == 0) bdat.push_back(i);
    if (e.dir == Dir::Server && !bdat.empty() && e.text.rfind("250", 0) == 0) replies.push_back(i);
  }
  REQUIRE(bdat.size() == 3);
  REQUIRE(replies.size() >= 3);
  // The transcript shows what was written when it was written: three commands (with their bytes), then three replies.
  CHECK(bdat.back() < replies.front());
  CHECK(r.transcript[replies[2]].text.find("queued") != std::string::npos);
  CHECK(r.message.server_reply.find("queued") != std::string::npos);
  CHECK_FALSE(test::wait_for_delivery(marker).empty());
}

TEST_CASE("BDAT pipelined past Postfix's message_size_limit: the refused chunk is named, the later replies are read",
          "[postfix][message][bdat]") {
  auto marker = unique_marker("bdat-too-big");
  ConnectionSettings s = noext_settings();
  s.port = test::port("MAILSTACK_SIZELIMIT_PORT");  // 100000 bytes at most, SIZE not offered
  TestRequest req;
  req.message = three_chunk_message(marker);
  req.message->from = "sender@example.test";
  auto r = run_session(s, req);
  REQUIRE_FALSE(r.ok);
  INFO(r.failure->message);
  CHECK(r.message.attempted);
  CHECK_FALSE(r.message.accepted);
  CHECK(r.failure->phase == Phase::Data);
  CHECK(r.failure->reply_code == 552);
  CHECK(r.failure->message.rfind("The server refused BDAT chunk 2 of 3 (BDAT 65536): 552 5.3.4", 0) == 0);
  const Event* last = client_line(r, "BDAT ");
  for (const auto& e : r.transcript)
    if (e.dir == Dir::Client && e.text.rfind("BDAT ", 0) == 0) last = &e;
  std::vector<std::string> replies;  // after the last chunk went out: one reply per chunk, in order
  for (std::size_t i = index_of(r, last); i < r.transcript.size(); ++i)
    if (r.transcript[i].dir == Dir::Server) replies.push_back(r.transcript[i].text.substr(0, 3));
  REQUIRE(replies.size() >= 3);
  CHECK(replies[0] == "250");
  CHECK(replies[1] == "552");  // "Chunk exceeds message size limit": the failure
  CHECK(replies[2] == "551");  // "Discarded ... bytes after earlier error": read and shown all the same
  CHECK(test::wait_for_delivery(marker, std::chrono::seconds(2)).empty());
}

// A step-mode session stepped through to its end (30 s at most): its result and every BDAT command it paused before.
std::pair<SessionResult, std::vector<std::string>> run_stepping(const ConnectionSettings& s, const TestRequest& req) {
  auto gate = std::make_shared<StepGate>();
  SessionOptions options;
  options.step_gate = gate;
  Session session(s, req, std::make_shared<EventQueue>(), options);
  session.start();
  std::vector<std::string> bdat_pauses;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!session.finished() && std::chrono::steady_clock::now() < until) {
    if (!gate->waiting()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    if (gate->pending().rfind("BDAT ", 0) == 0) bdat_pauses.push_back(gate->pending());
    gate->step();  // clears waiting() until the session pauses again
  }
  session.wait();
  return {session.take_result(), bdat_pauses};
}

TEST_CASE("Step mode pauses before each BDAT chunk, which carries its bytes when stepped", "[postfix][message][bdat][step]") {
  auto marker = unique_marker("bdat-step");
  MessageSpec spec;
  spec.from = test::fact("MAILSTACK_USER");
  spec.to = {"rcpt@example.test"};
  spec.subject = marker;
  spec.body_utf8 = std::string(70000, 'x') + "\n";
  spec.bdat = true;
  TestRequest req;
  req.message = spec;
  auto [r, bdat_pauses] = run_stepping(test::stack_settings("MAILSTACK_SUBMISSION_PORT"), req);
  INFO((r.failure ? r.failure->message : ""));
  REQUIRE(r.ok);
  REQUIRE(bdat_pauses.size() == 2);
  CHECK(bdat_pauses[0] == "BDAT 65536");
  CHECK(bdat_pauses[1].substr(bdat_pauses[1].size() - 5) == " LAST");
  CHECK_FALSE(test::wait_for_delivery(marker).empty());
}

TEST_CASE("Step mode pipelines no BDAT chunk: after Postfix refuses chunk 2, chunk 3 is never sent", "[postfix][message][bdat][step]") {
  ConnectionSettings s = noext_settings();
  s.port = test::port("MAILSTACK_SIZELIMIT_PORT");
  TestRequest req;
  req.message = three_chunk_message(unique_marker("bdat-step-too-big"));
  req.message->from = "sender@example.test";
  auto [r, bdat_pauses] = run_stepping(s, req);
  REQUIRE_FALSE(r.ok);
  INFO(r.failure->message);
  CHECK(bdat_pauses == std::vector<std::string>{"BDAT 65536", "BDAT 65536"});
  CHECK(r.failure->message.rfind("The server refused BDAT chunk 2 of 3 (BDAT 65536): 552", 0) == 0);
  for (const auto& e : r.transcript) CHECK_FALSE((e.dir == Dir::Client && e.text.find(" LAST") != std::string::npos));
}

#ifdef SMTPWB_WITH_GUI
#include "model/workbench.hpp"
#include "views/views.hpp"

// The window's Test email, through its model, as its frame loop drives it: the dialog's fields make the
// message, the run delivers it through Postfix, and on the listener without the extensions the run ends
// with the refusal's hint.
TEST_CASE("Window model: Test email with SMTPUTF8, BDAT and DSN through Postfix, and the refusal's hint",
          "[postfix][message][gui]") {
  test::TempDir dir;
  gui::Workbench wb(dir.path, std::make_unique<gui::MemorySecretStore>(), [] {});
  wb.load();
  wb.apply(gui::cmd::NewFromPreset{""});
  gui::Connection& c = *wb.selected();
  c.draft = test::stack_settings("MAILSTACK_SUBMISSION_PORT");
  c.draft.name = "submission";
  auto marker = unique_marker("window-ext");
  gui::ViewState vs;
  vs.email_from = test::fact("MAILSTACK_USER");
  vs.email_to = "zoë@example.test";
  vs.email_subject = marker + " Grüße";
  vs.email_smtputf8 = vs.email_bdat = true;
  vs.email_notify_failure = true;
  vs.email_dsn_ret = 2;
  vs.email_dsn_envid = "win 1";
  TestRequest req;
  req.message = gui::test_email_message(vs);
  auto finished = [&] {
    for (int i = 0; i < 1000 && !(c.current_run() && c.current_run()->finished); ++i) {
      wb.poll();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return c.current_run() && c.current_run()->finished;
  };
  wb.apply(gui::cmd::RunTest{c.id, req});
  REQUIRE(finished());
  const auto& ok = c.current_run()->result;
  INFO((ok.failure ? ok.failure->message : ""));
  REQUIRE(ok.ok);
  CHECK(ok.message.bdat_chunks == 1);
  CHECK(client_line(ok, "RCPT TO:<zoë@example.test> NOTIFY=FAILURE"));
  std::string delivered = test::wait_for_delivery(marker);
  REQUIRE_FALSE(delivered.empty());
  CHECK(header_line(delivered, "Subject") == "Subject: " + marker + " Grüße");

  c.draft = noext_settings();
  c.draft.name = "noext";
  vs.email_from = "sender@example.test";
  req.message = gui::test_email_message(vs);
  wb.apply(gui::cmd::RunTest{c.id, req});
  REQUIRE(finished());
  const auto& refused = c.current_run()->result;
  REQUIRE_FALSE(refused.ok);
  REQUIRE_FALSE(refused.hints.empty());
  CHECK(refused.hints.front().id == "smtputf8-not-offered");
}
#endif
