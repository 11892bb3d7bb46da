#pragma once
// One short-lived SMTP connection for the probes (TLS versions, port finder): connect, read replies with
// the engine's parser, speak EHLO and STARTTLS. Every wait is bounded by the deadline and the cancel flag.
// Probes ignore proxy settings: they connect directly.
#include <memory>
#include <stdexcept>
#include <string>

#include "smtpwb/net/stream.hpp"
#include "smtpwb/smtp/capabilities.hpp"
#include "smtpwb/smtp/reply.hpp"

namespace smtpwb::smtp {

// A probe step that did not go as SMTP should; what() is a short phrase for a report cell.
struct ProbeFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class ProbeConnection {
 public:
  // Resolves host and connects to the first address that answers. Throws ProbeFailure, net::Cancelled.
  ProbeConnection(const std::string& host, int port, net::Deadline deadline, const net::CancelFlag& cancel);

  smtp::Reply read_reply(net::Deadline deadline);
  smtp::Reply command(const std::string& line, net::Deadline deadline);
  // Banner (must be 220) and EHLO (must be 250); returns the capabilities.
  smtp::Capabilities greet(const std::string& ehlo_name, net::Deadline deadline, std::string* banner = nullptr);
  smtp::Capabilities ehlo(const std::string& ehlo_name, net::Deadline deadline);
  // STARTTLS, expecting 220; throws ProbeFailure when not offered or refused.
  void starttls(const smtp::Capabilities& caps, net::Deadline deadline);
  void quit();  // best effort, short

  // "[192.0.2.1]" for this connection's local address: valid in EHLO without knowing our DNS name.
  std::string address_literal() const;
  net::Stream& stream() { return *stream_; }

 private:
  const net::CancelFlag* cancel_;
  std::unique_ptr<net::Stream> stream_;
  smtp::ReplyParser parser_;
};

// Translates what the network layer throws into a ProbeFailure phrase; rethrows Cancelled.
[[noreturn]] void rethrow_as_probe_failure(std::exception_ptr e);

}  // namespace smtpwb::smtp
