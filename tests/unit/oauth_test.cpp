// smtpwb::oauth: the provider table and the URL helpers (the flow itself runs in tests/integration).
#include <catch2/catch_test_macros.hpp>

#include "smtpwb/base64.hpp"
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
