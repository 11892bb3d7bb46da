#pragma once
// How a probe (TLS versions, port finder, plain-text probe) reaches the server the way the test does: the
// server's name, the EHLO name, the proxy, the address family, the source address and the client
// certificate. One struct, filled in one place, so that a connection field added later reaches every probe:
// a probe that forgot one (the client certificate, once) reported a wrong verdict.
#include <string>

#include "smtpwb/net/stream.hpp"
#include "smtpwb/settings.hpp"

namespace smtpwb {

struct ProbeRoute {
  std::string host;
  std::string ehlo_name;                              // empty: an address literal
  ProxySettings proxy;                                // the test's proxy, which every probe connection goes through
  AddressFamily address_family = AddressFamily::Any;  // the test's -4/-6
  std::string local_address;                          // the test's source address
  // The test's client certificate: a server that requires one refuses the TLS handshakes without it.
  net::ClientCertificate client_certificate;

  static ProbeRoute from(const ConnectionSettings& settings);
  // The settings a probe's connector needs to reach port through this route (the TLS and EHLO parts are the
  // probe's own steps); timeout_s stays the default, the probe sets its own.
  ConnectionSettings connector_settings(int port) const;
};

}  // namespace smtpwb
