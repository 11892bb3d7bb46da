#pragma once
// AUTH NTLM (MS-NLMP, NTLMv2 responses) as a SASL mechanism. The messages themselves are built in
// net/ntlm.hpp, which the HTTP CONNECT proxy (net/proxy.cpp) uses directly.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "smtpwb/sasl/mechanism.hpp"

namespace smtpwb::sasl::detail {

// Credentials::username "DOMAIN\user" puts DOMAIN into the NTLMv2 hash and the DomainName field.
// Steps: initial_response() is the NEGOTIATE_MESSAGE, respond(challenge) the AUTHENTICATE_MESSAGE;
// describe_challenge() decodes a CHALLENGE_MESSAGE for the transcript.
// timestamp: FILETIME used when the server sends none (default: now); client_challenge: fixed by
// known-answer tests only (default: random).
std::unique_ptr<Mechanism> make_ntlm(const Credentials& c, std::string client_challenge = {},
                                     std::optional<std::uint64_t> timestamp = std::nullopt);

// Whether a decoded CHALLENGE_MESSAGE carries TargetInfo (NTLMv2 servers send it; Exim's spa does not).
bool ntlm_challenge_has_target_info(std::string_view challenge);

// "DOMAIN\user" from a separate domain, unless the user name already names one.
std::string ntlm_account(const std::string& domain, const std::string& user);

}  // namespace smtpwb::sasl::detail
