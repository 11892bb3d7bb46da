// Reports and "copy as command": escaping, quoting, and that no secret ever appears.
#include <catch2/catch_test_macros.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "smtpwb/export.hpp"
#include "smtpwb/platform.hpp"
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
  r.failure = Failure{};
  r.failure->category = FailureCategory::Auth;
  r.failure->message = "Authentication failed: 535 5.7.8 bad";
  r.failure->phase = Phase::Auth;
  r.failure->reply_code = 535;
  r.failure->enhanced_code = "5.7.8";
  r.failure->reply_text = "535 5.7.8 bad";
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
  CHECK(curl.find("--proxy socks5://proxy.example.com:1080 --proxy-user proxyuser") != std::string::npos);
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
  s.security = Security::Implicit;
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

  s.security = Security::None;
  s.port = 25;
  s.anonymous = true;
  commands = equivalent_commands(s, {});
  REQUIRE(commands.size() == 2);  // openssl s_client has nothing to show without TLS
  CHECK(commands[0].command == "swaks --server smtp.example.com --port 25 --to postmaster@smtp.example.com");
  CHECK(commands[1].command == "curl --url smtp://smtp.example.com:25/ --request NOOP");
}

// ---- copy as command: hostile values, and lines faithful to the settings ----

namespace {

// Runs a shell snippet with `command` in $SMTPWB_COMMAND; returns its standard output.
std::string run_bash(const std::string& snippet, const std::string& command) {
  smtpwb::platform::set_env("SMTPWB_COMMAND", command);
  std::string out;
  if (FILE* p = ::popen(("bash -c '" + snippet + "' </dev/null 2>&1").c_str(), "r")) {
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    ::pclose(p);
  }
  smtpwb::platform::unset_env("SMTPWB_COMMAND");
  return out;
}

// The words a POSIX shell makes of a copied command line.
std::vector<std::string> shell_words(const std::string& command) {
  std::string out = run_bash("eval \"set -- $SMTPWB_COMMAND\"; printf \"%s\\0\" \"$@\"", command);
  std::vector<std::string> words;
  for (std::size_t start = 0, nul; (nul = out.find('\0', start)) != std::string::npos; start = nul + 1)
    words.push_back(out.substr(start, nul - start));
  return words;
}

// The value that follows `flag` in argv (an option that takes its value from the next word).
std::string value_after(const std::vector<std::string>& argv, const std::string& flag) {
  auto it = std::find(argv.begin(), argv.end(), flag);
  return it == argv.end() || it + 1 == argv.end() ? "(missing)" : *(it + 1);
}

const EquivalentCommand& tool(const std::vector<EquivalentCommand>& commands, const std::string& name) {
  auto it = std::find_if(commands.begin(), commands.end(), [&](const auto& c) { return c.tool == name; });
  REQUIRE(it != commands.end());
  return *it;
}

}  // namespace

TEST_CASE("Export: a hostile user name cannot become an option of the copied command", "[export][commands]") {
  const std::string hostile_user = "--server=evil.example:587";
  auto s = settings();
  s.username = hostile_user;
  auto commands = equivalent_commands(s, message_request());

  // swaks reads an optional-value option's "--x=--y" as two options: a value that begins with '-' is refused.
  const auto& swaks = tool(commands, "swaks");
  INFO(swaks.command);
  CHECK(swaks.command.empty());
  CHECK(swaks.note.find("user name") != std::string::npos);
  CHECK(swaks.note.find("evil") == std::string::npos);

  // curl would split this one at its ':' into a name and a password: no curl line either.
  CHECK(tool(commands, "curl").command.empty());
  // Otherwise curl and openssl take every option's value from the next word: the value stays a value.
  s.username = "--proxy=evil.example";
  commands = equivalent_commands(s, message_request());
  CHECK(tool(commands, "swaks").command.empty());
  auto curl = shell_words(tool(commands, "curl").command);
  REQUIRE_FALSE(curl.empty());
  CHECK(curl[0] == "curl");
  CHECK(value_after(curl, "--user") == s.username);
  CHECK(std::count(curl.begin(), curl.end(), s.username) == 1);

  // The same for the sender, a recipient, the proxy user and a CA file.
  for (auto field : {"From", "To", "Proxy user", "CA file"}) {
    auto t = settings();
    auto r = message_request();
    std::string f = field;
    if (f == "From") r.message->from = "-oQ/tmp/evil@example.com";
    if (f == "To") r.message->to.insert(r.message->to.begin(), "--header=X-Evil: 1");
    if (f == "Proxy user") t.proxy.username = "--proxy=socks5h//evil.example";
    if (f == "CA file") t.ca_file = "-evil.pem";
    DYNAMIC_SECTION(field) {
      auto cmds = equivalent_commands(t, r);
      const auto& sw = tool(cmds, "swaks");
      INFO(sw.command);
      if (f == "CA file") {
        // A relative path is given as ./-evil.pem: the same file, no option.
        CHECK(value_after(shell_words(sw.command), "--tls-ca-path") == "./-evil.pem");
      } else if (f != "Proxy user") {
        CHECK(sw.command.empty());
      }
      for (const auto& c : cmds) {
        if (c.command.empty()) continue;
        auto argv = shell_words(c.command);
        INFO(c.command);
        for (std::size_t i = 1; i < argv.size(); ++i)
          if (argv[i].find("evil") != std::string::npos) CHECK(argv[i - 1].rfind("-", 0) == 0);  // a value, after its flag
      }
    }
  }
}

TEST_CASE("Export: the real swaks reads the copied line as written", "[export][commands]") {
  // swaks --dump prints the result of its option processing and sends nothing.
  auto s = settings();
  s.username = "o'brien $(touch /tmp/smtpwb-pwned) `id` \"x\" --server=evil.example";
  s.proxy = {};
  s.ca_file.clear();  // swaks checks that the file exists
  auto r = message_request();
  r.message->subject = "Hi $HOME 'quoted' \\ back";
  auto commands = equivalent_commands(s, r);
  const auto& swaks = tool(commands, "swaks");
  REQUIRE_FALSE(swaks.command.empty());
  std::string dump = run_bash("eval \"$SMTPWB_COMMAND --auth-password=x --dump\"", swaks.command);
  INFO(dump);
  CHECK(dump.find("server          = smtp.example.com") != std::string::npos);
  CHECK(dump.find("evil.example\n") == std::string::npos);
  CHECK(dump.find("username       = '" + s.username + "'") != std::string::npos);
  CHECK(dump.find("Subject: " + r.message->subject) != std::string::npos);
  CHECK(::access("/tmp/smtpwb-pwned", F_OK) != 0);
}

TEST_CASE("Export: every word of every copied line survives the shell unchanged", "[export][commands]") {
  auto s = settings();
  s.username = "a'b\"c $(x) `y` \\z\n--w";
  s.ca_file = "/tmp/with 'quote'/ca.pem";
  auto r = message_request();
  r.message->subject = "new\nline 'and' $(sub)";
  for (const auto& c : equivalent_commands(s, r)) {
    if (c.command.empty()) continue;
    auto argv = shell_words(c.command);
    INFO(c.command);
    if (c.tool != "swaks") CHECK(value_after(argv, c.tool == "curl" ? "--cacert" : "-CAfile") == s.ca_file);
    if (c.tool == "curl") CHECK(value_after(argv, "--user") == s.username);
    if (c.tool == "swaks") CHECK(value_after(argv, "--header") == "Subject: " + r.message->subject);
  }
}

TEST_CASE("Export: curl and openssl lines follow the proxy type and NTLM", "[export][commands]") {
  auto s = settings();
  auto r = message_request();
  SECTION("SOCKS5, names resolved here") {
    s.proxy.resolve_via_proxy = false;
    auto curl = shell_words(tool(equivalent_commands(s, r), "curl").command);
    CHECK(value_after(curl, "--proxy") == "socks5://proxy.example.com:1080");
  }
  SECTION("SOCKS5, names resolved by the proxy") {
    s.proxy.resolve_via_proxy = true;
    auto curl = shell_words(tool(equivalent_commands(s, r), "curl").command);
    CHECK(value_after(curl, "--proxy") == "socks5h://proxy.example.com:1080");
  }
  SECTION("SOCKS4 and SOCKS4a") {
    s.proxy.type = ProxyType::Socks4;
    CHECK(value_after(shell_words(tool(equivalent_commands(s, r), "curl").command), "--proxy") == "socks4://proxy.example.com:1080");
    s.proxy.type = ProxyType::Socks4a;
    CHECK(value_after(shell_words(tool(equivalent_commands(s, r), "curl").command), "--proxy") == "socks4a://proxy.example.com:1080");
  }
  SECTION("a SOCKS proxy that openssl and swaks cannot use is said so, not silently dropped") {
    auto commands = equivalent_commands(s, r);
    CHECK(tool(commands, "openssl").note.find("proxy") != std::string::npos);
    CHECK(tool(commands, "swaks").note.find("proxy") != std::string::npos);
  }
  SECTION("HTTP proxy with Basic credentials") {
    s.proxy.type = ProxyType::Http;
    s.proxy.port = 3128;
    auto commands = equivalent_commands(s, r);
    auto curl = shell_words(tool(commands, "curl").command);
    CHECK(value_after(curl, "--proxy") == "http://proxy.example.com:3128");
    CHECK(std::count(curl.begin(), curl.end(), "--proxytunnel") == 1);
    CHECK(std::count(curl.begin(), curl.end(), "--proxy-ntlm") == 0);
    CHECK(value_after(curl, "--proxy-user") == "proxyuser");
    auto openssl = shell_words(tool(commands, "openssl").command);
    CHECK(value_after(openssl, "-proxy") == "proxy.example.com:3128");
    CHECK(value_after(openssl, "-proxy_user") == "proxyuser");
  }
  SECTION("HTTP proxy with NTLM (a domain given)") {
    s.proxy.type = ProxyType::Http;
    s.proxy.port = 3128;
    s.proxy.domain = "ACME";
    auto commands = equivalent_commands(s, r);
    auto curl = shell_words(tool(commands, "curl").command);
    CHECK(std::count(curl.begin(), curl.end(), "--proxy-ntlm") == 1);
    CHECK(value_after(curl, "--proxy-user") == "ACME\\proxyuser");
    // openssl s_client speaks Basic only: it is not handed the NTLM user, and the note says why.
    const auto& openssl = tool(commands, "openssl");
    CHECK(openssl.command.find("-proxy_user") == std::string::npos);
    CHECK(openssl.note.find("NTLM") != std::string::npos);
  }
  SECTION("SMTP NTLM with a domain") {
    s.sasl_mechanisms = {"NTLM"};
    s.auth_domain = "ACME";
    s.username = "bob";
    auto commands = equivalent_commands(s, r);
    auto curl = shell_words(tool(commands, "curl").command);
    CHECK(value_after(curl, "--user") == "ACME\\bob");
    CHECK(value_after(curl, "--login-options") == "AUTH=NTLM");
    auto swaks = shell_words(tool(commands, "swaks").command);
    CHECK(value_after(swaks, "--auth-user") == "bob");
    CHECK(value_after(swaks, "--auth-extra") == "domain=ACME");
  }
}

TEST_CASE("Export: IP addresses in copied lines", "[export][commands]") {
  auto s = settings();
  s.proxy = {};
  s.ehlo_name.clear();
  auto r = message_request();
  SECTION("IPv6 server") {
    s.address = "2001:db8::25";
    auto commands = equivalent_commands(s, r);
    auto curl = shell_words(tool(commands, "curl").command);
    CHECK(value_after(curl, "--url") == "smtp://[2001:db8::25]:587/");
    CHECK(std::count(curl.begin(), curl.end(), "--globoff") == 1);  // brackets are not a curl glob here
    auto openssl = shell_words(tool(commands, "openssl").command);
    CHECK(value_after(openssl, "-connect") == "[2001:db8::25]:587");
    CHECK(std::count(openssl.begin(), openssl.end(), "-servername") == 0);
    CHECK(value_after(openssl, "-verify_ip") == "2001:db8::25");
    CHECK(std::count(openssl.begin(), openssl.end(), "-verify_hostname") == 0);
    auto swaks = shell_words(tool(commands, "swaks").command);
    CHECK(value_after(swaks, "--server") == "2001:db8::25");
  }
  SECTION("IPv4 server, address-literal EHLO name") {
    s.address = "192.0.2.25";
    s.ehlo_name = "[IPv6:2001:db8::1]";
    auto commands = equivalent_commands(s, r);
    auto curl = shell_words(tool(commands, "curl").command);
    CHECK(value_after(curl, "--url") == "smtp://192.0.2.25:587/[IPv6:2001:db8::1]");
    CHECK(std::count(curl.begin(), curl.end(), "--globoff") == 1);
    auto openssl = shell_words(tool(commands, "openssl").command);
    CHECK(value_after(openssl, "-connect") == "192.0.2.25:587");
    CHECK(value_after(openssl, "-verify_ip") == "192.0.2.25");
    CHECK(value_after(openssl, "-name") == "[IPv6:2001:db8::1]");
  }
  SECTION("IPv6 proxy") {
    s.proxy.type = ProxyType::Http;
    s.proxy.address = "::1";
    s.proxy.port = 3128;
    auto commands = equivalent_commands(s, r);
    CHECK(value_after(shell_words(tool(commands, "curl").command), "--proxy") == "http://[::1]:3128");
    CHECK(value_after(shell_words(tool(commands, "openssl").command), "-proxy") == "[::1]:3128");
  }
  SECTION("implicit TLS against STARTTLS") {
    s.security = Security::Implicit;
    s.port = 465;
    auto commands = equivalent_commands(s, r);
    auto curl = shell_words(tool(commands, "curl").command);
    CHECK(value_after(curl, "--url") == "smtps://smtp.example.com:465/");
    CHECK(std::count(curl.begin(), curl.end(), "--ssl-reqd") == 0);
    auto openssl = shell_words(tool(commands, "openssl").command);
    CHECK(std::count(openssl.begin(), openssl.end(), "-starttls") == 0);
    auto swaks = shell_words(tool(commands, "swaks").command);
    CHECK(std::count(swaks.begin(), swaks.end(), "--tls-on-connect") == 1);
  }
}

TEST_CASE("Export: a user name with ':' is not split by curl into name and password", "[export][commands]") {
  auto s = settings();
  s.username = "me:part-of-a-password";
  auto commands = equivalent_commands(s, message_request());
  const auto& curl = tool(commands, "curl");
  CHECK(curl.command.empty());
  CHECK(curl.note.find("':'") != std::string::npos);
  CHECK(curl.note.find("part-of") == std::string::npos);
  s = settings();
  s.proxy.username = "proxy:user";
  CHECK(tool(equivalent_commands(s, message_request()), "curl").command.empty());
  s.proxy.use_credentials = false;  // not sent: no reason to refuse
  CHECK_FALSE(tool(equivalent_commands(s, message_request()), "curl").command.empty());
}
