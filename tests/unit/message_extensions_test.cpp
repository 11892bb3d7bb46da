// The test message's SMTP extensions: SMTPUTF8 (RFC 6531/6532), BDAT (RFC 3030), DSN (RFC 3461) —
// their values, validation, the envelope parameters, BDAT framing, the flags and the JSON report.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <string>
#include <vector>

#include "check/check_args.hpp"
#include "check/check_setup.hpp"
#include "smtpwb/export.hpp"
#include "smtpwb/hints.hpp"
#include "smtpwb/report.hpp"
#include "smtpwb/settings.hpp"
#include "smtpwb/smtp/message.hpp"

using namespace smtpwb;
using Catch::Matchers::ContainsSubstring;

namespace {

TestRequest message_request(MessageSpec m) {
  TestRequest r;
  r.message = std::move(m);
  return r;
}

MessageSpec spec(std::string from, std::vector<std::string> to) {
  MessageSpec m;
  m.from = std::move(from);
  m.to = std::move(to);
  return m;
}

std::vector<FieldError> errors_for(const MessageSpec& m) { return validate(message_request(m)); }

bool has_error(const std::vector<FieldError>& errors, Field field, const std::string& part) {
  for (const auto& e : errors)
    if (e.field == field && e.problem.find(part) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("xtext: '+', '=', spaces, controls and 8-bit bytes become +XX", "[message][dsn]") {
  CHECK(xtext_encode("abc-123@example.org") == "abc-123@example.org");
  CHECK(xtext_encode("a+b=c") == "a+2Bb+3Dc");
  CHECK(xtext_encode("two words") == "two+20words");
  CHECK(xtext_encode("tab\there") == "tab+09here");
  CHECK(xtext_encode("\x7f") == "+7F");
  CHECK(xtext_encode("ö") == "+C3+B6");
  CHECK(xtext_encode("!~") == "!~");
  CHECK(xtext_encode("") == "");
}

TEST_CASE("DSN NOTIFY: NEVER alone, or SUCCESS, FAILURE and DELAY without repeats", "[message][dsn]") {
  CHECK(parse_dsn_notify("NEVER") == "NEVER");
  CHECK(parse_dsn_notify("never") == "NEVER");
  CHECK(parse_dsn_notify("SUCCESS,FAILURE,DELAY") == "SUCCESS,FAILURE,DELAY");
  CHECK(parse_dsn_notify("failure, delay") == "FAILURE,DELAY");
  CHECK(parse_dsn_notify("Success") == "SUCCESS");
  std::string problem;
  CHECK_FALSE(parse_dsn_notify("NEVER,SUCCESS", &problem));
  CHECK_THAT(problem, ContainsSubstring("NEVER stands alone"));
  CHECK_FALSE(parse_dsn_notify("SUCCESS,SUCCESS", &problem));
  CHECK_THAT(problem, ContainsSubstring("twice"));
  CHECK_FALSE(parse_dsn_notify("ALWAYS", &problem));
  CHECK_THAT(problem, ContainsSubstring("\"ALWAYS\" is not one of NEVER, SUCCESS, FAILURE, DELAY"));
  CHECK_FALSE(parse_dsn_notify("SUCCESS,", &problem));
  CHECK_FALSE(parse_dsn_notify("", &problem));
}

TEST_CASE("DSN RET: FULL or HDRS in any case", "[message][dsn]") {
  CHECK(parse_dsn_ret("full") == "FULL");
  CHECK(parse_dsn_ret("HDRS") == "HDRS");
  CHECK_FALSE(parse_dsn_ret("HEADERS"));
  CHECK_FALSE(parse_dsn_ret(""));
}

TEST_CASE("validate: a non-ASCII address needs SMTPUTF8, and then valid UTF-8", "[message][smtputf8][validate]") {
  auto m = spec("jörg@example.test", {"ascii@example.test", "отдел@пример.испытание"});
  auto errors = errors_for(m);
  REQUIRE(errors.size() == 2);
  CHECK(has_error(errors, Field::From, "non-ASCII"));
  CHECK(has_error(errors, Field::From, "--smtputf8"));
  CHECK(has_error(errors, Field::To, "SMTPUTF8"));
  m.smtputf8 = true;
  CHECK(errors_for(m).empty());
  m.from = "bad\xff@example.test";
  CHECK(has_error(errors_for(m), Field::From, "not valid UTF-8"));
  // A non-ASCII subject needs nothing: without SMTPUTF8 it is RFC 2047-encoded.
  auto subject_only = spec("a@example.test", {"b@example.test"});
  subject_only.subject = "Grüße";
  CHECK(errors_for(subject_only).empty());
}

TEST_CASE("validate: the DSN fields, each problem on its own field", "[message][dsn][validate]") {
  auto m = spec("a@example.test", {"b@example.test"});
  m.dsn_notify = "NEVER,DELAY";
  m.dsn_ret = "BODY";
  m.dsn_envid = "id with ümlaut";
  auto errors = errors_for(m);
  REQUIRE(errors.size() == 3);
  CHECK(has_error(errors, Field::DsnNotify, "NEVER stands alone"));
  CHECK(has_error(errors, Field::DsnRet, "FULL"));
  CHECK(has_error(errors, Field::DsnEnvid, "printable ASCII"));
  m.dsn_notify = "success,failure";
  m.dsn_ret = "hdrs";
  m.dsn_envid = "QQ314159 += x";
  CHECK(errors_for(m).empty());
  m.dsn_envid = std::string(90, '+');  // 270 characters as xtext
  CHECK(has_error(errors_for(m), Field::DsnEnvid, "100 characters"));
  m.dsn_envid = "line\r\nbreak";
  CHECK(has_error(errors_for(m), Field::DsnEnvid, "line break"));
  CHECK(to_string(Field::DsnNotify) == "message.dsn.notify");
  CHECK(to_string(Field::DsnEnvid) == "message.dsn.envid");
}

TEST_CASE("Envelope parameters: SMTPUTF8, RET and ENVID on MAIL FROM; NOTIFY and ORCPT on RCPT TO", "[message][dsn]") {
  auto m = spec("a@example.test", {"b@example.test"});
  CHECK(smtp::mail_parameters(m).empty());
  CHECK(smtp::rcpt_parameters(m, "b@example.test").empty());
  m.smtputf8 = true;
  CHECK(smtp::mail_parameters(m) == " SMTPUTF8");
  m.dsn_ret = "hdrs";
  m.dsn_envid = "env id+1";
  CHECK(smtp::mail_parameters(m) == " SMTPUTF8 RET=HDRS ENVID=env+20id+2B1");
  m.dsn_notify = "failure,delay";
  CHECK(smtp::rcpt_parameters(m, "b+tag@example.test") == " NOTIFY=FAILURE,DELAY ORCPT=rfc822;b+2Btag@example.test");
  // ORCPT's rfc822 type is ASCII only: a UTF-8 recipient gets RFC 6533's utf-8 type, UTF-8 as it is.
  CHECK(smtp::rcpt_parameters(m, "jörg+x@example.test") == " NOTIFY=FAILURE,DELAY ORCPT=utf-8;jörg\\x{2B}x@example.test");
  m.dsn_notify.clear();
  CHECK(smtp::rcpt_parameters(m, "b@example.test") == " ORCPT=rfc822;b@example.test");
  // Without SMTPUTF8 there is no unitext (and no UTF-8 recipient on the wire either): no ORCPT.
  m.smtputf8 = false;
  CHECK(smtp::rcpt_parameters(m, "jörg@example.test").empty());
}

TEST_CASE("ORCPT utf-8-addr-unitext (RFC 6533 3): UTF-8 as it is, '\\', '+', '=', space and controls as \\x{HEX}",
          "[message][dsn][smtputf8]") {
  CHECK(smtp::utf8_addr_unitext("zoë.müller@example.test") == "zoë.müller@example.test");
  CHECK(smtp::utf8_addr_unitext("用户@例子.广告") == "用户@例子.广告");
  CHECK(smtp::utf8_addr_unitext("😀@example.test") == "😀@example.test");
  // xtext's specials, which unitext escapes its own way: "\x{" HEXPOINT "}", never "+XX".
  CHECK(smtp::utf8_addr_unitext("a+b=c@example.test") == "a\\x{2B}b\\x{3D}c@example.test");
  CHECK(smtp::utf8_addr_unitext("back\\slash@example.test") == "back\\x{5C}slash@example.test");
  CHECK(smtp::utf8_addr_unitext("\"two words\"@example.test") == "\"two\\x{20}words\"@example.test");
  CHECK(smtp::utf8_addr_unitext("tab\t\x01\x7f") == "tab\\x{09}\\x{01}\\x{7F}");
  // Every other printable ASCII character (QCHAR) stays.
  CHECK(smtp::utf8_addr_unitext("!#$%&'*/?^_`{|}~-.@[]<>") == "!#$%&'*/?^_`{|}~-.@[]<>");
  CHECK(smtp::utf8_addr_unitext("") == "");
}

TEST_CASE("BDAT framing: chunks of the chunk size, the last one LAST, bytes unchanged", "[message][bdat]") {
  std::string message = "Subject: x\r\n\r\n.a leading dot stays single\r\n";
  auto one = smtp::bdat_chunks(message);
  REQUIRE(one.size() == 1);
  CHECK(one[0].command == "BDAT " + std::to_string(message.size()) + " LAST");
  CHECK(one[0].payload == message);

  auto chunks = smtp::bdat_chunks("0123456789", 4);
  REQUIRE(chunks.size() == 3);
  CHECK(chunks[0].command == "BDAT 4");
  CHECK(chunks[1].command == "BDAT 4");
  CHECK(chunks[2].command == "BDAT 2 LAST");
  CHECK(std::string(chunks[0].payload) + std::string(chunks[1].payload) + std::string(chunks[2].payload) == "0123456789");

  auto exact = smtp::bdat_chunks("01234567", 4);
  REQUIRE(exact.size() == 2);
  CHECK(exact[1].command == "BDAT 4 LAST");
  auto empty = smtp::bdat_chunks("");
  REQUIRE(empty.size() == 1);
  CHECK(empty[0].command == "BDAT 0 LAST");
  CHECK(smtp::kBdatChunkSize == 65536);
}

TEST_CASE("SMTPUTF8: headers are raw UTF-8 instead of RFC 2047 encoded words", "[message][smtputf8]") {
  auto m = spec("jörg@bücher.example", {"zoë@example.test"});
  m.subject = "Grüße aus Köln";
  m.body_utf8 = "Hallo\n";
  auto plain = smtp::build_message(m, "UTF-8", "mail.example", true);
  CHECK_THAT(plain.data, ContainsSubstring("Subject: =?UTF-8?B?"));
  m.smtputf8 = true;
  auto utf8 = smtp::build_message(m, "UTF-8", "mail.example", true);
  CHECK_THAT(utf8.data, ContainsSubstring("\r\nSubject: Grüße aus Köln\r\n"));
  CHECK_THAT(utf8.data, ContainsSubstring("\r\nFrom: jörg@bücher.example\r\n"));
  CHECK_THAT(utf8.data, ContainsSubstring("\r\nTo: zoë@example.test\r\n"));
  // The header stays UTF-8 whatever the body's code page is.
  auto latin1 = smtp::build_message(m, "ISO-8859-1", "mail.example", true);
  CHECK_THAT(latin1.data, ContainsSubstring("\r\nSubject: Grüße aus Köln\r\n"));
}

TEST_CASE("check: --smtputf8, --bdat and the --dsn flags reach the test message", "[check_args][message]") {
  app::CheckArgs a;
  REQUIRE_FALSE(app::parse_check_args({"--host", "mail.example.test", "--from", "jörg@example.test", "--to", "b@example.test",
                                       "--smtputf8", "--bdat", "--dsn-notify", "success,failure", "--dsn-ret", "hdrs",
                                       "--dsn-envid", "QQ314159"},
                                      a));
  app::CheckSetup setup;
  auto err = app::prepare_check(a, setup);
  REQUIRE_FALSE(err);
  REQUIRE(setup.request.message);
  const auto& m = *setup.request.message;
  CHECK(m.smtputf8);
  CHECK(m.bdat);
  CHECK(m.dsn_notify == "success,failure");
  CHECK(m.dsn_ret == "hdrs");
  CHECK(m.dsn_envid == "QQ314159");
}

TEST_CASE("check: the message extensions' usage and settings errors name their flags", "[check_args][message][errors]") {
  auto parse_error = [](std::vector<std::string> argv) {
    app::CheckArgs a;
    auto err = app::parse_check_args(argv, a);
    REQUIRE(err);
    return err->message;
  };
  CHECK_THAT(parse_error({"--host", "h.example", "--smtputf8"}), ContainsSubstring("need --from and --to"));
  CHECK_THAT(parse_error({"--host", "h.example", "--dsn-ret", "FULL"}), ContainsSubstring("need --from and --to"));
  CHECK_THAT(parse_error({"--host", "h.example", "--from", "a@x.example", "--to", "b@x.example", "--bdat", "--stop-after", "rcpt"}),
             ContainsSubstring("--bdat"));
  CHECK_THAT(parse_error({"--host", "h.example", "--from", "a@x.example", "--to", "b@x.example", "--dsn-notify="}),
             ContainsSubstring("--dsn-notify needs a value"));

  auto setup_lines = [](std::vector<std::string> argv) {
    app::CheckArgs a;
    REQUIRE_FALSE(app::parse_check_args(argv, a));
    app::CheckSetup setup;
    auto err = app::prepare_check(a, setup);
    REQUIRE(err);
    std::string all;
    for (const auto& l : err->lines) all += l + "\n";
    return all;
  };
  auto lines = setup_lines({"--host", "h.example", "--from", "jörg@x.example", "--to", "b@x.example", "--dsn-notify", "NEVER,DELAY",
                            "--dsn-ret", "ALL", "--dsn-envid", "ä"});
  CHECK_THAT(lines, ContainsSubstring("--from: \"jörg@x.example\" has non-ASCII characters"));
  CHECK_THAT(lines, ContainsSubstring("(check: --smtputf8)"));
  CHECK_THAT(lines, ContainsSubstring("--dsn-notify: NEVER stands alone"));
  CHECK_THAT(lines, ContainsSubstring("--dsn-ret: \"ALL\" is not one of FULL"));
  CHECK_THAT(lines, ContainsSubstring("--dsn-envid: has characters other than printable ASCII"));
}

TEST_CASE("JSON report: message.smtputf8, message.bdat, message.bdat_chunks and message.dsn", "[report][message]") {
  ConnectionSettings s;
  s.address = "mail.example.test";
  auto m = spec("a@example.test", {"b@example.test"});
  SessionResult r;
  r.message.attempted = true;
  auto plain = report_json(s, message_request(m), r);
  CHECK(plain["message"]["smtputf8"] == false);
  CHECK(plain["message"]["bdat"] == false);
  CHECK(plain["message"]["bdat_chunks"] == 0);
  CHECK(plain["message"]["dsn"].is_null());

  m.smtputf8 = m.bdat = true;
  m.dsn_notify = "failure , delay";
  m.dsn_envid = "QQ 1";
  r.message.bdat_chunks = 2;
  auto report = report_json(s, message_request(m), r);
  CHECK(report["message"]["smtputf8"] == true);
  CHECK(report["message"]["bdat"] == true);
  CHECK(report["message"]["bdat_chunks"] == 2);
  CHECK(report["message"]["dsn"]["notify"] == "FAILURE,DELAY");
  CHECK(report["message"]["dsn"]["ret"].is_null());
  CHECK(report["message"]["dsn"]["envid"] == "QQ 1");
}

TEST_CASE("Equivalent commands say which of the message's extensions they leave out", "[export][message]") {
  ConnectionSettings s;
  s.address = "mail.example.test";
  auto m = spec("jörg@example.test", {"b@example.test"});
  m.smtputf8 = m.bdat = true;
  m.dsn_ret = "FULL";
  for (const auto& c : equivalent_commands(s, message_request(m))) {
    INFO(c.tool << ": " << c.note);
    if (c.tool == "swaks") CHECK_THAT(c.note, ContainsSubstring("SMTPUTF8, BDAT, DSN"));
    if (c.tool == "curl") CHECK_THAT(c.note, ContainsSubstring("no option for BDAT, DSN"));
  }
}

TEST_CASE("Hints: the three refusals match their cause and the missing EHLO keyword", "[hints][message]") {
  ConnectionSettings s;
  s.address = "mail.example.test";
  s.port = 587;
  struct Case {
    FailureCause cause;
    const char* keyword;
    const char* id;
  };
  for (const auto& c : {Case{FailureCause::NoSmtpUtf8, "SMTPUTF8", "smtputf8-not-offered"},
                        Case{FailureCause::NoChunking, "CHUNKING", "chunking-not-offered"},
                        Case{FailureCause::NoDsn, "DSN", "dsn-not-offered"}}) {
    SessionResult r;
    r.server.capabilities_after_tls = {"PIPELINING", "SIZE 10240000", "8BITMIME"};
    r.failure = Failure{};
    r.failure->category = FailureCategory::Smtp;
    r.failure->phase = Phase::Mail;
    r.failure->cause = c.cause;
    r.failure->message = "reworded freely";
    auto hints = HintCatalogue::builtin().match(s, r);
    REQUIRE_FALSE(hints.empty());
    CHECK(hints.front().id == c.id);
    CHECK_THAT(hints.front().explanation, ContainsSubstring("mail.example.test:587"));
    r.server.capabilities_after_tls.push_back(c.keyword);  // offered after all: not this hint
    for (const auto& h : HintCatalogue::builtin().match(s, r)) CHECK(h.id != c.id);
  }
  CHECK(failure_cause_from("no-smtputf8") == FailureCause::NoSmtpUtf8);
  CHECK(to_string(FailureCause::NoChunking) == "no-chunking");
  CHECK(to_string(FailureCause::NoDsn) == "no-dsn");
}
