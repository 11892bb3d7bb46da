#pragma once
// One SMTP connection's wire, shared by the session's dialogue and every probe: it writes commands and
// reads replies with the engine's parser, each wait bounded by a deadline and the cancel flag. What it
// sends and receives goes to an observer (the transcript); how the wire broke is a typed WireError.
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "smtpwb/event.hpp"
#include "smtpwb/result.hpp"
#include "smtpwb/net/stream.hpp"
#include "smtpwb/smtp/reply.hpp"

namespace smtpwb::smtp {

// How the wire broke when no reply explains it.
enum class Breakdown {
  Closed,       // the server closed the connection
  Reset,        // the connection was lost (reset, or another socket error) while reading
  NoReply,      // nothing within the deadline
  SlowReply,    // part of a reply, not the rest, within the deadline
  Malformed,    // not SMTP reply syntax
  Unsolicited,  // bytes that answer no command of ours
  SendTimeout,  // writing did not finish within the deadline
  SendReset,    // the connection was lost while writing
};
// Failure::cause for it (None for SendTimeout: the category says it).
FailureCause cause_of(Breakdown b);

struct WireError : std::runtime_error {
  WireError(Breakdown kind, std::string detail, std::string sample = {}, bool mid_reply = false)
      : std::runtime_error(detail), kind(kind), sample(std::move(sample)), mid_reply(mid_reply) {}
  Breakdown kind;
  std::string sample;      // Malformed: the bytes received; Unsolicited: their first line, printable
  bool mid_reply = false;  // Closed: in the middle of a reply
};

class Client {
 public:
  using LineObserver = std::function<void(Dir dir, const std::string& line, bool in_tls)>;
  // Called before anything is written, with what the transcript will show (step mode waits there).
  using BeforeSend = std::function<void(const std::string& display, bool commands_allowed)>;

  // Each read or write gets `timeout` from its start, unless a fixed deadline bounds the whole connection.
  Client(std::unique_ptr<net::Stream> stream, const net::CancelFlag& cancel, std::chrono::milliseconds timeout,
         std::optional<net::Deadline> fixed_deadline = std::nullopt);

  void observe(LineObserver observer) { observer_ = std::move(observer); }
  void gate(BeforeSend before_send) { before_send_ = std::move(before_send); }

  // Refuses bytes already waiting (an unsolicited reply), sends the line, reads its reply.
  Reply command(const std::string& line, const std::string& display = {});
  // The deadline bounds the whole reply, not each byte, so a trickling server cannot hold us forever.
  Reply read_reply();
  Reply read_reply(net::Deadline until);
  void send_line(const std::string& line, const std::string& display);
  void send_raw(const std::string& bytes, const std::string& display, bool commands_allowed = true);
  // Shows the line and writes it, without the step gate (the gate's own typed commands go this way).
  void write_now(const std::string& bytes, const std::string& display);
  void write_bytes(const std::string& bytes);  // shows nothing: the caller has shown what it sends

  bool buffered() const { return parser_.buffered(); }
  // After "220" to STARTTLS: every byte received but not yet read, which must not reach the handshake.
  std::string take_injected();
  std::string take_buffered() { return parser_.take_buffered(); }

  net::Stream& stream() { return *stream_; }
  bool tls() const { return stream_->tls(); }
  void close() { stream_->close_notify(); }
  net::Deadline deadline() const;

 private:
  void reject_unsolicited();
  void show(Dir dir, const std::string& line);

  std::unique_ptr<net::Stream> stream_;
  const net::CancelFlag& cancel_;
  std::chrono::milliseconds timeout_;
  std::optional<net::Deadline> fixed_deadline_;
  ReplyParser parser_;
  LineObserver observer_;
  BeforeSend before_send_;
};

}  // namespace smtpwb::smtp
