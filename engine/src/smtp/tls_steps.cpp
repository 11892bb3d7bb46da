#include "smtp/dialogue.hpp"
#include "smtpwb/smtp/tls_version_probe.hpp"
#include "text.hpp"

namespace smtpwb::smtp {

using text::join;

void check_tls_versions(Dialogue& d) {
  if (!d.s.encrypted()) return;
  TlsVersionSet offered;
  std::vector<std::string> unsupported;
  for (auto v : d.s.tls_versions.list()) {
    if (can_negotiate(v)) offered = offered.with(v);
    else unsupported.emplace_back(display_name(v));
  }
  if (offered.empty()) {
    d.res.tls.version_refused_by = RefusedBy::Client;
    d.rec.fail(FailureCategory::Tls, "This build negotiates only TLS 1.2 and TLS 1.3 (mbedTLS 3.6), and the allowed versions (" +
                                         display_names(d.s.tls_versions) +
                                         ") include neither. Allow TLS 1.2 or 1.3; the range is never widened silently.");
  }
  if (!unsupported.empty())
    d.rec.info("Allowed " + join(unsupported) + " cannot be negotiated by this build; offering only " + display_names(offered));
}

namespace {

void report_chain(Dialogue& d) {
  const auto& tls = d.res.tls;
  for (const auto& c : tls.chain)
    d.rec.tls_info("Certificate " + std::to_string(c.depth) + ": " + c.subject + " (issuer: " + c.issuer + ", " + c.key_type +
                   " " + std::to_string(c.key_bits) + " bits, valid " + c.not_before + " to " + c.not_after +
                   (c.days_left < 0 ? ", EXPIRED" : ", " + std::to_string(c.days_left) + " days left") + ")");
  if (!tls.chain.empty())
    d.rec.tls_info(tls.san_match.empty() ? "No subjectAltName of the certificate matches " + tls.sni
                                         : "The name " + tls.sni + " matches the certificate's " + tls.san_match);
  if (tls.verified) d.rec.tls_info("Certificate verified for " + tls.sni);
  else if (!tls.verify_errors.empty())
    d.rec.emit(tls.verification_enabled ? Dir::Error : Dir::Tls, "Certificate NOT verified: " + join(tls.verify_errors, "; "));
}

// Whether the server asked for a client certificate, whose CA names it accepts, and what we sent.
void report_client_certificate(Dialogue& d) {
  const auto& tls = d.res.tls;
  if (!tls.client_certificate_requested) {
    if (!d.s.client_cert.empty()) d.rec.tls_info("The server did not ask for a client certificate; ours was not sent");
    return;
  }
  d.rec.tls_info("The server asked for a client certificate" +
                 (tls.client_certificate_ca_names.empty() ? std::string(" (it names no accepted CAs)")
                                                          : ", issued by one of: " + join(tls.client_certificate_ca_names, "; ")));
  d.rec.tls_info(tls.client_certificate_sent.empty() ? std::string("No client certificate sent (none configured)")
                                                     : "Client certificate sent: " + tls.client_certificate_sent);
}

// The server refused every version allowed here: ask which of the other versions it offers (one fresh
// connection each, through the same proxy: an mbedTLS handshake for TLS 1.2/1.3, a hand-built ClientHello
// for older ones, of which only the first answer is read), so the report names them instead of leaving
// the user to guess.
std::string name_server_versions(Dialogue& d) {
  ProbeTarget target = ProbeTarget::from(d.s);
  // The server answered the handshake a moment ago; a probe that stalls must not hold the failure long.
  target.timeout = std::min<std::chrono::milliseconds>(target.timeout, std::chrono::seconds(5));
  TlsVersionSet others;
  bool negotiable = false;  // the server offers a version this build could use if the settings allowed it
  auto& offered = d.res.tls.server_versions;
  for (auto v : kAllTlsVersions) {
    if (d.s.tls_versions.contains(v) || d.cancel.load()) continue;
    others = others.with(v);
    if (!probe_tls_version(target, v, d.cancel).offered()) continue;
    offered.emplace_back(display_name(v));
    negotiable = negotiable || can_negotiate(v);
  }
  std::string text;
  if (offered.empty())
    text = "Probed " + display_names(others) + " too: the server offers none of them";
  else
    text = "Probed: the server offers " + join(offered) +
           (negotiable ? "; allow it to connect" : ", which this build cannot negotiate (mbedTLS implements TLS 1.2 and 1.3 only)");
  d.rec.tls_info(text);
  return text;
}

[[noreturn]] void fail_handshake(Dialogue& d, const net::TlsError& e) {
  report_chain(d);
  std::string message = e.what();
  d.res.tls.plaintext_answer = e.peer_spoke_plaintext;
  if (e.no_common_version) d.res.tls.version_refused_by = e.server_refused_version ? RefusedBy::Server : RefusedBy::Client;
  if (e.peer_spoke_plaintext) {
    d.note_foreign_protocol(e.plaintext_sample);
    d.rec.fail(FailureCategory::Tls, "The server answered in plain text (\"" + e.plaintext_sample +
                                         "\") instead of TLS: this port does not use implicit TLS; use STARTTLS (explicit) or No encryption");
  }
  if (e.no_common_version)
    d.rec.fail(FailureCategory::Tls, message + ". The server and this client share no TLS version (this client allows " +
                                         display_names(d.s.tls_versions) + ")" +
                                         (e.server_refused_version ? ". " + name_server_versions(d) : ""));
  if (e.peer_closed || e.connection_lost)
    d.rec.fail_because(e.peer_closed ? FailureCause::Closed : FailureCause::Reset, FailureCategory::Tls,
                       std::string(e.peer_closed ? "The server closed the connection during the TLS handshake ("
                                                 : "The connection was lost during the TLS handshake (") + message + ")");
  d.rec.fail(FailureCategory::Tls, message);
}

}  // namespace

void tls_handshake(Dialogue& d) {
  d.rec.begin_phase(Phase::TlsHandshake);
  net::TlsClientConfig config = net::session_tls_config(d.s);
  config.extra_ca_file = d.opt.extra_ca_file;
  if (!config.client_certificate.cert.empty())
    d.rec.tls_info("Client certificate " + config.client_certificate.cert + " (offered when the server asks)");
  d.rec.tls_info("Starting TLS (" + display_names(d.s.tls_versions) + "), server name " + config.server_name +
                 (config.verify ? "" : ", certificate verification OFF"));
  auto& tls = d.res.tls;
  try {
    d.client->stream().start_tls_client(config, d.deadline(), tls);
  } catch (const net::TrustStoreError& e) {
    d.rec.fail(FailureCategory::Config, e.what());
  } catch (const net::ClientCertificateError& e) {
    d.rec.fail(FailureCategory::Config, e.what());
  } catch (const net::CertificateError&) {
    report_chain(d);
    d.rec.fail(FailureCategory::Certificate, "The server's certificate is not trusted: " + join(tls.verify_errors, "; "));
  } catch (const net::TlsError& e) {
    report_client_certificate(d);
    fail_handshake(d, e);
  } catch (const net::NetError& e) {
    d.rec.fail_because(FailureCause::Reset, FailureCategory::Tls, std::string("The connection failed during the TLS handshake: ") + e.what());
  } catch (const net::TimedOut&) {
    d.rec.fail(FailureCategory::Timeout, "The TLS handshake did not finish within " + std::to_string(d.s.timeout_s) +
                                             " s (does this port speak TLS? port 465 uses implicit TLS, 587 and 25 STARTTLS)");
  }
  d.rec.tls_info("TLS established: " + tls.version + ", cipher " + tls.cipher + (tls.group.empty() ? "" : ", group " + tls.group));
  report_chain(d);
  report_client_certificate(d);
}

}  // namespace smtpwb::smtp
