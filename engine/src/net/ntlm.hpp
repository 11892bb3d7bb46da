#pragma once
// The NTLM client messages (MS-NLMP, NTLMv2 responses) for their two users: SMTP AUTH NTLM (the SASL
// mechanism wraps this) and NTLM authentication to an HTTP CONNECT proxy (net/proxy.cpp), which carries
// the same three messages in Proxy-Authorization / Proxy-Authenticate headers. It sits in the net layer
// so that the proxy does not depend on SASL.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace smtpwb::net::ntlm {

// The server's challenge cannot be answered; what() says why.
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Message {
  std::string bytes;    // the raw message, base64-encoded by the caller
  std::string display;  // what the transcript shows for it, secrets masked
};

struct Identity {
  std::string domain, user;
  std::string password;          // secret
  std::string client_challenge;  // empty: random per message
  std::uint64_t timestamp = 0;   // FILETIME used when the server sends none
  bool ntlmv1 = false;           // answer with NTLMv1 (legacy, crackable): only when the user allows it
};

class Client {
 public:
  // username "DOMAIN\user" puts DOMAIN into the NTLMv2 hash and the DomainName field. timestamp: default
  // now; client_challenge: fixed by known-answer tests only (default: random).
  Client(const std::string& username, std::string password, std::string client_challenge = {},
         std::optional<std::uint64_t> timestamp = std::nullopt);
  Message negotiate() const;  // NEGOTIATE_MESSAGE
  // AUTHENTICATE_MESSAGE for a (decoded) CHALLENGE_MESSAGE. Throws Error.
  Message authenticate(std::string_view challenge) const;
  // A CHALLENGE_MESSAGE decoded for the transcript; empty when it cannot be read.
  std::string describe_challenge(std::string_view challenge) const;
  // Legacy servers (Exim's spa authenticator) verify only NTLMv1 responses.
  void use_ntlmv1(bool on) { id_.ntlmv1 = on; }

 private:
  Identity id_;
};

// Whether a (decoded) CHALLENGE_MESSAGE carries TargetInfo. Servers that verify NTLMv2 send it (its AV
// pairs go into the NTLMv2 response); one without it, such as Exim's spa, likely verifies only NTLMv1.
bool challenge_has_target_info(std::string_view challenge);

// Whether a (decoded) CHALLENGE_MESSAGE carries TargetInfo. Servers that verify NTLMv2 send it (its AV
// pairs go into the NTLMv2 response); one without it, such as Exim's spa, likely verifies only NTLMv1.
bool challenge_has_target_info(std::string_view challenge);

// "DOMAIN\user" from a separate domain, unless the user name already names one.
std::string account(const std::string& domain, const std::string& user);

}  // namespace smtpwb::net::ntlm
