#pragma once
// A certificate name (subject or issuer) attribute by attribute, as mbedTLS parsed it.
#include <mbedtls/x509.h>

#include <vector>

#include "smtpwb/result.hpp"

namespace smtpwb::net {

// Every attribute of the name in the certificate's order (multi-valued RDNs flattened), with string
// types that are not UTF-8 on the wire (BMPString, UniversalString, T61String) converted to UTF-8.
std::vector<NameAttribute> name_attributes(const mbedtls_x509_name& name);

}  // namespace smtpwb::net
