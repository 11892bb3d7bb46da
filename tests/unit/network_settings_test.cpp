// Issue 17's network settings: -4/-6, --local-address, --submission-port, --probe-plaintext; their
// validation, profile keys and the plain-text probe's hint.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "check/check_args.hpp"
#include "smtpwb/export.hpp"
#include "smtpwb/hints.hpp"
#include "smtpwb/report.hpp"
#include "smtp/connector.hpp"
#include "smtpwb/settings.hpp"

using namespace smtpwb;
using Catch::Matchers::ContainsSubstring;

namespace {

ConnectionSettings valid() {
  ConnectionSettings s;
  s.address = "mail.example.com";
  s.port = 587;
  return s;
}

std::optional<FieldError> error_for(const ConnectionSettings& s, Field f) {
  for (const auto& e : validate(s))
    if (e.field == f) return e;
  return std::nullopt;
}

}  // namespace

TEST_CASE("Network settings: the local address is an IP literal of the family the connection may use", "[settings]") {
  auto s = valid();
  s.local_address = "192.0.2.10";
  CHECK(validate(s).empty());
  s.local_address = "2001:db8::10";
  CHECK(validate(s).empty());
  s.local_address = "mail.example.com";
  REQUIRE(error_for(s, Field::LocalAddress));
  CHECK_THAT(error_for(s, Field::LocalAddress)->problem, ContainsSubstring("is not an IP address"));
  s.local_address = "192.0.2.10";
  s.address_family = AddressFamily::IPv6;
  REQUIRE(error_for(s, Field::AddressFamily));
  CHECK_THAT(error_for(s, Field::AddressFamily)->problem, ContainsSubstring("is IPv4"));
  s.local_address = "2001:db8::10";
  CHECK(validate(s).empty());
  s.address_family = AddressFamily::IPv4;
  CHECK(error_for(s, Field::AddressFamily));
  CHECK(to_string(Field::LocalAddress) == "connection.local_address");
}

TEST_CASE("Network settings: profile keys connection.address_family, local_address, submission_port", "[profile]") {
  auto s = valid();
  CHECK_FALSE(profile_json(s).contains("connection"));  // unchanged profiles read as before
  s.address_family = AddressFamily::IPv6;
  s.local_address = "2001:db8::10";
  s.submission_port = true;
  auto j = profile_json(s);
  CHECK(j["connection"]["address_family"] == "ipv6");
  ConnectionSettings back;
  REQUIRE_FALSE(apply_profile(j, back));
  CHECK(back.address_family == AddressFamily::IPv6);
  CHECK(back.local_address == "2001:db8::10");
  CHECK(back.submission_port);
  nlohmann::ordered_json bad = {{"connection", {{"address_family", "ipv5"}}}};
  auto err = apply_profile(bad, back);
  REQUIRE(err);
  CHECK_THAT(err->message, ContainsSubstring("connection.address_family"));
}

TEST_CASE("check flags: -4, -6, --local-address, --submission-port, --probe-plaintext", "[cli]") {
  using app::CheckArgs;
  auto parse = [](std::vector<std::string> argv, CheckArgs& a) { return app::parse_check_args(argv, a); };
  CheckArgs a;
  REQUIRE_FALSE(parse({"--host", "h.example", "-6", "--local-address", "::1", "--submission-port", "--probe-plaintext"}, a));
  ConnectionSettings s;
  REQUIRE_FALSE(app::apply_check_args(a, s));
  CHECK(s.address_family == AddressFamily::IPv6);
  CHECK(s.local_address == "::1");
  CHECK(is_submission_port(s));
  CHECK(a.probe_plaintext);
  CheckArgs b;
  REQUIRE_FALSE(parse({"--host", "h.example", "--ipv4"}, b));
  CHECK(b.ipv4);
  CheckArgs c;
  auto both = parse({"--host", "h.example", "-4", "-6"}, c);
  REQUIRE(both);
  CHECK_THAT(both->message, ContainsSubstring("not both"));
  CheckArgs d;
  REQUIRE(parse({"--host", "h.example", "--local-address", "not-an-ip"}, d));
  CheckArgs e;
  REQUIRE(parse({"--host", "h.example", "-4", "--local-address", "2001:db8::1"}, e));
  CheckArgs f;
  REQUIRE(parse({"--host", "h.example", "--find-settings", "--probe-plaintext"}, f));
}

TEST_CASE("Hint server-allows-plaintext-submission: a submission port that takes AUTH or mail before TLS", "[hints]") {
  const auto& catalogue = HintCatalogue::builtin();
  PlaintextProbeFacts open;
  open.auth_advertised = true;
  open.auth_mechanisms = {"PLAIN", "LOGIN"};
  open.sender = "postmaster@example.com";
  auto s = valid();
  auto hints = catalogue.match_plaintext_probe(s, open);
  REQUIRE(hints.size() == 1);
  CHECK(hints[0].id == "server-allows-plaintext-submission");
  CHECK_THAT(hints[0].title, ContainsSubstring("advertises AUTH (PLAIN, LOGIN)"));

  PlaintextProbeFacts mail_only;
  mail_only.mail_accepted = true;
  mail_only.mail_reply = "250 2.1.0 Ok";
  CHECK(catalogue.match_plaintext_probe(s, mail_only).size() == 1);
  CHECK(catalogue.match_plaintext_probe(s, PlaintextProbeFacts{}).empty());  // nothing before TLS
  s.port = 25;
  CHECK(catalogue.match_plaintext_probe(s, open).empty());  // an MX port takes mail in plain text by design
  s.submission_port = true;
  CHECK(catalogue.match_plaintext_probe(s, open).size() == 1);
  PlaintextProbeFacts failed = open;
  failed.error = "connection refused";
  CHECK(catalogue.match_plaintext_probe(s, failed).empty());
}

TEST_CASE("The report's family_reason: forced, literal, first answer, fallback to the other family", "[network]") {
  using smtp::family_reason;
  const std::vector<bool> v6_then_v4 = {false, true};
  CHECK(family_reason(v6_then_v4, 0, "", false) == "first address the resolver returned");
  CHECK(family_reason(v6_then_v4, 1, "", false) == "IPv6 failed, fell back to IPv4");
  CHECK(family_reason({true, false}, 1, "", false) == "IPv4 failed, fell back to IPv6");
  CHECK(family_reason({true, true}, 1, "", false) == "the first 1 address(es) failed, the next IPv4 one answered");
  CHECK(family_reason({true}, 0, "", true) == "the address is an IPv4 literal");
  CHECK(family_reason({false}, 0, "forced by --ipv6", false) == "forced by --ipv6");
}

TEST_CASE("Equivalent commands carry -4/-6 and the local address where the tool has them", "[network][export]") {
  auto s = valid();
  s.address_family = AddressFamily::IPv6;
  s.local_address = "2001:db8::10";
  TestRequest request;
  auto commands = equivalent_commands(s, request);
  REQUIRE(commands.size() == 3);
  CHECK_THAT(commands[0].command, ContainsSubstring(" -6 "));
  CHECK_THAT(commands[0].command, ContainsSubstring("--local-interface 2001:db8::10"));
  CHECK_THAT(commands[1].command, ContainsSubstring("--ipv6"));
  CHECK_THAT(commands[1].command, ContainsSubstring("--interface 2001:db8::10"));
  CHECK_THAT(commands[2].command, ContainsSubstring(" -6"));
  CHECK_THAT(commands[2].note, ContainsSubstring("cannot bind a local address"));
}
