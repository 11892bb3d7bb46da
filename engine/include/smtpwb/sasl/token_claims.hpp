#pragma once
// What a bearer token says about itself when it is a JWT (Microsoft's are; Google's are opaque): the
// payload decoded without verifying the signature, for diagnosis only. The session notes it beside
// XOAUTH2/OAUTHBEARER; the hints read it from the result.
#include <optional>
#include <string>
#include <string_view>

namespace smtpwb::sasl {

struct TokenClaims {
  std::string audience;  // "aud"
  std::string scopes;    // "scp" (delegated), or "roles" (application) joined by spaces
  bool has_scope(std::string_view scope) const;
};

// nullopt when the token is not a JWT with a JSON object as its payload.
std::optional<TokenClaims> token_claims(std::string_view access_token);

}  // namespace smtpwb::sasl
