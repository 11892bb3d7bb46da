// A JWT's claims, read without verifying it (sasl/token_claims.hpp).
#include "smtpwb/sasl/token_claims.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "smtpwb/base64.hpp"

namespace smtpwb::sasl {

bool TokenClaims::has_scope(std::string_view scope) const {
  std::string_view rest = scopes;
  while (!rest.empty()) {
    auto space = rest.find(' ');
    if (rest.substr(0, space) == scope) return true;
    if (space == std::string_view::npos) break;
    rest.remove_prefix(space + 1);
  }
  return false;
}

std::optional<TokenClaims> token_claims(std::string_view access_token) {
  auto first = access_token.find('.');
  auto second = first == std::string_view::npos ? first : access_token.find('.', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  std::string payload(access_token.substr(first + 1, second - first - 1));
  std::replace(payload.begin(), payload.end(), '-', '+');
  std::replace(payload.begin(), payload.end(), '_', '/');
  while (payload.size() % 4) payload += '=';
  auto decoded = base64_decode(payload);
  if (!decoded) return std::nullopt;
  nlohmann::json json = nlohmann::json::parse(*decoded, nullptr, false);
  if (json.is_discarded() || !json.is_object()) return std::nullopt;
  TokenClaims claims;
  if (json.contains("aud") && json["aud"].is_string()) claims.audience = json["aud"].get<std::string>();
  if (json.contains("scp") && json["scp"].is_string()) claims.scopes = json["scp"].get<std::string>();
  if (json.contains("roles") && json["roles"].is_array())
    for (const auto& role : json["roles"])
      if (role.is_string()) claims.scopes += (claims.scopes.empty() ? "" : " ") + role.get<std::string>();
  return claims;
}

}  // namespace smtpwb::sasl
