#pragma once
// OAuth 2.0 sign-in for XOAUTH2/OAUTHBEARER: the authorization-code flow with PKCE and a loopback
// redirect (RFC 6749, 7636, 8252), the token exchange over HTTPS with the engine's TLS, and refresh.
// Storing the refresh token (keyring) is the caller's job: exchange() hands it back, refresh() takes it.
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "smtpwb/net/io.hpp"
#include "smtpwb/sasl/token_claims.hpp"

namespace smtpwb::oauth {

// Endpoints, scope and mechanism of a provider: data, so another provider is one more entry.
struct Provider {
  std::string id;                 // "gmail", "microsoft365"
  std::string display_name;
  std::string auth_url;
  std::string token_url;
  std::string scope;
  std::string mechanism;          // preferred SASL mechanism
  std::string console_url;        // where to create an OAuth client ("Setup app")
  std::string extra_auth_params;  // appended to the authorization URL, e.g. "access_type=offline"
};
const std::vector<Provider>& providers();
const Provider* find_provider(std::string_view id);  // nullptr when unknown ("microsoft365": tenant organizations)

// Microsoft 365: the identity platform's v2.0 endpoints of one tenant (empty: "organizations") under an
// authority (https://login.microsoftonline.com; the tests point it at their local provider).
inline constexpr std::string_view kMicrosoftAuthority = "https://login.microsoftonline.com";
Provider microsoft365_provider(std::string_view tenant, std::string_view authority = kMicrosoftAuthority);

// A JWT access token's claims (read without verifying): the SASL layer's reader, named here too.
using sasl::TokenClaims;
using sasl::token_claims;

struct Client {
  Provider provider;
  std::string client_id;
  std::string client_secret;  // secret; may be empty for public clients
  std::string extra_ca_file;  // trusted for the token endpoint in addition to the system store
  int timeout_s = 30;
};

struct Tokens {
  std::string access_token;   // secret
  std::string refresh_token;  // secret; empty when the provider did not issue one
  int expires_in_s = 0;
  std::string scope;
};

struct OAuthError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Flow {
 public:
  explicit Flow(Client client);
  ~Flow();
  Flow(const Flow&) = delete;
  Flow& operator=(const Flow&) = delete;

  // Opens the loopback listener and returns the authorization URL for the system browser.
  std::string start();
  // Waits for the browser's redirect to the loopback address; returns the authorization code.
  // Throws OAuthError (denied, wrong state), net::TimedOut or net::Cancelled.
  std::string wait_for_redirect(const net::CancelFlag& cancel, net::Deadline deadline);
  // Exchanges the code for tokens at the token endpoint. exchange() and refresh() throw OAuthError (the
  // endpoint's error and description, or why it could not be reached), net::TimedOut or net::Cancelled.
  Tokens exchange(const std::string& code, const net::CancelFlag& cancel);
  // A new access token from a stored refresh token (the result keeps the refresh token when the
  // provider does not rotate it).
  Tokens refresh(const std::string& refresh_token, const net::CancelFlag& cancel);

  const std::string& redirect_uri() const { return redirect_uri_; }

 private:
  Tokens token_request(const std::string& form, const net::CancelFlag& cancel);

  Client client_;
  net::Fd listener_;
  std::string redirect_uri_, state_, verifier_;
};

// Helpers shared with the tests.
std::string url_encode(std::string_view text);                               // RFC 3986 unreserved kept
std::string query_parameter(std::string_view query, std::string_view name);  // decoded; empty if absent
// The token endpoint's answer (RFC 6749 5.1, 5.2): the tokens, or OAuthError with the endpoint's error.
Tokens parse_token_response(int status, std::string_view body);

}  // namespace smtpwb::oauth
