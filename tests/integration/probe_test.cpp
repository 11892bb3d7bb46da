// The probes against real servers: TLS versions (Postfix's TLS 1.2-only / 1.3-only listeners, and an
// OpenSSL s_server that speaks only TLS 1.0), the port finder, DNS and certificate facts.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <nlohmann/json.hpp>

#include "smtpwb/net/io.hpp"
#include "smtpwb/port_finder.hpp"
#include "smtpwb/session.hpp"
#include "smtpwb/tls_probe.hpp"
#include "support.hpp"

extern char** environ;

using namespace smtpwb;
using Catch::Matchers::ContainsSubstring;

namespace {

ProbeTarget stack_target(const std::string& port_key, Security mode = Security::StartTls) {
  return ProbeTarget{{test::fact("MAILSTACK_SERVER_NAME")}, test::port(port_key), mode, std::chrono::seconds(10)};
}

const TlsProbeRow& row(const std::vector<TlsProbeRow>& rows, TlsVersion v) { return rows.at(static_cast<std::size_t>(v)); }

int free_loopback_port() {
  int port = 0;
  net::listen_loopback(port);  // closed again at once: the port was free a moment ago
  return port;
}

bool accepts_connections(int port) {
  net::Address a = net::loopback_address(port);
  std::atomic<bool> cancel{false};
  try {
    net::connect_tcp(a, net::Deadline::in(std::chrono::milliseconds(200)), cancel);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

// `openssl s_server` accepting only TLS 1.0 with one cipher, on a free loopback port; stopped by PID.
// Debian 12's OpenSSL 3 needs security level 0 for TLS 1.0 (SHA-1 signatures).
struct LegacyTlsServer {
  test::TempDir dir;
  pid_t pid = -1;
  int port = 0;
  LegacyTlsServer() {
    auto key = (dir.path / "key.pem").string(), cert = (dir.path / "cert.pem").string();
    std::string make_cert = "openssl req -x509 -newkey rsa:2048 -nodes -keyout " + key + " -out " + cert +
                            " -days 2 -subj /CN=localhost >/dev/null 2>&1";
    REQUIRE(std::system(make_cert.c_str()) == 0);
    port = free_loopback_port();
    std::string accept = "127.0.0.1:" + std::to_string(port);
    std::vector<std::string> args = {"openssl", "s_server", "-accept", accept, "-cert", cert, "-key", key, "-tls1",
                                     "-cipher", "AES128-SHA:@SECLEVEL=0", "-quiet"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    int rc = posix_spawnp(&pid, "openssl", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    REQUIRE(rc == 0);
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!accepts_connections(port) && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    REQUIRE(accepts_connections(port));
  }
  ~LegacyTlsServer() {
    if (pid > 0) {
      ::kill(pid, SIGTERM);
      ::waitpid(pid, nullptr, 0);
    }
  }
};

}  // namespace

TEST_CASE("TLS probe: the TLS 1.2-only listener offers exactly TLS 1.2", "[probe][postfix]") {
  auto rows = probe_tls(stack_target("MAILSTACK_TLS12_PORT"));
  REQUIRE(rows.size() == 6);
  CHECK(row(rows, TlsVersion::Tls12).offered());
  CHECK_THAT(row(rows, TlsVersion::Tls12).cipher, ContainsSubstring("TLS-"));
  CHECK(row(rows, TlsVersion::Tls13).outcome == TlsProbeRow::Outcome::NotOffered);
  CHECK(row(rows, TlsVersion::Tls13).detail == "protocol_version alert");
  for (auto v : {TlsVersion::Ssl2, TlsVersion::Ssl3, TlsVersion::Tls10, TlsVersion::Tls11}) {
    INFO(display_name(v) << ": " << row(rows, v).detail);
    CHECK(row(rows, v).outcome == TlsProbeRow::Outcome::NotOffered);
    CHECK_THAT(row(rows, v).detail, ContainsSubstring("alert"));
  }
}

TEST_CASE("TLS probe: the TLS 1.3-only listener offers exactly TLS 1.3", "[probe][postfix]") {
  auto rows = probe_tls(stack_target("MAILSTACK_TLS13_PORT"));
  CHECK(row(rows, TlsVersion::Tls13).offered());
  CHECK_THAT(row(rows, TlsVersion::Tls13).cipher, ContainsSubstring("TLS1-3-"));
  for (auto v : {TlsVersion::Ssl2, TlsVersion::Ssl3, TlsVersion::Tls10, TlsVersion::Tls11, TlsVersion::Tls12}) {
    INFO(display_name(v) << ": " << row(rows, v).detail);
    CHECK(row(rows, v).outcome == TlsProbeRow::Outcome::NotOffered);
    CHECK_FALSE(row(rows, v).risk());
  }
}

TEST_CASE("TLS probe: a TLS 1.0-only OpenSSL server; answering TLS 1.0 to a 1.1/1.2 hello is not offering them",
          "[probe][legacy]") {
  LegacyTlsServer server;
  ProbeTarget target{{"localhost"}, server.port, Security::Implicit, std::chrono::seconds(10)};
  auto rows = probe_tls(target);
  const auto& tls10 = row(rows, TlsVersion::Tls10);
  INFO(tls10.detail);
  REQUIRE(tls10.offered());
  CHECK(tls10.cipher == "TLS-RSA-WITH-AES-128-CBC-SHA");
  CHECK(tls10.risk());
  CHECK(row(rows, TlsVersion::Tls11).outcome == TlsProbeRow::Outcome::NotOffered);
  CHECK(row(rows, TlsVersion::Tls11).detail == "server answered with TLS 1.0 instead");
  CHECK(row(rows, TlsVersion::Tls12).detail == "server answered with TLS 1.0 instead");
  CHECK_FALSE(row(rows, TlsVersion::Tls13).offered());
  CHECK_FALSE(row(rows, TlsVersion::Ssl3).offered());
  CHECK_FALSE(row(rows, TlsVersion::Ssl2).offered());
}

TEST_CASE("TLS probe: progress and cancel against a server that never answers", "[probe]") {
  int port = 0;
  auto silent = net::listen_loopback(port);  // connections complete in the backlog; nothing is ever said
  TlsProbe probe(ProbeTarget{{"127.0.0.1"}, port, Security::StartTls, std::chrono::seconds(30)});
  CHECK(probe.progress().total == 6);
  CHECK(probe.progress().done == 0);
  probe.start();
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);  // a busy machine may start threads late
  while (probe.state(TlsVersion::Tls12) != ProbeRowState::Running && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(probe.state(TlsVersion::Tls12) == ProbeRowState::Running);
  CHECK_FALSE(probe.finished());
  auto t0 = std::chrono::steady_clock::now();
  probe.cancel();
  probe.wait();
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(500));
  CHECK(probe.finished());
  CHECK(probe.progress().done == 6);
  for (const auto& r : probe.results()) CHECK(r.detail == "cancelled");
}

TEST_CASE("check --probe-tls: the JSON contract against the TLS 1.2-only and 1.3-only listeners", "[probe][cli][postfix]") {
  for (auto [key, offered] : {std::pair{"MAILSTACK_TLS12_PORT", "tls1.2"}, std::pair{"MAILSTACK_TLS13_PORT", "tls1.3"}}) {
    auto run = test::run_binary("check --host localhost --port " + test::fact(key) + " --security starttls --ca-file " +
                                test::fact("MAILSTACK_CA_FILE") + " --stop-after connect --probe-tls --timeout 10 --json -");
    INFO(run.out);
    REQUIRE(run.status == 0);
    auto probe = nlohmann::json::parse(run.out)["tls_probe"];
    for (const char* version : {"ssl2", "ssl3", "tls1.0", "tls1.1", "tls1.2", "tls1.3"}) {
      INFO(version);
      REQUIRE(probe.contains(version));
      bool expected = std::string(version) == offered;
      CHECK(probe[version]["offered"] == expected);
      CHECK(probe[version]["cipher"].is_string() == expected);
      CHECK(probe[version]["error"].is_string() == !expected);
    }
  }
  auto text = test::run_binary("check --host localhost --port " + test::fact("MAILSTACK_TLS12_PORT") +
                               " --security starttls --ca-file " + test::fact("MAILSTACK_CA_FILE") +
                               " --stop-after connect --probe-tls --color never");
  CHECK_THAT(text.out, ContainsSubstring("=== TLS version probe of localhost:" + test::fact("MAILSTACK_TLS12_PORT")));
  CHECK_THAT(text.out, ContainsSubstring("TLS 1.3   not offered   protocol_version alert"));
  CHECK(test::run_binary("check --host localhost --security none --probe-tls").status == 2);
}

TEST_CASE("Port finder: plain, submission and implicit listeners; implicit TLS with AUTH is recommended", "[finder][postfix]") {
  FinderTarget target;
  target.route.host = "localhost";
  int plain = test::port("MAILSTACK_PLAIN_PORT"), submission = test::port("MAILSTACK_SUBMISSION_PORT"),
      implicit = test::port("MAILSTACK_IMPLICIT_PORT");
  target.ports = {plain, submission, implicit};
  target.timeout = std::chrono::seconds(2);
  PortFinder finder(target);
  CHECK(finder.progress().total == 9);
  finder.start();
  finder.wait();
  auto rows = finder.results();
  REQUIRE(rows.size() == 9);
  auto at = [&](int port, Security mode) {
    for (const auto& r : rows)
      if (r.port == port && r.mode == mode) return r;
    FAIL("no row");
    return FinderRow{};
  };
  auto p = at(plain, Security::None);
  CHECK(p.works());
  CHECK_FALSE(p.starttls);
  CHECK_FALSE(p.auth_before_tls.empty());
  CHECK_THAT(p.banner, ContainsSubstring("220 "));
  CHECK(at(plain, Security::StartTls).error == "STARTTLS not offered");
  CHECK_THAT(at(plain, Security::Implicit).error, ContainsSubstring("not TLS"));

  auto s = at(submission, Security::StartTls);
  CHECK(s.works());
  CHECK(s.starttls);
  CHECK(s.auth_before_tls.empty());  // smtpd_tls_auth_only
  CHECK_FALSE(s.auth_after_tls.empty());
  CHECK(s.tls_version == "TLSv1.3");

  auto i = at(implicit, Security::Implicit);
  CHECK(i.works());
  CHECK_FALSE(i.auth_after_tls.empty());
  CHECK_FALSE(at(implicit, Security::None).works());  // waits for a banner that never comes in plain text
  auto rec = recommend(rows);
  REQUIRE(rec);
  CHECK(rec->port == implicit);
  CHECK(rec->mode == Security::Implicit);
}

TEST_CASE("check --find-settings: table, JSON rows and recommendation; exit 4 when nothing answers", "[finder][cli][postfix]") {
  std::string ports = test::fact("MAILSTACK_SUBMISSION_PORT") + "," + test::fact("MAILSTACK_PLAIN_PORT");
  auto run = test::run_binary("check --host localhost --find-settings --find-ports " + ports + " --timeout 2 --json -");
  INFO(run.out);
  REQUIRE(run.status == 0);
  auto report = nlohmann::json::parse(run.out);
  REQUIRE(report["find_settings"].size() == 6);
  for (const auto& r : report["find_settings"])
    for (const char* key : {"port", "mode", "reachable", "banner", "starttls", "auth_before_tls", "auth_after_tls", "tls_version", "error"})
      CHECK(r.contains(key));
  CHECK(report["recommended"]["port"] == test::port("MAILSTACK_SUBMISSION_PORT"));
  CHECK(report["recommended"]["mode"] == "starttls");

  auto text = test::run_binary("check --host localhost --find-settings --find-ports " + ports + " --timeout 2 --color never");
  CHECK_THAT(text.out, ContainsSubstring("Recommended: port " + test::fact("MAILSTACK_SUBMISSION_PORT") + ", starttls"));
  int closed = free_loopback_port();
  CHECK(test::run_binary("check --host 127.0.0.1 --find-settings --find-ports " + std::to_string(closed) + " --timeout 2").status == 4);
}

TEST_CASE("DNS and certificate facts: PTR of 127.0.0.1, the mail domain, the SAN that matched, days left", "[dns][postfix]") {
  auto s = test::stack_settings("MAILSTACK_SUBMISSION_PORT");
  s.address = "127.0.0.1";
  TestRequest request;
  request.stop_after = StopAfter::Auth;
  auto r = run_session(s, request);
  INFO((r.failure ? r.failure->message : std::string("ok")));
  REQUIRE(r.ok);  // whatever the MX lookup of example.test says, the session does not fail on it
  CHECK(r.server.reverse_dns == "localhost");
  CHECK(r.server.mail_domain == test::fact("MAILSTACK_DOMAIN"));
  CHECK(r.tls.san_match == "IP:127.0.0.1");
  REQUIRE_FALSE(r.tls.chain.empty());
  CHECK(r.tls.chain.front().days_left > 300);
  bool said_ptr = false;
  for (const auto& e : r.transcript) said_ptr |= e.text == "Reverse DNS of 127.0.0.1: localhost";
  CHECK(said_ptr);
}
