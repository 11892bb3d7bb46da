// `check --nagios` against the suite's Postfix: the plugin's status line, perfdata and exit codes.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <map>
#include <sstream>
#include <vector>

#include "support.hpp"

using Catch::Matchers::ContainsSubstring;
using Catch::Matchers::StartsWith;

namespace {

std::string plugin_args(const std::string& extra = {}) {
  return "check --nagios --host localhost --port " + test::fact("MAILSTACK_SUBMISSION_PORT") + " --ca-file " +
         test::fact("MAILSTACK_CA_FILE") + " --user " + test::fact("MAILSTACK_USER") + " --password-env SMTPWB_PW --timeout 10 " + extra;
}

std::string good_password() { return "SMTPWB_PW=" + test::fact("MAILSTACK_PASSWORD"); }

struct Perf {
  double value = 0;
  std::string unit;
  std::vector<std::string> rest;  // warn, crit, min...
};

// The status line and its perfdata (label=value[unit];warn;crit;min...).
std::map<std::string, Perf> parse_perfdata(const std::string& out, std::string& status_line) {
  status_line = out.substr(0, out.find('\n'));
  auto bar = status_line.find(" | ");
  REQUIRE(bar != std::string::npos);
  std::map<std::string, Perf> items;
  std::istringstream in(status_line.substr(bar + 3));
  for (std::string item; in >> item;) {
    auto eq = item.find('=');
    REQUIRE(eq != std::string::npos);
    std::istringstream fields(item.substr(eq + 1));
    std::string first, field;
    std::getline(fields, first, ';');
    Perf p;
    std::size_t used = 0;
    p.value = std::stod(first, &used);
    p.unit = first.substr(used);
    while (std::getline(fields, field, ';')) p.rest.push_back(field);
    items[item.substr(0, eq)] = p;
  }
  return items;
}

}  // namespace

TEST_CASE("check --nagios: OK with TLS version, days left, mechanism and checked perfdata", "[cli][postfix][nagios]") {
  auto run = test::run_binary(plugin_args(), good_password());
  INFO(run.out);
  CHECK(run.status == 0);
  std::string line;
  auto perf = parse_perfdata(run.out, line);
  CHECK_THAT(line, StartsWith("SMTP OK - localhost:" + test::fact("MAILSTACK_SUBMISSION_PORT") + " TLSv1.3, certificate expires in "));
  CHECK_THAT(line, ContainsSubstring(" accepted, "));
  REQUIRE(perf.count("time"));
  CHECK(perf["time"].unit == "s");
  CHECK(perf["time"].value > 0);
  CHECK(perf["time"].value < 10);
  CHECK(perf["time"].rest == std::vector<std::string>{"", "", "0"});
  REQUIRE(perf.count("tls_days_left"));
  CHECK(perf["tls_days_left"].unit == "d");
  CHECK(perf["tls_days_left"].value >= 823);  // the stack's server certificate: 825 days from its start
  CHECK(perf["tls_days_left"].value <= 825);
  double phases = 0;
  for (const char* name : {"phase_dns", "phase_connect", "phase_banner", "phase_ehlo", "phase_starttls", "phase_tls", "phase_auth", "phase_quit"}) {
    INFO(name);
    REQUIRE(perf.count(name));
    CHECK(perf[name].unit == "s");
    phases += perf[name].value;
  }
  CHECK(phases <= perf["time"].value + 0.001);
  CHECK_THAT(run.out, ContainsSubstring("\nTLS: TLSv1.3, "));
  CHECK(run.out.find(test::fact("MAILSTACK_PASSWORD")) == std::string::npos);
}

TEST_CASE("check --nagios: WARNING and CRITICAL from the certificate days and time thresholds", "[cli][postfix][nagios]") {
  auto warn = test::run_binary(plugin_args("--cert-warn-days 1000 --cert-crit-days 10"), good_password());
  INFO(warn.out);
  CHECK(warn.status == 1);
  std::string line;
  auto perf = parse_perfdata(warn.out, line);
  CHECK_THAT(line, StartsWith("SMTP WARNING - "));
  CHECK_THAT(line, ContainsSubstring("(WARNING: fewer than 1000)"));
  CHECK(perf["tls_days_left"].rest == std::vector<std::string>{"1000:", "10:"});

  auto crit = test::run_binary(plugin_args("--cert-warn-days 2000 --cert-crit-days 1000"), good_password());
  CHECK(crit.status == 2);
  CHECK_THAT(crit.out, StartsWith("SMTP CRITICAL - "));

  auto slow = test::run_binary(plugin_args("--warn-ms 1 --crit-ms 5000"), good_password());
  INFO(slow.out);
  CHECK(slow.status == 1);
  CHECK(parse_perfdata(slow.out, line)["time"].rest == std::vector<std::string>{"0.001", "5", "0"});
}

TEST_CASE("check --nagios: a wrong password is CRITICAL with the hint id in the summary", "[cli][postfix][nagios]") {
  auto run = test::run_binary(plugin_args(), "SMTPWB_PW=wrong-password");
  INFO(run.out);
  CHECK(run.status == 2);
  std::string line;
  auto perf = parse_perfdata(run.out, line);
  CHECK_THAT(line, StartsWith("SMTP CRITICAL - localhost:"));
  CHECK_THAT(line, ContainsSubstring("auth: "));
  CHECK_THAT(line, ContainsSubstring("535"));
  CHECK_THAT(line, ContainsSubstring("(hint: auth-failed) | "));
  CHECK(perf.count("phase_auth") == 1);
  CHECK_THAT(run.out, ContainsSubstring("\nHint [auth-failed]: "));
  CHECK(run.out.find("wrong-password") == std::string::npos);
}

TEST_CASE("check --nagios: usage errors are UNKNOWN with the reason, in one line", "[cli][nagios]") {
  auto bad = test::run_binary("check --nagios --host localhost --bogus");
  CHECK(bad.status == 3);
  CHECK(bad.out == "SMTP UNKNOWN - unknown option \"--bogus\" (see smtp-workbench check --help)\n");
  auto conflict = test::run_binary("check --nagios --host localhost --warn-ms 900 --crit-ms 100");
  CHECK(conflict.status == 3);
  CHECK_THAT(conflict.out, StartsWith("SMTP UNKNOWN - --warn-ms is above --crit-ms"));
  auto missing = test::run_binary("check --nagios --host localhost --user a --password-env SMTPWB_UNSET_VARIABLE");
  CHECK(missing.status == 3);
  CHECK_THAT(missing.out, ContainsSubstring("SMTPWB_UNSET_VARIABLE is not set"));
  auto refused = test::run_binary("check --nagios --host 127.0.0.1 --port 1 --security none --anonymous --timeout 5");
  CHECK(refused.status == 2);
  CHECK_THAT(refused.out, StartsWith("SMTP CRITICAL - 127.0.0.1:1 connect: "));
  CHECK_THAT(refused.out, ContainsSubstring("(hint: connection-refused)"));
}
