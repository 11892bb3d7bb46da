// smtp::ReplyParser and smtp::Reply (RFC 5321 4.2, RFC 3463 enhanced status codes).
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <string>
#include <vector>

#include "smtpwb/smtp/reply.hpp"

using smtpwb::smtp::parse_enhanced_code;
using smtpwb::smtp::Reply;
using smtpwb::smtp::ReplyParser;
using Status = ReplyParser::Status;
using Catch::Matchers::ContainsSubstring;

namespace {
// Feeds text in one go and returns the status of the first next().
Status parse_one(const std::string& text, Reply& out, ReplyParser& p) {
  p.feed(text);
  return p.next(out);
}
}  // namespace

TEST_CASE("ReplyParser: single-line reply", "[reply]") {
  ReplyParser p;
  Reply r;
  REQUIRE(parse_one("220 mail.example.com ESMTP Postfix\r\n", r, p) == Status::Complete);
  CHECK(r.code == 220);
  REQUIRE(r.lines.size() == 1);
  CHECK(r.lines[0] == "mail.example.com ESMTP Postfix");
  CHECK(r.enhanced.empty());
  CHECK(r.kind() == 2);
  CHECK(r.positive());
  CHECK(r.is(220));
  CHECK_FALSE(r.is(250));
  CHECK(p.buffered() == 0);
  CHECK(p.error().empty());
  // Nothing more to read.
  Reply again;
  CHECK(p.next(again) == Status::Incomplete);
}

TEST_CASE("ReplyParser: incomplete input is Incomplete, not an error", "[reply]") {
  ReplyParser p;
  Reply r;
  CHECK(p.next(r) == Status::Incomplete);
  p.feed("250 partial");
  CHECK(p.next(r) == Status::Incomplete);
  CHECK(p.buffered() == 11);
  p.feed("\r\n");
  REQUIRE(p.next(r) == Status::Complete);
  CHECK(r.lines == std::vector<std::string>{"partial"});
}

TEST_CASE("ReplyParser: multi-line reply", "[reply]") {
  ReplyParser p;
  Reply r;
  const std::string text =
      "250-mail.example.com\r\n"
      "250-PIPELINING\r\n"
      "250-SIZE 10240000\r\n"
      "250 8BITMIME\r\n";
  REQUIRE(parse_one(text, r, p) == Status::Complete);
  CHECK(r.code == 250);
  CHECK(r.lines == std::vector<std::string>{"mail.example.com", "PIPELINING", "SIZE 10240000", "8BITMIME"});
  CHECK(r.text() == "mail.example.com\nPIPELINING\nSIZE 10240000\n8BITMIME");
  CHECK(r.first_line() == "250 mail.example.com");
}

TEST_CASE("ReplyParser: a multi-line reply is not complete before its last line", "[reply]") {
  ReplyParser p;
  Reply r;
  p.feed("250-first\r\n250-second\r\n");
  CHECK(p.next(r) == Status::Incomplete);
  CHECK(p.buffered() == 23);  // nothing consumed yet
  p.feed("250 last\r\n");
  REQUIRE(p.next(r) == Status::Complete);
  CHECK(r.lines == std::vector<std::string>{"first", "second", "last"});
  CHECK(p.buffered() == 0);
}

TEST_CASE("ReplyParser: fed byte by byte", "[reply]") {
  const std::string text = "250-smtp.example.org\r\n250-AUTH PLAIN LOGIN\r\n250 2.0.0 ready\r\n";
  ReplyParser p;
  Reply r;
  int completes = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    p.feed(text.substr(i, 1));
    auto st = p.next(r);
    REQUIRE(st != Status::Malformed);
    if (st == Status::Complete) {
      ++completes;
      CHECK(i == text.size() - 1);  // only the very last byte completes it
    }
  }
  REQUIRE(completes == 1);
  CHECK(r.code == 250);
  CHECK(r.lines == std::vector<std::string>{"smtp.example.org", "AUTH PLAIN LOGIN", "2.0.0 ready"});
  // The enhanced code is only looked for on the first line.
  CHECK(r.enhanced.empty());
}

TEST_CASE("ReplyParser: several replies in one feed (pipelining)", "[reply]") {
  ReplyParser p;
  const std::string a = "250 2.1.0 Ok\r\n";
  const std::string b = "250 2.1.5 Ok\r\n";
  const std::string c = "354 End data with <CR><LF>.<CR><LF>\r\n";
  p.feed(a + b + c);
  CHECK(p.buffered() == a.size() + b.size() + c.size());

  Reply r;
  REQUIRE(p.next(r) == Status::Complete);
  CHECK(r.code == 250);
  CHECK(r.enhanced == "2.1.0");
  CHECK(p.buffered() == b.size() + c.size());

  REQUIRE(p.next(r) == Status::Complete);
  CHECK(r.code == 250);
  CHECK(r.enhanced == "2.1.5");
  CHECK(p.buffered() == c.size());

  REQUIRE(p.next(r) == Status::Complete);
  CHECK(r.code == 354);
  CHECK(r.lines == std::vector<std::string>{"End data with <CR><LF>.<CR><LF>"});
  CHECK(p.buffered() == 0);

  CHECK(p.next(r) == Status::Incomplete);
}

TEST_CASE("ReplyParser: many pipelined replies keep their order", "[reply]") {
  // Enough bytes to exercise the buffer compaction (more than 64 KiB consumed).
  ReplyParser p;
  std::string all;
  for (int i = 0; i < 5000; ++i) all += "250 2.1.5 recipient " + std::to_string(i) + " ok\r\n";
  p.feed(all);
  Reply r;
  for (int i = 0; i < 5000; ++i) {
    REQUIRE(p.next(r) == Status::Complete);
    REQUIRE(r.lines.front() == "2.1.5 recipient " + std::to_string(i) + " ok");
  }
  CHECK(p.next(r) == Status::Incomplete);
  CHECK(p.buffered() == 0);
  p.feed("221 2.0.0 Bye\r\n");
  REQUIRE(p.next(r) == Status::Complete);
  CHECK(r.code == 221);
}

TEST_CASE("ReplyParser: LF-only line ends are accepted", "[reply]") {
  ReplyParser p;
  Reply r;
  REQUIRE(parse_one("250-one\n250 two\n", r, p) == Status::Complete);
  CHECK(r.lines == std::vector<std::string>{"one", "two"});
  CHECK(p.raw_lines() == std::vector<std::string>{"250-one", "250 two"});
}

TEST_CASE("ReplyParser: enhanced status codes", "[reply][enhanced]") {
  SECTION("535 5.7.8") {
    ReplyParser p;
    Reply r;
    REQUIRE(parse_one("535 5.7.8 Error: authentication failed: authentication failure\r\n", r, p) == Status::Complete);
    CHECK(r.code == 535);
    CHECK(r.enhanced == "5.7.8");
    CHECK_FALSE(r.positive());
    CHECK(r.first_line() == "535 5.7.8 Error: authentication failed: authentication failure");
  }
  SECTION("250 2.0.0 Ok") {
    ReplyParser p;
    Reply r;
    REQUIRE(parse_one("250 2.0.0 Ok\r\n", r, p) == Status::Complete);
    CHECK(r.enhanced == "2.0.0");
  }
  SECTION("three-digit subject and detail") {
    ReplyParser p;
    Reply r;
    REQUIRE(parse_one("452 4.5.3 Error: too many recipients\r\n", r, p) == Status::Complete);
    CHECK(r.enhanced == "4.5.3");
    CHECK(parse_enhanced_code("5.123.456 text", 550) == "5.123.456");
  }
  SECTION("class digit must match the reply code") {
    ReplyParser p;
    Reply r;
    REQUIRE(parse_one("550 4.1.1 <nobody@example.com>: Recipient address rejected\r\n", r, p) == Status::Complete);
    CHECK(r.code == 550);
    CHECK(r.enhanced.empty());
  }
  SECTION("a domain name is not an enhanced code") {
    ReplyParser p;
    Reply r;
    REQUIRE(parse_one("250 hello.example\r\n", r, p) == Status::Complete);
    CHECK(r.enhanced.empty());
  }
  SECTION("an IP address is not an enhanced code") {
    CHECK(parse_enhanced_code("1.2.3.4 greets you", 250).empty());
    CHECK(parse_enhanced_code("2.0.0.1 x", 250).empty());
  }
  SECTION("class 3 does not exist") {
    CHECK(parse_enhanced_code("3.0.0 go ahead", 354).empty());
  }
  SECTION("the code is a whole token") {
    CHECK(parse_enhanced_code("2.0.0", 250) == "2.0.0");
    CHECK(parse_enhanced_code("2.0.0\tOk", 250) == "2.0.0");
    CHECK(parse_enhanced_code("2.0.0x Ok", 250).empty());
    CHECK(parse_enhanced_code("2.0. Ok", 250).empty());
    CHECK(parse_enhanced_code("2.1234.0 Ok", 250).empty());
    CHECK(parse_enhanced_code("", 250).empty());
  }
}

TEST_CASE("ReplyParser: malformed replies", "[reply][malformed]") {
  ReplyParser p;
  Reply r;
  std::string input;
  std::string expect;
  SECTION("non-digit code") {
    input = "2x0 hello\r\n";
    expect = "three-digit code";
  }
  SECTION("text instead of a reply") {
    input = "HTTP/1.1 400 Bad Request\r\n";
    expect = "three-digit code";
  }
  SECTION("line shorter than a code") {
    input = "25\r\n";
    expect = "three-digit code";
  }
  SECTION("code below 200") {
    input = "199 x\r\n";
    expect = "199";
  }
  SECTION("code above 599") {
    input = "600 x\r\n";
    expect = "600";
  }
  SECTION("continuation with a different code") {
    input = "250-a\r\n251 b\r\n";
    expect = "251";
  }
  SECTION("bad separator") {
    input = "250xhello\r\n";
    expect = "'x'";
  }
  REQUIRE(parse_one(input, r, p) == Status::Malformed);
  CHECK_FALSE(p.error().empty());
  CHECK_THAT(p.error(), ContainsSubstring(expect));
  // The parser stays unusable afterwards, even when good data follows.
  p.feed("250 fine\r\n");
  CHECK(p.next(r) == Status::Malformed);
}

TEST_CASE("ReplyParser: a failed reply does not overwrite the output", "[reply][malformed]") {
  ReplyParser p;
  Reply r;
  r.code = 123;
  REQUIRE(parse_one("250-a\r\n550 b\r\n", r, p) == Status::Malformed);
  CHECK(r.code == 123);
  CHECK_THAT(p.error(), ContainsSubstring("550") && ContainsSubstring("250"));
}

TEST_CASE("ReplyParser: oversized lines", "[reply][limits]") {
  constexpr auto kMax = ReplyParser::kMaxLineBytes;
  const std::string size_text = std::to_string(kMax);

  SECTION("a complete line longer than the limit") {
    ReplyParser p;
    Reply r;
    REQUIRE(parse_one("250 " + std::string(kMax, 'a') + "\r\n", r, p) == Status::Malformed);
    CHECK_THAT(p.error(), ContainsSubstring(size_text));
  }
  SECTION("a line longer than the limit without a line end") {
    ReplyParser p;
    Reply r;
    p.feed("250 ");
    p.feed(std::string(kMax, 'a'));
    REQUIRE(p.next(r) == Status::Malformed);
    CHECK_THAT(p.error(), ContainsSubstring(size_text));
    CHECK_THAT(p.error(), ContainsSubstring("without a line end"));
  }
  SECTION("a line of exactly the limit is accepted") {
    ReplyParser p;
    Reply r;
    std::string line = "250 " + std::string(kMax - 4, 'b');
    REQUIRE(line.size() == kMax);
    REQUIRE(parse_one(line + "\r\n", r, p) == Status::Complete);
    CHECK(r.lines.front().size() == kMax - 4);
  }
  SECTION("a long line without a line end yet, but within the limit, is just incomplete") {
    ReplyParser p;
    Reply r;
    p.feed("250 " + std::string(kMax - 4, 'c'));
    CHECK(p.next(r) == Status::Incomplete);
    p.feed("\r\n");
    CHECK(p.next(r) == Status::Complete);
  }
}

// Regression test; the bug was in (engine/src/smtp/reply.cpp:64): the "no line end yet" limit counts the CR of a pending CRLF,
// so a line of exactly kMaxLineBytes is accepted when CRLF arrives in one read but rejected when
// the read boundary falls between CR and LF. The outcome must not depend on how TCP splits the data.
TEST_CASE("ReplyParser: a maximal line split between CR and LF is accepted", "[reply][limits]") {
  constexpr auto kMax = ReplyParser::kMaxLineBytes;
  ReplyParser p;
  Reply r;
  p.feed("250 " + std::string(kMax - 4, 'b') + "\r");
  REQUIRE(p.next(r) == Status::Incomplete);
  p.feed("\n");
  REQUIRE(p.next(r) == Status::Complete);
  CHECK(r.lines.front().size() == kMax - 4);
}

TEST_CASE("ReplyParser: too many lines", "[reply][limits]") {
  constexpr auto kLines = ReplyParser::kMaxReplyLines;
  SECTION("one more than the limit is malformed") {
    std::string text;
    for (std::size_t i = 0; i < kLines; ++i) text += "250-line\r\n";
    text += "250 last\r\n";
    ReplyParser p;
    Reply r;
    REQUIRE(parse_one(text, r, p) == Status::Malformed);
    CHECK_THAT(p.error(), ContainsSubstring(std::to_string(kLines)));
  }
  SECTION("exactly the limit is fine") {
    std::string text;
    for (std::size_t i = 0; i + 1 < kLines; ++i) text += "250-line\r\n";
    text += "250 last\r\n";
    ReplyParser p;
    Reply r;
    REQUIRE(parse_one(text, r, p) == Status::Complete);
    CHECK(r.lines.size() == kLines);
    CHECK(r.lines.back() == "last");
  }
}

TEST_CASE("ReplyParser: a bare code line is a valid reply", "[reply]") {
  ReplyParser p;
  Reply r;
  REQUIRE(parse_one("250\r\n", r, p) == Status::Complete);
  CHECK(r.code == 250);
  REQUIRE(r.lines.size() == 1);
  CHECK(r.lines[0].empty());
  CHECK(r.first_line() == "250 ");
  CHECK(r.enhanced.empty());
}

TEST_CASE("ReplyParser: a bare continuation line is a valid line", "[reply]") {
  ReplyParser p;
  Reply r;
  REQUIRE(parse_one("250-\r\n250 end\r\n", r, p) == Status::Complete);
  CHECK(r.lines == std::vector<std::string>{"", "end"});
}

TEST_CASE("ReplyParser: take_buffered returns the bytes after a complete reply (STARTTLS injection)", "[reply]") {
  ReplyParser p;
  Reply r;
  p.feed("220 go\r\n250 injected\r\n");
  REQUIRE(p.next(r) == Status::Complete);
  CHECK(r.code == 220);
  CHECK(r.lines.front() == "go");
  CHECK(p.buffered() == 14);
  CHECK(p.take_buffered() == "250 injected\r\n");
  CHECK(p.buffered() == 0);
  CHECK(p.next(r) == Status::Incomplete);
  // The parser keeps working on what comes after.
  p.feed("250 after\r\n");
  REQUIRE(p.next(r) == Status::Complete);
  CHECK(r.lines.front() == "after");
}

TEST_CASE("ReplyParser: take_buffered with a partial line", "[reply]") {
  ReplyParser p;
  Reply r;
  p.feed("220 ready\r\n\x16\x03\x01");
  REQUIRE(p.next(r) == Status::Complete);
  CHECK(p.take_buffered() == "\x16\x03\x01");
  CHECK(p.take_buffered().empty());
}

TEST_CASE("ReplyParser: raw_lines matches what was received", "[reply]") {
  ReplyParser p;
  Reply r;
  p.feed("250-mail.example.com Hello\r\n250-SIZE 1000\r\n250 HELP\r\n550 5.1.1 no\r\n");
  REQUIRE(p.next(r) == Status::Complete);
  CHECK(p.raw_lines() == std::vector<std::string>{"250-mail.example.com Hello", "250-SIZE 1000", "250 HELP"});
  REQUIRE(p.next(r) == Status::Complete);
  CHECK(p.raw_lines() == std::vector<std::string>{"550 5.1.1 no"});
  CHECK(r.enhanced == "5.1.1");
}

TEST_CASE("Reply::first_line and text", "[reply]") {
  Reply r;
  r.code = 535;
  r.lines = {"5.7.8 Error: authentication failed", "second"};
  CHECK(r.first_line() == "535 5.7.8 Error: authentication failed");
  CHECK(r.text() == "5.7.8 Error: authentication failed\nsecond");
  Reply empty;
  empty.code = 421;
  CHECK(empty.first_line() == "421");
  CHECK(empty.text().empty());
  CHECK(empty.kind() == 4);
  CHECK_FALSE(empty.positive());
}

TEST_CASE("foreign_protocol names another service's greeting where SMTP was expected", "[reply]") {
  using smtpwb::smtp::foreign_protocol;
  using smtpwb::ForeignProtocol;
  CHECK(foreign_protocol("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n") == ForeignProtocol::Ssh);
  CHECK(foreign_protocol("HTTP/1.1 400 Bad Request\r\nServer: nginx\r\n") == ForeignProtocol::Http);
  CHECK(foreign_protocol("* OK [CAPABILITY IMAP4rev1 SASL-IR] Dovecot (Debian) ready.\r\n") == ForeignProtocol::Imap);
  CHECK(foreign_protocol("+OK Dovecot (Debian) ready.\r\n") == ForeignProtocol::Pop3);
  CHECK(foreign_protocol("220 mail.example.com ESMTP\r\n") == ForeignProtocol::None);
  CHECK(foreign_protocol("") == ForeignProtocol::None);
  CHECK(foreign_protocol("\x80\x81 binary") == ForeignProtocol::None);
}
