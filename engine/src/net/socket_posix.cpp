// Sockets on Linux: BSD sockets, poll(), errno.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "net/socket_os.hpp"
#include "smtpwb/platform.hpp"

namespace smtpwb::net {

static_assert(sizeof(sockaddr_storage) <= sizeof(Address::storage));

namespace {
int fd_of(SocketHandle s) { return static_cast<int>(s); }
const sockaddr* sockaddr_of(const Address& a) { return reinterpret_cast<const sockaddr*>(a.storage.data()); }

SocketFailure kind_of(int err) {
  switch (err) {
    case ECONNREFUSED: return SocketFailure::Refused;
    case ECONNRESET: return SocketFailure::Reset;
    case EHOSTUNREACH: case ENETUNREACH: case ENETDOWN: case EHOSTDOWN: return SocketFailure::Unreachable;
    case ETIMEDOUT: return SocketFailure::TimedOut;
    case ECONNABORTED: return SocketFailure::Aborted;
    default: return SocketFailure::Other;
  }
}

bool transient(int err) { return err == EAGAIN || err == EWOULDBLOCK || err == EINTR; }

std::string address_text(const sockaddr* sa) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (sa->sa_family == AF_INET6) inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf);
  else inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
  return buf;
}
}  // namespace

NetError socket_error(const std::string& prefix, int err) {
  NetError e(prefix + std::strerror(err));
  e.err = err;
  e.kind = kind_of(err);
  return e;
}

void Fd::reset(SocketHandle fd) {
  if (fd_ != kNoSocket) ::close(fd_of(fd_));
  fd_ = fd;
}

bool Address::is_ipv4() const { return sockaddr_of(*this)->sa_family == AF_INET; }

Address loopback_address(int port) {
  Address a;
  auto* sin = reinterpret_cast<sockaddr_in*>(a.storage.data());
  sin->sin_family = AF_INET;
  sin->sin_port = htons(static_cast<uint16_t>(port));
  sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.length = sizeof(sockaddr_in);
  a.text = "127.0.0.1";
  return a;
}

namespace os {

int poll_one(SocketHandle socket, Wait wait, int timeout_ms, int& error) {
  pollfd p{fd_of(socket), static_cast<short>(wait == Wait::Read ? POLLIN : POLLOUT), 0};
  int r = ::poll(&p, 1, timeout_ms);
  if (r >= 0) return r > 0 ? 1 : 0;
  if (errno == EINTR) return 0;
  error = errno;
  return -1;
}

std::vector<Address> resolve_now(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* result = nullptr;
  int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &result);
  if (rc != 0) {
    ResolveError e(rc == EAI_SYSTEM ? std::string("system error during the lookup: ") + std::strerror(errno)
                                    : std::string(gai_strerror(rc)));
    e.not_found = rc == EAI_NONAME || rc == EAI_NODATA;
    throw e;
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owner(result, freeaddrinfo);
  std::vector<Address> out;
  for (addrinfo* ai = result; ai; ai = ai->ai_next) {
    Address a;
    std::memcpy(a.storage.data(), ai->ai_addr, ai->ai_addrlen);
    a.length = ai->ai_addrlen;
    a.text = address_text(ai->ai_addr);
    if (std::none_of(out.begin(), out.end(), [&](const Address& o) { return o.text == a.text; })) out.push_back(a);
  }
  return out;
}

}  // namespace os

std::vector<bool> readable(const std::vector<SocketHandle>& sockets, std::chrono::milliseconds timeout) {
  std::vector<pollfd> fds;
  for (auto s : sockets) fds.push_back({fd_of(s), POLLIN, 0});
  std::vector<bool> out(sockets.size(), false);
  if (::poll(fds.data(), fds.size(), static_cast<int>(timeout.count())) <= 0) return out;
  for (std::size_t i = 0; i < fds.size(); ++i) out[i] = (fds[i].revents & POLLIN) != 0;
  return out;
}

std::optional<Address> parse_ip_address(const std::string& text) {
  Address a;
  auto* sin = reinterpret_cast<sockaddr_in*>(a.storage.data());
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(a.storage.data());
  if (::inet_pton(AF_INET, text.c_str(), &sin->sin_addr) == 1) {
    sin->sin_family = AF_INET;
    a.length = sizeof(sockaddr_in);
  } else if (::inet_pton(AF_INET6, text.c_str(), &sin6->sin6_addr) == 1) {
    sin6->sin6_family = AF_INET6;
    a.length = sizeof(sockaddr_in6);
  } else {
    return std::nullopt;
  }
  a.text = address_text(sockaddr_of(a));
  return a;
}

Fd connect_tcp(const Address& address, Deadline deadline, const CancelFlag& cancel, const Address* local) {
  Fd fd(::socket(sockaddr_of(address)->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) throw socket_error("socket: ", errno);
  set_no_delay(fd.get());
  if (local && ::bind(fd_of(fd.get()), sockaddr_of(*local), local->length) != 0) {
    int err = errno;
    BindError e("cannot bind the local address " + local->text + ": " + std::strerror(err));
    e.err = err;
    throw e;
  }
  if (::connect(fd_of(fd.get()), sockaddr_of(address), address.length) != 0 && errno != EINPROGRESS)
    throw socket_error("", errno);
  wait_ready(fd.get(), Wait::Write, deadline, cancel, ("connecting to " + address.text).c_str());
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(fd_of(fd.get()), SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) throw socket_error("", err);
  return fd;
}

void quick_ack(SocketHandle socket) {
  int one = 1;
  ::setsockopt(fd_of(socket), IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
}

std::string local_address(SocketHandle socket) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd_of(socket), reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {};
  std::string text = address_text(reinterpret_cast<sockaddr*>(&ss));
  return ss.ss_family == AF_INET6 ? "IPv6:" + text : text;
}

Fd listen_loopback(int& port_out) {
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) throw socket_error("socket: ", errno);
  int one = 1;
  ::setsockopt(fd_of(fd.get()), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  Address a = loopback_address(port_out);
  if (::bind(fd_of(fd.get()), sockaddr_of(a), a.length) != 0 || ::listen(fd_of(fd.get()), 64) != 0)
    throw socket_error("bind/listen: ", errno);
  sockaddr_in sa{};
  socklen_t len = sizeof sa;
  ::getsockname(fd_of(fd.get()), reinterpret_cast<sockaddr*>(&sa), &len);
  port_out = ntohs(sa.sin_port);
  return fd;
}

Fd accept_connection(SocketHandle listener, int* error) {
  int c = ::accept4(fd_of(listener), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (c < 0 && error) *error = transient(errno) || errno == ECONNABORTED ? 0 : errno;
  return Fd(c < 0 ? kNoSocket : c);
}

std::pair<Fd, Fd> connected_pair() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) throw socket_error("socketpair: ", errno);
  ::fcntl(fds[0], F_SETFL, ::fcntl(fds[0], F_GETFL) | O_NONBLOCK);
  return {Fd(fds[0]), Fd(fds[1])};
}

Transfer send_some(SocketHandle socket, const void* data, std::size_t n) {
  ssize_t sent = ::send(fd_of(socket), data, n, MSG_NOSIGNAL);
  if (sent >= 0) return {sent, 0};
  return {-1, transient(errno) ? 0 : errno};
}

Transfer receive_some(SocketHandle socket, void* buffer, std::size_t n) {
  ssize_t got = ::recv(fd_of(socket), buffer, n, MSG_DONTWAIT);
  if (got >= 0) return {got, 0};
  return {-1, transient(errno) ? 0 : errno};
}

void set_no_delay(SocketHandle socket) {
  int one = 1;
  ::setsockopt(fd_of(socket), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

void shutdown_send(SocketHandle socket) { ::shutdown(fd_of(socket), SHUT_WR); }

void reset_on_close(SocketHandle socket) {
  linger no_linger{1, 0};
  ::setsockopt(fd_of(socket), SOL_SOCKET, SO_LINGER, &no_linger, sizeof no_linger);
}

Fd listen_tcp(Address address, int port) {
  auto* sa = reinterpret_cast<sockaddr*>(address.storage.data());
  if (sa->sa_family == AF_INET6) reinterpret_cast<sockaddr_in6*>(sa)->sin6_port = htons(static_cast<uint16_t>(port));
  else reinterpret_cast<sockaddr_in*>(sa)->sin_port = htons(static_cast<uint16_t>(port));
  Fd fd(::socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) throw socket_error("", errno);
  int one = 1;
  ::setsockopt(fd_of(fd.get()), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (sa->sa_family == AF_INET6) ::setsockopt(fd_of(fd.get()), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (::bind(fd_of(fd.get()), sa, address.length) != 0 || ::listen(fd_of(fd.get()), SOMAXCONN) != 0)
    throw socket_error("", errno);
  return fd;
}

std::string bound_endpoint(SocketHandle socket) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd_of(socket), reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {};
  const std::string host = address_text(reinterpret_cast<sockaddr*>(&ss));
  const std::string port = std::to_string(bound_port(socket));
  return ss.ss_family == AF_INET6 ? "[" + host + "]:" + port : host + ":" + port;
}

int bound_port(SocketHandle socket) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd_of(socket), reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  return ss.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6&>(ss).sin6_port)
                                  : ntohs(reinterpret_cast<sockaddr_in&>(ss).sin_port);
}

bool wait_any(std::vector<PollEntry>& entries, std::chrono::milliseconds timeout) {
  std::vector<pollfd> fds;
  for (auto& e : entries) fds.push_back({fd_of(e.socket), static_cast<short>(e.wait == Wait::Read ? POLLIN : POLLOUT), 0});
  int r = ::poll(fds.data(), fds.size(), static_cast<int>(timeout.count()));
  for (std::size_t i = 0; i < entries.size(); ++i) entries[i].ready = r > 0 && fds[i].revents != 0;
  return r > 0;
}

std::pair<Fd, Fd> wake_pair() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) throw socket_error("socketpair: ", errno);
  return {Fd(fds[0]), Fd(fds[1])};
}

}  // namespace smtpwb::net
