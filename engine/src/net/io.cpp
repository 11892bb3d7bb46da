#include "smtpwb/net/io.hpp"

#include "net/background.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <thread>

namespace smtpwb::net {

int Deadline::remaining_ms() const {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(at - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(std::min<long long>(left, 1 << 30));
}

void Fd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

void wait_ready(int fd, short events, Deadline deadline, const CancelFlag& cancel, const char* what) {
  while (true) {
    if (cancel.load(std::memory_order_relaxed)) throw Cancelled();
    int left = deadline.remaining_ms();
    if (left <= 0) throw TimedOut(std::string("timed out ") + what);
    pollfd p{fd, events, 0};
    int r = ::poll(&p, 1, std::min<int>(left, static_cast<int>(kSlice.count())));
    if (r > 0) return;  // ready, or an error condition the next I/O call will report
    if (r < 0 && errno != EINTR) {
      NetError e(std::string("poll failed: ") + std::strerror(errno));
      e.err = errno;
      throw e;
    }
  }
}

// An IP literal in its usual form needs no resolver (nor the resolver's helper thread).
static std::optional<Address> literal_address(const std::string& host, int port) {
  Address a;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
  if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<std::uint16_t>(port));
    a.length = sizeof(sockaddr_in);
  } else if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<std::uint16_t>(port));
    a.length = sizeof(sockaddr_in6);
  } else {
    return std::nullopt;
  }
  char buf[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(a.storage.ss_family, a.storage.ss_family == AF_INET ? static_cast<const void*>(&v4->sin_addr) : &v6->sin6_addr,
              buf, sizeof buf);
  a.text = buf;
  return a;
}

// getaddrinfo, blocking; called on a Background thread.
static std::vector<Address> resolve_now(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* result = nullptr;
  int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &result);
  if (rc != 0) {
    ResolveError e(rc == EAI_SYSTEM ? std::string("system error during the lookup: ") + std::strerror(errno) : std::string(gai_strerror(rc)));
    e.not_found = rc == EAI_NONAME || rc == EAI_NODATA;
    throw e;
  }
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> owned(result, ::freeaddrinfo);
  std::vector<Address> out;
  for (addrinfo* ai = result; ai; ai = ai->ai_next) {
    Address a;
    std::memcpy(&a.storage, ai->ai_addr, ai->ai_addrlen);
    a.length = ai->ai_addrlen;
    char buf[INET6_ADDRSTRLEN] = {};
    const void* src = ai->ai_family == AF_INET6 ? static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(ai->ai_addr)->sin6_addr)
                                                : static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(ai->ai_addr)->sin_addr);
    inet_ntop(ai->ai_family, src, buf, sizeof buf);
    a.text = buf;
    if (std::none_of(out.begin(), out.end(), [&](const Address& o) { return o.text == a.text; })) out.push_back(a);
  }
  return out;
}

// Not getaddrinfo_a: its gai_suspend can be notified after it returned on its timeout (a crash in
// __gai_notify with many lookups at once, found by the 200-session load test), and glibc starts its
// helper threads out of the sanitizers' sight (ThreadSanitizer crashes in them).
std::vector<Address> resolve(const std::string& host, int port, Deadline deadline, const CancelFlag& cancel) {
  if (cancel.load()) throw Cancelled();
  if (auto literal = literal_address(host, port)) return {*literal};
  auto lookup = Background<std::vector<Address>>::start([host, port] { return resolve_now(host, port); });
  return lookup.get(deadline, cancel, "resolving " + host);
}

Fd connect_tcp(const Address& address, Deadline deadline, const CancelFlag& cancel) {
  Fd fd(::socket(address.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) {
    NetError e(std::string("socket: ") + std::strerror(errno));
    e.err = errno;
    throw e;
  }
  int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address.storage), address.length) != 0 && errno != EINPROGRESS) {
    NetError e(std::strerror(errno));
    e.err = errno;
    throw e;
  }
  wait_ready(fd.get(), POLLOUT, deadline, cancel, ("connecting to " + address.text).c_str());
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) {
    NetError e(std::strerror(err));
    e.err = err;
    throw e;
  }
  return fd;
}

void quick_ack(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
}

std::string local_address(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {};
  char buf[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&ss)->sin6_addr, buf, sizeof buf);
    return std::string("IPv6:") + buf;
  }
  inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&ss)->sin_addr, buf, sizeof buf);
  return buf;
}

Fd listen_loopback(int& port_out) {
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) throw NetError(std::string("socket: ") + std::strerror(errno));
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = htons(static_cast<uint16_t>(port_out));
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(fd.get(), 64) != 0)
    throw NetError(std::string("bind/listen: ") + std::strerror(errno));
  socklen_t len = sizeof sa;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&sa), &len);
  port_out = ntohs(sa.sin_port);
  return fd;
}

}  // namespace smtpwb::net
