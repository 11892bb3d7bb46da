#include "smtp/client.hpp"

#include <algorithm>

#include "smtpwb/printable.hpp"

namespace smtpwb::smtp {

FailureCause cause_of(Breakdown b) {
  switch (b) {
    case Breakdown::Closed: return FailureCause::Closed;
    case Breakdown::Reset:
    case Breakdown::SendReset: return FailureCause::Reset;
    case Breakdown::NoReply: return FailureCause::NoReply;
    case Breakdown::SlowReply: return FailureCause::SlowReply;
    case Breakdown::Malformed: return FailureCause::Malformed;
    case Breakdown::Unsolicited: return FailureCause::Unsolicited;
    case Breakdown::SendTimeout: return FailureCause::None;
  }
  return FailureCause::None;
}

Client::Client(std::unique_ptr<net::Stream> stream, const net::CancelFlag& cancel, std::chrono::milliseconds timeout,
               std::optional<net::Deadline> fixed_deadline)
    : stream_(std::move(stream)), cancel_(cancel), timeout_(timeout), fixed_deadline_(fixed_deadline) {}

net::Deadline Client::deadline() const { return fixed_deadline_.value_or(net::Deadline::in(timeout_)); }

void Client::show(Dir dir, const std::string& line) {
  if (observer_) observer_(dir, line, stream_->tls());
}

Reply Client::command(const std::string& line, const std::string& display) {
  reject_unsolicited();
  send_line(line, display.empty() ? line : display);
  return read_reply();
}

// Bytes already waiting before a command is sent answer no command of ours: acting on them would put
// every later reply out of step with its command.
void Client::reject_unsolicited() {
  if (!parser_.buffered()) return;
  std::string unsolicited = parser_.take_buffered();
  std::string first_line = printable(unsolicited.substr(0, std::min(unsolicited.find_first_of("\r\n"), std::size_t{80})));
  show(Dir::Server, first_line);
  throw WireError(Breakdown::Unsolicited, "a reply to a command never sent", first_line);
}

void Client::send_line(const std::string& line, const std::string& display) { send_raw(line + "\r\n", display); }

void Client::send_raw(const std::string& bytes, const std::string& display, bool commands_allowed) {
  if (before_send_) before_send_(display, commands_allowed);
  write_now(bytes, display);
}

void Client::write_now(const std::string& bytes, const std::string& display) {
  show(Dir::Client, display);
  write_bytes(bytes);
}

void Client::write_bytes(const std::string& bytes) {
  try {
    stream_->write_all(bytes, deadline());
  } catch (const net::TimedOut& e) {
    throw WireError(Breakdown::SendTimeout, e.what());
  } catch (const net::NetError& e) {
    throw WireError(Breakdown::SendReset, e.what());
  }
}

Reply Client::read_reply() { return read_reply(deadline()); }

Reply Client::read_reply(net::Deadline until) {
  Reply reply;
  while (true) {
    auto status = parser_.next(reply);
    if (status == ReplyParser::Status::Complete) {
      for (const auto& line : parser_.raw_lines()) {
        if (cancel_.load()) throw net::Cancelled();
        show(Dir::Server, line);
      }
      return reply;
    }
    if (status == ReplyParser::Status::Malformed) throw WireError(Breakdown::Malformed, parser_.error(), parser_.take_buffered());
    auto no_reply = parser_.buffered() ? Breakdown::SlowReply : Breakdown::NoReply;
    if (until.passed()) throw WireError(no_reply, "no complete reply");  // also bounds a server that never stops sending
    char buf[16384];
    std::size_t n = 0;
    try {
      n = stream_->read_some(buf, sizeof buf, until);
    } catch (const net::TimedOut&) {
      throw WireError(no_reply, "no complete reply");
    } catch (const net::NetError& e) {
      throw WireError(Breakdown::Reset, e.what());
    }
    if (n == 0) throw WireError(Breakdown::Closed, "connection closed", {}, parser_.buffered());
    parser_.feed(std::string_view(buf, n));
  }
}

std::string Client::take_injected() { return parser_.take_buffered() + stream_->take_pending(); }

}  // namespace smtpwb::smtp
