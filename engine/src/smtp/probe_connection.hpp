#pragma once
// One short-lived SMTP connection for the probes (TLS versions, port finder), on the session's own
// connector (so through the configured proxy) and client (the same reply reader, the same injection
// check after STARTTLS). Every wait is bounded by one deadline and the cancel flag; nothing is recorded.
#include <memory>
#include <stdexcept>
#include <string>

#include "smtp/client.hpp"
#include "smtp/recorder.hpp"
#include "smtpwb/net/stream.hpp"
#include "smtpwb/settings.hpp"
#include "smtpwb/smtp/capabilities.hpp"
#include "smtpwb/smtp/probe_route.hpp"

namespace smtpwb::smtp {

// A probe step that did not go as SMTP should; what() is a short phrase for a report cell.
struct ProbeFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Where a probe connects: one port of the server, reached by the test's route (its proxy, -4/-6, source address).
struct ProbeEndpoint {
  ProbeRoute route;
  int port = 0;
};

class ProbeConnection {
 public:
  // Resolves host and connects to the first address that answers. Throws ProbeFailure, net::Cancelled.
  ProbeConnection(const ProbeEndpoint& endpoint, net::Deadline deadline, const net::CancelFlag& cancel);

  Reply read_reply();
  Reply command(const std::string& line);
  // Banner (must be 220) and EHLO (must be 250); returns the capabilities.
  Capabilities greet(const std::string& ehlo_name, std::string* banner = nullptr);
  Capabilities ehlo(const std::string& ehlo_name);
  // STARTTLS, expecting 220; throws ProbeFailure when not offered or refused, or when the server sent
  // bytes before the handshake (the injection pattern).
  void starttls(const Capabilities& caps);
  void quit();  // best effort, short

  net::Stream& stream() { return client_->stream(); }

 private:
  const net::CancelFlag* cancel_;
  std::string local_address_;  // as the server sees it
  std::unique_ptr<Client> client_;
};

// Translates what the network layer or the client throws into a ProbeFailure phrase; rethrows Cancelled.
[[noreturn]] void rethrow_as_probe_failure(std::exception_ptr e);

}  // namespace smtpwb::smtp
