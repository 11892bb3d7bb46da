#include "smtpwb/plaintext_probe.hpp"

#include "smtp/probe_connection.hpp"

namespace smtpwb {

namespace {

void run_probe(const ConnectionSettings& s, const std::string& sender, const std::atomic<bool>& cancel,
               PlaintextProbeFacts& out) {
  smtp::ProbeEndpoint endpoint{ProbeRoute::from(s), s.port};
  smtp::ProbeConnection c(endpoint, net::Deadline::in(std::chrono::seconds(s.timeout_s)), cancel);
  auto caps = c.greet(s.ehlo_name);
  out.auth_mechanisms = caps.auth_mechanisms();
  out.auth_advertised = caps.has("AUTH");
  auto reply = c.command("MAIL FROM:<" + sender + ">");
  out.mail_accepted = reply.code == 250;
  out.mail_reply = reply.first_line();
  if (out.mail_accepted) c.command("RSET");  // the transaction goes no further
  c.quit();
}

}  // namespace

std::string plaintext_probe_sender(const ConnectionSettings& settings, const TestRequest& request) {
  if (request.message && !request.message->from.empty()) return request.message->from;
  const std::string& host = settings.address;
  if (!is_valid_hostname(host) || is_ip_literal(host)) return "postmaster@example.com";
  auto dot = host.find('.');
  // mail.example.com -> example.com; a name of two labels is the domain itself.
  bool has_parent = dot != std::string::npos && host.find('.', dot + 1) != std::string::npos;
  return "postmaster@" + (has_parent ? host.substr(dot + 1) : host);
}

PlaintextProbeFacts probe_plaintext(const ConnectionSettings& settings, const std::string& sender,
                                    const std::atomic<bool>& cancel) {
  PlaintextProbeFacts out;
  out.sender = sender;
  try {
    run_probe(settings, sender, cancel, out);
  } catch (const net::Cancelled&) {
    out.error = "cancelled";
  } catch (const smtp::ProbeFailure& e) {
    out.error = e.what();
  } catch (const std::exception& e) {
    try {
      smtp::rethrow_as_probe_failure(std::current_exception());
    } catch (const smtp::ProbeFailure& f) {
      out.error = f.what();
    } catch (...) {
      out.error = std::string("internal error: ") + e.what();
    }
  }
  return out;
}

}  // namespace smtpwb
