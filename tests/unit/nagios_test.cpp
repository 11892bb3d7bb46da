// app/check/nagios: the plugin mode's output (status line, perfdata, long output) from a result.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "check/check_args.hpp"
#include "check/nagios.hpp"
#include "monitoring/probe_facts.hpp"

using namespace smtpwb;
using namespace smtpwb::app;
using Catch::Matchers::ContainsSubstring;
using Catch::Matchers::StartsWith;

namespace {

CertificateInfo certificate(int depth, const std::string& not_after, int days_left, bool anchor = false) {
  CertificateInfo c;
  c.depth = depth;
  c.subject = depth == 0 ? "CN=localhost" : "CN=Test CA";
  c.not_after = not_after;
  c.days_left = days_left;
  c.trust_anchor = anchor;
  return c;
}

SessionResult healthy() {
  SessionResult r;
  r.ok = true;
  r.total_ms = 12.5;
  r.server.host = "localhost";
  r.server.port = 587;
  r.server.banner = "220 mail.example.test ESMTP";
  r.phases = {{Phase::Resolve, 0, 0.3}, {Phase::Connect, 0.3, 0.2}, {Phase::Ehlo, 1, 1.0}, {Phase::StartTls, 2, 0.5},
              {Phase::TlsHandshake, 2.5, 5.0}, {Phase::Ehlo, 7.5, 1.5}, {Phase::Auth, 9, 2.0}, {Phase::Quit, 11, 1.5}};
  r.tls.used = true;
  r.tls.version = "TLSv1.3";
  r.tls.cipher = "TLS1-3-AES-256-GCM-SHA384";
  r.tls.verified = true;
  // The leaf expires first among the certificates the server sent; the root from the store earlier still.
  r.tls.chain = {certificate(0, "2027-01-10T00:00:00Z", 29), certificate(1, "2030-01-01T00:00:00Z", 1000),
                 certificate(2, "2026-12-01T00:00:00Z", 5, true)};
  r.auth.mechanism = "PLAIN";
  r.auth.result = AuthResult::Ok;
  return r;
}

SessionResult auth_refused() {
  SessionResult r = healthy();
  r.ok = false;
  r.auth.result = AuthResult::Failed;
  Failure f;
  f.category = FailureCategory::Auth;
  f.message = "Authentication failed: 535 5.7.8 Error: authentication failed | try again\x1b[2J";
  f.reply_code = 535;
  r.failure = f;
  Hint h;
  h.id = "auth-failed";
  h.title = "The server refused the user name or password.";
  h.fix = "Check them.";
  r.hints = {h};
  return r;
}

std::string status_line(const PluginOutput& out) { return out.text.substr(0, out.text.find('\n')); }

// "label=value;warn;crit;min" items after the '|' of the status line.
std::map<std::string, std::vector<std::string>> perfdata(const PluginOutput& out) {
  auto line = status_line(out);
  auto bar = line.find('|');
  REQUIRE(bar != std::string::npos);
  REQUIRE(line.find('|', bar + 1) == std::string::npos);
  std::map<std::string, std::vector<std::string>> items;
  std::istringstream in(line.substr(bar + 1));
  std::string item;
  while (in >> item) {
    auto eq = item.find('=');
    REQUIRE(eq != std::string::npos);
    std::vector<std::string> fields;
    std::string rest = item.substr(eq + 1), field;
    std::istringstream parts(rest);
    while (std::getline(parts, field, ';')) fields.push_back(field);
    if (!rest.empty() && rest.back() == ';') fields.push_back("");
    CHECK(items.count(item.substr(0, eq)) == 0);  // every label once
    items[item.substr(0, eq)] = fields;
  }
  return items;
}

}  // namespace

TEST_CASE("plugin: a healthy test is OK and names TLS version, days left, mechanism", "[nagios]") {
  auto out = plugin_output(healthy(), {});
  CHECK(out.status == PluginStatus::Ok);
  auto line = status_line(out);
  CHECK_THAT(line, StartsWith("SMTP OK - localhost:587 TLSv1.3, certificate expires in 29 days, AUTH PLAIN accepted, 12.5 ms | "));
  auto perf = perfdata(out);
  CHECK(perf["time"] == std::vector<std::string>{"0.0125s", "", "", "0"});
  CHECK(perf["tls_days_left"] == std::vector<std::string>{"29d", "", ""});
  CHECK(perf["phase_dns"] == std::vector<std::string>{"0.0003s"});
  CHECK(perf["phase_ehlo"] == std::vector<std::string>{"0.0025s"});  // both EHLOs, one label
  CHECK(perf["phase_tls"] == std::vector<std::string>{"0.005s"});
  CHECK(perf.count("phase_quit") == 1);
  CHECK_THAT(out.text, ContainsSubstring("\nTLS: TLSv1.3, TLS1-3-AES-256-GCM-SHA384, certificate verified\n"));
  CHECK_THAT(out.text, ContainsSubstring("\nCertificate 0: CN=localhost, expires 2027-01-10T00:00:00Z\n"));
  CHECK_THAT(out.text, !ContainsSubstring("Test CA, expires 2026"));  // the store's root is not the server's
}

TEST_CASE("plugin: certificate days and time thresholds give WARNING and CRITICAL", "[nagios]") {
  PluginThresholds t;
  t.cert_warn_days = 30;
  t.cert_crit_days = 7;
  auto warn = plugin_output(healthy(), t);
  CHECK(warn.status == PluginStatus::Warning);
  CHECK_THAT(status_line(warn), ContainsSubstring("certificate expires in 29 days (WARNING: fewer than 30)"));
  CHECK(perfdata(warn)["tls_days_left"] == std::vector<std::string>{"29d", "30:", "7:"});

  t = {};
  t.warn_ms = 5;
  t.crit_ms = 10;
  auto crit = plugin_output(healthy(), t);
  CHECK(crit.status == PluginStatus::Critical);
  CHECK_THAT(status_line(crit), ContainsSubstring("12.5 ms (CRITICAL: above 10)"));
  CHECK(perfdata(crit)["time"] == std::vector<std::string>{"0.0125s", "0.005", "0.01", "0"});

  t = {};
  t.warn_ms = 1000;
  t.cert_warn_days = 10;
  CHECK(plugin_output(healthy(), t).status == PluginStatus::Ok);
}

TEST_CASE("plugin: a failed test is CRITICAL with its hint id; server text cannot break the format", "[nagios]") {
  auto out = plugin_output(auth_refused(), {});
  CHECK(out.status == PluginStatus::Critical);
  auto line = status_line(out);
  CHECK_THAT(line, StartsWith("SMTP CRITICAL - localhost:587 auth: Authentication failed: 535 5.7.8"));
  CHECK_THAT(line, ContainsSubstring("(hint: auth-failed) | time="));
  CHECK_THAT(line, ContainsSubstring("\\x7c try again\\x1b[2J"));
  CHECK(out.text.find('\x1b') == std::string::npos);
  CHECK_THAT(out.text, ContainsSubstring("\nHint [auth-failed]: The server refused the user name or password. - Fix: Check them.\n"));
  for (auto pos = out.text.find('\n'); pos != std::string::npos && pos + 1 < out.text.size(); pos = out.text.find('\n', pos + 1))
    CHECK(out.text.substr(pos + 1, out.text.find('\n', pos + 1) - pos - 1).find('|') == std::string::npos);
}

TEST_CASE("plugin: settings problems and cancels are UNKNOWN; so is a usage error", "[nagios]") {
  auto r = auth_refused();
  r.failure->category = FailureCategory::Config;
  CHECK(plugin_output(r, {}).status == PluginStatus::Unknown);
  auto usage = plugin_unknown("unknown option \"--bogus\" | x");
  CHECK(usage.status == PluginStatus::Unknown);
  CHECK(usage.text == "SMTP UNKNOWN - unknown option \"--bogus\" \\x7c x\n");
}

TEST_CASE("plugin: without TLS there is no tls_days_left, and days thresholds cannot be judged", "[nagios]") {
  auto r = healthy();
  r.tls = {};
  auto out = plugin_output(r, {});
  CHECK(out.status == PluginStatus::Ok);
  CHECK_THAT(status_line(out), ContainsSubstring("localhost:587 no TLS, AUTH PLAIN accepted"));
  CHECK(perfdata(out).count("tls_days_left") == 0);
  PluginThresholds t;
  t.cert_warn_days = 30;
  CHECK(plugin_output(r, t).status == PluginStatus::Unknown);
}

TEST_CASE("plugin: --nagios and its threshold flags", "[nagios][check_args]") {
  CheckArgs a;
  REQUIRE_FALSE(parse_check_args({"--host", "h", "--nagios", "--warn-ms", "500", "--crit-ms", "2000", "--cert-warn-days", "30",
                                  "--cert-crit-days", "7"},
                                 a));
  CHECK(a.nagios);
  CHECK(a.warn_ms == 500);
  CHECK(a.cert_crit_days == 7);
  auto error = [](std::vector<std::string> argv) {
    CheckArgs x;
    auto e = parse_check_args(argv, x);
    REQUIRE(e.has_value());
    return e->message;
  };
  CHECK_THAT(error({"--host", "h", "--warn-ms", "5"}), ContainsSubstring("need --nagios"));
  CHECK_THAT(error({"--host", "h", "--nagios", "--json", "-"}), ContainsSubstring("plugin output only"));
  CHECK_THAT(error({"--host", "h", "--nagios", "--warn-ms", "900", "--crit-ms", "100"}), ContainsSubstring("above --crit-ms"));
  CHECK_THAT(error({"--host", "h", "--nagios", "--cert-warn-days", "7", "--cert-crit-days", "30"}),
             ContainsSubstring("below --cert-crit-days"));
  CHECK_THAT(error({"--host", "h", "--nagios", "--warn-ms", "x"}), ContainsSubstring("--warn-ms"));
  CHECK(wants_plugin_output({"--host", "h", "--nagios"}));
  CHECK_FALSE(wants_plugin_output({"--host", "h"}));
}

TEST_CASE("monitoring facts: first expiring certificate, verified chain expiry, version label", "[nagios]") {
  auto r = healthy();
  REQUIRE(first_expiring(r.tls) != nullptr);
  CHECK(first_expiring(r.tls)->depth == 0);
  CHECK(*unix_time("2027-01-10T00:00:00Z") == 1799539200);
  CHECK(verified_chain_expiry(r.tls) == *unix_time("2026-12-01T00:00:00Z"));  // the anchor counts in the chain
  r.tls.verified = false;
  CHECK_FALSE(verified_chain_expiry(r.tls).has_value());
  CHECK(tls_version_label("TLSv1.2") == "TLS 1.2");
  CHECK_FALSE(unix_time("2027-01-10").has_value());
}
