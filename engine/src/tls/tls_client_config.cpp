#include "smtpwb/net/stream.hpp"

namespace smtpwb::net {

ClientCertificate ClientCertificate::from(const ConnectionSettings& s) {
  return {s.client_cert, s.client_key, s.client_key_password};
}

TlsClientConfig session_tls_config(const ConnectionSettings& s) {
  TlsClientConfig config;
  config.server_name = s.address;
  config.versions = s.tls_versions;
  config.verify = s.verify_certificate;
  config.ca_file = s.ca_file;
  config.client_certificate = ClientCertificate::from(s);
  return config;
}

TlsClientConfig probe_tls_config(const std::string& server_name, const ClientCertificate& certificate, TlsVersionSet versions) {
  TlsClientConfig config;
  config.server_name = server_name;
  config.versions = versions;
  config.verify = false;
  config.client_certificate = certificate;
  return config;
}

}  // namespace smtpwb::net
