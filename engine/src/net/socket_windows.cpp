// Sockets on Windows: Winsock 2 (started once per process), WSAPoll, WSAGetLastError, closesocket.
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mstcpip.h>
#include <windows.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>

#include "net/socket_os.hpp"
#include "smtpwb/platform.hpp"

namespace smtpwb::net {

static_assert(sizeof(sockaddr_storage) <= sizeof(Address::storage));

namespace {

// Every entry point that touches Winsock calls this first; WSACleanup is left to process exit.
void start_winsock() {
  static std::once_flag once;
  std::call_once(once, [] {
    WSADATA data;
    WSAStartup(MAKEWORD(2, 2), &data);
  });
}

SOCKET sock(SocketHandle s) { return static_cast<SOCKET>(s); }
SocketHandle handle(SOCKET s) { return s == INVALID_SOCKET ? kNoSocket : static_cast<SocketHandle>(s); }
const sockaddr* sockaddr_of(const Address& a) { return reinterpret_cast<const sockaddr*>(a.storage.data()); }

SocketFailure kind_of(int err) {
  switch (err) {
    case WSAECONNREFUSED: return SocketFailure::Refused;
    case WSAECONNRESET: return SocketFailure::Reset;
    case WSAEHOSTUNREACH: case WSAENETUNREACH: case WSAENETDOWN: case WSAEHOSTDOWN: return SocketFailure::Unreachable;
    case WSAETIMEDOUT: return SocketFailure::TimedOut;
    case WSAECONNABORTED: return SocketFailure::Aborted;
    default: return SocketFailure::Other;
  }
}

bool transient(int err) { return err == WSAEWOULDBLOCK || err == WSAEINTR || err == WSAEINPROGRESS; }

void make_non_blocking(SOCKET s) {
  u_long on = 1;
  ioctlsocket(s, FIONBIO, &on);
}

std::string address_text(const sockaddr* sa) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (sa->sa_family == AF_INET6) {
    in6_addr a = reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr;
    inet_ntop(AF_INET6, &a, buf, sizeof buf);
  } else {
    in_addr a = reinterpret_cast<const sockaddr_in*>(sa)->sin_addr;
    inet_ntop(AF_INET, &a, buf, sizeof buf);
  }
  return buf;
}

// The outcome of a non-blocking connect: WSAPoll does not report a refused connect on every Windows
// version, select() with the exception set does. 1 done (error in `error`, 0 = connected), 0 not yet.
int connect_finished(SOCKET s, int timeout_ms, int& error) {
  fd_set writable, failed;
  FD_ZERO(&writable);
  FD_ZERO(&failed);
  FD_SET(s, &writable);
  FD_SET(s, &failed);
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  int r = ::select(0, nullptr, &writable, &failed, &tv);
  if (r == SOCKET_ERROR) {
    error = WSAGetLastError();
    return 1;
  }
  if (r == 0) return 0;
  int err = 0;
  int len = sizeof err;
  ::getsockopt(s, SOL_SOCKET, SO_ERROR, reinterpret_cast<char*>(&err), &len);
  error = FD_ISSET(s, &failed) && err == 0 ? WSAECONNREFUSED : err;
  return 1;
}

}  // namespace

NetError socket_error(const std::string& prefix, int err) {
  NetError e(prefix + platform::error_text(err));
  e.err = err;
  e.kind = kind_of(err);
  return e;
}

void Fd::reset(SocketHandle fd) {
  if (fd_ != kNoSocket) ::closesocket(sock(fd_));
  fd_ = fd;
}

bool Address::is_ipv4() const { return sockaddr_of(*this)->sa_family == AF_INET; }

Address loopback_address(int port) {
  Address a;
  auto* sin = reinterpret_cast<sockaddr_in*>(a.storage.data());
  sin->sin_family = AF_INET;
  sin->sin_port = htons(static_cast<u_short>(port));
  sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.length = sizeof(sockaddr_in);
  a.text = "127.0.0.1";
  return a;
}

namespace os {

int poll_one(SocketHandle socket, Wait wait, int timeout_ms, int& error) {
  WSAPOLLFD p{sock(socket), static_cast<SHORT>(wait == Wait::Read ? POLLRDNORM : POLLWRNORM), 0};
  int r = ::WSAPoll(&p, 1, timeout_ms);
  if (r >= 0) return r > 0 ? 1 : 0;
  error = WSAGetLastError();
  if (error == WSAEINTR) return 0;
  return -1;
}

std::vector<Address> resolve_now(const std::string& host, int port) {
  start_winsock();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* result = nullptr;
  int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &result);
  if (rc != 0) {
    ResolveError e(platform::error_text(rc));  // getaddrinfo's codes are Winsock error numbers
    e.not_found = rc == WSAHOST_NOT_FOUND || rc == WSANO_DATA;
    throw e;
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owner(result, freeaddrinfo);
  std::vector<Address> out;
  for (addrinfo* ai = result; ai; ai = ai->ai_next) {
    Address a;
    std::memcpy(a.storage.data(), ai->ai_addr, ai->ai_addrlen);
    a.length = static_cast<std::uint32_t>(ai->ai_addrlen);
    a.text = address_text(ai->ai_addr);
    if (std::none_of(out.begin(), out.end(), [&](const Address& o) { return o.text == a.text; })) out.push_back(a);
  }
  return out;
}

}  // namespace os

std::vector<bool> readable(const std::vector<SocketHandle>& sockets, std::chrono::milliseconds timeout) {
  std::vector<WSAPOLLFD> fds;
  for (auto s : sockets) fds.push_back({sock(s), POLLRDNORM, 0});
  std::vector<bool> out(sockets.size(), false);
  if (::WSAPoll(fds.data(), static_cast<ULONG>(fds.size()), static_cast<INT>(timeout.count())) <= 0) return out;
  for (std::size_t i = 0; i < fds.size(); ++i) out[i] = (fds[i].revents & (POLLRDNORM | POLLERR | POLLHUP)) != 0;
  return out;
}

std::optional<Address> parse_ip_address(const std::string& text) {
  start_winsock();
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
  start_winsock();
  Fd fd(handle(::socket(sockaddr_of(address)->sa_family, SOCK_STREAM, IPPROTO_TCP)));
  if (!fd) throw socket_error("socket: ", WSAGetLastError());
  SetHandleInformation(reinterpret_cast<HANDLE>(sock(fd.get())), HANDLE_FLAG_INHERIT, 0);
  make_non_blocking(sock(fd.get()));
  set_no_delay(fd.get());
  if (local && ::bind(sock(fd.get()), sockaddr_of(*local), static_cast<int>(local->length)) != 0) {
    NetError base = socket_error("", WSAGetLastError());
    BindError e("cannot bind the local address " + local->text + ": " + base.what());
    e.err = base.err;
    throw e;
  }
  if (::connect(sock(fd.get()), sockaddr_of(address), static_cast<int>(address.length)) != 0) {
    int err = WSAGetLastError();
    if (err != WSAEWOULDBLOCK) throw socket_error("", err);
  }
  while (true) {
    if (cancel.load(std::memory_order_relaxed)) throw Cancelled();
    int left = deadline.remaining_ms();
    if (left <= 0) throw TimedOut("timed out connecting to " + address.text);
    int error = 0;
    if (connect_finished(sock(fd.get()), std::min<int>(left, static_cast<int>(kSlice.count())), error) == 0) continue;
    if (error != 0) throw socket_error("", error);
    return fd;
  }
}

void quick_ack(SocketHandle) {}

std::string local_address(SocketHandle socket) {
  sockaddr_storage ss{};
  int len = sizeof ss;
  if (::getsockname(sock(socket), reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {};
  std::string text = address_text(reinterpret_cast<sockaddr*>(&ss));
  return ss.ss_family == AF_INET6 ? "IPv6:" + text : text;
}

Fd listen_loopback(int& port_out) {
  start_winsock();
  Fd fd(handle(::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)));
  if (!fd) throw socket_error("socket: ", WSAGetLastError());
  SetHandleInformation(reinterpret_cast<HANDLE>(sock(fd.get())), HANDLE_FLAG_INHERIT, 0);
  make_non_blocking(sock(fd.get()));
  // Not SO_REUSEADDR: on Windows it lets another socket take a port in use. Exclusive use instead.
  BOOL one = TRUE;
  ::setsockopt(sock(fd.get()), SOL_SOCKET, SO_EXCLUSIVEADDRUSE, reinterpret_cast<const char*>(&one), sizeof one);
  Address a = loopback_address(port_out);
  if (::bind(sock(fd.get()), sockaddr_of(a), static_cast<int>(a.length)) != 0 || ::listen(sock(fd.get()), 64) != 0)
    throw socket_error("bind/listen: ", WSAGetLastError());
  sockaddr_in sa{};
  int len = sizeof sa;
  ::getsockname(sock(fd.get()), reinterpret_cast<sockaddr*>(&sa), &len);
  port_out = ntohs(sa.sin_port);
  return fd;
}

Fd accept_connection(SocketHandle listener, int* error) {
  SOCKET c = ::accept(sock(listener), nullptr, nullptr);
  if (c == INVALID_SOCKET) {
    int err = WSAGetLastError();
    if (error) *error = transient(err) || err == WSAECONNRESET || err == WSAECONNABORTED ? 0 : err;
    return Fd();
  }
  SetHandleInformation(reinterpret_cast<HANDLE>(c), HANDLE_FLAG_INHERIT, 0);
  make_non_blocking(c);
  return Fd(handle(c));
}

// No socketpair on Windows: a loopback listener, one connect, one accept.
std::pair<Fd, Fd> connected_pair() {
  int port = 0;
  Fd listener = listen_loopback(port);
  CancelFlag never{false};
  Fd first = connect_tcp(loopback_address(port), Deadline::in(std::chrono::seconds(5)), never);
  wait_ready(listener.get(), Wait::Read, Deadline::in(std::chrono::seconds(5)), never, "accepting the pair");
  Fd second = accept_connection(listener.get());
  if (!second) throw socket_error("accept: ", WSAGetLastError());
  u_long off = 0;  // the test's end blocks, as a socketpair's would
  ioctlsocket(sock(second.get()), FIONBIO, &off);
  return {std::move(first), std::move(second)};
}

Transfer send_some(SocketHandle socket, const void* data, std::size_t n) {
  int chunk = static_cast<int>(std::min<std::size_t>(n, 1u << 30));
  int sent = ::send(sock(socket), static_cast<const char*>(data), chunk, 0);
  if (sent != SOCKET_ERROR) return {sent, 0};
  int err = WSAGetLastError();
  return {-1, transient(err) ? 0 : err};
}

Transfer receive_some(SocketHandle socket, void* buffer, std::size_t n) {
  int chunk = static_cast<int>(std::min<std::size_t>(n, 1u << 30));
  int got = ::recv(sock(socket), static_cast<char*>(buffer), chunk, 0);
  if (got != SOCKET_ERROR) return {got, 0};
  int err = WSAGetLastError();
  return {-1, transient(err) ? 0 : err};
}

void set_no_delay(SocketHandle socket) {
  BOOL one = TRUE;
  ::setsockopt(sock(socket), IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<const char*>(&one), sizeof one);
}

void shutdown_send(SocketHandle socket) { ::shutdown(sock(socket), SD_SEND); }

void reset_on_close(SocketHandle socket) {
  linger no_linger{1, 0};
  ::setsockopt(sock(socket), SOL_SOCKET, SO_LINGER, reinterpret_cast<const char*>(&no_linger), sizeof no_linger);
}

Fd listen_tcp(Address address, int port) {
  start_winsock();
  auto* sa = reinterpret_cast<sockaddr*>(address.storage.data());
  if (sa->sa_family == AF_INET6) reinterpret_cast<sockaddr_in6*>(sa)->sin6_port = htons(static_cast<u_short>(port));
  else reinterpret_cast<sockaddr_in*>(sa)->sin_port = htons(static_cast<u_short>(port));
  Fd fd(handle(::socket(sa->sa_family, SOCK_STREAM, IPPROTO_TCP)));
  if (!fd) throw socket_error("", WSAGetLastError());
  SetHandleInformation(reinterpret_cast<HANDLE>(sock(fd.get())), HANDLE_FLAG_INHERIT, 0);
  make_non_blocking(sock(fd.get()));
  BOOL one = TRUE;
  ::setsockopt(sock(fd.get()), SOL_SOCKET, SO_EXCLUSIVEADDRUSE, reinterpret_cast<const char*>(&one), sizeof one);
  DWORD v6_only = 1;
  if (sa->sa_family == AF_INET6)
    ::setsockopt(sock(fd.get()), IPPROTO_IPV6, IPV6_V6ONLY, reinterpret_cast<const char*>(&v6_only), sizeof v6_only);
  if (::bind(sock(fd.get()), sa, static_cast<int>(address.length)) != 0 || ::listen(sock(fd.get()), SOMAXCONN) != 0)
    throw socket_error("", WSAGetLastError());
  return fd;
}

std::string bound_endpoint(SocketHandle socket) {
  sockaddr_storage ss{};
  int len = sizeof ss;
  if (::getsockname(sock(socket), reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {};
  const std::string host = address_text(reinterpret_cast<sockaddr*>(&ss));
  const std::string port = std::to_string(bound_port(socket));
  return ss.ss_family == AF_INET6 ? "[" + host + "]:" + port : host + ":" + port;
}

int bound_port(SocketHandle socket) {
  sockaddr_storage ss{};
  int len = sizeof ss;
  if (::getsockname(sock(socket), reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  return ss.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6&>(ss).sin6_port)
                                  : ntohs(reinterpret_cast<sockaddr_in&>(ss).sin_port);
}

bool wait_any(std::vector<PollEntry>& entries, std::chrono::milliseconds timeout) {
  std::vector<WSAPOLLFD> fds;
  for (auto& e : entries) fds.push_back({sock(e.socket), static_cast<SHORT>(e.wait == Wait::Read ? POLLRDNORM : POLLWRNORM), 0});
  int r = ::WSAPoll(fds.data(), static_cast<ULONG>(fds.size()), static_cast<INT>(timeout.count()));
  for (std::size_t i = 0; i < entries.size(); ++i) entries[i].ready = r > 0 && fds[i].revents != 0;
  return r > 0;
}

std::pair<Fd, Fd> wake_pair() {
  auto pair = connected_pair();
  make_non_blocking(sock(pair.second.get()));  // connected_pair leaves it blocking, for tests
  return pair;
}

}  // namespace smtpwb::net
