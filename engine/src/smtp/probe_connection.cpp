#include "smtp/probe_connection.hpp"

#include "smtp/connector.hpp"

namespace smtpwb::smtp {

ProbeConnection::ProbeConnection(const ProbeEndpoint& endpoint, net::Deadline deadline, const net::CancelFlag& cancel)
    : cancel_(&cancel) {
  ConnectionSettings where = endpoint.route.connector_settings(endpoint.port);
  where.timeout_s = static_cast<int>(std::max<long long>(1, deadline.remaining_ms() / 1000));
  SessionResult unrecorded;
  Recorder recorder(unrecorded);
  Connector connector(where, recorder, cancel);
  connector.bound_by(deadline);
  try {
    auto connection = connector.connect();
    local_address_ = connection.local_address;
    client_ = std::make_unique<Client>(std::move(connection.stream), cancel, std::chrono::milliseconds(0), deadline);
  } catch (const Failed& f) {
    throw ProbeFailure(f.failure.message);
  }
}

Reply ProbeConnection::read_reply() {
  try {
    return client_->read_reply();
  } catch (...) {
    rethrow_as_probe_failure(std::current_exception());
  }
}

Reply ProbeConnection::command(const std::string& line) {
  try {
    return client_->command(line);
  } catch (...) {
    rethrow_as_probe_failure(std::current_exception());
  }
}

Capabilities ProbeConnection::greet(const std::string& ehlo_name, std::string* banner) {
  auto greeting = read_reply();
  if (banner) *banner = greeting.first_line();
  if (greeting.code != 220) throw ProbeFailure("greeting " + greeting.first_line());
  return ehlo(ehlo_name);
}

Capabilities ProbeConnection::ehlo(const std::string& ehlo_name) {
  // An address literal is valid in EHLO without knowing our DNS name.
  auto r = command("EHLO " + (ehlo_name.empty() ? "[" + local_address_ + "]" : ehlo_name));
  if (r.code != 250) throw ProbeFailure("EHLO refused: " + r.first_line());
  return Capabilities::from_ehlo(r, cancel_);
}

void ProbeConnection::starttls(const Capabilities& caps) {
  if (!caps.has("STARTTLS")) throw ProbeFailure("STARTTLS not offered");
  auto r = command("STARTTLS");
  if (r.code != 220) throw ProbeFailure("STARTTLS refused: " + r.first_line());
  if (!client_->take_injected().empty()) throw ProbeFailure("bytes injected after \"220\" to STARTTLS, before the handshake");
}

void ProbeConnection::quit() {
  try {
    client_->stream().write_all("QUIT\r\n", net::Deadline::in(std::chrono::milliseconds(200)));
  } catch (...) {
  }
  client_->close();
}

void rethrow_as_probe_failure(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const net::Cancelled&) {
    throw;
  } catch (const ProbeFailure&) {
    throw;
  } catch (const WireError& x) {
    switch (x.kind) {
      case Breakdown::Closed: throw ProbeFailure("connection closed");
      case Breakdown::NoReply:
      case Breakdown::SlowReply:
      case Breakdown::SendTimeout: throw ProbeFailure("no answer (timeout)");
      case Breakdown::Malformed: throw ProbeFailure(std::string("malformed SMTP reply: ") + x.what());
      case Breakdown::Unsolicited: throw ProbeFailure("a reply to a command never sent: \"" + x.sample + "\"");
      case Breakdown::Reset:
      case Breakdown::SendReset: throw ProbeFailure(x.what());
    }
    throw ProbeFailure(x.what());
  } catch (const net::ResolveError& x) {
    throw ProbeFailure(std::string("cannot resolve: ") + x.what());
  } catch (const net::TimedOut&) {
    throw ProbeFailure("no answer (timeout)");
  } catch (const net::NetError& x) {
    throw ProbeFailure(x.what());
  }
}

}  // namespace smtpwb::smtp
