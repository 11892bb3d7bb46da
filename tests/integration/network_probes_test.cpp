// Issue 17's network and security probes against the suite's Postfix: -4/-6 and the source address
// (--local-address), the plain-text probe (--probe-plaintext), and find settings finishing as soon as
// every port's verdict is settled.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <chrono>
#include <nlohmann/json.hpp>

#include "smtpwb/port_finder.hpp"
#include "support.hpp"

using namespace smtpwb;
using Catch::Matchers::ContainsSubstring;

namespace {

nlohmann::json report_of(const test::Run& run) {
  INFO(run.out);
  REQUIRE_FALSE(run.out.empty());
  return nlohmann::json::parse(run.out);
}

std::vector<std::string> hint_ids(const nlohmann::json& report) {
  std::vector<std::string> ids;
  for (const auto& h : report["hints"]) ids.push_back(h["id"]);
  return ids;
}

bool has(const std::vector<std::string>& ids, const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

std::string plain_port_args() { return "--port " + test::fact("MAILSTACK_PLAIN_PORT") + " --security none --stop-after connect"; }

}  // namespace

TEST_CASE("check -4: the report says IPv4 was used, forced by --ipv4", "[network][cli][postfix]") {
  auto run = test::run_binary("check --host localhost -4 " + plain_port_args() + " --json -");
  REQUIRE(run.status == 0);
  auto connection = report_of(run)["connection"];
  CHECK(connection["address_family"] == "ipv4");
  CHECK(connection["family_reason"] == "forced by --ipv4");
  CHECK(connection["local_address"] == "127.0.0.1");

  auto any = report_of(test::run_binary("check --host 127.0.0.1 " + plain_port_args() + " --json -"));
  CHECK(any["connection"]["address_family"] == "ipv4");
  CHECK(any["connection"]["family_reason"] == "the address is an IPv4 literal");
}

TEST_CASE("check -6: the Postfix listener on ::1, and -6 with an IPv4-only address fails with its hint", "[network][cli][postfix]") {
  const bool ipv6 = test::stack().count("MAILSTACK_IPV6_HOST") && !test::fact("MAILSTACK_IPV6_HOST").empty();
  if (ipv6) {
    auto run = test::run_binary("check --host ::1 -6 " + plain_port_args() + " --json -");
    REQUIRE(run.status == 0);
    auto report = report_of(run);
    CHECK(report["connection"]["address_family"] == "ipv6");
    CHECK(report["connection"]["family_reason"] == "forced by --ipv6");
    CHECK(report["server"]["address"] == "::1");
  } else {
    WARN("no IPv6 loopback on this machine: the ::1 listener is not tested");
  }
  auto refused = test::run_binary("check --host 127.0.0.1 -6 " + plain_port_args() + " --json -");
  CHECK(refused.status == 3);  // dns: no address of that family
  auto report = report_of(refused);
  CHECK_THAT(report["failure"]["message"].get<std::string>(), ContainsSubstring("has no IPv6 (AAAA) address"));
  CHECK(has(hint_ids(report), "address-family-unavailable"));
  CHECK_FALSE(has(hint_ids(report), "dns-not-found"));
}

TEST_CASE("check --local-address: Postfix sees the bound source address; one not on this machine is a clear error",
          "[network][cli][postfix]") {
  auto run = test::run_binary("check --host 127.0.0.1 --local-address 127.0.0.2 " + plain_port_args() + " --json -");
  REQUIRE(run.status == 0);
  auto report = report_of(run);
  CHECK(report["connection"]["local_address"] == "127.0.0.2");
  CHECK(report["connection"]["family_reason"] == "the local address 127.0.0.2 is IPv4");
  // Postfix's own log names the client address it saw.
  auto log = test::slurp(test::fact("MAILSTACK_LOG_DIR") + "/postfix.log");
  CHECK_THAT(log, ContainsSubstring("connect from unknown[127.0.0.2]"));

  // 192.0.2.0/24 (TEST-NET-1) is on no interface here: bind() fails before any packet is sent.
  auto unassignable = test::run_binary("check --host 127.0.0.1 --local-address 192.0.2.77 " + plain_port_args() + " --json -");
  CHECK(unassignable.status == 4);
  auto failed = report_of(unassignable);
  CHECK_THAT(failed["failure"]["message"].get<std::string>(), ContainsSubstring("Cannot use the local address 192.0.2.77"));
  CHECK(has(hint_ids(failed), "local-address-unavailable"));

  CHECK(test::run_binary("check --host 127.0.0.1 --local-address mail.example.com " + plain_port_args()).status == 2);
  CHECK(test::run_binary("check --host 127.0.0.1 -4 -6 " + plain_port_args()).status == 2);
  CHECK(test::run_binary("check --host 127.0.0.1 -6 --local-address 127.0.0.2 " + plain_port_args()).status == 2);
}

TEST_CASE("check --probe-plaintext: AUTH before TLS on a submission port is a finding; smtpd_tls_auth_only hides AUTH",
          "[network][cli][postfix]") {
  // The PLAIN listener advertises AUTH without TLS and accepts MAIL FROM from loopback.
  auto open = report_of(test::run_binary("check --host 127.0.0.1 " + plain_port_args() +
                                         " --probe-plaintext --submission-port --json -"));
  auto probe = open["plaintext_probe"];
  CHECK(probe["auth_advertised"] == true);
  CHECK_FALSE(probe["auth_mechanisms"].empty());
  CHECK(probe["mail_accepted"] == true);
  CHECK(probe.size() == 3);
  CHECK(has(hint_ids(open), "server-allows-plaintext-submission"));

  // The same port, not a submission port: the facts, no hint.
  auto port25 = report_of(test::run_binary("check --host 127.0.0.1 " + plain_port_args() + " --probe-plaintext --json -"));
  CHECK(port25["plaintext_probe"]["auth_advertised"] == true);
  CHECK_FALSE(has(hint_ids(port25), "server-allows-plaintext-submission"));

  // SUBMISSION: smtpd_tls_security_level=encrypt, smtpd_tls_auth_only=yes.
  auto strict = report_of(test::run_binary("check --host localhost --port " + test::fact("MAILSTACK_SUBMISSION_PORT") +
                                           " --security starttls --ca-file " + test::fact("MAILSTACK_CA_FILE") +
                                           " --stop-after connect --probe-plaintext --submission-port --json -"));
  CHECK(strict["plaintext_probe"]["auth_advertised"] == false);
  CHECK(strict["plaintext_probe"]["auth_mechanisms"].empty());
  CHECK(strict["plaintext_probe"]["mail_accepted"] == false);
  CHECK_FALSE(has(hint_ids(strict), "server-allows-plaintext-submission"));

  CHECK(test::run_binary("check --host localhost --port " + test::fact("MAILSTACK_IMPLICIT_PORT") +
                         " --security implicit --probe-plaintext").status == 2);
}

TEST_CASE("Find settings: a port silent in plain text costs no timeout once its implicit-TLS probe answered",
          "[finder][network][postfix]") {
  FinderTarget target;
  target.route.host = "127.0.0.1";
  const int implicit = test::port("MAILSTACK_IMPLICIT_PORT");
  target.ports = {test::port("MAILSTACK_PLAIN_PORT"), test::port("MAILSTACK_SUBMISSION_PORT"), implicit,
                  test::port("MAILSTACK_TLS13_PORT")};
  // A long timeout, so that waiting for it cannot pass for slowness of a loaded machine.
  target.timeout = std::chrono::seconds(10);
  auto start = std::chrono::steady_clock::now();
  auto rows = find_settings(target);
  auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(elapsed < std::chrono::seconds(4));
  for (const auto& r : rows) {
    if (r.port != implicit) continue;
    INFO(std::string(finder_mode_name(r.mode)) + ": " + r.error);
    if (r.mode == Security::Implicit) CHECK(r.works());
    else CHECK(r.error == kSilentTlsPort);
  }
  auto rec = recommend(rows);
  REQUIRE(rec);
  CHECK(rec->port == implicit);
}
