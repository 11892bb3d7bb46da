#pragma once
// Bounded, cancellable network primitives. Every wait is a poll() in short slices that checks the
// cancel flag, so Cancel takes effect within one slice and no wait outlives its deadline.
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace smtpwb::net {

using Clock = std::chrono::steady_clock;
inline constexpr std::chrono::milliseconds kSlice{20};

struct Deadline {
  Clock::time_point at;
  static Deadline in(std::chrono::milliseconds d) { return {Clock::now() + d}; }
  bool passed() const { return Clock::now() >= at; }
  int remaining_ms() const;
};

struct Cancelled : std::runtime_error {
  Cancelled() : std::runtime_error("cancelled") {}
};
struct TimedOut : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct NetError : std::runtime_error {  // reset, refused, closed...
  using std::runtime_error::runtime_error;
  int err = 0;
};
struct ResolveError : std::runtime_error {
  using std::runtime_error::runtime_error;
  bool not_found = false;  // the name does not exist (as opposed to a resolver failure)
};

using CancelFlag = std::atomic<bool>;

// Waits until fd is ready for events (POLLIN/POLLOUT). Throws TimedOut / Cancelled.
void wait_ready(int fd, short events, Deadline deadline, const CancelFlag& cancel, const char* what);

struct Address {
  sockaddr_storage storage{};
  socklen_t length = 0;
  std::string text;  // "192.0.2.1" or "2001:db8::1"
};

// Every A/AAAA of host (or the literal), in resolver order, bounded by the deadline and cancel.
std::vector<Address> resolve(const std::string& host, int port, Deadline deadline, const CancelFlag& cancel);

// RAII file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) { reset(); fd_ = o.fd_; o.fd_ = -1; }
    return *this;
  }
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

// Non-blocking TCP connect to one address. Throws NetError (err = errno) / TimedOut / Cancelled.
Fd connect_tcp(const Address& address, Deadline deadline, const CancelFlag& cancel);
std::string local_address(int fd);
// Acknowledge received data at once instead of up to 40 ms later. Servers that write a reply in
// several small pieces under Nagle (Postfix after a TLS 1.3 handshake: tickets, then the reply)
// otherwise stall until our delayed ACK. Linux clears the flag again, so it is set after each read.
void quick_ack(int fd);  // for the EHLO address literal

// A listening loopback socket on any free port (for the demo server and tests).
Fd listen_loopback(int& port_out);

// Bounded reads and writes on a connection: what the proxy handshake needs, so that it does not depend
// on the TLS layer's Stream (which implements this).
class Channel {
 public:
  virtual ~Channel() = default;
  virtual void write_all(std::string_view data, Deadline deadline) = 0;
  // Up to n bytes; 0 when the peer closed the connection. Throws TimedOut / Cancelled / NetError.
  virtual std::size_t read_some(char* buf, std::size_t n, Deadline deadline) = 0;
};

}  // namespace smtpwb::net
