// smtp::Capabilities::from_ehlo (RFC 5321 4.1.1.1, RFC 1869) on real-world EHLO replies.
#include <catch2/catch_test_macros.hpp>

#include <string>
#include <vector>

#include <chrono>

#include "smtpwb/net/io.hpp"
#include "smtpwb/smtp/capabilities.hpp"
#include "smtpwb/smtp/reply.hpp"

using smtpwb::smtp::Capabilities;
using smtpwb::smtp::Reply;
using smtpwb::smtp::ReplyParser;

namespace {
// Goes through the real parser, as the session does.
Reply parse(const std::string& wire) {
  ReplyParser p;
  p.feed(wire);
  Reply r;
  REQUIRE(p.next(r) == ReplyParser::Status::Complete);
  REQUIRE(p.buffered() == 0);
  return r;
}

const char* kGmail =
    "250-smtp.gmail.com at your service, [1.2.3.4]\r\n"
    "250-SIZE 35882577\r\n"
    "250-8BITMIME\r\n"
    "250-AUTH LOGIN PLAIN XOAUTH2 PLAIN-CLIENTTOKEN OAUTHBEARER XOAUTH\r\n"
    "250-ENHANCEDSTATUSCODES\r\n"
    "250-PIPELINING\r\n"
    "250-CHUNKING\r\n"
    "250 SMTPUTF8\r\n";

// Postfix with broken_sasl_auth_clients = yes announces AUTH twice.
const char* kPostfix =
    "250-mail.example.org\r\n"
    "250-PIPELINING\r\n"
    "250-SIZE 10240000\r\n"
    "250-VRFY\r\n"
    "250-ETRN\r\n"
    "250-STARTTLS\r\n"
    "250-AUTH PLAIN LOGIN\r\n"
    "250-AUTH=PLAIN LOGIN\r\n"
    "250-ENHANCEDSTATUSCODES\r\n"
    "250-8BITMIME\r\n"
    "250-DSN\r\n"
    "250-SMTPUTF8\r\n"
    "250 CHUNKING\r\n";

const char* kExchange =
    "250-EX01.contoso.local Hello [10.0.0.15]\r\n"
    "250-SIZE 37748736\r\n"
    "250-PIPELINING\r\n"
    "250-DSN\r\n"
    "250-ENHANCEDSTATUSCODES\r\n"
    "250-STARTTLS\r\n"
    "250-X-ANONYMOUSTLS\r\n"
    "250-AUTH NTLM\r\n"
    "250-X-EXPS GSSAPI NTLM\r\n"
    "250-8BITMIME\r\n"
    "250-BINARYMIME\r\n"
    "250-CHUNKING\r\n"
    "250 XRDST\r\n";
}  // namespace

TEST_CASE("Capabilities: Gmail", "[capabilities]") {
  auto caps = Capabilities::from_ehlo(parse(kGmail));
  CHECK(caps.greeting_domain() == "smtp.gmail.com");
  CHECK(caps.all().size() == 7);
  for (const char* k : {"SIZE", "8BITMIME", "AUTH", "ENHANCEDSTATUSCODES", "PIPELINING", "CHUNKING", "SMTPUTF8"})
    CHECK(caps.has(k));
  CHECK_FALSE(caps.has("STARTTLS"));
  CHECK_FALSE(caps.has("DSN"));
  CHECK(caps.size_limit() == 35882577ULL);
  CHECK(caps.auth_mechanisms() ==
        std::vector<std::string>{"LOGIN", "PLAIN", "XOAUTH2", "PLAIN-CLIENTTOKEN", "OAUTHBEARER", "XOAUTH"});
  CHECK(caps.lines() == std::vector<std::string>{"SIZE 35882577", "8BITMIME",
                                                  "AUTH LOGIN PLAIN XOAUTH2 PLAIN-CLIENTTOKEN OAUTHBEARER XOAUTH",
                                                  "ENHANCEDSTATUSCODES", "PIPELINING", "CHUNKING", "SMTPUTF8"});
}

TEST_CASE("Capabilities: Postfix with both AUTH forms", "[capabilities]") {
  auto caps = Capabilities::from_ehlo(parse(kPostfix));
  CHECK(caps.greeting_domain() == "mail.example.org");
  CHECK(caps.has("STARTTLS"));
  CHECK(caps.has("VRFY"));
  CHECK(caps.size_limit() == 10240000ULL);
  // Deduplicated across "AUTH PLAIN LOGIN" and "AUTH=PLAIN LOGIN".
  CHECK(caps.auth_mechanisms() == std::vector<std::string>{"PLAIN", "LOGIN"});
  auto lines = caps.lines();
  REQUIRE(lines.size() == 12);
  CHECK(lines[5] == "AUTH PLAIN LOGIN");
  CHECK(lines[6] == "AUTH=PLAIN LOGIN");
  CHECK(lines.back() == "CHUNKING");
}

TEST_CASE("Capabilities: Exchange", "[capabilities]") {
  auto caps = Capabilities::from_ehlo(parse(kExchange));
  CHECK(caps.greeting_domain() == "EX01.contoso.local");
  CHECK(caps.size_limit() == 37748736ULL);
  CHECK(caps.auth_mechanisms() == std::vector<std::string>{"NTLM"});  // X-EXPS is not AUTH
  CHECK(caps.has("x-anonymoustls"));
  CHECK(caps.has("BINARYMIME"));
  const auto* exps = caps.find("X-EXPS");
  REQUIRE(exps != nullptr);
  CHECK(exps->keyword == "X-EXPS");
  CHECK(exps->params == std::vector<std::string>{"GSSAPI", "NTLM"});
  CHECK(caps.find("SMTPUTF8") == nullptr);
}

TEST_CASE("Capabilities: has() and find() ignore case; keywords are upper-cased, params kept", "[capabilities]") {
  auto caps = Capabilities::from_ehlo(parse("250-mx.example.net\r\n250-starttls\r\n250-Size 5000\r\n250 auth plain Login\r\n"));
  CHECK(caps.has("STARTTLS"));
  CHECK(caps.has("StartTLS"));
  CHECK(caps.has("starttls"));
  CHECK_FALSE(caps.has("START"));
  CHECK_FALSE(caps.has(""));
  const auto* size = caps.find("size");
  REQUIRE(size != nullptr);
  CHECK(size->keyword == "SIZE");
  CHECK(caps.size_limit() == 5000ULL);
  const auto* auth = caps.find("AUTH");
  REQUIRE(auth != nullptr);
  CHECK(auth->params == std::vector<std::string>{"plain", "Login"});  // as sent
  CHECK(caps.auth_mechanisms() == std::vector<std::string>{"PLAIN", "LOGIN"});  // upper-cased
}

TEST_CASE("Capabilities: old AUTH= form alone", "[capabilities]") {
  auto caps = Capabilities::from_ehlo(parse("250-old.example.com\r\n250-AUTH=LOGIN PLAIN\r\n250 8BITMIME\r\n"));
  CHECK(caps.auth_mechanisms() == std::vector<std::string>{"LOGIN", "PLAIN"});
  CHECK(caps.lines() == std::vector<std::string>{"AUTH=LOGIN PLAIN", "8BITMIME"});
  CHECK(caps.has("8BITMIME"));
}

TEST_CASE("Capabilities: lower-case auth= form and duplicate mechanisms", "[capabilities]") {
  auto caps = Capabilities::from_ehlo(
      parse("250-x.example\r\n250-auth=login\r\n250-AUTH CRAM-MD5 login PLAIN plain\r\n250 OK\r\n"));
  CHECK(caps.auth_mechanisms() == std::vector<std::string>{"LOGIN", "CRAM-MD5", "PLAIN"});
}

TEST_CASE("Capabilities: no AUTH at all", "[capabilities]") {
  auto caps = Capabilities::from_ehlo(parse("250-relay.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n"));
  CHECK(caps.auth_mechanisms().empty());
  CHECK_FALSE(caps.has("AUTH"));
}

TEST_CASE("Capabilities: SIZE", "[capabilities]") {
  auto limit_of = [](const std::string& size_line) {
    return Capabilities::from_ehlo(parse("250-h.example\r\n250 " + size_line + "\r\n")).size_limit();
  };
  CHECK(limit_of("SIZE 52428800") == 52428800ULL);
  CHECK(limit_of("SIZE 0") == 0ULL);  // RFC 1870: 0 means no fixed limit; still a number
  CHECK(limit_of("SIZE 18446744073709551615") == 18446744073709551615ULL);
  CHECK_FALSE(limit_of("SIZE").has_value());
  CHECK_FALSE(limit_of("SIZE abc").has_value());
  CHECK_FALSE(limit_of("SIZE 10M").has_value());
  CHECK_FALSE(limit_of("SIZE -1").has_value());
  CHECK_FALSE(limit_of("SIZE 18446744073709551616").has_value());  // overflow
  CHECK_FALSE(limit_of("PIPELINING").has_value());
}

TEST_CASE("Capabilities: greeting_domain and odd replies", "[capabilities]") {
  SECTION("single-line EHLO reply has a greeting and no capabilities") {
    auto caps = Capabilities::from_ehlo(parse("250 tiny.example.com\r\n"));
    CHECK(caps.greeting_domain() == "tiny.example.com");
    CHECK(caps.all().empty());
    CHECK(caps.lines().empty());
  }
  SECTION("greeting with extra words") {
    auto caps = Capabilities::from_ehlo(parse("250-mx.google.com at your service\r\n250 SIZE 1\r\n"));
    CHECK(caps.greeting_domain() == "mx.google.com");
  }
  SECTION("empty capability lines are skipped") {
    auto caps = Capabilities::from_ehlo(parse("250-h.example\r\n250-\r\n250-   \r\n250 DSN\r\n"));
    CHECK(caps.lines() == std::vector<std::string>{"DSN"});
  }
  SECTION("extra white space between parameters") {
    auto caps = Capabilities::from_ehlo(parse("250-h.example\r\n250 AUTH  PLAIN\tLOGIN \r\n"));
    CHECK(caps.auth_mechanisms() == std::vector<std::string>{"PLAIN", "LOGIN"});
    CHECK(caps.lines() == std::vector<std::string>{"AUTH PLAIN LOGIN"});
  }
  SECTION("a reply without lines") {
    Reply r;
    r.code = 250;
    auto caps = Capabilities::from_ehlo(r);
    CHECK(caps.greeting_domain().empty());
    CHECK(caps.all().empty());
  }
  SECTION("default-constructed") {
    Capabilities caps;
    CHECK_FALSE(caps.has("SIZE"));
    CHECK_FALSE(caps.size_limit().has_value());
    CHECK(caps.auth_mechanisms().empty());
  }
}

TEST_CASE("Capabilities: a 1000-line EHLO full of AUTH tokens is linear and capped", "[capabilities][hostile]") {
  std::string wire = "250-h.example\r\n";
  for (int line = 0; line < 998; ++line) {
    wire += "250-AUTH";
    for (int token = 0; token < 100; ++token) wire += " M" + std::to_string(line) + "x" + std::to_string(token);
    wire += "\r\n";
  }
  wire += "250 AUTH PLAIN m0X0\r\n";  // duplicates, in another case, count once
  auto started = std::chrono::steady_clock::now();
  auto caps = Capabilities::from_ehlo(parse(wire));
  auto mechs = caps.auth_mechanisms();
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  INFO("99 800 tokens in " << seconds << " s");
  REQUIRE(mechs.size() == 100);  // the first 100 distinct mechanisms, in order
  CHECK(mechs.front() == "M0X0");
  CHECK(mechs.back() == "M0X99");
  CHECK(caps.auth_mechanisms_capped());
  CHECK(seconds < 5);  // about 0.1 s; quadratically it took far longer (see the commit)
  CHECK_FALSE(Capabilities::from_ehlo(parse("250-h\r\n250 AUTH PLAIN plain LOGIN\r\n")).auth_mechanisms_capped());
}

TEST_CASE("Capabilities: cancel stops parsing a huge EHLO", "[capabilities][hostile]") {
  std::string wire = "250-h.example\r\n";
  for (int line = 0; line < 998; ++line) wire += "250-X" + std::to_string(line) + " a b c\r\n";
  wire += "250 DSN\r\n";
  auto reply = parse(wire);
  smtpwb::net::CancelFlag cancel{true};
  CHECK_THROWS_AS(Capabilities::from_ehlo(reply, &cancel), smtpwb::net::Cancelled);
  smtpwb::net::CancelFlag go_on{false};
  CHECK(Capabilities::from_ehlo(reply, &go_on).all().size() == 999);
}
