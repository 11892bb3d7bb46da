#pragma once
// The PSA crypto library (mbedTLS 3.6) must be initialised once per process before hashes, random bytes
// or TLS; this lives in the base layer so that SASL and TLS both reach it without depending on each other.

namespace smtpwb {

// psa_crypto_init, once; safe to call repeatedly and from several threads. Throws when it fails.
void init_crypto();

}  // namespace smtpwb
