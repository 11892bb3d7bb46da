// smtpwb::oauth: the provider table and the URL helpers (the flow itself runs in tests/integration).
#include <catch2/catch_test_macros.hpp>

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
