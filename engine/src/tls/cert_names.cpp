#include "tls/cert_names.hpp"

#include "smtpwb/charset.hpp"

#include <mbedtls/asn1.h>
#include <mbedtls/oid.h>

#include <cstdint>
#include <string>

namespace smtpwb::net {

namespace {

// The value as UTF-16 code units: BMPString is UTF-16BE, UniversalString UTF-32BE, T61String read as
// ISO 8859-1 (as most decoders do); then one UTF-8 conversion for all three.
std::u16string units_of(const mbedtls_asn1_buf& v) {
  std::u16string units;
  if (v.tag == MBEDTLS_ASN1_BMP_STRING) {
    for (std::size_t i = 0; i + 2 <= v.len; i += 2) units += static_cast<char16_t>((v.p[i] << 8) | v.p[i + 1]);
  } else if (v.tag == MBEDTLS_ASN1_UNIVERSAL_STRING) {
    for (std::size_t i = 0; i + 4 <= v.len; i += 4) {
      std::uint32_t cp = (std::uint32_t{v.p[i]} << 24) | (v.p[i + 1] << 16) | (v.p[i + 2] << 8) | v.p[i + 3];
      // A surrogate code point is no character: kept out of the units so that two cannot pair up.
      if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
      if (cp < 0x10000) {
        units += static_cast<char16_t>(cp);
      } else {
        units += static_cast<char16_t>(0xD800 + ((cp - 0x10000) >> 10));
        units += static_cast<char16_t>(0xDC00 + ((cp - 0x10000) & 0x3FF));
      }
    }
  } else {  // T61String
    for (std::size_t i = 0; i < v.len; ++i) units += static_cast<char16_t>(v.p[i]);
  }
  return units;
}

std::string value_text(const mbedtls_asn1_buf& v) {
  if (v.tag == MBEDTLS_ASN1_BMP_STRING || v.tag == MBEDTLS_ASN1_UNIVERSAL_STRING || v.tag == MBEDTLS_ASN1_T61_STRING)
    return utf16_to_utf8(units_of(v));
  return std::string(reinterpret_cast<const char*>(v.p), v.len);
}

}  // namespace

std::vector<NameAttribute> name_attributes(const mbedtls_x509_name& name) {
  std::vector<NameAttribute> out;
  for (const mbedtls_x509_name* n = &name; n && n->oid.p; n = n->next) {
    char oid[128];
    int len = mbedtls_oid_get_numeric_string(oid, sizeof oid, &n->oid);
    out.push_back({len > 0 ? std::string(oid, static_cast<std::size_t>(len)) : std::string("?"), value_text(n->val)});
  }
  return out;
}

}  // namespace smtpwb::net
