// The system trust store on Windows: the certificates of the ROOT store, each handed to mbedTLS as DER.
#include <windows.h>
#include <wincrypt.h>

#include <string>

#include "smtpwb/net/stream.hpp"
#include "smtpwb/platform.hpp"
#include "tls/trust_store.hpp"

namespace smtpwb::net {

void load_system_trust_store(mbedtls_x509_crt& chain) {
  HCERTSTORE store = CertOpenSystemStoreW(0, L"ROOT");
  if (!store)
    throw TrustStoreError("the Windows certificate store ROOT cannot be opened: " +
                          platform::error_text(static_cast<int>(GetLastError())));
  int loaded = 0;
  // A root mbedTLS cannot parse (an unusual key or extension) is skipped; the others still count.
  for (PCCERT_CONTEXT cert = nullptr; (cert = CertEnumCertificatesInStore(store, cert)) != nullptr;) {
    if (!(cert->dwCertEncodingType & X509_ASN_ENCODING)) continue;
    if (mbedtls_x509_crt_parse_der(&chain, cert->pbCertEncoded, cert->cbCertEncoded) == 0) ++loaded;
  }
  CertCloseStore(store, 0);
  if (loaded == 0) throw TrustStoreError("the Windows certificate store ROOT holds no certificate this client can use");
}

}  // namespace smtpwb::net
