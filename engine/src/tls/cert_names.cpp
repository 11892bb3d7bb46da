#include "tls/cert_names.hpp"

#include "smtpwb/charset.hpp"

#include <mbedtls/asn1.h>
#include <mbedtls/oid.h>

#include <cstdint>
#include <string>

namespace smtpwb::net {

namespace {


// Big-endian code units of `width` bytes (2: BMPString, UTF-16 with surrogate pairs; 4: UniversalString).
std::string from_wide(const unsigned char* p, std::size_t n, std::size_t width) {
  std::string out;
  for (std::size_t i = 0; i + width <= n; i += width) {
    std::uint32_t unit = 0;
    for (std::size_t k = 0; k < width; ++k) unit = (unit << 8) | p[i + k];
    if (width == 2 && unit >= 0xD800 && unit < 0xDC00 && i + 4 <= n) {
      std::uint32_t low = (static_cast<std::uint32_t>(p[i + 2]) << 8) | p[i + 3];
      if (low >= 0xDC00 && low < 0xE000) {
        unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
        i += 2;
      }
    }
    append_utf8(out, unit);
  }
  return out;
}

std::string value_text(const mbedtls_asn1_buf& v) {
  switch (v.tag) {
    case MBEDTLS_ASN1_BMP_STRING: return from_wide(v.p, v.len, 2);
    case MBEDTLS_ASN1_UNIVERSAL_STRING: return from_wide(v.p, v.len, 4);
    case MBEDTLS_ASN1_T61_STRING: {  // read as ISO 8859-1, as most decoders do
      std::string out;
      for (std::size_t i = 0; i < v.len; ++i) append_utf8(out, v.p[i]);
      return out;
    }
    default: return std::string(reinterpret_cast<const char*>(v.p), v.len);
  }
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
