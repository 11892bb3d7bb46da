#include "smtp/probe_connection.hpp"

namespace smtpwb::smtp {

ProbeConnection::ProbeConnection(const std::string& host, int port, net::Deadline deadline, const net::CancelFlag& cancel)
    : cancel_(&cancel) {
  std::string last_error = "no address";
  try {
    for (const auto& address : net::resolve(host, port, deadline, cancel)) {
      try {
        stream_ = std::make_unique<net::Stream>(net::connect_tcp(address, deadline, cancel), cancel);
        return;
      } catch (const net::NetError& e) {
        last_error = e.what();
      }
    }
  } catch (...) {
    rethrow_as_probe_failure(std::current_exception());
  }
  throw ProbeFailure("cannot connect: " + last_error);
}

smtp::Reply ProbeConnection::read_reply(net::Deadline deadline) {
  smtp::Reply reply;
  while (true) {
    auto status = parser_.next(reply);
    if (status == smtp::ReplyParser::Status::Complete) return reply;
    if (status == smtp::ReplyParser::Status::Malformed) throw ProbeFailure("malformed SMTP reply: " + parser_.error());
    char buf[8192];
    std::size_t n = 0;
    try {
      n = stream_->read_some(buf, sizeof buf, deadline);
    } catch (...) {
      rethrow_as_probe_failure(std::current_exception());
    }
    if (n == 0) throw ProbeFailure("connection closed");
    parser_.feed(std::string_view(buf, n));
  }
}

smtp::Reply ProbeConnection::command(const std::string& line, net::Deadline deadline) {
  try {
    stream_->write_all(line + "\r\n", deadline);
  } catch (...) {
    rethrow_as_probe_failure(std::current_exception());
  }
  return read_reply(deadline);
}

smtp::Capabilities ProbeConnection::greet(const std::string& ehlo_name, net::Deadline deadline, std::string* banner) {
  auto greeting = read_reply(deadline);
  if (banner) *banner = greeting.first_line();
  if (greeting.code != 220) throw ProbeFailure("greeting " + greeting.first_line());
  return ehlo(ehlo_name, deadline);
}

smtp::Capabilities ProbeConnection::ehlo(const std::string& ehlo_name, net::Deadline deadline) {
  auto r = command("EHLO " + (ehlo_name.empty() ? address_literal() : ehlo_name), deadline);
  if (r.code != 250) throw ProbeFailure("EHLO refused: " + r.first_line());
  return smtp::Capabilities::from_ehlo(r, cancel_);
}

void ProbeConnection::starttls(const smtp::Capabilities& caps, net::Deadline deadline) {
  if (!caps.has("STARTTLS")) throw ProbeFailure("STARTTLS not offered");
  auto r = command("STARTTLS", deadline);
  if (r.code != 220) throw ProbeFailure("STARTTLS refused: " + r.first_line());
  parser_.take_buffered();  // injected bytes would only confuse the handshake reader
}

void ProbeConnection::quit() {
  try {
    stream_->write_all("QUIT\r\n", net::Deadline::in(std::chrono::milliseconds(200)));
  } catch (...) {
  }
  stream_->close_notify();
}

std::string ProbeConnection::address_literal() const { return "[" + net::local_address(stream_->fd()) + "]"; }

void rethrow_as_probe_failure(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const net::Cancelled&) {
    throw;
  } catch (const ProbeFailure&) {
    throw;
  } catch (const net::ResolveError& x) {
    throw ProbeFailure(std::string("cannot resolve: ") + x.what());
  } catch (const net::TimedOut&) {
    throw ProbeFailure("no answer (timeout)");
  } catch (const net::NetError& x) {
    throw ProbeFailure(x.what());
  }
}

}  // namespace smtpwb::smtp
