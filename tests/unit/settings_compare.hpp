#pragma once
// Field-by-field comparison of ConnectionSettings for the unit tests.
// ConnectionSettings declares `operator== = default`, but ProxySettings has no operator==, so the
// defaulted operator is implicitly deleted and cannot be used (see settings_test.cpp).
#include <string>

#include "smtpwb/settings.hpp"

namespace smtpwb::test {

// The name of the first field that differs, or "" when the settings are equal.
inline std::string first_difference(const ConnectionSettings& a, const ConnectionSettings& b) {
#define SMTPWB_CMP(field) \
  if (!(a.field == b.field)) return #field
  SMTPWB_CMP(id);
  SMTPWB_CMP(name);
  SMTPWB_CMP(group);
  SMTPWB_CMP(timeout_s);
  SMTPWB_CMP(code_page);
  SMTPWB_CMP(address);
  SMTPWB_CMP(port);
  SMTPWB_CMP(ehlo_name);
  SMTPWB_CMP(auth_type);
  SMTPWB_CMP(anonymous);
  SMTPWB_CMP(username);
  SMTPWB_CMP(auth_domain);
  SMTPWB_CMP(password);
  SMTPWB_CMP(security);
  SMTPWB_CMP(tls_versions);
  SMTPWB_CMP(sasl_mechanisms);
  SMTPWB_CMP(verify_certificate);
  SMTPWB_CMP(ca_file);
  SMTPWB_CMP(allow_plaintext_auth);
  SMTPWB_CMP(proxy.type);
  SMTPWB_CMP(proxy.address);
  SMTPWB_CMP(proxy.port);
  SMTPWB_CMP(proxy.use_credentials);
  SMTPWB_CMP(proxy.domain);
  SMTPWB_CMP(proxy.username);
  SMTPWB_CMP(proxy.password);
  SMTPWB_CMP(proxy.resolve_via_proxy);
  SMTPWB_CMP(client_cert);
  SMTPWB_CMP(client_key);
  SMTPWB_CMP(client_key_password);
  SMTPWB_CMP(allow_ntlmv1);
#undef SMTPWB_CMP
  return {};
}

}  // namespace smtpwb::test

// Use as CHECK(SAME_SETTINGS(a, b)): on failure the message shows the first differing field.
#define SAME_SETTINGS(a, b) ::smtpwb::test::first_difference((a), (b)) == std::string()
