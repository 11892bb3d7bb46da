#pragma once
// The NTLM client (MS-NLMP, NTLMv2 responses) for its two users: SMTP AUTH NTLM (a SASL mechanism) and
// NTLM authentication to an HTTP CONNECT proxy (net/proxy.cpp), which carries the same three messages in
// Proxy-Authorization / Proxy-Authenticate headers.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "smtpwb/sasl/mechanism.hpp"

namespace smtpwb::sasl::detail {

// Credentials::username "DOMAIN\user" puts DOMAIN into the NTLMv2 hash and the DomainName field.
// Steps: initial_response() is the NEGOTIATE_MESSAGE, respond(challenge) the AUTHENTICATE_MESSAGE;
// describe_challenge() decodes a CHALLENGE_MESSAGE for the transcript.
// timestamp: FILETIME used when the server sends none (default: now); client_challenge: fixed by
// known-answer tests only (default: random).
std::unique_ptr<Mechanism> make_ntlm(const Credentials& c, std::string client_challenge = {},
                                     std::optional<std::uint64_t> timestamp = std::nullopt);

// "DOMAIN\user" from a separate domain, unless the user name already names one.
std::string ntlm_account(const std::string& domain, const std::string& user);

}  // namespace smtpwb::sasl::detail
