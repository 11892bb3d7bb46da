#pragma once
// Factories of the individual mechanisms; the nonce parameters let known-answer tests fix the
// otherwise random client nonce.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sasl/crypto.hpp"
#include "sasl/ntlm.hpp"  // make_ntlm
#include "smtpwb/sasl/mechanism.hpp"

namespace smtpwb::sasl::detail {

std::unique_ptr<Mechanism> make_cram_md5(const Credentials& c);
// service: the digest-uri's protocol part ("smtp" here; the RFC's example uses "imap").
std::unique_ptr<Mechanism> make_digest_md5(const Credentials& c, std::string cnonce = {}, std::string service = "smtp");
std::unique_ptr<Mechanism> make_scram(crypto::Hash hash, const Credentials& c, std::string cnonce = {});
std::unique_ptr<Mechanism> make_xoauth2(const Credentials& c);
std::unique_ptr<Mechanism> make_oauthbearer(const Credentials& c);

// RFC 4013 SASLprep as far as it matters for passwords typed by people: non-ASCII spaces become
// spaces, characters "mapped to nothing" are dropped, control characters are refused (SaslError).
// Input is expected in NFC (what keyboards and Dovecot's own stored passwords use); no NFKC here.
std::string saslprep(std::string_view utf8);

// A fresh printable client nonce (base64 of random bytes, without '=' and ',').
std::string client_nonce();

// DIGEST-MD5 challenge: key=value pairs, values quoted or not; repeated keys (realm) are joined by ','.
std::vector<std::pair<std::string, std::string>> parse_digest_challenge(std::string_view text);

}  // namespace smtpwb::sasl::detail
