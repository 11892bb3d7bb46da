#pragma once
// Hashes, HMAC, PBKDF2 and random bytes for the SASL mechanisms and NTLM (also to HTTP proxies), from mbedTLS (byte strings in and out).
#include <cstddef>
#include <string>
#include <string_view>

namespace smtpwb::crypto {

enum class Hash { Md5, Sha1, Sha256 };

std::string digest(Hash h, std::string_view data);
std::string hmac(Hash h, std::string_view key, std::string_view data);
std::string pbkdf2(Hash h, std::string_view password, std::string_view salt, unsigned iterations);
// MD4 (for the NTLM NT hash only; mbedTLS 3 has no MD4, so it comes from nettle).
std::string md4(std::string_view data);
// MS-NLMP DESL: the 16-byte key (an NT hash) padded to 21 bytes, each 7-byte third a DES key that
// encrypts the 8-byte challenge; 24 bytes out. Only for the legacy NTLMv1 response.
std::string desl(std::string_view key16, std::string_view challenge8);
std::string random_bytes(std::size_t n);
std::string hex(std::string_view bytes);  // lower case

}  // namespace smtpwb::crypto
