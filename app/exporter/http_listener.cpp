#include "exporter/http_listener.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <vector>

namespace smtpwb::app {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kReadLimit = std::chrono::seconds(10);   // the whole request head
constexpr auto kWriteLimit = std::chrono::seconds(30);  // the whole response
constexpr int kPollSliceMs = 100;

struct OwnedFd {
  int fd = -1;
  explicit OwnedFd(int f = -1) : fd(f) {}
  OwnedFd(OwnedFd&& o) noexcept : fd(o.fd) { o.fd = -1; }
  OwnedFd& operator=(OwnedFd&& o) noexcept {
    std::swap(fd, o.fd);
    return *this;
  }
  ~OwnedFd() {
    if (fd >= 0) ::close(fd);
  }
};

// Finished responses, handed over from worker threads; it outlives the listener while replies are pending.
struct Outbox {
  std::mutex mutex;
  std::vector<std::pair<std::uint64_t, std::string>> ready;
  OwnedFd wake_read, wake_write;
  void post(std::uint64_t id, std::string bytes) {
    {
      std::lock_guard lock(mutex);
      ready.emplace_back(id, std::move(bytes));
    }
    poke();
  }
  void poke() const {
    char byte = 1;
    [[maybe_unused]] auto n = ::write(wake_write.fd, &byte, 1);  // a full pipe is awake enough
  }
};

enum class Stage { Reading, Waiting, Writing };

struct Connection {
  OwnedFd fd;
  Stage stage = Stage::Reading;
  std::string in, out;
  std::size_t sent = 0;
  Clock::time_point deadline;
};

std::string endpoint_text(const sockaddr_storage& ss) {
  char host[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET6) {
    const auto& a = reinterpret_cast<const sockaddr_in6&>(ss);
    inet_ntop(AF_INET6, &a.sin6_addr, host, sizeof host);
    return "[" + std::string(host) + "]:" + std::to_string(ntohs(a.sin6_port));
  }
  const auto& a = reinterpret_cast<const sockaddr_in&>(ss);
  inet_ntop(AF_INET, &a.sin_addr, host, sizeof host);
  return std::string(host) + ":" + std::to_string(ntohs(a.sin_port));
}

OwnedFd listen_on(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  const std::string where = host + " port " + std::to_string(port);
  if (int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); rc != 0)
    throw ListenError("cannot listen on " + where + ": " + gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owner(found, freeaddrinfo);
  OwnedFd fd(::socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.fd < 0) throw ListenError("cannot listen on " + where + ": " + std::strerror(errno));
  int one = 1;
  ::setsockopt(fd.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (found->ai_family == AF_INET6) ::setsockopt(fd.fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);  // this address only
  if (::bind(fd.fd, found->ai_addr, found->ai_addrlen) != 0 || ::listen(fd.fd, SOMAXCONN) != 0)
    throw ListenError("cannot listen on " + where + ": " + std::strerror(errno));
  return fd;
}

}  // namespace

struct HttpListener::Impl {
  OwnedFd listen_fd;
  std::size_t max_connections = 0;
  std::shared_ptr<Outbox> outbox = std::make_shared<Outbox>();
  std::map<std::uint64_t, Connection> connections;
  std::uint64_t next_id = 1;
  const Handler* handler = nullptr;

  void accept_new() {
    while (connections.size() < max_connections) {
      int fd = ::accept4(listen_fd.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;  // EAGAIN, or an error of that one connection (ECONNABORTED, EMFILE: retried later)
      Connection c;
      c.fd = OwnedFd(fd);
      c.deadline = Clock::now() + kReadLimit;
      connections.emplace(next_id++, std::move(c));
    }
  }

  void respond(Connection& c, const HttpResponse& r) {
    c.out = serialize(r);
    c.sent = 0;
    c.stage = Stage::Writing;
    c.deadline = Clock::now() + kWriteLimit;
  }

  // Reads what arrived; once the head is complete, hands the request to the handler.
  bool on_readable(std::uint64_t id, Connection& c) {
    char buf[4096];
    ssize_t n = ::recv(c.fd.fd, buf, sizeof buf, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return false;  // gone
    if (n < 0 || c.stage != Stage::Reading) return true;  // nothing, or bytes after the request: ignored
    c.in.append(buf, static_cast<std::size_t>(n));
    auto end = request_head_end(c.in);
    if (end == std::string::npos) {
      if (c.in.size() > kMaxRequestHead) respond(c, text_response(413, "request head too large"));
      return true;
    }
    std::string error;
    auto request = parse_request_head(std::string_view(c.in).substr(0, end), error);
    if (!request) {
      respond(c, text_response(400, error));
      return true;
    }
    c.stage = Stage::Waiting;
    std::weak_ptr<Outbox> box = outbox;
    (*handler)(*request, [box, id](HttpResponse r) {
      if (auto b = box.lock()) b->post(id, serialize(r));
    });
    return true;
  }

  bool on_writable(Connection& c) {
    ssize_t n = ::send(c.fd.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
    if (n < 0) return errno == EAGAIN || errno == EINTR;
    c.sent += static_cast<std::size_t>(n);
    if (c.sent < c.out.size()) return true;
    ::shutdown(c.fd.fd, SHUT_WR);
    return false;  // done: HTTP/1.1 with "Connection: close"
  }

  void deliver_replies() {
    char drain[256];
    while (::read(outbox->wake_read.fd, drain, sizeof drain) > 0) {
    }
    std::vector<std::pair<std::uint64_t, std::string>> ready;
    {
      std::lock_guard lock(outbox->mutex);
      ready.swap(outbox->ready);
    }
    for (auto& [id, bytes] : ready) {
      auto it = connections.find(id);
      if (it == connections.end()) continue;  // the client left before its answer
      auto& c = it->second;
      c.out = std::move(bytes);
      c.sent = 0;
      c.stage = Stage::Writing;
      c.deadline = Clock::now() + kWriteLimit;
    }
  }

  void expire(Clock::time_point now) {
    for (auto it = connections.begin(); it != connections.end();) {
      auto& c = it->second;
      const bool late = c.stage != Stage::Waiting && now >= c.deadline;
      if (late && c.stage == Stage::Reading) {
        respond(c, text_response(408, "the request did not arrive in time"));
        c.deadline = now + std::chrono::seconds(1);
        ++it;
      } else if (late) {
        it = connections.erase(it);
      } else {
        ++it;
      }
    }
  }

  void serve_once() {
    std::vector<pollfd> fds;
    std::vector<std::uint64_t> ids;
    fds.push_back({outbox->wake_read.fd, POLLIN, 0});
    fds.push_back({listen_fd.fd, static_cast<short>(connections.size() < max_connections ? POLLIN : 0), 0});
    for (auto& [id, c] : connections) {
      fds.push_back({c.fd.fd, static_cast<short>(c.stage == Stage::Writing ? POLLOUT : POLLIN), 0});
      ids.push_back(id);
    }
    if (::poll(fds.data(), fds.size(), kPollSliceMs) < 0) return;  // EINTR: a signal, look at `stop`
    if (fds[0].revents) deliver_replies();
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (!fds[i + 2].revents) continue;
      auto it = connections.find(ids[i]);
      if (it == connections.end()) continue;
      bool keep = it->second.stage == Stage::Writing ? on_writable(it->second) : on_readable(ids[i], it->second);
      if (!keep) connections.erase(it);
    }
    if (fds[1].revents) accept_new();
    expire(Clock::now());
  }
};

HttpListener::HttpListener(const std::string& host, int port, std::size_t max_connections) : impl_(std::make_unique<Impl>()) {
  impl_->listen_fd = listen_on(host, port);
  impl_->max_connections = max_connections;
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_NONBLOCK | O_CLOEXEC) != 0) throw ListenError(std::string("pipe: ") + std::strerror(errno));
  impl_->outbox->wake_read = OwnedFd(pipe_fds[0]);
  impl_->outbox->wake_write = OwnedFd(pipe_fds[1]);
}

HttpListener::~HttpListener() = default;

int HttpListener::port() const {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  ::getsockname(impl_->listen_fd.fd, reinterpret_cast<sockaddr*>(&ss), &len);
  return ss.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6&>(ss).sin6_port)
                                  : ntohs(reinterpret_cast<sockaddr_in&>(ss).sin_port);
}

std::string HttpListener::address() const {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  ::getsockname(impl_->listen_fd.fd, reinterpret_cast<sockaddr*>(&ss), &len);
  return endpoint_text(ss);
}

void HttpListener::serve(const Handler& handler, const std::atomic<bool>& stop) {
  impl_->handler = &handler;
  while (!stop.load()) impl_->serve_once();
  impl_->handler = nullptr;
}

void HttpListener::wake() { impl_->outbox->poke(); }

std::size_t raise_open_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    ::getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur == RLIM_INFINITY ? 1u << 20 : static_cast<std::size_t>(limit.rlim_cur);
}

}  // namespace smtpwb::app
