// XOAUTH2 against a real SMTP server with XOAUTH2 (the npm package smtp-server, tests/servers/oauth/),
// and the OAuth 2.0 sign-in (PKCE, loopback redirect, token exchange over HTTPS, refresh) against the
// authorization/token endpoint started with it. The browser step is python3's urllib: it follows the
// authorization URL and its redirect to the loopback address, as a browser does.
#include <catch2/catch_test_macros.hpp>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <regex>
#include <thread>

#include "smtpwb/base64.hpp"
#include "smtpwb/diagnose.hpp"
#include "smtpwb/hints.hpp"
#include "smtpwb/oauth.hpp"
#include "smtpwb/session.hpp"
#include "support.hpp"

using namespace smtpwb;

namespace {

const std::map<std::string, std::string>& oauth_stack() {
  static const auto facts = test::read_facts("OAUTHSTACK_ENV");
  return facts;
}
std::string ofact(const std::string& key) { return oauth_stack().at(key); }
std::string stack_file(const std::string& name) {
  std::string path = ofact("OAUTHSTACK_CA_FILE");
  path = path.substr(0, path.rfind("/tls/")) + "/" + name;
  std::string text = test::slurp(path);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

ConnectionSettings oauth_settings() {
  ConnectionSettings s;
  s.name = "oauth stack";
  s.address = "localhost";
  s.port = std::stoi(ofact("OAUTHSTACK_SMTP_PORT"));
  s.ca_file = ofact("OAUTHSTACK_CA_FILE");
  s.anonymous = false;
  s.auth_type = AuthType::GmailOAuth;
  s.username = ofact("OAUTHSTACK_USER");
  s.timeout_s = 10;
  return s;
}

oauth::Client test_client() {
  oauth::Provider p{"test", "Test provider", ofact("OAUTHSTACK_AUTH_URL"), ofact("OAUTHSTACK_TOKEN_URL"),
                    "https://mail.google.com/", "XOAUTH2", "", ""};
  return {p, ofact("OAUTHSTACK_CLIENT_ID"), stack_file("client-secret"), ofact("OAUTHSTACK_CA_FILE"), 10};
}

// The browser: follows the authorization URL and the redirect; returns python's exit status.
int browse(const std::string& url) {
  std::string cmd = "python3 -c 'import ssl,sys,urllib.request; "
                    "urllib.request.urlopen(sys.argv[1], context=ssl.create_default_context(cafile=sys.argv[2])).read()' '" +
                    url + "' '" + ofact("OAUTHSTACK_CA_FILE") + "' >/dev/null 2>&1";
  return std::system(cmd.c_str());
}

// Runs a shell command (check with an OAuth sign-in), playing the browser on the first https:// URL it
// prints; returns its exit status (-1 when it did not exit) and everything it printed.
std::pair<int, std::string> run_with_browser(const std::string& cmd) {
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p);
  std::string out;
  std::thread browser;
  char line[8192];
  while (std::fgets(line, sizeof line, p)) {
    out += line;
    if (std::string_view(line).rfind("https://", 0) == 0 && !browser.joinable()) {
      std::string url(line);
      url.erase(url.find_last_not_of("\r\n") + 1);
      browser = std::thread([url] { browse(url); });
    }
  }
  int status = ::pclose(p);
  if (browser.joinable()) browser.join();
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::string all_text(const SessionResult& r) {
  std::string out;
  for (const auto& e : r.transcript) out += e.text + "\n";
  for (const auto& s : r.auth.steps) out += s.text + "\n";
  return out;
}

void require_no_token(const std::string& text, const std::string& token) {
  CHECK(text.find(token) == std::string::npos);
  CHECK(text.find(base64_encode(token)) == std::string::npos);
  CHECK(text.find(base64_encode("auth=Bearer " + token)) == std::string::npos);
}

}  // namespace

TEST_CASE("XOAUTH2 with a valid access token", "[oauthstack][oauth][xoauth2]") {
  SessionOptions options;
  options.oauth_access_token = stack_file("static-token");
  TestRequest request;
  request.stop_after = StopAfter::Auth;
  auto r = diag::diagnose_session(oauth_settings(), request, options);
  INFO(all_text(r));
  REQUIRE(r.ok);
  CHECK(r.auth.mechanism == "XOAUTH2");
  CHECK(r.auth.permitted == std::vector<std::string>{"OAUTHBEARER", "XOAUTH2"});
  require_no_token(all_text(r), options.oauth_access_token);
}

TEST_CASE("XOAUTH2 with an invalid token: the JSON error is shown decoded and answered", "[oauthstack][oauth][xoauth2]") {
  SessionOptions options;
  options.oauth_access_token = "expired-token-0123456789";
  auto r = diag::diagnose_session(oauth_settings(), {}, options);
  INFO(all_text(r));
  REQUIRE_FALSE(r.ok);
  CHECK(r.failure->category == FailureCategory::Auth);
  CHECK(r.failure->reply_code == 535);
  CHECK(all_text(r).find(R"({"status":"401","schemes":"bearer","scope":"https://mail.google.com/"})") != std::string::npos);
  REQUIRE(r.auth.steps.size() == 4);  // AUTH, 334 JSON, empty answer, 535
  CHECK(r.auth.steps[1].text.find("\"status\":\"401\"") != std::string::npos);
  CHECK(r.auth.steps[2].text.find("empty response") != std::string::npos);
  REQUIRE(r.hints.size() == 1);  // the token, not "user name or password"
  CHECK(r.hints.front().id == "oauth-token-rejected");
  require_no_token(all_text(r), options.oauth_access_token);
}

TEST_CASE("Anonymous against a server that requires AUTH: category auth with 530", "[oauthstack][oauth][auth]") {
  auto s = oauth_settings();
  s.auth_type = AuthType::Default;
  s.anonymous = true;
  TestRequest request;
  request.message = MessageSpec{"a@example.test", {"b@example.test"}, "subject", "body"};
  auto r = diag::diagnose_session(s, request);
  INFO(all_text(r));
  REQUIRE_FALSE(r.ok);
  CHECK(r.auth.result == AuthResult::Skipped);
  CHECK(r.failure->category == FailureCategory::Auth);
  CHECK(r.failure->reply_code == 530);
  CHECK(r.failure->phase == Phase::Mail);
  REQUIRE_FALSE(r.hints.empty());
  CHECK(r.hints.front().id == "auth-required");
}

TEST_CASE("OAuth sign-in: PKCE, loopback redirect, token exchange, refresh, then XOAUTH2", "[oauthstack][oauth][flow]") {
  oauth::Flow flow(test_client());
  std::string url = flow.start();
  CHECK(url.find("code_challenge_method=S256") != std::string::npos);
  CHECK(url.find("redirect_uri=http%3A%2F%2F127.0.0.1%3A") != std::string::npos);
  int browser_status = -1;
  std::thread browser([&] { browser_status = browse(url); });
  net::CancelFlag cancel{false};
  std::string code = flow.wait_for_redirect(cancel, net::Deadline::in(std::chrono::seconds(10)));
  browser.join();
  CHECK(browser_status == 0);
  CHECK_FALSE(code.empty());

  auto tokens = flow.exchange(code, cancel);
  CHECK(tokens.access_token.rfind("at-", 0) == 0);
  CHECK(tokens.refresh_token.rfind("rt-", 0) == 0);
  CHECK(tokens.expires_in_s == 3599);
  CHECK_THROWS_AS(flow.exchange(code, cancel), oauth::OAuthError);  // a code is good once

  auto refreshed = flow.refresh(tokens.refresh_token, cancel);
  CHECK(refreshed.access_token != tokens.access_token);
  CHECK(refreshed.refresh_token == tokens.refresh_token);  // kept when the provider does not rotate it

  // As the GUI does for Gmail OAuth: the settings' username holds the client id, the account comes apart.
  auto settings = oauth_settings();
  settings.username = ofact("OAUTHSTACK_CLIENT_ID");
  SessionOptions options;
  options.oauth_access_token = refreshed.access_token;
  options.oauth_user = ofact("OAUTHSTACK_USER");
  TestRequest request;
  request.stop_after = StopAfter::Auth;
  auto r = diag::diagnose_session(settings, request, options);
  INFO(all_text(r));
  CHECK(r.ok);
}

TEST_CASE("OAuth sign-in: a wrong client secret, a forged state, cancel", "[oauthstack][oauth][flow]") {
  net::CancelFlag cancel{false};
  SECTION("wrong client secret: the token endpoint's error is named") {
    auto client = test_client();
    client.client_secret = "not-the-secret";
    oauth::Flow flow(client);
    std::string url = flow.start();
    std::thread browser([&] { browse(url); });
    std::string code = flow.wait_for_redirect(cancel, net::Deadline::in(std::chrono::seconds(10)));
    browser.join();
    try {
      flow.exchange(code, cancel);
      FAIL("the exchange should fail");
    } catch (const oauth::OAuthError& e) {
      CHECK(std::string(e.what()).find("invalid_client") != std::string::npos);
    }
  }
  SECTION("a redirect with another state is answered 400 and the sign-in goes on to the real one") {
    oauth::Flow flow(test_client());
    std::string url = flow.start();
    int forged_status = 0;
    std::thread browser([&] {
      // urllib raises on the 400: python exits 1.
      std::string cmd = "python3 -c 'import sys,urllib.request; urllib.request.urlopen(sys.argv[1])' '" + flow.redirect_uri() +
                        "?code=abc&state=forged' >/dev/null 2>&1";
      forged_status = std::system(cmd.c_str());
      browse(url);
    });
    std::string code = flow.wait_for_redirect(cancel, net::Deadline::in(std::chrono::seconds(10)));
    browser.join();
    CHECK(forged_status != 0);
    CHECK_FALSE(code.empty());
    CHECK(code != "abc");
    CHECK_NOTHROW(flow.exchange(code, cancel));
  }
  SECTION("an idle connection (a browser's preconnect) does not hold up the redirect") {
    oauth::Flow flow(test_client());
    std::string url = flow.start();
    auto port = std::stoi(flow.redirect_uri().substr(std::string("http://127.0.0.1:").size()));
    net::Fd idle(::socket(AF_INET, SOCK_STREAM, 0));
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons(static_cast<std::uint16_t>(port));
    REQUIRE(::connect(idle.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
    std::thread browser([&] { browse(url); });
    CHECK_FALSE(flow.wait_for_redirect(cancel, net::Deadline::in(std::chrono::seconds(10))).empty());
    browser.join();
  }
  SECTION("cancel ends the wait at once") {
    oauth::Flow flow(test_client());
    flow.start();
    net::CancelFlag cancelled{true};
    auto t0 = net::Clock::now();
    CHECK_THROWS_AS(flow.wait_for_redirect(cancelled, net::Deadline::in(std::chrono::seconds(10))), net::Cancelled);
    CHECK(net::Clock::now() - t0 < std::chrono::seconds(1));
  }
}

TEST_CASE("check: --oauth-client-id runs the sign-in, prints the URL, authenticates with XOAUTH2", "[oauthstack][oauth][cli]") {
  test::TempDir dir;
  auto json_path = dir.path / "report.json";
  auto log_path = dir.path / "engine.log";
  std::string secret = stack_file("client-secret");
  std::string cmd = "OAUTH_SECRET='" + secret + "' " SMTPWB_BINARY " check --host localhost --port " +
                    ofact("OAUTHSTACK_SMTP_PORT") + " --ca-file " + ofact("OAUTHSTACK_CA_FILE") + " --user " +
                    ofact("OAUTHSTACK_USER") + " --auth gmail-oauth --oauth-client-id " + ofact("OAUTHSTACK_CLIENT_ID") +
                    " --oauth-client-secret-env OAUTH_SECRET --oauth-auth-url " + ofact("OAUTHSTACK_AUTH_URL") +
                    " --oauth-token-url " + ofact("OAUTHSTACK_TOKEN_URL") + " --oauth-scope https://mail.google.com/" +
                    " --stop-after auth --color never --timeout 10 --json " + json_path.string() + " --log-file " +
                    log_path.string() + " 2>&1 </dev/null";
  auto [status, out] = run_with_browser(cmd);
  INFO(out);
  CHECK(status == 0);
  CHECK(out.find("Open this URL in a browser") != std::string::npos);
  CHECK(out.find("AUTH XOAUTH2 ********") != std::string::npos);
  auto report = nlohmann::json::parse(test::slurp(json_path));
  CHECK(report["auth"]["mechanism"] == "XOAUTH2");
  CHECK(report["auth"]["result"] == "ok");
  for (const auto& text : {out, test::slurp(log_path), report.dump()}) {
    CHECK(text.find(secret) == std::string::npos);
    // No issued access or refresh token (the test server makes them as "at-"/"rt-" + 32 hex digits).
    CHECK_FALSE(std::regex_search(text, std::regex("[ar]t-[0-9a-f]{32}")));
  }
}

namespace {

// The local provider with the Microsoft identity platform's v2.0 endpoint shapes, for one tenant.
oauth::Client microsoft_client(const std::string& client_id_key, const std::string& tenant = "contoso.onmicrosoft.com") {
  return {oauth::microsoft365_provider(tenant, ofact("OAUTHSTACK_MS_AUTHORITY")), ofact(client_id_key), {},
          ofact("OAUTHSTACK_CA_FILE"), 10};
}

// Runs the sign-in to the authorization code as a browser would.
std::string authorization_code(oauth::Flow& flow) {
  std::string url = flow.start();
  std::thread browser([url] { browse(url); });
  net::CancelFlag cancel{false};
  std::string code = flow.wait_for_redirect(cancel, net::Deadline::in(std::chrono::seconds(10)));
  browser.join();
  return code;
}

nlohmann::json jwt_payload(const std::string& token) {
  auto first = token.find('.'), second = token.find('.', first + 1);
  std::string p = token.substr(first + 1, second - first - 1);
  for (auto& c : p) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (p.size() % 4) p += '=';
  return nlohmann::json::parse(base64_decode(p).value_or("null"));
}

ConnectionSettings microsoft_settings() {
  auto s = oauth_settings();
  s.auth_type = AuthType::Microsoft365OAuth;
  s.username = ofact("OAUTHSTACK_MS_PUBLIC_CLIENT_ID");  // the Application Id, as the window keeps it
  s.oauth_account = ofact("OAUTHSTACK_USER");
  s.oauth_tenant = "contoso.onmicrosoft.com";
  return s;
}

}  // namespace

TEST_CASE("Microsoft 365: public client sign-in against v2.0 endpoint shapes, rotating refresh, XOAUTH2", "[oauthstack][oauth][microsoft365]") {
  oauth::Flow flow(microsoft_client("OAUTHSTACK_MS_PUBLIC_CLIENT_ID"));
  net::CancelFlag cancel{false};
  std::string code = authorization_code(flow);
  REQUIRE_FALSE(code.empty());
  auto tokens = flow.exchange(code, cancel);  // no client_secret: the provider refuses one from a public client
  CHECK(tokens.expires_in_s == 3599);
  CHECK(tokens.scope == "https://outlook.office.com/SMTP.Send");
  auto claims = oauth::token_claims(tokens.access_token);
  REQUIRE(claims);
  CHECK(claims->audience == "https://outlook.office.com");
  CHECK(claims->has_scope("SMTP.Send"));
  CHECK(jwt_payload(tokens.access_token)["tenant"] == "contoso.onmicrosoft.com");  // the tenant was in the path

  auto refreshed = flow.refresh(tokens.refresh_token, cancel);
  CHECK(refreshed.refresh_token != tokens.refresh_token);  // Microsoft rotates refresh tokens
  CHECK_THROWS_AS(flow.refresh(tokens.refresh_token, cancel), oauth::OAuthError);  // the old one is spent

  SessionOptions options;
  options.oauth_access_token = refreshed.access_token;
  options.oauth_user = ofact("OAUTHSTACK_USER");
  TestRequest request;
  request.stop_after = StopAfter::Auth;
  auto r = run_session(microsoft_settings(), request, options);
  INFO(all_text(r));
  CHECK(r.ok);
  CHECK(r.auth.mechanism == "XOAUTH2");
  CHECK(r.auth.token_is_jwt);
  CHECK(r.auth.token_audience == "https://outlook.office.com");
  require_no_token(all_text(r), refreshed.access_token);
}

TEST_CASE("Microsoft 365: a token without SMTP.Send gets 535 5.7.3 and the hint says why", "[oauthstack][oauth][microsoft365]") {
  oauth::Flow flow(microsoft_client("OAUTHSTACK_MS_NO_SMTP_CLIENT_ID"));
  net::CancelFlag cancel{false};
  auto tokens = flow.exchange(authorization_code(flow), cancel);
  SessionOptions options;
  options.oauth_access_token = tokens.access_token;
  options.oauth_user = ofact("OAUTHSTACK_USER");
  auto settings = microsoft_settings();
  settings.username = ofact("OAUTHSTACK_MS_NO_SMTP_CLIENT_ID");
  auto r = diag::diagnose_session(settings, {}, options);
  INFO(all_text(r));
  REQUIRE_FALSE(r.ok);
  CHECK(r.failure->reply_code == 535);
  CHECK(r.failure->enhanced_code == "5.7.3");
  CHECK(r.auth.token_scopes == "User.Read");
  REQUIRE_FALSE(r.hints.empty());
  CHECK(r.hints.front().id == "o365-oauth-smtp-refused");
  CHECK(r.hints.front().explanation.find("without SMTP.Send") != std::string::npos);
  require_no_token(all_text(r), tokens.access_token);
}

TEST_CASE("Microsoft 365: the token endpoint's AADSTS errors", "[oauthstack][oauth][microsoft365]") {
  net::CancelFlag cancel{false};
  auto refusal = [&](oauth::Client client) {
    oauth::Flow flow(client);
    std::string code = authorization_code(flow);
    try {
      flow.exchange(code, cancel);
    } catch (const oauth::OAuthError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  auto hint_ids = [&](const std::string& message) {
    std::vector<std::string> ids;
    for (const auto& h : HintCatalogue::builtin().match_sign_in_failure(microsoft_settings(), message)) ids.push_back(h.id);
    return ids;
  };
  auto confidential = microsoft_client("OAUTHSTACK_MS_CONFIDENTIAL_CLIENT_ID");
  std::string no_secret = refusal(confidential);
  CHECK(no_secret.find("invalid_client (AADSTS7000218:") != std::string::npos);
  CHECK(hint_ids(no_secret) == std::vector<std::string>{"oauth-client-secret-required"});
  confidential.client_secret = stack_file("client-secret");  // a confidential app with its secret works
  CHECK(refusal(confidential) == "no error");

  std::string consent = refusal(microsoft_client("OAUTHSTACK_MS_NO_CONSENT_CLIENT_ID"));
  CHECK(hint_ids(consent) == std::vector<std::string>{"oauth-consent-required"});
  auto unknown = microsoft_client("OAUTHSTACK_MS_PUBLIC_CLIENT_ID");
  unknown.client_id = "99999999-9999-4999-8999-999999999999";
  CHECK(hint_ids(refusal(unknown)) == std::vector<std::string>{"oauth-app-not-in-tenant"});
  auto with_secret = microsoft_client("OAUTHSTACK_MS_PUBLIC_CLIENT_ID");
  with_secret.client_secret = "a-secret-a-public-client-must-not-send";
  CHECK(refusal(with_secret).find("AADSTS700025") != std::string::npos);
}

TEST_CASE("check: --auth microsoft365-oauth --oauth-tenant with a public client, and a sign-in refusal's hint", "[oauthstack][oauth][microsoft365][cli]") {
  test::TempDir dir;
  auto json_path = dir.path / "report.json";
  auto run = [&](const std::string& client_id, const std::string& env) {
    std::string cmd = env + " " SMTPWB_BINARY " check --host localhost --port " + ofact("OAUTHSTACK_SMTP_PORT") + " --ca-file " +
                      ofact("OAUTHSTACK_CA_FILE") + " --user " + ofact("OAUTHSTACK_USER") +
                      " --auth microsoft365-oauth --oauth-tenant contoso.onmicrosoft.com --oauth-authority " +
                      ofact("OAUTHSTACK_MS_AUTHORITY") + " --oauth-client-id " + client_id +
                      " --stop-after auth --color never --timeout 10 --json " + json_path.string() + " 2>&1 </dev/null";
    return run_with_browser(cmd);
  };
  auto [status, out] = run(ofact("OAUTHSTACK_MS_PUBLIC_CLIENT_ID"), "");
  INFO(out);
  CHECK(status == 0);
  CHECK(out.find(ofact("OAUTHSTACK_MS_AUTHORITY") + "/contoso.onmicrosoft.com/oauth2/v2.0/authorize?") != std::string::npos);
  CHECK(out.find("scope=https%3A%2F%2Foutlook.office.com%2FSMTP.Send%20offline_access") != std::string::npos);
  CHECK(out.find("Access token (a JWT, read without verifying): audience https://outlook.office.com, scopes SMTP.Send") !=
        std::string::npos);
  auto report = nlohmann::json::parse(test::slurp(json_path));
  CHECK(report["auth"]["mechanism"] == "XOAUTH2");
  CHECK(report["auth"]["token"]["audience"] == "https://outlook.office.com");
  CHECK_FALSE(std::regex_search(out + report.dump(), std::regex("M\\.R3_BAY\\.|eyJ0eXAi")));  // no refresh or access token

  auto [refused_status, refused] = run(ofact("OAUTHSTACK_MS_CONFIDENTIAL_CLIENT_ID"), "");
  INFO(refused);
  CHECK(refused_status == 9);
  CHECK(refused.find("AADSTS7000218") != std::string::npos);
  CHECK(refused.find("The app is a confidential client: it needs a client secret") != std::string::npos);
}

TEST_CASE("check: --oauth-token-env with a valid and an invalid token", "[oauthstack][oauth][cli]") {
  test::TempDir dir;
  auto json_path = dir.path / "report.json";
  std::string args = "check --host localhost --port " + ofact("OAUTHSTACK_SMTP_PORT") + " --ca-file " +
                     ofact("OAUTHSTACK_CA_FILE") + " --user " + ofact("OAUTHSTACK_USER") +
                     " --oauth-token-env TOKEN --stop-after auth --color never --timeout 10 --json " + json_path.string();
  auto ok = test::run_binary(args, "TOKEN=" + stack_file("static-token"));
  INFO(ok.out);
  CHECK(ok.status == 0);
  require_no_token(ok.out + test::slurp(json_path), stack_file("static-token"));

  auto bad = test::run_binary(args + " --sasl XOAUTH2", "TOKEN=invalid-token-4711");
  INFO(bad.out);
  CHECK(bad.status == 9);
  auto report = nlohmann::json::parse(test::slurp(json_path));
  CHECK(report["failure"]["reply_code"] == 535);
  bool json_error_shown = false;
  for (const auto& step : report["auth"]["steps"])
    if (step["direction"] == "server" && step["text"].get<std::string>().find("\"schemes\":\"bearer\"") != std::string::npos)
      json_error_shown = true;
  CHECK(json_error_shown);
  require_no_token(bad.out + report.dump(), "invalid-token-4711");
}

#ifdef SMTPWB_WITH_GUI
#include "model/workbench.hpp"

namespace {
// Drives the window's model (as its frame loop does) until done() holds, 10 s at most.
bool poll_until(gui::Workbench& wb, const std::function<bool()>& done) {
  for (int i = 0; i < 1000 && !done(); ++i) {
    wb.poll();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}
}  // namespace

// The window's Gmail OAuth, through its model: Authenticate opens the sign-in in the browser, the
// refresh token goes to the secret store, Test authenticates with XOAUTH2, and an expired access token
// is refreshed before the Test starts.
TEST_CASE("Window model: Authenticate, Test with XOAUTH2, refresh when the token expired", "[oauthstack][oauth][gui]") {
  test::TempDir dir;
  gui::Workbench wb(dir.path, std::make_unique<gui::MemorySecretStore>(), [] {});
  wb.load();
  auto client = test_client();
  wb.set_oauth_provider(client.provider, client.extra_ca_file);
  std::vector<std::thread> browsers;
  wb.set_url_opener([&](const std::string& url) { browsers.emplace_back([url] { browse(url); }); });

  wb.apply(gui::cmd::NewFromPreset{"gmail"});
  gui::Connection& c = *wb.selected();
  c.draft.address = "localhost";
  c.draft.port = std::stoi(ofact("OAUTHSTACK_SMTP_PORT"));
  c.draft.security = Security::StartTls;
  c.draft.ca_file = ofact("OAUTHSTACK_CA_FILE");
  c.draft.auth_type = AuthType::GmailOAuth;
  c.draft.username = client.client_id;
  c.draft.password = client.client_secret;
  c.draft.oauth_account = ofact("OAUTHSTACK_USER");
  c.draft.timeout_s = 10;

  TestRequest up_to_auth;
  up_to_auth.stop_after = StopAfter::Auth;
  wb.apply(gui::cmd::RunTest{c.id, up_to_auth});
  CHECK(wb.status().find("Authenticate") != std::string::npos);  // no token yet: refused with the reason
  CHECK(c.runs.empty());

  wb.apply(gui::cmd::SignIn{c.id});
  REQUIRE(poll_until(wb, [&] { return !c.oauth; }));
  for (auto& b : browsers) b.join();
  INFO(c.oauth_status);
  REQUIRE(c.has_access_token());
  CHECK(wb.has_refresh_token(c));

  wb.apply(gui::cmd::RunTest{c.id, up_to_auth});
  REQUIRE(c.current_run());
  REQUIRE(poll_until(wb, [&] { return c.current_run()->finished; }));
  INFO(all_text(c.current_run()->result));
  CHECK(c.current_run()->result.ok);
  CHECK(c.current_run()->result.auth.mechanism == "XOAUTH2");
  std::string first_token = c.oauth_access_token;

  c.oauth_expires = std::chrono::steady_clock::now();  // as if an hour had passed
  wb.apply(gui::cmd::RunTest{c.id, up_to_auth});
  REQUIRE(c.pending_test);  // the Test waits for the refresh
  REQUIRE(poll_until(wb, [&] { return c.runs.size() == 2 && c.current_run()->finished; }));
  CHECK(c.current_run()->result.ok);
  CHECK(c.oauth_access_token != first_token);
  require_no_token(all_text(c.current_run()->result), c.oauth_access_token);
}

// The window's Microsoft 365 OAuth through its model: Authenticate against the tenant's v2.0 endpoints
// with a public client (no secret), the refresh token in the secret store, Test with XOAUTH2, and an
// expired access token refreshed (the rotated refresh token replaces the old one in the store).
TEST_CASE("Window model: Microsoft 365 OAuth, Authenticate, Test, refresh with rotation", "[oauthstack][oauth][gui][microsoft365]") {
  test::TempDir dir;
  auto store = std::make_unique<gui::MemorySecretStore>();
  gui::MemorySecretStore* secrets = store.get();
  gui::Workbench wb(dir.path, std::move(store), [] {});
  wb.load();
  wb.set_microsoft_authority(ofact("OAUTHSTACK_MS_AUTHORITY"), ofact("OAUTHSTACK_CA_FILE"));
  std::vector<std::thread> browsers;
  std::vector<std::string> opened;
  wb.set_url_opener([&](const std::string& url) {
    opened.push_back(url);
    browsers.emplace_back([url] { browse(url); });
  });

  wb.apply(gui::cmd::NewFromPreset{"office365-oauth"});
  gui::Connection& c = *wb.selected();
  CHECK(c.draft.auth_type == AuthType::Microsoft365OAuth);
  c.draft.address = "localhost";
  c.draft.port = std::stoi(ofact("OAUTHSTACK_SMTP_PORT"));
  c.draft.ca_file = ofact("OAUTHSTACK_CA_FILE");
  c.draft.username = ofact("OAUTHSTACK_MS_PUBLIC_CLIENT_ID");
  c.draft.oauth_account = ofact("OAUTHSTACK_USER");
  c.draft.oauth_tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
  c.draft.timeout_s = 10;
  const std::string key = gui::secret_key(c.draft, "oauth-refresh-token");

  TestRequest up_to_auth;
  up_to_auth.stop_after = StopAfter::Auth;
  wb.apply(gui::cmd::RunTest{c.id, up_to_auth});
  CHECK(wb.status().find("Microsoft 365 OAuth: press Authenticate") != std::string::npos);

  wb.apply(gui::cmd::SignIn{c.id});
  REQUIRE(poll_until(wb, [&] { return !c.oauth; }));
  for (auto& b : browsers) b.join();
  browsers.clear();
  INFO(c.oauth_status);
  REQUIRE(opened.size() == 1);
  CHECK(opened[0].rfind(ofact("OAUTHSTACK_MS_AUTHORITY") + "/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/authorize?", 0) == 0);
  REQUIRE(c.has_access_token());
  auto first_refresh = secrets->get(key);
  REQUIRE(first_refresh);

  wb.apply(gui::cmd::RunTest{c.id, up_to_auth});
  REQUIRE(c.current_run());
  REQUIRE(poll_until(wb, [&] { return c.current_run()->finished; }));
  INFO(all_text(c.current_run()->result));
  CHECK(c.current_run()->result.ok);
  CHECK(c.current_run()->result.auth.mechanism == "XOAUTH2");

  c.oauth_expires = std::chrono::steady_clock::now();  // as if an hour had passed
  std::string first_token = c.oauth_access_token;
  wb.apply(gui::cmd::RunTest{c.id, up_to_auth});
  REQUIRE(c.pending_test);
  REQUIRE(poll_until(wb, [&] { return c.runs.size() == 2 && c.current_run()->finished; }));
  CHECK(c.current_run()->result.ok);
  CHECK(c.oauth_access_token != first_token);
  auto second_refresh = secrets->get(key);
  REQUIRE(second_refresh);
  CHECK(*second_refresh != *first_refresh);  // the rotated refresh token was stored

  // A confidential app without its secret: the sign-in fails and the window names the cause.
  c.draft.username = ofact("OAUTHSTACK_MS_CONFIDENTIAL_CLIENT_ID");
  wb.apply(gui::cmd::SignIn{c.id});
  REQUIRE(poll_until(wb, [&] { return !c.oauth; }));
  for (auto& b : browsers) b.join();
  CHECK(c.oauth_status.find("AADSTS7000218") != std::string::npos);
  REQUIRE(c.oauth_hints.size() == 1);
  CHECK(c.oauth_hints[0].id == "oauth-client-secret-required");
}
#endif
