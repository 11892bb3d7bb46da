#pragma once
// The OS's trusted root certificates, for a client given no --ca-file (tls/trust_store_posix.cpp,
// tls/trust_store_windows.cpp).
#include <mbedtls/x509_crt.h>

#include <string>

namespace smtpwb::net {

// The chain of trust anchors mbedTLS verifies against.
struct CertChain {
  mbedtls_x509_crt crt;
  CertChain() { mbedtls_x509_crt_init(&crt); }
  ~CertChain() { mbedtls_x509_crt_free(&crt); }
  CertChain(const CertChain&) = delete;
  CertChain& operator=(const CertChain&) = delete;
};

// Adds the system's trusted roots to `chain`. Throws TrustStoreError when none can be loaded.
void load_system_trust_store(mbedtls_x509_crt& chain);

// mbedTLS's words for an error code.
std::string mbedtls_message(int code);

}  // namespace smtpwb::net
