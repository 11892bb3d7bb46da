#pragma once
// Bounded, cancellable network primitives. Every wait is a poll() in short slices that checks the
// cancel flag, so Cancel takes effect within one slice and no wait outlives its deadline.
// The socket calls are the OS's (net/socket_posix.cpp, net/socket_windows.cpp: Winsock); nothing here
// names an OS type, so callers need no #ifdef.
#include <array>
#include <atomic>
#include <chrono>
#include <optional>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
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
// A socket's handle: an int on Linux, a SOCKET on Windows. kNoSocket when there is none.
using SocketHandle = std::intptr_t;
inline constexpr SocketHandle kNoSocket = -1;

// What a socket error means, the same on every OS.
enum class SocketFailure { Other, Refused, Reset, Unreachable, TimedOut, Aborted };

struct NetError : std::runtime_error {  // reset, refused, closed...
  using std::runtime_error::runtime_error;
  int err = 0;  // the OS's error number: errno on Linux, WSAGetLastError() on Windows
  SocketFailure kind = SocketFailure::Other;
};
// A NetError for the OS error `err`: prefix + the OS's words for it, and its kind.
NetError socket_error(const std::string& prefix, int err);
struct ResolveError : std::runtime_error {
  using std::runtime_error::runtime_error;
  bool not_found = false;  // the name does not exist (as opposed to a resolver failure)
};

using CancelFlag = std::atomic<bool>;

enum class Wait { Read, Write };
// Waits until the socket is ready to read or write (or has an error the next call reports).
// Throws TimedOut / Cancelled, NetError when the wait itself fails.
void wait_ready(SocketHandle socket, Wait wait, Deadline deadline, const CancelFlag& cancel, const char* what);
// Waits up to `timeout` for any of the sockets to become readable; which ones are (none on timeout).
std::vector<bool> readable(const std::vector<SocketHandle>& sockets, std::chrono::milliseconds timeout);

struct Address {
  alignas(8) std::array<unsigned char, 128> storage{};  // the OS's sockaddr_storage
  std::uint32_t length = 0;
  std::string text;  // "192.0.2.1" or "2001:db8::1"
  bool is_ipv4() const;
};
// 127.0.0.1:port.
Address loopback_address(int port);

// Every A/AAAA of host (or the literal), in resolver order, bounded by the deadline and cancel.
std::vector<Address> resolve(const std::string& host, int port, Deadline deadline, const CancelFlag& cancel);

// RAII socket (the name is older than Windows support: on Linux a socket is a file descriptor).
class Fd {
 public:
  Fd() = default;
  explicit Fd(SocketHandle fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = kNoSocket; }
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) { reset(); fd_ = o.fd_; o.fd_ = kNoSocket; }
    return *this;
  }
  SocketHandle get() const { return fd_; }
  explicit operator bool() const { return fd_ != kNoSocket; }
  void reset(SocketHandle fd = kNoSocket);

 private:
  SocketHandle fd_ = kNoSocket;
};

// The source address could not be bound (not assigned to this machine, wrong family, in use).
struct BindError : NetError {
  using NetError::NetError;
};

// Non-blocking TCP connect to one address, from `local` (port 0) when given. Throws NetError (err = the
// OS's error; BindError when binding `local` failed) / TimedOut / Cancelled.
Fd connect_tcp(const Address& address, Deadline deadline, const CancelFlag& cancel, const Address* local = nullptr);
// An IP literal ("192.0.2.1", "2001:db8::1") as an address with port 0; nullopt for anything else.
std::optional<Address> parse_ip_address(const std::string& text);
std::string local_address(SocketHandle socket);  // for the EHLO address literal
// Acknowledge received data at once instead of up to 40 ms later. Servers that write a reply in
// several small pieces under Nagle (Postfix after a TLS 1.3 handshake: tickets, then the reply)
// otherwise stall until our delayed ACK. Linux clears the flag again, so it is set after each read.
// (Windows has no such flag per read: nothing.)
void quick_ack(SocketHandle socket);

// A listening loopback socket on any free port (for the demo server and tests).
Fd listen_loopback(int& port_out);
// The next connection waiting on a listening socket, non-blocking; empty when none is waiting.
// `error` (if given) is the OS's error when accepting failed for another reason than that.
Fd accept_connection(SocketHandle listener, int* error = nullptr);
// Two connected stream sockets (a socketpair on Linux, a loopback connection on Windows), for tests.
std::pair<Fd, Fd> connected_pair();

// For servers (the exporter's listener). A non-blocking listening socket on `address` at `port` (0: any
// free one). An IPv6 address listens on IPv6 only. On Linux SO_REUSEADDR lets a restart bind while old
// connections linger; on Windows that option would let another program take the port, so it is used
// exclusively (SO_EXCLUSIVEADDRUSE). Throws NetError.
Fd listen_tcp(Address address, int port);
// The address a socket is bound to with its port ("127.0.0.1:9125", "[::1]:9125"), and the port alone.
std::string bound_endpoint(SocketHandle socket);
int bound_port(SocketHandle socket);
// One wait on many sockets (poll, WSAPoll). After it, `ready` tells which can be read or written now, or
// have an error or hang-up that the next call reports. False when none is (timeout, a signal).
struct PollEntry {
  SocketHandle socket = kNoSocket;
  Wait wait = Wait::Read;
  bool ready = false;
};
bool wait_any(std::vector<PollEntry>& entries, std::chrono::milliseconds timeout);
// Two connected sockets, both non-blocking, to wake a thread in wait_any on the first from another
// thread (on Linux also from a signal handler): send a byte on the second. A full buffer is awake enough.
std::pair<Fd, Fd> wake_pair();

// One non-blocking transfer: what the socket takes or has now. Never raises SIGPIPE.
struct Transfer {
  std::ptrdiff_t bytes = 0;  // >= 0: bytes moved (a receive of 0: the peer closed)
  int error = 0;             // when bytes < 0: 0 = nothing now (wait_ready, then again), else the OS's error
  bool again() const { return bytes < 0 && error == 0; }
  bool failed() const { return bytes < 0 && error != 0; }
};
Transfer send_some(SocketHandle socket, const void* data, std::size_t n);
Transfer receive_some(SocketHandle socket, void* buffer, std::size_t n);

void set_no_delay(SocketHandle socket);    // Nagle off
void shutdown_send(SocketHandle socket);   // FIN after what was sent
void reset_on_close(SocketHandle socket);  // closing sends RST instead of FIN (SO_LINGER 0)

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
