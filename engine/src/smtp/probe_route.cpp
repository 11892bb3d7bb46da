#include "smtpwb/smtp/probe_route.hpp"

namespace smtpwb {

ProbeRoute ProbeRoute::from(const ConnectionSettings& s) {
  ProbeRoute r;
  r.host = s.address;
  r.ehlo_name = s.ehlo_name;
  r.proxy = s.proxy;
  r.address_family = s.address_family;
  r.local_address = s.local_address;
  r.client_certificate = net::ClientCertificate::from(s);
  return r;
}

ConnectionSettings ProbeRoute::connector_settings(int port) const {
  ConnectionSettings where;
  where.address = host;
  where.port = port;
  where.proxy = proxy;
  where.address_family = address_family;
  where.local_address = local_address;
  return where;
}

}  // namespace smtpwb
