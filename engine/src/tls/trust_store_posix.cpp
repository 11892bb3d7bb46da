// The system trust store on Linux: Debian's bundle of the ca-certificates package.
#include <string>

#include "smtpwb/net/stream.hpp"
#include "tls/trust_store.hpp"

namespace smtpwb::net {

void load_system_trust_store(mbedtls_x509_crt& chain) {
  const std::string bundle = "/etc/ssl/certs/ca-certificates.crt";
  // A positive result counts certificates that could not be parsed; a bundle where some parse is usable.
  int rc = mbedtls_x509_crt_parse_file(&chain, bundle.c_str());
  if (rc < 0 || chain.raw.p == nullptr)
    throw TrustStoreError("the system CA store " + bundle + " cannot be used: " +
                          (rc < 0 ? mbedtls_message(rc) : std::string("no certificate in it")));
}

}  // namespace smtpwb::net
