// Issue 17 in the window: the advanced network fields of Connection settings (errors under the field, the
// submission checkbox's rule) and Probe plain text beside Probe TLS.
#include <catch2/catch_test_macros.hpp>

#include "gui_harness.hpp"
#include "model/editor_rules.hpp"

using namespace smtpwb;
using namespace smtpwb::gui;
using guitest::Harness;

TEST_CASE("Editor rules: the submission checkbox applies to ports other than 587", "[gui][rules]") {
  ConnectionSettings s;
  s.port = 587;
  CHECK_FALSE(editor_rules(s).submission_port_enabled);
  s.port = 2525;
  CHECK(editor_rules(s).submission_port_enabled);
  CHECK(field_label(Field::LocalAddress, s) == "Local address");
  CHECK(field_label(Field::AddressFamily, s) == "Address family");
}

TEST_CASE("Connection settings, advanced: local address and address family, errors under the field", "[gui][views]") {
  Harness h;
  h.wb.load();
  h.wb.apply(cmd::NewFromPreset{"exchange"});
  h.frames(2);
  Connection& c = *h.wb.selected();
  REQUIRE(h.click("tab:Connection settings"));
  REQUIRE(h.click("header:advanced-network"));
  REQUIRE(h.click("field:Local address"));
  h.type("not-an-address");
  CHECK(c.draft.local_address == "not-an-address");
  auto errors = field_errors(c.draft);
  REQUIRE(errors.count("Local address"));
  CHECK(errors["Local address"].find("is not an IP address") != std::string::npos);
  c.draft.local_address = "192.0.2.10";
  c.draft.address_family = AddressFamily::IPv6;
  CHECK(field_errors(c.draft).count("Address family"));
  c.draft.address_family = AddressFamily::IPv4;
  CHECK_FALSE(field_errors(c.draft).count("Address family"));
}

TEST_CASE("Probe plain text from the window: beside Probe TLS, against the demo server", "[gui][views][probe]") {
  Harness h;
  h.wb.load();
  h.frames(2);
  REQUIRE(h.click("tab:Probe TLS"));
  REQUIRE(h.click("probe-plaintext"));
  Connection& demo = *h.wb.selected();
  REQUIRE(demo.plaintext_probe);
  REQUIRE(h.frames_until([&] { return demo.plaintext_probe->finished(); }));
  auto state = demo.plaintext_probe->snapshot();
  REQUIRE(state.facts);
  INFO(state.facts->error);
  CHECK(state.facts->error.empty());
  CHECK_FALSE(state.facts->mail_reply.empty());
  // The hint follows the facts: only a submission port that takes AUTH or mail before TLS gets it.
  const bool finding = state.facts->auth_advertised || state.facts->mail_accepted;
  CHECK(state.hints.empty() == !(finding && is_submission_port(demo.draft)));

  demo.draft.security = Security::Implicit;
  h.wb.apply(cmd::ProbePlaintext{demo.id});
  CHECK(h.wb.status_is_error());  // no plain-text phase on an implicit-TLS port
}
