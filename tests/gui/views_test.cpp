// The real views in an ImGui context with no renderer, driven through io input events.
#include <catch2/catch_test_macros.hpp>

#include "gui_harness.hpp"
#include "model/editor_rules.hpp"
#include "model/presets.hpp"

using namespace smtpwb;
using namespace smtpwb::gui;
using guitest::Harness;

namespace {
Connection& select_new(Harness& h, const char* preset) {
  h.wb.apply(cmd::NewFromPreset{preset});
  h.frames(2);
  return *h.wb.selected();
}
std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
}  // namespace

TEST_CASE("Clicking Anonymous disables the credentials; Gmail OAuth relabels them", "[gui][views]") {
  Harness h;
  h.wb.load();
  Connection& c = select_new(h, "gmail");
  REQUIRE(h.click("tab:Connection settings"));
  REQUIRE_FALSE(c.draft.anonymous);
  REQUIRE(h.click("check:Anonymous"));
  CHECK(c.draft.anonymous);
  REQUIRE(h.click("field:Username"));
  h.type("typed");
  CHECK(c.draft.username.empty());  // disabled: typing does nothing
  REQUIRE(h.click("check:Anonymous"));
  CHECK_FALSE(c.draft.anonymous);
  REQUIRE(h.click("field:Username"));
  h.type("me@gmail.com");
  CHECK(c.draft.username == "me@gmail.com");

  c.draft.auth_type = AuthType::GmailOAuth;
  h.frames(2);
  CHECK_FALSE(probe::find("check:Anonymous"));
  CHECK(probe::find("field:Application Id"));
  CHECK(probe::find("field:Client secret"));
  CHECK(probe::find("field:Account"));
  CHECK(probe::find("oauth-setup"));
  CHECK(probe::find("oauth-authenticate"));
  REQUIRE(test_refusal(c.draft));
  CHECK(test_refusal(c.draft)->find("Account: is empty") != std::string::npos);
}

TEST_CASE("Microsoft 365 (OAuth) preset: Application Id, optional secret, Account and Tenant fields", "[gui][views][microsoft365]") {
  Harness h;
  h.wb.load();
  Connection& c = select_new(h, "office365-oauth");
  REQUIRE(h.click("tab:Connection settings"));
  h.frames(2);
  CHECK(c.draft.auth_type == AuthType::Microsoft365OAuth);
  CHECK_FALSE(probe::find("check:Anonymous"));
  CHECK(probe::find("field:Application Id"));
  CHECK(probe::find("field:Client secret (optional)"));
  CHECK(probe::find("field:Account"));
  CHECK(probe::find("oauth-setup"));
  CHECK(probe::find("oauth-authenticate"));
  REQUIRE(h.click("field:Tenant"));
  h.key(ImGuiKey_A, true);
  h.type("contoso.onmicrosoft.com");
  CHECK(c.draft.oauth_tenant == "contoso.onmicrosoft.com");
  c.draft.auth_type = AuthType::Default;
  h.frames(2);
  CHECK_FALSE(probe::find("field:Tenant"));
  CHECK(probe::find("check:Anonymous"));
}

TEST_CASE("An invalid port is shown next to the field and Test is refused with the reason", "[gui][views]") {
  Harness h;
  h.wb.load();
  Connection& c = select_new(h, "office365");
  c.draft.anonymous = true;
  h.frames(2);
  REQUIRE(h.click("tab:Connection settings"));
  REQUIRE(h.click("field:Port"));
  h.key(ImGuiKey_A, true);
  h.type("70000");
  h.key(ImGuiKey_Enter);
  CHECK(c.draft.port == 70000);
  h.click("test");
  CHECK(h.count<cmd::RunTest>() == 0);
  CHECK(h.wb.status().find("Testing") == std::string::npos);
  h.key(ImGuiKey_Enter, true);  // Ctrl+Enter is refused too
  CHECK(h.count<cmd::RunTest>() == 0);
}

TEST_CASE("Ctrl+Enter runs Test; the run streams into the transcript and ends ok", "[gui][views]") {
  Harness h;
  h.wb.load();
  h.frames(2);
  h.key(ImGuiKey_Enter, true);
  REQUIRE(h.count<cmd::RunTest>() == 1);
  Connection& demo = *h.wb.selected();
  REQUIRE(h.frames_until([&] { return demo.current_run() && demo.current_run()->finished; }));
  Run& run = *demo.current_run();
  INFO((run.result.failure ? run.result.failure->message : ""));
  CHECK(run.result.ok);
  CHECK(run.transcript.size() == run.result.transcript.size());
  CHECK(run.result.tls.used);

  h.vs.transcript.filter = "AUTH";
  h.frames(2);
  CHECK(run.filter.size(run.transcript) >= 2);
  for (std::size_t r = 0; r < run.filter.size(run.transcript); ++r)
    CHECK(lower(run.transcript.text(run.filter.line_at(r))).find("auth") != std::string::npos);
  REQUIRE(h.click("tab:TLS"));
  REQUIRE(h.click("tab:Timeline"));
}

TEST_CASE("Step mode from the window: step, type a command, continue", "[gui][views][step]") {
  Harness h;
  h.wb.load();
  h.frames(2);
  REQUIRE(h.click("step-mode"));
  REQUIRE(h.vs.step_mode);
  REQUIRE(h.click("test"));
  Connection& demo = *h.wb.selected();
  REQUIRE(demo.current_run());
  Run& run = *demo.current_run();
  REQUIRE(h.frames_until([&] { return run.gate->waiting(); }));
  CHECK(run.gate->pending().rfind("EHLO", 0) == 0);
  REQUIRE(h.click("command-line"));
  h.type("NOOP");
  h.key(ImGuiKey_Enter);
  REQUIRE(h.count<cmd::SendLine>() == 1);
  REQUIRE(h.frames_until([&] { return run.gate->waiting(); }));
  REQUIRE(h.click("step"));
  REQUIRE(h.frames_until([&] { return run.gate->waiting() && run.gate->pending() == "STARTTLS"; }));
  REQUIRE(h.click("continue"));
  REQUIRE(h.frames_until([&] { return run.finished; }));
  CHECK(run.result.ok);
  bool noop = false;
  for (std::size_t i = 0; i < run.transcript.size(); ++i) noop |= run.transcript.text(i) == "NOOP";
  CHECK(noop);
}

TEST_CASE("Delete asks first, and Undo brings the connection back", "[gui][views]") {
  Harness h;
  h.wb.load();
  h.frames(2);
  REQUIRE(h.click("delete"));
  CHECK(h.count<cmd::Delete>() == 0);  // only the confirmation so far
  REQUIRE(h.click("confirm-delete"));
  CHECK(h.count<cmd::Delete>() == 1);
  CHECK(h.wb.connections().empty());
  REQUIRE(h.click("undo-delete"));
  CHECK(h.wb.connections().size() == 1);
}

TEST_CASE("The list filter narrows the connections as the user types", "[gui][views]") {
  Harness h;
  h.wb.load();
  select_new(h, "gmail");
  select_new(h, "office365");
  CHECK(probe::find("connection:Gmail"));
  REQUIRE(h.click("list-filter"));
  h.type("office");
  CHECK(h.vs.list_filter == "office");
  CHECK_FALSE(probe::find("connection:Gmail"));
  CHECK(probe::find("connection:Office 365"));
  auto groups = group_connections(h.wb.connections(), "gmail");
  REQUIRE(groups.size() == 1);
  CHECK(groups[0].group == "Google");
}

TEST_CASE("New from a preset through the menu", "[gui][views]") {
  Harness h;
  h.wb.load();
  h.frames(2);
  REQUIRE(h.click("new"));
  REQUIRE(h.click("preset:gmail"));
  REQUIRE(h.count<cmd::NewFromPreset>() == 1);
  CHECK(h.wb.selected()->draft.address == "smtp.gmail.com");
  CHECK(h.wb.selected()->dirty());
}

TEST_CASE("Timeline bars and certificate expiry are computed for drawing", "[gui][views]") {
  std::vector<PhaseTiming> phases{{Phase::Resolve, 0, 10}, {Phase::Connect, 10, 5}, {Phase::TlsHandshake, 15, 85}};
  auto bars = timeline_bars(phases);
  REQUIRE(bars.size() == 3);
  CHECK(bars[2].slowest);
  CHECK(bars[2].x == 0.15f);
  CHECK(bars[2].width == 0.85f);
  std::time_t now = 1'800'000'000;  // 2027-01-15
  auto days = days_until("2027-02-14T08:00:00Z", now);
  REQUIRE(days);
  CHECK(*days > 29.0);
  CHECK(*days < 31.0);
  CHECK_FALSE(days_until("not a date", now));
  CHECK(split_addresses(" a@x.test, b@y.test;c@z.test ,") == std::vector<std::string>{"a@x.test", "b@y.test", "c@z.test"});
}

TEST_CASE("Probe TLS from the window: per-row progress, then the grid", "[gui][views][probe]") {
  Harness h;
  h.wb.load();
  h.frames(2);
  REQUIRE(h.click("tab:Probe TLS"));
  REQUIRE(h.click("probe-tls"));
  Connection& demo = *h.wb.selected();
  REQUIRE(demo.tls_probe);
  REQUIRE(h.frames_until([&] { return demo.tls_probe->finished(); }));
  auto rows = demo.tls_probe->engine().results();
  REQUIRE(rows.size() == 6);
  auto row = [&](TlsVersion v) { return rows[static_cast<std::size_t>(v)]; };
  CHECK(row(TlsVersion::Tls13).offered());
  CHECK(row(TlsVersion::Tls12).offered());
  CHECK_FALSE(row(TlsVersion::Ssl2).offered());
  CHECK_FALSE(row(TlsVersion::Tls10).offered());
  CHECK(demo.tls_probe_target.find("STARTTLS") != std::string::npos);
}

TEST_CASE("Find settings applies the recommended port and mode to the draft", "[gui][views][probe]") {
  Harness h;
  h.wb.load();
  Connection& c = select_new(h, "exchange");
  c.draft.address = "localhost";
  h.wb.apply(cmd::ApplyFoundSettings{c.id, 465, Security::Implicit});
  CHECK(c.draft.port == 465);
  CHECK(c.draft.security == Security::Implicit);
  h.wb.apply(cmd::ApplyFoundSettings{c.id, 25, Security::None});
  CHECK(c.draft.security == Security::None);
  Connection& demo = *h.wb.find_by_name("Demo server");
  h.wb.apply(cmd::FindSettings{demo.id});
  CHECK(h.wb.status_is_error());  // the demo server is not on the standard ports
}

TEST_CASE("Test email asks for From/To, sends through the demo server and remembers the fields", "[gui][views]") {
  Harness h;
  h.wb.load();
  h.frames(2);
  REQUIRE(h.click("test-email"));
  REQUIRE(h.click("email:from"));
  h.type("me@demo.test");
  REQUIRE(h.click("email:to"));
  h.type("you@demo.test, them@demo.test");
  REQUIRE(h.click("email:send"));
  REQUIRE(h.count<cmd::RunTest>() == 1);
  REQUIRE(std::holds_alternative<cmd::RunTest>(h.emitted.back()));
  const auto& test = std::get<cmd::RunTest>(h.emitted.back());
  REQUIRE(test.request.message);
  CHECK(test.request.message->to == std::vector<std::string>{"you@demo.test", "them@demo.test"});
  Connection& demo = *h.wb.selected();
  REQUIRE(h.frames_until([&] { return demo.current_run()->finished; }));
  CHECK(demo.current_run()->result.message.accepted);

  Workbench again(h.dir.path, std::make_unique<MemorySecretStore>(), [] {});
  again.load();
  CHECK(again.message_defaults().from == "me@demo.test");
  CHECK(again.message_defaults().to == "you@demo.test, them@demo.test");
}

TEST_CASE("A wrong password shows its hint first; the hint links to its transcript line; reports have no secret", "[gui][views][hints]") {
  Harness h;
  h.wb.load();
  Connection& demo = *h.wb.selected();
  demo.draft.password = "Wrong-Secret-77";
  h.frames(2);
  REQUIRE(h.click("test"));
  REQUIRE(h.frames_until([&] { return demo.current_run()->finished; }));
  Run& run = *demo.current_run();
  REQUIRE_FALSE(run.result.ok);
  REQUIRE_FALSE(run.result.hints.empty());
  CHECK(run.result.hints.front().id == "auth-failed");
  h.frames(2);
  REQUIRE(probe::find("hint-link:auth-failed"));  // the Hints tab came forward by itself
  REQUIRE(h.click("hint-link:auth-failed"));
  h.frames(2);  // the tab bar selects the Transcript tab on the next frame
  INFO("scroll pending: " << run.scroll_to_line.has_value() << ", transcript drawn: " << probe::find("transcript-filter").has_value());
  REQUIRE(run.selection_begin);
  CHECK(run.transcript.text(run.filter.line_at(*run.selection_begin)).rfind("535", 0) == 0);
  CHECK(probe::find("transcript-filter"));  // and the link brought the transcript forward

  for (auto format : {ReportFormat::Markdown, ReportFormat::Html, ReportFormat::Json}) {
    std::string report = export_report(run, format);
    CHECK(report.find("auth-failed") != std::string::npos);
    CHECK(report.find("Wrong-Secret-77") == std::string::npos);
  }
}

TEST_CASE("Encryption tab: client certificate, key and key password; Allow NTLMv1 beside the credentials", "[gui][views][client-cert]") {
  Harness h;
  h.wb.load();
  Connection& c = select_new(h, "gmail");
  c.draft.auth_type = AuthType::Default;
  c.draft.anonymous = false;
  REQUIRE(h.click("tab:Connection settings"));
  h.frames(2);
  REQUIRE(h.click("check:Allow NTLMv1"));
  h.frames(2);
  CHECK(c.draft.allow_ntlmv1);
  REQUIRE(h.click("tab:Encryption"));
  h.frames(2);
  // The editor pane is shorter than the Encryption tab: scroll it down to the certificate rows.
  auto anchor = probe::find("tab:Encryption");
  REQUIRE(anchor);
  ImGui::GetIO().AddMousePosEvent(anchor->cx(), anchor->cy());
  for (int i = 0; i < 10; ++i) {
    ImGui::GetIO().AddMouseWheelEvent(0, -5);
    h.frames(1);
  }
  h.frames(2);
  REQUIRE(h.click("field:Client certificate"));
  h.type("/home/me/client.pem");
  h.frames(2);
  CHECK(c.draft.client_cert == "/home/me/client.pem");
  REQUIRE(h.click("field:Client key"));
  h.type("/home/me/client.key");
  h.frames(2);
  CHECK(c.draft.client_key == "/home/me/client.key");
  CHECK(probe::find("field:Key password"));
}

TEST_CASE("Test email's SMTPUTF8, BDAT and DSN fields: errors under the field, NEVER disables the others, remembered",
          "[gui][views][message]") {
  Harness h;
  h.wb.load();
  h.frames(2);
  REQUIRE(h.click("test-email"));
  REQUIRE(h.click("email:from"));
  h.type("jörg@demo.test");
  REQUIRE(h.click("email:to"));
  h.type("you@demo.test");
  // A UTF-8 sender without SMTPUTF8: Send stays disabled, the problem names the box.
  ViewState blocked = h.vs;
  TestRequest req;
  req.message = test_email_message(blocked);
  REQUIRE_FALSE(validate(req).empty());
  REQUIRE(h.click("email:send"));
  CHECK(h.count<cmd::RunTest>() == 0);

  REQUIRE(h.click("email:smtputf8"));
  CHECK(h.vs.email_smtputf8);
  REQUIRE(h.click("email:bdat"));
  REQUIRE(h.click("email:notify-failure"));
  REQUIRE(h.click("email:notify-never"));
  CHECK(h.vs.email_notify_never);
  CHECK(test_email_message(h.vs).dsn_notify == "NEVER");  // NEVER stands alone; the others are disabled
  REQUIRE(h.click("email:notify-success"));
  CHECK_FALSE(h.vs.email_notify_success);
  REQUIRE(h.click("email:notify-never"));
  CHECK(test_email_message(h.vs).dsn_notify == "FAILURE");
  REQUIRE(h.click("email:dsn-envid"));
  h.type("QQ 42");

  REQUIRE(h.click("email:send"));
  REQUIRE(h.count<cmd::RunTest>() == 1);
  const auto& test = std::get<cmd::RunTest>(h.emitted.back());
  REQUIRE(test.request.message);
  const MessageSpec& m = *test.request.message;
  CHECK(m.from == "jörg@demo.test");
  CHECK(m.smtputf8);
  CHECK(m.bdat);
  CHECK(m.dsn_notify == "FAILURE");
  CHECK(m.dsn_envid == "QQ 42");
  // The demo server offers SMTPUTF8 but neither DSN nor CHUNKING: refused before MAIL FROM, with the hint.
  Connection& demo = *h.wb.selected();
  REQUIRE(h.frames_until([&] { return demo.current_run()->finished; }));
  const auto& result = demo.current_run()->result;
  REQUIRE_FALSE(result.ok);
  CHECK(result.failure->cause == FailureCause::NoDsn);
  REQUIRE_FALSE(result.hints.empty());
  CHECK(result.hints.front().id == "dsn-not-offered");

  Workbench again(h.dir.path, std::make_unique<MemorySecretStore>(), [] {});
  again.load();
  const auto& d = again.message_defaults();
  CHECK(d.smtputf8);
  CHECK(d.bdat);
  CHECK(d.dsn_notify == "FAILURE");
  CHECK(d.dsn_envid == "QQ 42");
  ViewState reloaded;
  load_test_email_fields(reloaded, d);
  CHECK(reloaded.email_notify_failure);
  CHECK_FALSE(reloaded.email_notify_never);
  CHECK(test_email_message(reloaded).dsn_envid == "QQ 42");
}

TEST_CASE("Test email: BDAT does not apply when stopping after RCPT", "[gui][views][message]") {
  ViewState vs;
  vs.email_from = "a@demo.test";
  vs.email_to = "b@demo.test";
  vs.email_bdat = true;
  CHECK(test_email_message(vs).bdat);
  vs.stop_after = StopAfter::Rcpt;
  CHECK_FALSE(test_email_message(vs).bdat);
  vs.email_dsn_ret = 2;
  CHECK(test_email_message(vs).dsn_ret == "HDRS");
}
