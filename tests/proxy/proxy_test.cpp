// Through real proxies to the real Postfix: Dante (SOCKS4, SOCKS5 with and without RFC 1929
// credentials), IO::Socket::Socks (SOCKS4a), tinyproxy (HTTP CONNECT with and without Basic) and squid
// (HTTP CONNECT with NTLM), started by tests/servers/proxies.sh. The engine and the `check` binary,
// successes and failures. Squid's NTLM helper there (ntlm_fake_auth) accepts any password: the NTLM
// tests prove the handshake against a real squid, and the unit tests check the NTLMv2 response itself.
#include <catch2/catch_test_macros.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <random>
#include <sstream>
#include <thread>

#include "smtpwb/base64.hpp"
#include "smtpwb/diagnose.hpp"
#include "smtpwb/net/io.hpp"
#include "smtpwb/session.hpp"
#include "secret_search.hpp"
#include "smtpwb/smtp/message.hpp"
#include "support.hpp"

using namespace smtpwb;

namespace {

// KEY=VALUE facts written by proxies.sh start (path in PROXIES_ENV).
const std::map<std::string, std::string>& proxies() {
  static const auto facts = [] {
    const char* path = std::getenv("PROXIES_ENV");
    if (!path) throw std::runtime_error("PROXIES_ENV is not set: run these tests through ctest (fixture proxies)");
    std::ifstream in(path);
    if (!in) throw std::runtime_error(std::string("cannot read ") + path + ": did proxies_start fail?");
    std::map<std::string, std::string> m;
    std::string line;
    while (std::getline(in, line))
      if (auto eq = line.find('='); eq != std::string::npos) m[line.substr(0, eq)] = line.substr(eq + 1);
    return m;
  }();
  return facts;
}
std::string proxy_fact(const std::string& key) { return proxies().at(key); }

// Before any test runs: the mail stack's facts file, as named by the proxies' (see tests/CMakeLists.txt).
const bool kMailstackEnvKnown = [] {
  if (std::getenv("MAILSTACK_ENV") || !std::getenv("PROXIES_ENV")) return false;
  try {
    ::setenv("MAILSTACK_ENV", proxy_fact("MAILSTACK_ENV").c_str(), 0);
    return true;
  } catch (const std::exception&) {
    return false;  // the tests then fail naming the missing file
  }
}();
int proxy_port(const std::string& key) { return std::stoi(proxy_fact(key)); }

struct Kind {
  const char* name;
  ProxyType type;
  bool resolve_via_proxy;
  const char* port_key;
  bool credentials;
  const char* resolved_by;
  bool ntlm = false;  // HTTP: the Domain is set, so the proxy authenticates with NTLM
};

// Every proxy type, with and without credentials (SOCKS4 sends the user name as its user id).
const Kind kKinds[] = {
    {"socks4", ProxyType::Socks4, false, "PROXY_SOCKS_PORT", false, "client"},
    {"socks4 with user id", ProxyType::Socks4, false, "PROXY_SOCKS_PORT", true, "client"},
    {"socks4a", ProxyType::Socks4a, false, "PROXY_SOCKS4A_PORT", false, "proxy"},
    {"socks5", ProxyType::Socks5, false, "PROXY_SOCKS_PORT", false, "client"},
    {"socks5h", ProxyType::Socks5, true, "PROXY_SOCKS_PORT", false, "proxy"},
    {"socks5 with password", ProxyType::Socks5, false, "PROXY_SOCKS_AUTH_PORT", true, "client"},
    {"socks5h with password", ProxyType::Socks5, true, "PROXY_SOCKS_AUTH_PORT", true, "proxy"},
    {"http", ProxyType::Http, false, "PROXY_HTTP_PORT", false, "proxy"},
    {"http with Basic", ProxyType::Http, false, "PROXY_HTTP_AUTH_PORT", true, "proxy"},
    {"http with NTLM", ProxyType::Http, false, "PROXY_HTTP_NTLM_PORT", true, "proxy", true},
};
const Kind& kNtlm = kKinds[9];

ConnectionSettings through(const Kind& k, const std::string& port_key = "MAILSTACK_SUBMISSION_PORT",
                           Security mode = Security::StartTls) {
  auto s = test::stack_settings(port_key, mode);
  s.proxy.type = k.type;
  s.proxy.resolve_via_proxy = k.resolve_via_proxy;
  s.proxy.address = proxy_fact("PROXY_HOST");
  s.proxy.port = proxy_port(k.port_key);
  if (k.credentials) {
    s.proxy.use_credentials = true;
    s.proxy.username = proxy_fact("PROXY_USER");
    s.proxy.password = k.type == ProxyType::Socks4 ? "" : proxy_fact("PROXY_PASSWORD");
    if (k.ntlm) s.proxy.domain = proxy_fact("PROXY_NTLM_DOMAIN");
  }
  return s;
}

bool has_hint(const SessionResult& r, const std::string& id) {
  return std::any_of(r.hints.begin(), r.hints.end(), [&](const Hint& h) { return h.id == id; });
}

std::string unique_marker(const char* what) {
  std::random_device rd;
  return std::string(what) + "-" + std::to_string(rd()) + std::to_string(rd());
}

std::string transcript_text(const SessionResult& r) {
  std::string all;
  for (const auto& e : r.transcript) all += e.text + "\n";
  return all;
}

bool has_phase(const SessionResult& r, Phase p) {
  for (const auto& t : r.phases)
    if (t.phase == p) return true;
  return false;
}

// The password raw, in Basic's and a bare base64 form, and in NTLM's UTF-16LE form.
void require_no_proxy_secret(const std::string& text) {
  const auto secret = proxy_fact("PROXY_PASSWORD");
  CHECK(text.find(secret) == std::string::npos);
  CHECK(text.find(base64_encode(proxy_fact("PROXY_USER") + ":" + secret)) == std::string::npos);
  CHECK(text.find(base64_encode(secret)) == std::string::npos);
  CHECK(text.find(smtp::convert_from_utf8(secret, "UTF-16LE")) == std::string::npos);
}

SessionResult run_failing(ConnectionSettings s) {
  TestRequest req;
  req.stop_after = StopAfter::Connect;
  auto r = diag::diagnose_session(s, req);
  INFO(transcript_text(r));
  REQUIRE_FALSE(r.ok);
  return r;
}

}  // namespace

TEST_CASE("Each proxy type, with and without credentials: STARTTLS + AUTH + a message reach Postfix", "[proxy][engine]") {
  for (const auto& k : kKinds) {
    DYNAMIC_SECTION(k.name) {
      auto marker = unique_marker("proxied");
      TestRequest req;
      req.message = MessageSpec{test::fact("MAILSTACK_USER"), {"rcpt@example.test"}, marker, "Through the " + std::string(k.name) + " proxy.\n"};
      auto r = diag::diagnose_session(through(k), req);
      INFO(transcript_text(r));
      REQUIRE(r.ok);
      CHECK(r.message.accepted);
      CHECK(r.auth.result == AuthResult::Ok);
      // TLS is with the SMTP server: its name for SNI and verification, never the proxy's.
      CHECK(r.tls.verified);
      CHECK(r.tls.sni == test::fact("MAILSTACK_SERVER_NAME"));
      CHECK(r.proxy.used);
      CHECK(r.proxy.result == ProxyResult::Ok);
      CHECK(r.proxy.connected_address == proxy_fact("PROXY_HOST"));
      CHECK(to_string(r.proxy.target_resolved_by) == k.resolved_by);
      CHECK(has_phase(r, Phase::Proxy));
      // The phase order: the proxy handshake comes after the TCP connect and before the banner.
      REQUIRE(r.phases.size() >= 4);
      CHECK(r.phases[1].phase == Phase::Connect);
      CHECK(r.phases[2].phase == Phase::Proxy);
      CHECK(r.phases[3].phase == Phase::Banner);
      bool proxy_lines = false;
      for (const auto& e : r.transcript) proxy_lines |= e.phase == Phase::Proxy && (e.dir == Dir::Client || e.dir == Dir::Server);
      CHECK(proxy_lines);
      require_no_proxy_secret(transcript_text(r));
      CHECK_FALSE(test::wait_for_delivery(marker).empty());
    }
  }
}

TEST_CASE("Implicit TLS through each proxy type", "[proxy][engine][tls]") {
  for (const auto& k : kKinds) {
    DYNAMIC_SECTION(k.name) {
      TestRequest req;
      req.stop_after = StopAfter::Auth;
      auto r = diag::diagnose_session(through(k, "MAILSTACK_IMPLICIT_PORT", Security::Implicit), req);
      INFO(transcript_text(r));
      REQUIRE(r.ok);
      CHECK(r.tls.verified);
      CHECK(r.server.capabilities_before_tls.empty());
      CHECK(r.auth.result == AuthResult::Ok);
    }
  }
}

TEST_CASE("The transcript decodes the handshake and masks credentials", "[proxy][engine]") {
  TestRequest req;
  req.stop_after = StopAfter::Connect;
  auto socks = diag::diagnose_session(through(kKinds[6]), req);  // socks5h with password
  auto text = transcript_text(socks);
  INFO(text);
  REQUIRE(socks.ok);
  CHECK(text.find("SOCKS5 greeting: version 5, methods: 2 (username/password)") != std::string::npos);
  CHECK(text.find("user \"" + proxy_fact("PROXY_USER") + "\", password ********") != std::string::npos);
  CHECK(text.find("address type 3 (domain name), target localhost:") != std::string::npos);
  CHECK(text.find("SOCKS5 reply: version 5, code 0 (succeeded)") != std::string::npos);

  auto http = diag::diagnose_session(through(kKinds[8]), req);  // http with Basic
  auto http_text = transcript_text(http);
  INFO(http_text);
  REQUIRE(http.ok);
  CHECK(http_text.find("CONNECT localhost:" + test::fact("MAILSTACK_SUBMISSION_PORT") + " HTTP/1.1") != std::string::npos);
  CHECK(http_text.find("Proxy-Authorization: Basic ********") != std::string::npos);
  CHECK(http_text.find("HTTP/1.") != std::string::npos);
  CHECK(http.proxy.reply == 200);
  require_no_proxy_secret(text + http_text);
}

TEST_CASE("Proxy down: the proxy is unreachable", "[proxy][engine][failure]") {
  int port = 0;
  { auto closed = net::listen_loopback(port); }  // a port nobody listens on any more
  auto s = through(kKinds[3]);
  s.proxy.port = port;
  auto r = run_failing(s);
  CHECK(r.failure->category == FailureCategory::Proxy);
  CHECK(r.failure->phase == Phase::Connect);
  CHECK(r.failure->message.find("proxy 127.0.0.1:" + std::to_string(port) + " is unreachable") != std::string::npos);
  CHECK(r.failure->message.find("refused") != std::string::npos);
  CHECK(r.proxy.result == ProxyResult::Unreachable);
  CHECK(has_hint(r, "proxy-unreachable"));
}

TEST_CASE("Wrong or missing proxy credentials: the proxy refused them", "[proxy][engine][failure]") {
  SECTION("SOCKS5 wrong password: RFC 1929 status") {
    auto s = through(kKinds[5]);
    s.proxy.password = "not-the-proxy-password";
    auto r = run_failing(s);
    CHECK(r.failure->category == FailureCategory::Proxy);
    CHECK(r.failure->phase == Phase::Proxy);
    CHECK(r.failure->message.find("refused the username/password") != std::string::npos);
    CHECK(r.proxy.result == ProxyResult::CredentialsRefused);
    CHECK(has_hint(r, "proxy-auth-failed"));
    CHECK(r.proxy.reply != 0);
    CHECK(transcript_text(r).find("not-the-proxy-password") == std::string::npos);
  }
  SECTION("SOCKS5 without credentials at a proxy that needs them: no acceptable methods") {
    auto s = through(kKinds[3]);
    s.proxy.port = proxy_port("PROXY_SOCKS_AUTH_PORT");
    auto r = run_failing(s);
    CHECK(r.failure->category == FailureCategory::Proxy);
    CHECK(r.failure->message.find("requires authentication") != std::string::npos);
    CHECK(r.proxy.result == ProxyResult::CredentialsRefused);
    CHECK(has_hint(r, "proxy-auth-failed"));
    CHECK(r.proxy.reply == 0xFF);
  }
  SECTION("HTTP without credentials: 407") {
    auto s = through(kKinds[7]);
    s.proxy.port = proxy_port("PROXY_HTTP_AUTH_PORT");
    auto r = run_failing(s);
    CHECK(r.failure->category == FailureCategory::Proxy);
    CHECK(r.proxy.result == ProxyResult::CredentialsRefused);
    CHECK(has_hint(r, "proxy-auth-failed"));
    CHECK(r.proxy.reply == 407);
    CHECK(r.failure->message.find("407") != std::string::npos);
  }
  SECTION("HTTP wrong password") {
    auto s = through(kKinds[8]);
    s.proxy.password = "not-the-proxy-password";
    auto r = run_failing(s);
    CHECK(r.failure->category == FailureCategory::Proxy);
    CHECK(r.proxy.result == ProxyResult::CredentialsRefused);
    CHECK(has_hint(r, "proxy-auth-failed"));
    CHECK(r.failure->message.find("refused the credentials") != std::string::npos);
    CHECK(transcript_text(r).find(base64_encode(proxy_fact("PROXY_USER") + ":not-the-proxy-password")) == std::string::npos);
  }
}

TEST_CASE("The proxy refused the target, with the reply explained", "[proxy][engine][failure]") {
  int closed_port = 0;
  { auto closed = net::listen_loopback(closed_port); }
  SECTION("SOCKS5: connection refused by the destination (reply 5)") {
    auto s = through(kKinds[3]);
    s.port = closed_port;
    auto r = run_failing(s);
    CHECK(r.failure->category == FailureCategory::Proxy);
    CHECK(r.proxy.result == ProxyResult::TargetRefused);
    CHECK(has_hint(r, "proxy-target-refused"));
    CHECK(r.proxy.reply == 5);
    CHECK(r.failure->message.find("reply 5 (connection refused by the destination host)") != std::string::npos);
  }
  SECTION("SOCKS5: not allowed by the proxy's rules (reply 2)") {
    auto s = through(kKinds[3]);
    s.address = "192.0.2.1";  // Dante only allows 127.0.0.0/8; it refuses before connecting
    auto r = run_failing(s);
    CHECK(r.proxy.reply == 2);
    CHECK(r.failure->message.find("not allowed by the proxy's rules") != std::string::npos);
  }
  SECTION("SOCKS4: request rejected (91)") {
    auto s = through(kKinds[0]);
    s.port = closed_port;
    auto r = run_failing(s);
    CHECK(r.failure->category == FailureCategory::Proxy);
    CHECK(r.proxy.result == ProxyResult::TargetRefused);
    CHECK(has_hint(r, "proxy-target-refused"));
    CHECK(r.proxy.reply == 91);
  }
  SECTION("HTTP: a port tinyproxy's ConnectPort does not allow (403)") {
    auto s = through(kKinds[7], "MAILSTACK_PLAIN_PORT");
    auto r = run_failing(s);
    CHECK(r.failure->category == FailureCategory::Proxy);
    CHECK(r.proxy.result == ProxyResult::TargetRefused);
    CHECK(has_hint(r, "proxy-target-refused"));
    CHECK(r.proxy.reply == 403);
    CHECK(r.failure->message.find("HTTP/1.") != std::string::npos);
    CHECK(r.failure->message.find("403") != std::string::npos);
  }
}

TEST_CASE("A proxy that never answers: proxy timeout within the step timeout", "[proxy][engine][failure]") {
  int port = 0;
  auto silent = net::listen_loopback(port);  // the kernel completes the connection; nobody ever answers
  for (auto type : {ProxyType::Socks5, ProxyType::Http}) {
    auto s = through(kKinds[3]);
    s.proxy.type = type;
    s.proxy.port = port;
    s.timeout_s = 1;
    auto start = std::chrono::steady_clock::now();
    auto r = run_failing(s);
    auto took = std::chrono::steady_clock::now() - start;
    CHECK(r.failure->category == FailureCategory::Proxy);
    CHECK(r.failure->phase == Phase::Proxy);
    CHECK(r.proxy.result == ProxyResult::Timeout);
    CHECK(has_hint(r, "proxy-unreachable"));
    CHECK(r.failure->message.find("did not answer") != std::string::npos);
    CHECK(took < std::chrono::seconds(3));
  }
}

TEST_CASE("Cancel during a proxy handshake that never ends takes effect at once", "[proxy][engine][cancel]") {
  int port = 0;
  auto silent = net::listen_loopback(port);
  auto s = through(kKinds[7]);
  s.proxy.port = port;
  s.timeout_s = 30;
  Session session(s, TestRequest{}, std::make_shared<EventQueue>());
  session.start();
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (session.current_phase() != Phase::Proxy && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  REQUIRE(session.current_phase() == Phase::Proxy);
  auto start = std::chrono::steady_clock::now();
  session.cancel();
  session.wait();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(500));
  REQUIRE(session.result().failure);
  CHECK(session.result().failure->category == FailureCategory::Cancelled);
  CHECK(session.result().failure->phase == Phase::Proxy);
}

TEST_CASE("HTTP NTLM through squid: the three messages decoded, responses masked, squid names the user", "[proxy][engine][ntlm]") {
  TestRequest req;
  req.stop_after = StopAfter::Connect;
  auto r = diag::diagnose_session(through(kNtlm), req);
  auto text = transcript_text(r);
  INFO(text);
  REQUIRE(r.ok);
  CHECK(r.proxy.result == ProxyResult::Ok);
  CHECK(r.proxy.reply == 200);
  CHECK(r.proxy.reply_text.find("HTTP/1.1 200") == 0);
  CHECK(text.find("Proxy-Authorization: NTLM ********") != std::string::npos);
  CHECK(text.find("Proxy-Connection: keep-alive") != std::string::npos);
  CHECK(text.find("NTLM NEGOTIATE_MESSAGE, flags UNICODE") != std::string::npos);
  CHECK(text.find("HTTP/1.1 407 Proxy Authentication Required") != std::string::npos);
  CHECK(text.find("NTLM CHALLENGE_MESSAGE, flags") != std::string::npos);
  CHECK(text.find("NTLM AUTHENTICATE_MESSAGE (NTLMv2), domain \"" + proxy_fact("PROXY_NTLM_DOMAIN") + "\", user \"" +
                  proxy_fact("PROXY_USER") + "\", workstation (none), responses ********") != std::string::npos);
  CHECK(text.find("200 Connection established") != std::string::npos);
  require_no_proxy_secret(text);
  for (const auto& t : r.phases)
    if (t.phase == Phase::Proxy) WARN("NTLM handshake with squid: " << t.duration_ms << " ms");
  // Squid logs the tunnel (when it ends) with the user its NTLM helper authenticated, "DOMAIN\user" with
  // the backslash escaped. ntlm_fake_auth reads the UTF-16LE names only up to their first zero byte, so
  // SMTPWB\proxy-tester is logged as "S\\p".
  const std::string expected_user = proxy_fact("PROXY_NTLM_DOMAIN").substr(0, 1) + "\\\\" + proxy_fact("PROXY_USER").substr(0, 1);
  bool logged = false;
  for (int i = 0; i < 40 && !logged; ++i) {
    std::istringstream lines(test::slurp(proxy_fact("PROXY_LOG_DIR") + "/http-ntlm-access.log"));
    for (std::string line; std::getline(lines, line);) {
      std::istringstream fields(line);
      std::vector<std::string> f{std::istream_iterator<std::string>(fields), {}};
      // time elapsed client code/status bytes method url user hierarchy type
      logged |= f.size() >= 8 && f[3] == "TCP_TUNNEL/200" && f[7] == expected_user;
    }
    if (!logged) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(logged);
}

TEST_CASE("HTTP NTLM: failures name their cause", "[proxy][engine][ntlm][failure]") {
  SECTION("a proxy that offers only Basic (tinyproxy): credentials refused, the offered scheme named") {
    auto s = through(kNtlm);
    s.proxy.port = proxy_port("PROXY_HTTP_AUTH_PORT");
    auto r = run_failing(s);
    CHECK(r.failure->category == FailureCategory::Proxy);
    CHECK(r.failure->phase == Phase::Proxy);
    CHECK(r.proxy.result == ProxyResult::CredentialsRefused);
    CHECK(has_hint(r, "proxy-auth-failed"));
    CHECK((r.proxy.reply == 407 || r.proxy.reply == 401));
    INFO(r.failure->message);
    CHECK(r.failure->message.find("does not offer NTLM authentication") != std::string::npos);
    CHECK(r.failure->message.find("it offers Basic") != std::string::npos);
    require_no_proxy_secret(transcript_text(r));
  }
  SECTION("squid without credentials: 407, and the hint to give a Domain for NTLM") {
    auto s = through(kKinds[7]);
    s.proxy.port = proxy_port("PROXY_HTTP_NTLM_PORT");
    auto r = run_failing(s);
    CHECK(r.proxy.result == ProxyResult::CredentialsRefused);
    CHECK(r.proxy.reply == 407);
    CHECK(r.failure->message.find("requires authentication") != std::string::npos);
    CHECK(r.failure->message.find("give the proxy's Domain to authenticate with NTLM") != std::string::npos);
  }
  SECTION("squid with NTLM, to a port it does not allow: 403 after the handshake") {
    auto s = through(kNtlm, "MAILSTACK_PLAIN_PORT");
    auto r = run_failing(s);
    CHECK(r.proxy.result == ProxyResult::TargetRefused);
    CHECK(r.proxy.reply == 403);
    CHECK(has_hint(r, "proxy-target-refused"));
  }
}

// ---- the binary ----

namespace {
std::string check_args(const std::string& proxy_url, const std::string& port_key = "MAILSTACK_SUBMISSION_PORT",
                       const std::string& security = "starttls") {
  return "check --host localhost --port " + test::fact(port_key) + " --security " + security + " --ca-file " +
         test::fact("MAILSTACK_CA_FILE") + " --color never --timeout 10 --user " + test::fact("MAILSTACK_USER") +
         " --password-env SMTPWB_PW --proxy " + proxy_url;
}
std::string proxy_url(const char* scheme, const char* port_key) {
  return std::string(scheme) + "://" + proxy_fact("PROXY_HOST") + ":" + proxy_fact(port_key);
}
std::string env(const std::string& proxy_password = {}) {
  return "SMTPWB_PW='" + test::fact("MAILSTACK_PASSWORD") + "' PXPW='" + proxy_password + "'";
}
}  // namespace

TEST_CASE("check through each proxy type: message sent, proxy section in the JSON, no proxy password anywhere", "[proxy][cli]") {
  struct Case {
    const char* scheme;
    const char* port_key;
    bool credentials;
    const char* resolved_by;
    bool ntlm = false;
  };
  for (const auto& c : {Case{"socks4", "PROXY_SOCKS_PORT", false, "client"}, Case{"socks4a", "PROXY_SOCKS4A_PORT", false, "proxy"},
                        Case{"socks5", "PROXY_SOCKS_AUTH_PORT", true, "client"}, Case{"socks5h", "PROXY_SOCKS_PORT", false, "proxy"},
                        Case{"socks5h", "PROXY_SOCKS_AUTH_PORT", true, "proxy"}, Case{"http", "PROXY_HTTP_PORT", false, "proxy"},
                        Case{"http", "PROXY_HTTP_AUTH_PORT", true, "proxy"}, Case{"http", "PROXY_HTTP_NTLM_PORT", true, "proxy", true}}) {
    DYNAMIC_SECTION(c.scheme << (c.credentials ? " with credentials" : "") << (c.ntlm ? " (NTLM)" : "")) {
      test::TempDir dir;
      auto json_path = dir.path / "report.json";
      auto log_path = dir.path / "engine.log";
      auto marker = unique_marker("cli-proxied");
      std::string args = check_args(proxy_url(c.scheme, c.port_key)) + " --from " + test::fact("MAILSTACK_USER") +
                         " --to rcpt@example.test --subject " + marker + " --json " + json_path.string() + " --log-file " +
                         log_path.string() + " 2>&1";
      if (c.credentials) args += " --proxy-user " + proxy_fact("PROXY_USER") + " --proxy-password-env PXPW";
      if (c.ntlm) args += " --proxy-domain " + proxy_fact("PROXY_NTLM_DOMAIN");
      auto run = test::run_binary(args, env(proxy_fact("PROXY_PASSWORD")));
      INFO(run.out);
      REQUIRE(run.status == 0);
      CHECK(run.out.find("Result: ok") != std::string::npos);
      auto report = nlohmann::json::parse(test::slurp(json_path));
      CHECK(report["proxy"]["type"] == c.scheme);
      CHECK(report["proxy"]["address"] == proxy_fact("PROXY_HOST"));
      CHECK(report["proxy"]["port"] == proxy_port(c.port_key));
      CHECK(report["proxy"]["target_resolved_by"] == c.resolved_by);
      CHECK(report["proxy"]["result"] == "ok");
      CHECK(report["proxy"]["reply"].is_number());
      if (c.ntlm) {
        CHECK(report["proxy"]["reply"] == 200);
        CHECK(run.out.find("NTLM AUTHENTICATE_MESSAGE (NTLMv2)") != std::string::npos);
      }
      CHECK(report["tls"]["verified"] == true);
      CHECK(report["tls"]["sni"] == "localhost");
      bool proxy_phase = false;
      for (const auto& p : report["phases"]) proxy_phase |= p["name"] == "proxy";
      CHECK(proxy_phase);
      CHECK_FALSE(test::wait_for_delivery(marker).empty());
      require_no_proxy_secret(run.out);
      require_no_proxy_secret(report.dump());
      require_no_proxy_secret(test::slurp(log_path));
    }
  }
}

TEST_CASE("check: a wrong proxy password exits 6 with category proxy", "[proxy][cli][failure]") {
  test::TempDir dir;
  auto json_path = dir.path / "report.json";
  auto run = test::run_binary(check_args(proxy_url("socks5h", "PROXY_SOCKS_AUTH_PORT")) + " --proxy-user " +
                                  proxy_fact("PROXY_USER") + " --proxy-password-env PXPW --json " + json_path.string() + " 2>&1",
                              env("Wrong-Proxy-Password-99"));
  INFO(run.out);
  CHECK(run.status == 6);
  CHECK(run.out.find("Result: failed, proxy: ") != std::string::npos);
  auto report = nlohmann::json::parse(test::slurp(json_path));
  CHECK(report["failure"]["category"] == "proxy");
  CHECK(report["failure"]["phase"] == "proxy");
  CHECK(report["proxy"]["result"] == "credentials-refused");
  CHECK(run.out.find("Wrong-Proxy-Password-99") == std::string::npos);
  CHECK(report.dump().find("Wrong-Proxy-Password-99") == std::string::npos);
}

TEST_CASE("check: a password inside the --proxy URL works, is warned about and never echoed", "[proxy][cli]") {
  auto url = "http://" + proxy_fact("PROXY_USER") + ":" + proxy_fact("PROXY_PASSWORD") + "@" + proxy_fact("PROXY_HOST") + ":" +
             proxy_fact("PROXY_HTTP_AUTH_PORT");
  auto run = test::run_binary(check_args(url) + " --stop-after auth 2>&1", env());
  INFO(run.out);
  CHECK(run.status == 0);
  CHECK(run.out.find("warning: --proxy: the password inside the URL") != std::string::npos);
  require_no_proxy_secret(run.out);
}

TEST_CASE("check: bad --proxy values are usage errors (exit 2) naming --proxy", "[proxy][cli][errors]") {
  for (const std::string url : {"socks9://h:1", "socks5://h:70000", "proxy.example.com:1080", "http://u:secret-in-url@bad host"}) {
    auto run = test::run_binary(check_args("'" + url + "'") + " 2>&1", env());
    INFO(run.out);
    CHECK(run.status == 2);
    CHECK(run.out.find("--proxy") != std::string::npos);
    CHECK(std::count(run.out.begin(), run.out.end(), '\n') == 1);
    CHECK(run.out.find("secret-in-url") == std::string::npos);
  }
}

// Issue 7: every artefact of a proxied run (printed transcript, log file, JSON report, saved profile)
// is free of the proxy password and the SMTP password, raw, UTF-16LE/BE or base64 at any alignment
// (the Basic header's "user:password" blob included).
TEST_CASE("Secrets: no proxy or SMTP password in any artefact of a proxied run", "[proxy][cli][secrets]") {
  for (const auto& [scheme, port_key] : {std::pair{"socks5", "PROXY_SOCKS_AUTH_PORT"}, std::pair{"http", "PROXY_HTTP_AUTH_PORT"}}) {
    DYNAMIC_SECTION(scheme << " with a password") {
      test::TempDir dir;
      auto json_path = dir.path / "report.json", log_path = dir.path / "engine.log", profile_path = dir.path / "profile.json";
      auto run = test::run_binary(check_args(proxy_url(scheme, port_key)) + " --proxy-user " + proxy_fact("PROXY_USER") +
                                      " --proxy-password-env PXPW --stop-after auth --json " + json_path.string() +
                                      " --log-file " + log_path.string() + " --save-profile " + profile_path.string() + " 2>&1",
                                  env(proxy_fact("PROXY_PASSWORD")));
      INFO(run.out);
      REQUIRE(run.status == 0);
      for (const auto& [name, text] : {std::pair{"transcript", run.out}, std::pair{"log file", test::slurp(log_path)},
                                       std::pair{"JSON report", test::slurp(json_path)},
                                       std::pair{"saved profile", test::slurp(profile_path)}}) {
        INFO("artefact: " << name);
        CHECK_FALSE(text.empty());
        CHECK(test::leaks(text, proxy_fact("PROXY_PASSWORD")).empty());
        CHECK(test::leaks(text, test::fact("MAILSTACK_PASSWORD")).empty());
      }
    }
  }
}
