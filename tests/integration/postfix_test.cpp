// The engine against a real Postfix + Dovecot SASL (tests/servers/mailstack.sh).
#include <catch2/catch_test_macros.hpp>
#include <random>

#include "smtpwb/session.hpp"
#include "smtpwb/smtp/message.hpp"
#include "support.hpp"

using namespace smtpwb;

namespace {
bool has_line(const std::vector<std::string>& lines, const std::string& prefix) {
  for (const auto& l : lines)
    if (l.rfind(prefix, 0) == 0) return true;
  return false;
}
bool client_sent(const SessionResult& r, const std::string& prefix) {
  for (const auto& e : r.transcript)
    if (e.dir == Dir::Client && e.text.rfind(prefix, 0) == 0) return true;
  return false;
}
std::string unique_marker(const char* what) {
  std::random_device rd;
  return std::string(what) + "-" + std::to_string(rd()) + std::to_string(rd());
}
TestRequest stop_after(StopAfter s) {
  TestRequest r;
  r.stop_after = s;
  return r;
}
}  // namespace

TEST_CASE("TLS 1.3-only listener: STARTTLS negotiates TLS 1.3, verified, AUTH PLAIN succeeds", "[postfix][tls]") {
  auto settings = test::stack_settings("MAILSTACK_TLS13_PORT");
  settings.sasl_mechanisms = {"PLAIN"};
  auto r = run_session(settings, stop_after(StopAfter::Auth));
  INFO((r.failure ? r.failure->message : ""));
  REQUIRE(r.ok);
  CHECK(r.tls.version == "TLSv1.3");
  CHECK(r.tls.cipher.rfind("TLS1-3-", 0) == 0);
  CHECK_FALSE(r.tls.group.empty());
  CHECK(r.tls.verified);
  CHECK(r.tls.verify_errors.empty());
  REQUIRE(r.tls.chain.size() >= 1);
  CHECK(r.tls.chain[0].subject.find("CN=localhost") != std::string::npos);
  CHECK(r.tls.chain[0].sha256_fingerprint.size() == 32 * 3 - 1);
  CHECK(r.auth.result == AuthResult::Ok);
  CHECK(r.auth.mechanism == "PLAIN");
  // Postfix offers AUTH only inside TLS on this listener.
  CHECK(has_line(r.server.capabilities_before_tls, "STARTTLS"));
  CHECK_FALSE(has_line(r.server.capabilities_before_tls, "AUTH"));
  CHECK(has_line(r.server.capabilities_after_tls, "AUTH"));
  CHECK(r.server.banner.find("ESMTP") != std::string::npos);
}

TEST_CASE("TLS 1.2-only listener: STARTTLS negotiates TLS 1.2", "[postfix][tls]") {
  auto r = run_session(test::stack_settings("MAILSTACK_TLS12_PORT"), stop_after(StopAfter::Auth));
  INFO((r.failure ? r.failure->message : ""));
  REQUIRE(r.ok);
  CHECK(r.tls.version == "TLSv1.2");
  CHECK(r.tls.cipher.find("ECDHE") != std::string::npos);
  CHECK_FALSE(r.tls.group.empty());
  CHECK(r.tls.verified);
}

TEST_CASE("A TLS 1.3-only client and a TLS 1.2-only server share no version: category tls", "[postfix][tls]") {
  auto s = test::stack_settings("MAILSTACK_TLS12_PORT");
  s.tls_versions = TlsVersionSet{}.with(TlsVersion::Tls13);
  auto r = run_session(s, stop_after(StopAfter::Tls));
  REQUIRE_FALSE(r.ok);
  CHECK(r.failure->category == FailureCategory::Tls);
  CHECK(r.failure->message.find("share no TLS version") != std::string::npos);
  // The session asked the server which other versions it offers.
  CHECK(r.tls.server_versions == std::vector<std::string>{"TLS 1.2"});
  CHECK(r.failure->message.find("the server offers TLS 1.2; allow it") != std::string::npos);
}

// Issue 12: a TLS 1.2-only server with an RSA key signs its ServerKeyExchange with RSA-PSS; mbedTLS
// 3.6.6 rejected that ("A field in a message was incorrect"). Default settings must negotiate TLS 1.2.
TEST_CASE("TLS 1.2-only listener with an RSA certificate: default settings negotiate TLS 1.2", "[postfix][tls][interop]") {
  for (auto [port, mode] : {std::pair{"MAILSTACK_TLS12_RSA_PORT", Security::StartTls},
                            std::pair{"MAILSTACK_IMPLICIT_TLS12_RSA_PORT", Security::Implicit}}) {
    auto s = test::stack_settings(port, mode);
    REQUIRE(s.tls_versions == TlsVersionSet::modern());
    auto r = run_session(s, stop_after(StopAfter::Auth));
    INFO(port << ": " << (r.failure ? r.failure->message : ""));
    REQUIRE(r.ok);
    CHECK(r.tls.version == "TLSv1.2");
    CHECK(r.tls.verified);
    REQUIRE_FALSE(r.tls.chain.empty());
    CHECK(r.tls.chain[0].key_type == "RSA");
    CHECK(r.auth.result == AuthResult::Ok);
  }
}

TEST_CASE("Implicit TLS by IP address: the certificate's IP SAN is verified", "[postfix][tls]") {
  auto s = test::stack_settings("MAILSTACK_IMPLICIT_PORT", Security::Implicit);
  s.address = "127.0.0.1";
  auto r = run_session(s, stop_after(StopAfter::Auth));
  INFO((r.failure ? r.failure->message : ""));
  REQUIRE(r.ok);
  CHECK(r.tls.verified);
  CHECK(r.server.capabilities_before_tls.empty());  // no plaintext EHLO on an implicit-TLS port
  CHECK(r.auth.result == AuthResult::Ok);
}

TEST_CASE("Wrong password: category auth with Postfix's 535 5.7.8", "[postfix][auth]") {
  auto s = test::stack_settings("MAILSTACK_SUBMISSION_PORT");
  s.password = "not-the-password";
  auto r = run_session(s, {});
  REQUIRE_FALSE(r.ok);
  CHECK(r.failure->category == FailureCategory::Auth);
  CHECK(r.failure->reply_code == 535);
  CHECK(r.failure->enhanced_code == "5.7.8");
  CHECK(r.auth.result == AuthResult::Failed);
}

TEST_CASE("AUTH LOGIN when forced, and a non-ASCII password with PLAIN", "[postfix][auth]") {
  auto login = test::stack_settings("MAILSTACK_SUBMISSION_PORT");
  login.sasl_mechanisms = {"LOGIN"};
  auto r = run_session(login, stop_after(StopAfter::Auth));
  INFO((r.failure ? r.failure->message : ""));
  REQUIRE(r.ok);
  CHECK(r.auth.mechanism == "LOGIN");

  auto utf8 = test::stack_settings("MAILSTACK_TLS13_PORT");
  utf8.username = test::fact("MAILSTACK_USER_UTF8");
  utf8.password = test::fact("MAILSTACK_PASSWORD_UTF8");
  auto u = run_session(utf8, stop_after(StopAfter::Auth));
  INFO((u.failure ? u.failure->message : ""));
  REQUIRE(u.ok);
  CHECK(u.auth.result == AuthResult::Ok);
}

TEST_CASE("No common mechanism: the message users know, listing both sets", "[postfix][auth]") {
  auto s = test::stack_settings("MAILSTACK_SUBMISSION_PORT");
  s.sasl_mechanisms = {"NTLM"};
  auto r = run_session(s, {});
  REQUIRE_FALSE(r.ok);
  CHECK(r.failure->category == FailureCategory::Auth);
  CHECK(r.failure->message.find("No authentication method enabled from those supported by the server") != std::string::npos);
  CHECK(r.failure->message.find("PLAIN") != std::string::npos);
  CHECK_FALSE(client_sent(r, "AUTH"));
}

TEST_CASE("Plain listener: credentials are not sent unencrypted unless explicitly allowed", "[postfix][auth]") {
  auto s = test::stack_settings("MAILSTACK_PLAIN_PORT");
  s.security = Security::None;
  auto refused = run_session(s, {});
  REQUIRE_FALSE(refused.ok);
  CHECK(refused.failure->category == FailureCategory::Auth);
  CHECK(refused.failure->message.find("unencrypted") != std::string::npos);
  CHECK_FALSE(client_sent(refused, "AUTH"));
  CHECK_FALSE(refused.tls.used);

  s.allow_plaintext_auth = true;
  auto allowed = run_session(s, stop_after(StopAfter::Auth));
  INFO((allowed.failure ? allowed.failure->message : ""));
  REQUIRE(allowed.ok);
  CHECK(allowed.auth.result == AuthResult::Ok);
}

TEST_CASE("Submission listener requires STARTTLS: mail without it fails with category tls", "[postfix][tls]") {
  auto s = test::stack_settings("MAILSTACK_SUBMISSION_PORT");
  s.security = Security::None;
  s.anonymous = true;
  TestRequest req;
  req.message = MessageSpec{"alice@example.test", {"rcpt@example.test"}, "x", "x"};
  auto r = run_session(s, req);
  REQUIRE_FALSE(r.ok);
  CHECK(r.failure->category == FailureCategory::Tls);
  CHECK(r.failure->reply_code == 530);
}

TEST_CASE("Untrusted certificate: category certificate with the chain and the reason", "[postfix][certificate]") {
  auto s = test::stack_settings("MAILSTACK_TLS13_PORT");
  s.ca_file.clear();  // the system store does not know the test CA
  auto r = run_session(s, {});
  REQUIRE_FALSE(r.ok);
  CHECK(r.failure->category == FailureCategory::Certificate);
  CHECK_FALSE(r.tls.verified);
  CHECK_FALSE(r.tls.verify_errors.empty());
  CHECK_FALSE(r.tls.chain.empty());
  CHECK_FALSE(client_sent(r, "AUTH"));

  s.verify_certificate = false;  // the explicit switch: go on, but say it is not verified
  auto nv = run_session(s, stop_after(StopAfter::Auth));
  INFO((nv.failure ? nv.failure->message : ""));
  REQUIRE(nv.ok);
  CHECK_FALSE(nv.tls.verified);
  CHECK_FALSE(nv.tls.verify_errors.empty());
}

TEST_CASE("Stop after RCPT checks acceptance without sending a message", "[postfix][message]") {
  TestRequest req;
  req.stop_after = StopAfter::Rcpt;
  req.message = MessageSpec{test::fact("MAILSTACK_USER"), {"rcpt@example.test"}, "never sent", "never sent"};
  auto r = run_session(test::stack_settings("MAILSTACK_SUBMISSION_PORT"), req);
  INFO((r.failure ? r.failure->message : ""));
  REQUIRE(r.ok);
  CHECK(client_sent(r, "RCPT TO:<rcpt@example.test>"));
  CHECK_FALSE(client_sent(r, "DATA"));
  CHECK_FALSE(r.message.attempted);
}

namespace {
void send_and_compare(const std::string& code_page, const std::string& body_utf8) {
  auto marker = unique_marker("codepage");
  auto s = test::stack_settings("MAILSTACK_SUBMISSION_PORT");
  s.code_page = code_page;
  TestRequest req;
  req.message = MessageSpec{test::fact("MAILSTACK_USER"), {"rcpt@example.test"}, marker, body_utf8};
  auto r = run_session(s, req);
  INFO((r.failure ? r.failure->message : ""));
  REQUIRE(r.ok);
  REQUIRE(r.message.accepted);
  CHECK(r.message.transfer_encoding == "8bit");  // Postfix offers 8BITMIME

  std::string delivered = test::wait_for_delivery(marker);
  REQUIRE_FALSE(delivered.empty());
  std::string expected = smtp::convert_from_utf8(smtp::normalize_crlf(body_utf8), code_page);
  // Maildir stores LF line ends; compare the body the way Postfix stored it.
  std::string expected_lf;
  for (std::size_t i = 0; i < expected.size(); ++i)
    if (!(expected[i] == '\r' && i + 1 < expected.size() && expected[i + 1] == '\n')) expected_lf += expected[i];
  auto body_start = delivered.find("\n\n");
  REQUIRE(body_start != std::string::npos);
  CHECK(delivered.substr(body_start + 2) == expected_lf);
  CHECK(delivered.find("charset=" + smtp::mime_charset(code_page)) != std::string::npos);
}
}  // namespace

TEST_CASE("A test message in ISO-8859-1 arrives byte-exact in the mailbox", "[postfix][message]") {
  send_and_compare("ISO-8859-1", "Grüße aus Köln: ½ Stück Käse für 3 Euro, ¤ und ß.\n.a line starting with a dot\n..two dots\n.\nend\n");
}

TEST_CASE("A test message in UTF-8 arrives byte-exact in the mailbox", "[postfix][message]") {
  send_and_compare("UTF-8", "Grüße 你好 😀 — ça va?\n.leading dot\n\nlast line without newline");
}

TEST_CASE("An unreadable CA file is a settings error, not a TLS or certificate failure", "[postfix][tls]") {
  auto s = test::stack_settings("MAILSTACK_TLS13_PORT");
  s.ca_file = "/nonexistent/ca.pem";
  auto r = run_session(s, {});
  REQUIRE_FALSE(r.ok);
  CHECK(r.failure->category == FailureCategory::Config);
  CHECK(r.failure->message.find("/nonexistent/ca.pem") != std::string::npos);
}
