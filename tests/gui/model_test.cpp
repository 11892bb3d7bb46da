// The workbench's pure parts: editor rules, presets, the transcript filter index, connection files.
#include <catch2/catch_test_macros.hpp>

#include <filesystem>
#include <fstream>

#include "gui_harness.hpp"
#include "model/connection_store.hpp"
#include "model/editor_rules.hpp"
#include "model/presets.hpp"
#include "model/transcript.hpp"
#include "smtpwb/files.hpp"

using namespace smtpwb;
using namespace smtpwb::gui;
namespace fs = std::filesystem;

TEST_CASE("Editor rules: Anonymous, Gmail OAuth, No encryption and proxy credentials", "[gui][rules]") {
  ConnectionSettings s;
  s.anonymous = true;
  auto r = editor_rules(s);
  CHECK(r.anonymous_visible);
  CHECK_FALSE(r.credentials_enabled);
  s.anonymous = false;
  CHECK(editor_rules(s).credentials_enabled);

  s.auth_type = AuthType::GmailOAuth;
  s.anonymous = true;  // hidden, so it must not disable the fields
  r = editor_rules(s);
  CHECK_FALSE(r.anonymous_visible);
  CHECK(r.credentials_enabled);
  CHECK(r.username_label == "Application Id");
  CHECK(r.password_label == "Client secret");
  CHECK(r.oauth_links_visible);

  s.security = Security::None;
  CHECK_FALSE(editor_rules(s).encryption_enabled);
  s.security = Security::StartTls;
  CHECK(editor_rules(s).encryption_enabled);

  CHECK_FALSE(editor_rules(s).proxy_enabled);
  s.proxy.type = ProxyType::Socks5;
  CHECK(editor_rules(s).proxy_enabled);
  CHECK_FALSE(editor_rules(s).proxy_credentials_enabled);
  s.proxy.use_credentials = true;
  CHECK(editor_rules(s).proxy_credentials_enabled);
}

TEST_CASE("Editor rules: Microsoft 365 OAuth relabels, hides Anonymous, shows the tenant; secret optional", "[gui][rules][microsoft365]") {
  ConnectionSettings s;
  s.auth_type = AuthType::Microsoft365OAuth;
  s.anonymous = true;
  auto r = editor_rules(s);
  CHECK_FALSE(r.anonymous_visible);
  CHECK(r.credentials_enabled);
  CHECK(r.username_label == "Application Id");
  CHECK(r.password_label == "Client secret (optional)");
  CHECK(r.oauth_links_visible);
  CHECK(r.tenant_visible);
  CHECK(r.oauth_provider == "microsoft365");
  s.auth_type = AuthType::GmailOAuth;
  CHECK_FALSE(editor_rules(s).tenant_visible);
  CHECK(editor_rules(s).oauth_provider == "gmail");

  // The window asks for the account; the tenant is checked under its field; no secret needed.
  s.auth_type = AuthType::Microsoft365OAuth;
  s.address = "smtp.office365.com";
  s.port = 587;
  s.username = "11111111-2222-3333-4444-555555555555";
  auto errors = field_errors(s);
  CHECK(errors.count("Account") == 1);
  CHECK(errors.count("Client secret") == 0);
  s.oauth_account = "alice@contoso.com";
  s.oauth_tenant = "contoso";
  errors = field_errors(s);
  REQUIRE(errors.count("Tenant") == 1);
  CHECK(errors["Tenant"].find("organizations") != std::string::npos);
  s.oauth_tenant = "contoso.onmicrosoft.com";
  CHECK(field_errors(s).empty());
}

TEST_CASE("Presets: Microsoft 365 (OAuth)", "[gui][presets][microsoft365]") {
  const auto* p = find_preset("office365-oauth");
  REQUIRE(p);
  CHECK(p->label == "Microsoft 365 (OAuth)");
  auto s = make_from_preset(*p);
  CHECK(s.address == "smtp.office365.com");
  CHECK(s.port == 587);
  CHECK(s.security == Security::StartTls);
  CHECK(s.auth_type == AuthType::Microsoft365OAuth);
  CHECK(s.oauth_tenant == "organizations");
  CHECK(s.tls_versions == TlsVersionSet::modern());
  CHECK_FALSE(port_mode_warning(s));
  CHECK(p->notice.find("SMTP.Send") != std::string::npos);
}

TEST_CASE("Editor rules: port and mode move together and disagreements are warned about", "[gui][rules]") {
  ConnectionSettings s;
  s.port = 587;
  set_security(s, Security::Implicit);
  CHECK(s.port == 465);  // not 990 (FTPS), whatever the classic documentation says
  CHECK_FALSE(port_mode_warning(s));
  set_security(s, Security::StartTls);
  CHECK(s.port == 587);
  s.port = 2526;
  set_security(s, Security::Implicit);
  CHECK(s.port == 2526);  // an unusual port is the user's choice

  s.security = Security::StartTls;
  s.port = 465;
  REQUIRE(port_mode_warning(s));
  CHECK(port_mode_warning(s)->find("implicit TLS") != std::string::npos);
  s.security = Security::Implicit;
  s.port = 25;
  REQUIRE(port_mode_warning(s));
  s.port = 990;
  CHECK(port_mode_warning(s)->find("FTPS") != std::string::npos);
  s.port = 465;
  set_security(s, Security::None);
  CHECK(s.port == 25);
}

TEST_CASE("Editor rules: versions this build cannot negotiate are marked, not hidden", "[gui][rules]") {
  CHECK(version_label(TlsVersion::Tls13) == "TLS 1.3");
  CHECK(version_label(TlsVersion::Tls10).find("cannot negotiate") != std::string::npos);
  CHECK(version_label(TlsVersion::Ssl3).find("cannot negotiate") != std::string::npos);
}

TEST_CASE("Editor rules: field errors are keyed by the field users see, and Test is refused with the reason", "[gui][rules]") {
  ConnectionSettings s;
  s.address = "smtp.example.com:587";
  s.port = 70000;
  auto errors = field_errors(s);
  CHECK(errors.count("Address"));
  CHECK(errors.count("Port"));
  auto refusal = test_refusal(s);
  REQUIRE(refusal);
  CHECK(refusal->find("Port: 70000") != std::string::npos);
  s.address = "smtp.example.com";
  s.port = 587;
  CHECK_FALSE(test_refusal(s));

  // The engine names the setting; the window words it with the label the editor shows for it.
  s.auth_type = AuthType::Microsoft365OAuth;
  s.oauth_account = "alice@contoso.com";
  s.password = "line\r\nbreak";
  errors = field_errors(s);
  REQUIRE(errors.count("Application Id"));
  CHECK(errors["Application Id"].rfind("Application Id: is empty", 0) == 0);
  REQUIRE(errors.count(editor_rules(s).password_label));
  CHECK(errors[editor_rules(s).password_label].find("line break") != std::string::npos);
}

TEST_CASE("Code pages come from the OS's own list (iconv's on Linux) and can be searched", "[gui][rules]") {
  const auto& all = offered_encodings();
  CHECK(all.size() > 50);  // iconv offers hundreds, Windows (and Wine) dozens
  CHECK(std::find(all.begin(), all.end(), "UTF-8") != all.end());
  auto latin = filter_encodings(all, "8859-1");
  CHECK(std::find(latin.begin(), latin.end(), "ISO-8859-1") != latin.end());
  for (const auto& name : latin) CHECK(name.find("8859-1") != std::string::npos);
}

TEST_CASE("Presets carry the values that work against the real services", "[gui][presets]") {
  auto gmail = make_from_preset(*find_preset("gmail"));
  CHECK(gmail.address == "smtp.gmail.com");
  CHECK(gmail.port == 465);
  CHECK(gmail.security == Security::Implicit);
  CHECK_FALSE(port_mode_warning(gmail));

  auto o365 = make_from_preset(*find_preset("office365"));
  CHECK(o365.address == "smtp.office365.com");
  CHECK(o365.port == 587);
  CHECK(o365.security == Security::StartTls);
  CHECK(o365.tls_versions == TlsVersionSet::modern());
  CHECK(find_preset("office365")->notice.find("December 2026") != std::string::npos);
  CHECK(find_preset("office365")->notice.find("OAuth") != std::string::npos);

  auto exchange = make_from_preset(*find_preset("exchange"));
  CHECK(exchange.port == 587);
  CHECK(exchange.security == Security::StartTls);

  const Preset& ses = *find_preset("ses");
  CHECK(std::find(ses.regions.begin(), ses.regions.end(), "eu-west-1") != ses.regions.end());
  auto ses_eu = make_from_preset(ses, "eu-west-1");
  CHECK(ses_eu.address == "email-smtp.eu-west-1.amazonaws.com");
  CHECK_FALSE(ses_eu.tls_versions.contains(TlsVersion::Tls11));
  CHECK(preset_for(ses_eu) == &ses);

  for (const auto& p : presets()) {
    ConnectionSettings s = make_from_preset(p, p.regions.empty() ? "" : p.regions.front());
    if (s.address.empty()) s.address = "mail.example.com";  // Exchange: the user's own server
    s.username = "user@example.com";
    s.password = "secret";
    INFO(p.id);
    CHECK(validate(s).empty());
    CHECK_FALSE(port_mode_warning(s));
  }
}

TEST_CASE("A broken presets document names the preset and the field", "[gui][presets]") {
  try {
    parse_presets(R"({"presets":[{"id":"x","label":"X","settings":{"port":"587"}}]})");
    FAIL("no error");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("preset \"x\"") != std::string::npos);
    CHECK(std::string(e.what()).find("port") != std::string::npos);
  }
}

TEST_CASE("The filter index scans only new lines and rebuilds only when the filter changes", "[gui][transcript]") {
  TranscriptStore store;
  FilterIndex index;
  auto add = [&](int n, const std::string& text) {
    for (int i = 0; i < n; ++i) store.append(Event{i, Dir::Server, Phase::Ehlo, false, text});
  };
  add(1000, "250-PIPELINING");
  add(10, "535 5.7.8 Authentication failed");
  CHECK(index.update(store) == 1010);
  CHECK(index.size(store) == 1010);  // no filter: every line

  index.set_filter("AUTHENTICATION");
  CHECK(index.update(store) == 1010);  // rebuilt once
  CHECK(index.size(store) == 10);
  CHECK(index.line_at(0) == 1000);
  CHECK(index.update(store) == 0);  // nothing new, nothing scanned

  add(5, "535 authentication failed again");
  add(5, "250 ok");
  CHECK(index.update(store) == 10);  // only the new lines
  CHECK(index.size(store) == 15);
  CHECK(index.row_of(1010) == 10);

  index.set_filter("");
  index.update(store);
  CHECK(index.size(store) == 1020);
}

TEST_CASE("Transcript lines format with swaks markers, and SASL challenges decode", "[gui][transcript]") {
  CHECK(format_line(Event{1500000, Dir::Client, Phase::Ehlo, true, "EHLO x"}, false) == " ~> EHLO x");
  CHECK(format_line(Event{1500000, Dir::Server, Phase::Ehlo, false, "250 ok"}, true) == "   1.500 s  <-  250 ok");
  CHECK(decoded_sasl_challenge("334 VXNlcm5hbWU6") == "Username:");
  CHECK(decoded_sasl_challenge("250 VXNlcm5hbWU6").empty());
  CHECK(decoded_sasl_challenge("334 not*base64").empty());
}

TEST_CASE("Transcript: the server's control characters and Latin-1 are shown, copied and saved visibly", "[gui][transcript]") {
  TranscriptStore store;
  store.append(Event{1000, Dir::Server, Phase::Banner, false, "220 ex\xe4mple \x1b[2Kfake\r"});
  store.append(Event{2000, Dir::Server, Phase::Ehlo, false, std::string("250 a\0b \xc3\xbc", 10)});
  CHECK(store.text(0) == "220 ex\\xe4mple \\x1b[2Kfake\\x0d");
  CHECK(store.text(1) == "250 a\\x00b \xc3\xbc");  // valid UTF-8 stays readable
  CHECK(format_line(store.event(0), false) == "<-  220 ex\\xe4mple \\x1b[2Kfake\\x0d");
}

TEST_CASE("Connection files: saved without secrets, reloaded, renamed, backed up", "[gui][store]") {
  guitest::TempDir dir;
  ConnectionStore store(dir.path);
  ConnectionSettings s;
  s.name = "Office 365 (EU)";
  s.address = "smtp.office365.com";
  s.anonymous = false;
  s.username = "me@example.com";
  s.password = "Very-Secret-Password-1";
  s.proxy.password = "Proxy-Secret-2";
  auto saved = store.save(s, std::nullopt, {});
  REQUIRE(saved.error.empty());
  CHECK(saved.file.filename() == "office-365-eu.json");
  auto text = read_file(saved.file.string());
  REQUIRE(text);
  CHECK(text->find("Very-Secret") == std::string::npos);
  CHECK(text->find("Proxy-Secret") == std::string::npos);

  s.port = 25;
  auto again = store.save(s, saved.file, {});
  REQUIRE(again.error.empty());
  CHECK(fs::exists(saved.file.string() + ".bak"));  // the previous version is kept

  s.name = "Renamed";
  auto renamed = store.save(s, again.file, {});
  CHECK(renamed.file.filename() == "renamed.json");
  CHECK_FALSE(fs::exists(again.file));

  std::vector<LoadProblem> problems;
  auto loaded = store.load(problems);
  REQUIRE(loaded.size() == 1);
  CHECK(problems.empty());
  CHECK(loaded[0].settings.name == "Renamed");
  CHECK(loaded[0].settings.port == 25);
  CHECK(loaded[0].settings.password.empty());
}

TEST_CASE("A broken connection file is reported with its line and kept aside; the others load", "[gui][store]") {
  guitest::TempDir dir;
  ConnectionStore store(dir.path);
  ConnectionSettings good;
  good.name = "Good";
  good.address = "smtp.example.com";
  REQUIRE(store.save(good, std::nullopt, {}).error.empty());
  const fs::path broken = store.directory() / "broken.json";
  std::ofstream(broken) << "{\n  \"name\": \"Broken\",\n  \"port\": 25,\n  \"address\": \n";
  const fs::path wrong_type = store.directory() / "wrong.json";
  std::ofstream(wrong_type) << R"({"name": "Wrong", "port": "twenty-five"})";

  std::vector<LoadProblem> problems;
  auto loaded = store.load(problems);
  REQUIRE(loaded.size() == 1);
  CHECK(loaded[0].settings.name == "Good");
  REQUIRE(problems.size() == 2);
  INFO(problems[0].message);
  CHECK(problems[0].message.find("broken.json:5") != std::string::npos);
  CHECK(problems[1].message.find("port") != std::string::npos);
  CHECK_FALSE(fs::exists(broken));
  CHECK(fs::exists(problems[0].moved_to));
  CHECK(read_file(problems[0].moved_to.string())->find("\"Broken\"") != std::string::npos);  // content intact
}

TEST_CASE("File names are unique and derived from the connection name", "[gui][store]") {
  CHECK(ConnectionStore::file_name_for("Gmail", {}, std::nullopt) == "gmail.json");
  CHECK(ConnectionStore::file_name_for("Gmail", {"/x/gmail.json"}, std::nullopt) == "gmail-2.json");
  CHECK(ConnectionStore::file_name_for("Gmail", {"/x/gmail.json"}, fs::path("/x/gmail.json")) == "gmail.json");
  CHECK(ConnectionStore::file_name_for("../../etc", {}, std::nullopt) == "etc.json");
  CHECK(ConnectionStore::file_name_for("", {}, std::nullopt) == "connection.json");
  CHECK(unique_name("Gmail", {"Gmail", "Gmail (2)"}) == "Gmail (3)");
}

TEST_CASE("The connection list survives a restart; names stay unique; delete can be undone", "[gui][workbench]") {
  guitest::TempDir dir;
  {
    Workbench wb(dir.path, std::make_unique<MemorySecretStore>(), [] {});
    wb.load();
    REQUIRE(wb.connections().size() == 1);  // first start: the demo connection
    CHECK(is_demo(wb.connections()[0]->draft));
    wb.apply(cmd::NewFromPreset{"gmail"});
    Connection* gmail = wb.selected();
    gmail->draft.username = "me@gmail.com";
    gmail->draft.password = "app-password-xyz";
    wb.apply(cmd::Save{gmail->id});
    CHECK(wb.status().find("this session only") != std::string::npos);  // no keyring here: said plainly

    wb.apply(cmd::NewFromPreset{"gmail"});
    Connection* second = wb.selected();
    CHECK(second->draft.name == "Gmail (2)");
    second->draft.name = "Gmail";
    wb.apply(cmd::Save{second->id});
    CHECK(wb.status_is_error());
    CHECK(wb.status().find("already used") != std::string::npos);
    wb.apply(cmd::Delete{second->id});

    int demo_id = wb.connections()[0]->id;
    wb.apply(cmd::Delete{demo_id});
    CHECK(wb.can_undo_delete());
    wb.apply(cmd::UndoDelete{});
    CHECK(wb.find_by_name("Demo server"));
  }
  Workbench again(dir.path, std::make_unique<MemorySecretStore>(), [] {});
  again.load();
  CHECK(again.connections().size() == 2);
  Connection* gmail = again.find_by_name("Gmail");
  REQUIRE(gmail);
  CHECK(gmail->draft.username == "me@gmail.com");
  CHECK(gmail->draft.password.empty());  // memory only: gone after the restart, as the status said
  CHECK(again.find_by_name("Demo server"));
  for (const auto& entry : fs::directory_iterator(dir.path / "connections"))
    CHECK(read_file(entry.path().string())->find("app-password-xyz") == std::string::npos);
}

TEST_CASE("The transcript store returns every line exactly across chunk boundaries", "[gui][transcript]") {
  TranscriptStore store;
  std::vector<std::string> lines;
  for (int i = 0; i < 40000; ++i) lines.push_back(std::string(static_cast<std::size_t>(i % 97), static_cast<char>('a' + i % 26)));
  lines.push_back(std::string(3u << 20, 'x'));  // a 3 MiB reply line gets a chunk of its own
  lines.push_back("");
  lines.push_back("after the big one");
  for (const auto& l : lines) store.append(Event{0, Dir::Server, Phase::Ehlo, false, l});
  REQUIRE(store.size() == lines.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (store.text(i) != lines[i]) FAIL("line " << i << " differs");
  }
  store.clear();
  CHECK(store.size() == 0);
  store.append(Event{0, Dir::Info, Phase::Done, false, "fresh"});
  CHECK(store.text(0) == "fresh");
}

TEST_CASE("Editor rules: client certificate fields follow encryption and the certificate; NTLMv1 needs a password login",
          "[gui][rules][client-cert]") {
  ConnectionSettings s;
  auto r = editor_rules(s);
  CHECK(r.client_cert_enabled);
  CHECK_FALSE(r.client_key_enabled);  // no certificate yet
  s.client_cert = "client.pem";
  CHECK(editor_rules(s).client_key_enabled);
  s.security = Security::None;
  CHECK_FALSE(editor_rules(s).client_cert_enabled);
  CHECK_FALSE(editor_rules(s).client_key_enabled);
  CHECK_FALSE(editor_rules(s).allow_ntlmv1_enabled);  // Anonymous
  s.anonymous = false;
  CHECK(editor_rules(s).allow_ntlmv1_enabled);
  s.auth_type = AuthType::GmailOAuth;
  CHECK_FALSE(editor_rules(s).allow_ntlmv1_enabled);
}

TEST_CASE("Editor rules: a client certificate file that is missing or PKCS#12 is named under its field", "[gui][rules][client-cert]") {
  guitest::TempDir dir;
  ConnectionSettings s;
  CHECK(client_certificate_errors(s).empty());
  s.client_cert = (dir.path / "missing.pem").string();
  CHECK(client_certificate_errors(s).at("Client certificate") == "Client certificate: no such file");
  auto p12 = dir.path / "client.p12";
  std::ofstream(p12) << "0";
  s.client_cert = p12.string();
  CHECK(client_certificate_errors(s).at("Client certificate").find("PKCS#12") != std::string::npos);
  auto pem = dir.path / "client.pem";
  std::ofstream(pem) << "-----BEGIN CERTIFICATE-----";
  s.client_cert = pem.string();
  CHECK(client_certificate_errors(s).empty());
  s.security = Security::None;  // no TLS: the fields do not apply
  s.client_cert = (dir.path / "missing.pem").string();
  CHECK(client_certificate_errors(s).empty());
}
