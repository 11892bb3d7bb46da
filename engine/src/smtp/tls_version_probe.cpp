#include "smtpwb/smtp/tls_version_probe.hpp"

#include "smtp/probe_connection.hpp"
#include "smtpwb/tls_wire.hpp"

namespace smtpwb {

namespace {

using Outcome = TlsProbeRow::Outcome;
using tls_wire::FirstAnswer;

std::uint16_t wire_version(TlsVersion v) {
  switch (v) {
    case TlsVersion::Ssl2: return 0x0002;
    case TlsVersion::Ssl3: return 0x0300;
    case TlsVersion::Tls10: return 0x0301;
    case TlsVersion::Tls11: return 0x0302;
    case TlsVersion::Tls12: return 0x0303;
    case TlsVersion::Tls13: return 0x0304;
  }
  return 0;
}

TlsProbeRow row(TlsVersion v, Outcome outcome, std::string detail, std::string cipher = {}) {
  return TlsProbeRow{v, outcome, std::move(cipher), std::move(detail)};
}

std::string answered_instead(int wire) {
  return "server answered with " + tls_wire::version_name(static_cast<std::uint16_t>(wire)) + " instead";
}

// Connects and, for STARTTLS, speaks the SMTP preamble; afterwards the next bytes are TLS.
smtp::ProbeConnection open(const ProbeTarget& t, net::Deadline deadline, const net::CancelFlag& cancel) {
  smtp::ProbeConnection c({t.route, t.port}, deadline, cancel);
  if (t.security == Security::StartTls) c.starttls(c.greet(t.route.ehlo_name));
  return c;
}

// TLS 1.2 / 1.3: a real handshake with mbedTLS pinned to the one version. The certificate is not the
// question here, so verification is reported by the session, not required.
TlsProbeRow probe_with_mbedtls(const ProbeTarget& t, TlsVersion v, const net::CancelFlag& cancel) {
  auto deadline = net::Deadline::in(t.timeout);
  auto c = open(t, deadline, cancel);
  auto config = net::probe_tls_config(t.route.host, t.route.client_certificate, TlsVersionSet{}.with(v));
  TlsFacts facts;
  try {
    c.stream().start_tls_client(config, deadline, facts);
  } catch (const net::TlsError& e) {
    if (e.server_version >= 0 && e.server_version != wire_version(v)) return row(v, Outcome::NotOffered, answered_instead(e.server_version));
    if (e.alert >= 0) return row(v, Outcome::NotOffered, tls_wire::alert_name(e.alert) + " alert");
    if (e.peer_closed) return row(v, Outcome::NotOffered, "connection closed");
    if (e.peer_spoke_plaintext) return row(v, Outcome::Error, "not TLS: the server answered \"" + e.plaintext_sample + "\"");
    return row(v, Outcome::Error, e.what());
  } catch (...) {
    smtp::rethrow_as_probe_failure(std::current_exception());
  }
  c.quit();
  return row(v, Outcome::Offered, {}, facts.cipher);
}

TlsProbeRow interpret(TlsVersion v, const FirstAnswer& a) {
  switch (a.kind) {
    case FirstAnswer::Kind::ServerHello:
      if (a.hello.version != wire_version(v)) return row(v, Outcome::NotOffered, answered_instead(a.hello.version));
      return row(v, Outcome::Offered, {}, tls_wire::cipher_suite_name(a.hello.cipher_suite));
    case FirstAnswer::Kind::Alert: return row(v, Outcome::NotOffered, tls_wire::alert_name(a.alert) + " alert");
    case FirstAnswer::Kind::Sslv2ServerHello:
      if (a.sslv2_ciphers.empty()) return row(v, Outcome::NotOffered, "no SSL 2 cipher in common");
      return row(v, Outcome::Offered, {}, tls_wire::sslv2_cipher_name(a.sslv2_ciphers.front()));
    case FirstAnswer::Kind::Sslv2Error: return row(v, Outcome::NotOffered, "SSL 2 error " + std::to_string(a.sslv2_error));
    case FirstAnswer::Kind::Plaintext: return row(v, Outcome::Error, "not TLS: the server answered \"" + a.text + "\"");
    case FirstAnswer::Kind::Malformed: return row(v, Outcome::Error, "unexpected answer: " + a.text);
    case FirstAnswer::Kind::Incomplete: break;
  }
  return row(v, Outcome::Error, "incomplete answer");
}

// SSL 2 / 3, TLS 1.0 / 1.1: send a hand-built hello and read only the server's first answer.
TlsProbeRow probe_by_hand(const ProbeTarget& t, TlsVersion v, const net::CancelFlag& cancel) {
  auto deadline = net::Deadline::in(t.timeout);
  auto c = open(t, deadline, cancel);
  bool sslv2 = v == TlsVersion::Ssl2;
  std::string bytes;
  try {
    c.stream().write_all(sslv2 ? tls_wire::build_sslv2_client_hello() : tls_wire::build_client_hello(wire_version(v), t.route.host),
                         deadline);
    char buf[4096];
    while (true) {
      auto answer = sslv2 ? tls_wire::parse_sslv2_answer(bytes) : tls_wire::parse_tls_answer(bytes);
      if (answer.kind != FirstAnswer::Kind::Incomplete) return interpret(v, answer);
      if (bytes.size() > 70000) return row(v, Outcome::Error, "unexpected answer: too long");
      std::size_t n = c.stream().read_some(buf, sizeof buf, deadline);
      if (n == 0) return row(v, Outcome::NotOffered, "connection closed");
      bytes.append(buf, n);
    }
  } catch (const net::NetError& e) {
    // A reset right after our hello is how some servers refuse a version they do not speak.
    if (e.kind == net::SocketFailure::Reset) return row(v, Outcome::NotOffered, "connection reset");
    throw smtp::ProbeFailure(e.what());
  } catch (...) {
    smtp::rethrow_as_probe_failure(std::current_exception());
  }
}

}  // namespace

bool TlsProbeRow::risk() const {
  return offered() && (version == TlsVersion::Ssl2 || version == TlsVersion::Ssl3 || version == TlsVersion::Tls10 ||
                       version == TlsVersion::Tls11);
}

ProbeTarget ProbeTarget::from(const ConnectionSettings& s) {
  ProbeTarget t;
  t.route = ProbeRoute::from(s);
  t.port = s.port;
  t.security = s.security;
  t.timeout = std::chrono::seconds(s.timeout_s);
  return t;
}

TlsProbeRow probe_tls_version(const ProbeTarget& target, TlsVersion v, const std::atomic<bool>& cancel) {
  try {
    return can_negotiate(v) ? probe_with_mbedtls(target, v, cancel) : probe_by_hand(target, v, cancel);
  } catch (const smtp::ProbeFailure& e) {
    return row(v, Outcome::Error, e.what());
  } catch (const net::Cancelled&) {
    return row(v, Outcome::Error, "cancelled");
  } catch (const std::exception& e) {
    return row(v, Outcome::Error, std::string("internal error: ") + e.what());
  }
}

}  // namespace smtpwb
