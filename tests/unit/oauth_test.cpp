// smtpwb::oauth: the provider table and the URL helpers (the flow itself runs in tests/integration).
#include <catch2/catch_test_macros.hpp>

#include <chrono>
#include <future>

#include "smtpwb/base64.hpp"
#include "smtpwb/net/io.hpp"
#include "smtpwb/oauth.hpp"

using namespace smtpwb::oauth;

TEST_CASE("OAuth providers: Gmail and Microsoft 365 are data", "[oauth]") {
  const Provider* gmail = find_provider("gmail");
  REQUIRE(gmail);
  CHECK(gmail->auth_url == "https://accounts.google.com/o/oauth2/v2/auth");
  CHECK(gmail->token_url == "https://oauth2.googleapis.com/token");
  CHECK(gmail->scope == "https://mail.google.com/");
  CHECK(gmail->mechanism == "XOAUTH2");
  const Provider* microsoft = find_provider("microsoft365");
  REQUIRE(microsoft);
  CHECK(microsoft->token_url.rfind("https://login.microsoftonline.com/", 0) == 0);
  CHECK(find_provider("nope") == nullptr);
}

TEST_CASE("OAuth URL helpers", "[oauth]") {
  CHECK(url_encode("https://mail.google.com/") == "https%3A%2F%2Fmail.google.com%2F");
  CHECK(url_encode("a b~c") == "a%20b~c");
  CHECK(query_parameter("/?code=4%2F0Ab&state=x+y", "code") == "4/0Ab");
  CHECK(query_parameter("/?code=4%2F0Ab&state=x+y", "state") == "x y");
  CHECK(query_parameter("/?error=access_denied", "code").empty());
  CHECK(query_parameter("/?code=%zz", "code") == "%zz");  // not hex: kept as is
}

TEST_CASE("OAuth flow: the authorization URL carries PKCE, state and a loopback redirect", "[oauth]") {
  Flow flow({*find_provider("gmail"), "client-123.apps.example", "", "", 5});
  std::string url = flow.start();
  CHECK(url.rfind("https://accounts.google.com/o/oauth2/v2/auth?response_type=code&client_id=client-123.apps.example", 0) == 0);
  CHECK(flow.redirect_uri().rfind("http://127.0.0.1:", 0) == 0);
  CHECK(query_parameter(url, "redirect_uri") == flow.redirect_uri());
  CHECK(query_parameter(url, "code_challenge").size() == 43);
  CHECK(query_parameter(url, "code_challenge_method") == "S256");
  CHECK(query_parameter(url, "state").size() >= 16);
  CHECK(query_parameter(url, "access_type") == "offline");
}

// ---- the loopback redirect: hostile local pages ----

namespace {

int redirect_port(const Flow& flow) { return std::stoi(flow.redirect_uri().substr(std::string("http://127.0.0.1:").size())); }

// One request to the loopback listener, as any local page or program can send; returns the whole answer.
std::string visit(int port, const std::string& target) {
  namespace net = smtpwb::net;
  net::CancelFlag never{false};
  // A listener that stopped accepting must not hang the test: every wait ends within 5 s.
  auto limit = [] { return net::Deadline::in(std::chrono::seconds(5)); };
  net::Fd fd = net::connect_tcp(net::loopback_address(port), limit(), never);
  std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  REQUIRE(net::send_some(fd.get(), request.data(), request.size()).bytes == static_cast<std::ptrdiff_t>(request.size()));
  std::string answer;
  char buf[4096];
  try {
    while (true) {
      net::wait_ready(fd.get(), net::Wait::Read, limit(), never, "the answer");
      net::Transfer t = net::receive_some(fd.get(), buf, sizeof buf);
      if (t.again()) continue;
      if (t.bytes <= 0) break;
      answer.append(buf, static_cast<std::size_t>(t.bytes));
    }
  } catch (const net::TimedOut&) {
  }
  return answer;
}

}  // namespace

TEST_CASE("OAuth loopback: a redirect with a wrong state is answered 400 and the sign-in keeps waiting", "[oauth][loopback]") {
  Flow flow({*find_provider("gmail"), "client-123.apps.example", "", "", 5});
  std::string url = flow.start();
  std::string state = query_parameter(url, "state");
  smtpwb::net::CancelFlag cancel{false};
  auto waiting = std::async(std::launch::async, [&] { return flow.wait_for_redirect(cancel, smtpwb::net::Deadline::in(std::chrono::seconds(10))); });
  int port = redirect_port(flow);

  std::string forged = visit(port, "/?code=attacker-code&state=forged");
  CHECK(forged.rfind("HTTP/1.1 400 ", 0) == 0);
  std::string no_state = visit(port, "/?error=access_denied");
  CHECK(no_state.rfind("HTTP/1.1 400 ", 0) == 0);
  REQUIRE(waiting.wait_for(std::chrono::milliseconds(200)) == std::future_status::timeout);  // still waiting

  std::string real = visit(port, "/?code=the-real-code&state=" + url_encode(state));
  CHECK(real.rfind("HTTP/1.1 200 ", 0) == 0);
  REQUIRE(waiting.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  CHECK(waiting.get() == "the-real-code");
}

TEST_CASE("OAuth loopback: wrong states until the deadline end in a timeout, not a refusal", "[oauth][loopback]") {
  Flow flow({*find_provider("gmail"), "client-123.apps.example", "", "", 5});
  flow.start();
  smtpwb::net::CancelFlag cancel{false};
  auto waiting = std::async(std::launch::async, [&] {
    return flow.wait_for_redirect(cancel, smtpwb::net::Deadline::in(std::chrono::milliseconds(800)));
  });
  CHECK(visit(redirect_port(flow), "/?code=x&state=y").rfind("HTTP/1.1 400 ", 0) == 0);
  CHECK_THROWS_AS(waiting.get(), smtpwb::net::TimedOut);
}

TEST_CASE("OAuth loopback: the provider's error is shown HTML-escaped", "[oauth][loopback]") {
  Flow flow({*find_provider("gmail"), "client-123.apps.example", "", "", 5});
  std::string state = query_parameter(flow.start(), "state");
  smtpwb::net::CancelFlag cancel{false};
  auto waiting = std::async(std::launch::async, [&] { return flow.wait_for_redirect(cancel, smtpwb::net::Deadline::in(std::chrono::seconds(10))); });
  std::string page = visit(redirect_port(flow), "/?error=" + url_encode("<script>alert(1)</script>&\"'") +
                                                   "&error_description=x&state=" + url_encode(state));
  CHECK(page.find("<script>") == std::string::npos);
  CHECK(page.find("&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;&#39;") != std::string::npos);
  try {
    waiting.get();
    FAIL("an error redirect was accepted");
  } catch (const OAuthError& e) {
    CHECK(std::string(e.what()).find("<script>alert(1)</script>") != std::string::npos);  // the message itself is plain text
  }
}

// ---- token responses: any JSON a token endpoint sends ----

TEST_CASE("OAuth token response: a well-formed answer", "[oauth][tokens]") {
  auto t = parse_token_response(200, R"({"access_token":"ya29.a","refresh_token":"1//r","expires_in":3599,"scope":"s","token_type":"Bearer"})");
  CHECK(t.access_token == "ya29.a");
  CHECK(t.refresh_token == "1//r");
  CHECK(t.expires_in_s == 3599);
  CHECK(t.scope == "s");
  // Older Microsoft endpoints send the number as a string.
  CHECK(parse_token_response(200, R"({"access_token":"a","expires_in":"3600"})").expires_in_s == 3600);
  CHECK(parse_token_response(200, R"({"access_token":"a"})").expires_in_s == 0);
}

TEST_CASE("OAuth token response: wrong types and impossible numbers are an OAuthError naming the field", "[oauth][tokens]") {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"access_token":"a","expires_in":1e300})", "expires_in"},
      {R"({"access_token":"a","expires_in":1e400})", "number overflow"},  // beyond a double: the JSON itself is refused
      {R"({"access_token":"a","expires_in":-5})", "expires_in"},
      {R"({"access_token":"a","expires_in":99999999999999999999})", "expires_in"},
      {R"({"access_token":"a","expires_in":4294967296})", "expires_in"},
      {R"({"access_token":"a","expires_in":"abc"})", "expires_in"},
      {R"({"access_token":"a","expires_in":{"s":1}})", "expires_in"},
      {R"({"access_token":"a","expires_in":true})", "expires_in"},
      {R"({"access_token":"a","expires_in":null})", "expires_in"},
      {R"({"access_token":{"value":"a"}})", "access_token"},
      {R"({"access_token":12345})", "access_token"},
      {R"({"access_token":["a"]})", "access_token"},
      {R"({"access_token":"a","refresh_token":7})", "refresh_token"},
      {R"({"access_token":"a","scope":["a","b"]})", "scope"},
      {R"({"expires_in":3600})", "access_token"},
      {R"([1,2])", "JSON object"},
      {R"("just a string")", "JSON object"},
  };
  for (const auto& [body, field] : cases) {
    INFO(body);
    try {
      parse_token_response(200, body);
      FAIL("accepted");
    } catch (const OAuthError& e) {
      CHECK(std::string(e.what()).find(field) != std::string::npos);
    }
  }
}

TEST_CASE("OAuth token response: error answers with non-string fields are still an OAuthError", "[oauth][tokens]") {
  const char* bodies[] = {R"({"error":{"code":401,"message":"bad"}})", R"({"error":"invalid_grant","error_description":42})",
                          R"({"error":null})", R"({"error":["x"],"error_description":{"a":1}})"};
  for (const char* body : bodies) {
    INFO(body);
    for (int status : {200, 400}) {
      try {
        parse_token_response(status, body);
        FAIL("accepted");
      } catch (const OAuthError& e) {
        CHECK(std::string(e.what()).find("refused") != std::string::npos);
      }
    }
  }
  try {
    parse_token_response(400, R"({"error":"invalid_grant","error_description":"Bad Request"})");
  } catch (const OAuthError& e) {
    CHECK(std::string(e.what()) == "the token endpoint refused: invalid_grant (Bad Request)");
  }
}

TEST_CASE("Microsoft 365: the v2.0 endpoints of a tenant, the exact scope, XOAUTH2", "[oauth][microsoft365]") {
  const Provider* m = find_provider("microsoft365");
  REQUIRE(m);
  CHECK(m->auth_url == "https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize");
  CHECK(m->token_url == "https://login.microsoftonline.com/organizations/oauth2/v2.0/token");
  CHECK(m->scope == "https://outlook.office.com/SMTP.Send offline_access");
  CHECK(m->mechanism == "XOAUTH2");
  CHECK(m->extra_auth_params.empty());

  auto contoso = microsoft365_provider("contoso.onmicrosoft.com");
  CHECK(contoso.auth_url == "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize");
  CHECK(contoso.token_url == "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token");
  CHECK(contoso.scope == m->scope);
  CHECK(microsoft365_provider("").auth_url == m->auth_url);  // empty: organizations
  // Another authority (the tests' local provider); a trailing slash is not doubled.
  auto local = microsoft365_provider("common", "https://localhost:8443/");
  CHECK(local.auth_url == "https://localhost:8443/common/oauth2/v2.0/authorize");
  CHECK(local.token_url == "https://localhost:8443/common/oauth2/v2.0/token");

  Flow flow({contoso, "11111111-2222-3333-4444-555555555555", "", "", 5});
  std::string url = flow.start();
  CHECK(query_parameter(url, "scope") == "https://outlook.office.com/SMTP.Send offline_access");
  CHECK(query_parameter(url, "code_challenge_method") == "S256");
  CHECK(query_parameter(url, "access_type").empty());  // Google's parameter, not Microsoft's
}

TEST_CASE("Access token claims: a JWT's aud and scp, read without verifying", "[oauth][microsoft365]") {
  // header {"alg":"none","typ":"JWT"} . payload . (no signature needed to read it)
  auto jwt = [](const std::string& payload) {
    std::string p = smtpwb::base64_encode(payload);
    for (auto& c : p) c = c == '+' ? '-' : c == '/' ? '_' : c;
    while (!p.empty() && p.back() == '=') p.pop_back();
    return "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + p + ".c2ln";
  };
  auto claims = token_claims(jwt(R"({"aud":"https://outlook.office.com","scp":"SMTP.Send User.Read","upn":"a@b"})"));
  REQUIRE(claims);
  CHECK(claims->audience == "https://outlook.office.com");
  CHECK(claims->scopes == "SMTP.Send User.Read");
  CHECK(claims->has_scope("SMTP.Send"));
  CHECK_FALSE(claims->has_scope("SMTP"));
  // Graph's audience, app-only roles: still read
  auto graph = token_claims(jwt(R"({"aud":"00000003-0000-0000-c000-000000000000","roles":["SMTP.SendAsApp"]})"));
  REQUIRE(graph);
  CHECK(graph->audience == "00000003-0000-0000-c000-000000000000");
  CHECK(graph->scopes == "SMTP.SendAsApp");
  // Opaque tokens (Gmail's ya29..., Microsoft consumer tokens) and junk: no claims
  CHECK_FALSE(token_claims("ya29.a0AfH6SMBx-opaque"));
  CHECK_FALSE(token_claims("a.b.c"));
  CHECK_FALSE(token_claims(jwt("[1,2]")));
  CHECK_FALSE(token_claims(""));
}
