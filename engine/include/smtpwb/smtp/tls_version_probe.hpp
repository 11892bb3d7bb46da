#pragma once
// One TLS version against one server: a fresh connection (with banner, EHLO and STARTTLS when explicit)
// and one handshake pinned to that version. TLS 1.2 and 1.3 are real mbedTLS handshakes; the older
// versions, which mbedTLS does not implement, are hand-built ClientHellos of which only the server's first
// answer is read (tls_wire.hpp). It sits in the SMTP layer because the session asks it which versions a
// server offers when they share none; "Probe TLS" (tls_probe.hpp) runs it for every version.
// Probes go through the connection's proxy, as the test does.
#include <atomic>
#include <chrono>
#include <string>

#include "smtpwb/net/stream.hpp"
#include "smtpwb/settings.hpp"
#include "smtpwb/smtp/probe_route.hpp"

namespace smtpwb {

struct ProbeTarget {
  ProbeRoute route;  // host, EHLO name, proxy, family, source address, client certificate: the test's
  int port = 0;
  Security security = Security::StartTls;    // StartTls or Implicit
  std::chrono::milliseconds timeout{10'000};  // per probe connection, all steps included
  static ProbeTarget from(const ConnectionSettings& settings);
};

struct TlsProbeRow {
  enum class Outcome { Offered, NotOffered, Error };
  TlsVersion version = TlsVersion::Tls12;
  Outcome outcome = Outcome::Error;
  std::string cipher;  // the suite the server picked when offered
  std::string detail;  // why not offered, or what went wrong ("protocol_version alert", "connection closed"...)
  bool offered() const { return outcome == Outcome::Offered; }
  // SSL 2/3 and TLS 1.0/1.1 are deprecated (RFC 8996); offering them is a risk.
  bool risk() const;
};

// Probes one version on the calling thread.
TlsProbeRow probe_tls_version(const ProbeTarget& target, TlsVersion version, const std::atomic<bool>& cancel);

}  // namespace smtpwb
