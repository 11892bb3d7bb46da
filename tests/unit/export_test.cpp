// Reports and "copy as command": escaping, quoting, and that no secret ever appears.
#include <catch2/catch_test_macros.hpp>

#include "smtpwb/export.hpp"
#include "smtpwb/hints.hpp"

using namespace smtpwb;

namespace {

const std::string kSecret = "S3cr3t'pa$$ \"word\"";
const std::string kProxySecret = "Proxy-Secret-99";

ConnectionSettings settings() {
  ConnectionSettings s;
  s.name = "Office <main>";
  s.address = "smtp.example.com";
  s.port = 587;
  s.anonymous = false;
  s.username = "o'brien@example.com";
  s.password = kSecret;
  s.ehlo_name = "laptop.example.com";
  s.ca_file = "/etc/my ca/ca.pem";
  s.proxy.type = ProxyType::Socks5;
  s.proxy.address = "proxy.example.com";
  s.proxy.use_credentials = true;
  s.proxy.username = "proxyuser";
  s.proxy.password = kProxySecret;
  return s;
}

TestRequest message_request() {
  TestRequest r;
  r.message = MessageSpec{"o'brien@example.com", {"you@example.org", "them@example.org"}, "Hello `there` | you", "Body"};
  return r;
}

SessionResult failed_result() {
  SessionResult r;
  r.server.host = "smtp.example.com";
  r.server.port = 587;
  r.server.banner = "smtp.example.com ESMTP <script>alert(1)</script>";
  r.tls.used = true;
  r.tls.version = "TLSv1.3";
  CertificateInfo leaf;
  leaf.subject = "CN=smtp.example.com";
  leaf.issuer = "CN=R3 & Co <Issuer>";
  r.tls.chain = {leaf};
  r.phases = {{Phase::Resolve, 0, 1.5}, {Phase::Connect, 1.5, 3.25}};
  for (const char* text : {"220 smtp.example.com ESMTP <script>alert(1)</script>", "AUTH PLAIN ******** (user=\"o'brien\")",
                           "535 5.7.8 ```` fenced | pipe"}) {
    Event e;
    e.dir = Dir::Server;
    e.phase = Phase::Auth;
    e.in_tls = true;
    e.text = text;
    r.transcript.push_back(e);
  }
  r.failure = Failure{FailureCategory::Auth, "Authentication failed: 535 5.7.8 bad", Phase::Auth, 535, "5.7.8", "535 5.7.8 bad", {}};
  r.hints = HintCatalogue::builtin().match(settings(), r);
  return r;
}

void require_no_secret(const std::string& text) {
  CHECK(text.find("S3cr3t") == std::string::npos);
  CHECK(text.find(kProxySecret) == std::string::npos);
}

}  // namespace

TEST_CASE("Export: shell quoting", "[export]") {
  CHECK(shell_quote("smtp.example.com") == "smtp.example.com");
  CHECK(shell_quote("me@example.com") == "me@example.com");
  CHECK(shell_quote("") == "''");
  CHECK(shell_quote("two words") == "'two words'");
  CHECK(shell_quote("o'brien") == "'o'\\''brien'");
  CHECK(shell_quote("$HOME `x` \\ ;|&") == "'$HOME `x` \\ ;|&'");
}

TEST_CASE("Export: HTML and Markdown escaping", "[export]") {
  CHECK(html_escape("<a href=\"x\">&'</a>") == "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
  CHECK(markdown_cell("a|b\\c\nd <e>") == "a\\|b\\\\c d \\<e\\>");
}

TEST_CASE("Export: Markdown report has every part, fenced safely, without secrets", "[export]") {
  auto r = failed_result();
  REQUIRE_FALSE(r.hints.empty());
  auto md = report_markdown(settings(), message_request(), r);
  for (const char* part : {"## Result", "## Hints", "## Settings", "## Server", "## TLS", "## Authentication", "## Timeline",
                           "## Transcript", "(auth-failed)", "| connect | 1.5 ms | 3.2 ms |", "laptop.example.com"})
    CHECK(md.find(part) != std::string::npos);
  // The transcript holds a run of four backticks: the fence must be longer.
  CHECK(md.find("\n`````text\n") != std::string::npos);
  CHECK(md.find("<~  535 5.7.8 ```` fenced | pipe") != std::string::npos);
  CHECK(md.find("R3 & Co \\<Issuer\\>") != std::string::npos);
  require_no_secret(md);
}

TEST_CASE("Export: HTML report is self-contained and escaped, without secrets", "[export]") {
  auto html = report_html(settings(), message_request(), failed_result());
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(html.find("<script>") == std::string::npos);
  CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(html.find("Office &lt;main&gt;") != std::string::npos);
  CHECK(html.find("src=") == std::string::npos);  // no external resources
  CHECK(html.find("href=") == std::string::npos);
  CHECK(html.find("auth-failed") != std::string::npos);
  require_no_secret(html);
}

TEST_CASE("Export: equivalent commands for STARTTLS with a message", "[export]") {
  auto commands = equivalent_commands(settings(), message_request());
  REQUIRE(commands.size() == 3);
  const auto& swaks = commands[0].command;
  const auto& curl = commands[1].command;
  const auto& openssl = commands[2].command;
  CHECK(swaks.rfind("swaks --server smtp.example.com --port 587 --tls ", 0) == 0);
  CHECK(swaks.find("--auth-user 'o'\\''brien@example.com'") != std::string::npos);
  // The mechanisms a password session would try: no token mechanisms.
  CHECK(swaks.find("--auth SCRAM-SHA-256,") != std::string::npos);
  CHECK(swaks.find("XOAUTH2") == std::string::npos);
  CHECK(swaks.find("OAUTHBEARER") == std::string::npos);
  CHECK(swaks.find("--ehlo laptop.example.com") != std::string::npos);
  CHECK(swaks.find("--tls-ca-path '/etc/my ca/ca.pem'") != std::string::npos);
  CHECK(swaks.find("--to you@example.org,them@example.org") != std::string::npos);
  CHECK(swaks.find("--header 'Subject: Hello `there` | you'") != std::string::npos);
  CHECK(curl.rfind("curl --url smtp://smtp.example.com:587/laptop.example.com --ssl-reqd --tlsv1.2 --tls-max 1.3", 0) == 0);
  CHECK(curl.find("--mail-from 'o'\\''brien@example.com' --mail-rcpt you@example.org --mail-rcpt them@example.org") != std::string::npos);
  CHECK(curl.find("--user 'o'\\''brien@example.com'") != std::string::npos);
  CHECK(curl.find("--proxy socks5h://proxy.example.com:1080 --proxy-user proxyuser") != std::string::npos);
  CHECK(openssl.rfind("openssl s_client -connect smtp.example.com:587 -starttls smtp -name laptop.example.com -servername smtp.example.com", 0) == 0);
  CHECK(openssl.find("-min_protocol TLSv1.2 -max_protocol TLSv1.3") != std::string::npos);
  CHECK(openssl.find("-verify_return_error") != std::string::npos);
  for (const auto& c : commands) {
    INFO(c.command);
    require_no_secret(c.command + c.note);
    CHECK(c.command.find("pa$$") == std::string::npos);
  }
}

TEST_CASE("Export: equivalent commands for implicit TLS, one version, and no encryption", "[export]") {
  auto s = settings();
  s.mode = SecurityMode::Implicit;
  s.port = 465;
  s.ehlo_name.clear();
  s.ca_file.clear();
  s.verify_certificate = false;
  s.proxy = {};
  s.tls_versions = TlsVersionSet{}.with(TlsVersion::Tls13);
  TestRequest auth_only;
  auth_only.stop_after = StopAfter::Auth;
  auto commands = equivalent_commands(s, auth_only);
  REQUIRE(commands.size() == 3);
  CHECK(commands[0].command.find("--tls-on-connect --tls-protocol tlsv1_3") != std::string::npos);
  CHECK(commands[0].command.find("--quit-after AUTH") != std::string::npos);
  CHECK(commands[0].command.find("--tls-verify") == std::string::npos);
  CHECK(commands[1].command.rfind("curl --url smtps://smtp.example.com:465/ --tlsv1.3 --tls-max 1.3 --insecure", 0) == 0);
  CHECK(commands[1].command.find("--ssl-reqd") == std::string::npos);
  CHECK(commands[1].command.find("--request NOOP") != std::string::npos);
  CHECK(commands[2].command == "openssl s_client -connect smtp.example.com:465 -servername smtp.example.com -tls1_3 -crlf");

  s.crypto = CryptoProtocol::None;
  s.port = 25;
  s.anonymous = true;
  commands = equivalent_commands(s, {});
  REQUIRE(commands.size() == 2);  // openssl s_client has nothing to show without TLS
  CHECK(commands[0].command == "swaks --server smtp.example.com --port 25 --to postmaster@smtp.example.com");
  CHECK(commands[1].command == "curl --url smtp://smtp.example.com:25/ --request NOOP");
}
