// The exporter's listener on the engine's sockets (smtpwb/net/io.hpp: poll or WSAPoll, a wake pair):
// the same code on every OS. What differs per OS (the open-file limit) is in open_files_<os>.cpp.
#include "exporter/http_listener.hpp"

#include <chrono>
#include <map>
#include <mutex>
#include <vector>

#include "smtpwb/net/io.hpp"

namespace smtpwb::app {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kReadLimit = std::chrono::seconds(10);   // the whole request head
constexpr auto kWriteLimit = std::chrono::seconds(30);  // the whole response
constexpr std::chrono::milliseconds kPollSlice{100};
constexpr auto kResolveLimit = std::chrono::seconds(10);

// Finished responses, handed over from worker threads; it outlives the listener while replies are pending.
struct Outbox {
  std::mutex mutex;
  std::vector<std::pair<std::uint64_t, std::string>> ready;
  net::Fd wake_read, wake_write;
  void post(std::uint64_t id, std::string bytes) {
    {
      std::lock_guard lock(mutex);
      ready.emplace_back(id, std::move(bytes));
    }
    poke();
  }
  void poke() const {
    char byte = 1;
    net::send_some(wake_write.get(), &byte, 1);  // a full buffer is awake enough
  }
};

enum class Stage { Reading, Waiting, Writing };

struct Connection {
  net::Fd socket;
  Stage stage = Stage::Reading;
  std::string in, out;
  std::size_t sent = 0;
  Clock::time_point deadline;
};

// The address to listen on: an IP literal as it is, a name by its first address.
net::Address listen_address(const std::string& host, const std::string& where) {
  if (auto literal = net::parse_ip_address(host)) return *literal;
  net::CancelFlag never{false};
  try {
    auto found = net::resolve(host, 0, net::Deadline::in(kResolveLimit), never);
    if (!found.empty()) return found.front();
  } catch (const std::exception& e) {
    throw ListenError("cannot listen on " + where + ": " + e.what());
  }
  throw ListenError("cannot listen on " + where + ": the name has no address");
}

net::Fd listen_on(const std::string& host, int port) {
  const std::string where = host + " port " + std::to_string(port);
  net::Address address = listen_address(host, where);
  try {
    return net::listen_tcp(address, port);
  } catch (const net::NetError& e) {
    throw ListenError("cannot listen on " + where + ": " + e.what());
  }
}

}  // namespace

struct HttpListener::Impl {
  net::Fd listen_socket;
  std::size_t max_connections = 0;
  std::shared_ptr<Outbox> outbox = std::make_shared<Outbox>();
  std::map<std::uint64_t, Connection> connections;
  std::uint64_t next_id = 1;
  const Handler* handler = nullptr;

  void accept_new() {
    while (connections.size() < max_connections) {
      net::Fd socket = net::accept_connection(listen_socket.get());
      if (!socket) return;  // none waiting, or an error of that one connection (retried later)
      Connection c;
      c.socket = std::move(socket);
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
    net::Transfer got = net::receive_some(c.socket.get(), buf, sizeof buf);
    if (got.bytes == 0 || got.failed()) return false;  // gone
    if (got.again() || c.stage != Stage::Reading) return true;  // nothing, or bytes after the request: ignored
    c.in.append(buf, static_cast<std::size_t>(got.bytes));
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
    net::Transfer put = net::send_some(c.socket.get(), c.out.data() + c.sent, c.out.size() - c.sent);
    if (put.bytes < 0) return put.again();
    c.sent += static_cast<std::size_t>(put.bytes);
    if (c.sent < c.out.size()) return true;
    net::shutdown_send(c.socket.get());
    return false;  // done: HTTP/1.1 with "Connection: close"
  }

  void deliver_replies() {
    char drain[256];
    while (net::receive_some(outbox->wake_read.get(), drain, sizeof drain).bytes > 0) {
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
    // The wake socket first, the listener second (only while there is room), then the connections.
    std::vector<net::PollEntry> entries{{outbox->wake_read.get(), net::Wait::Read}};
    const bool room = connections.size() < max_connections;
    if (room) entries.push_back({listen_socket.get(), net::Wait::Read});
    const std::size_t first = entries.size();
    std::vector<std::uint64_t> ids;
    for (auto& [id, c] : connections) {
      entries.push_back({c.socket.get(), c.stage == Stage::Writing ? net::Wait::Write : net::Wait::Read});
      ids.push_back(id);
    }
    if (!net::wait_any(entries, kPollSlice)) {
      expire(Clock::now());
      return;  // a timeout or a signal: look at `stop`
    }
    if (entries[0].ready) deliver_replies();
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (!entries[first + i].ready) continue;
      auto it = connections.find(ids[i]);
      if (it == connections.end()) continue;
      bool keep = it->second.stage == Stage::Writing ? on_writable(it->second) : on_readable(ids[i], it->second);
      if (!keep) connections.erase(it);
    }
    if (room && entries[1].ready) accept_new();
    expire(Clock::now());
  }
};

HttpListener::HttpListener(const std::string& host, int port, std::size_t max_connections) : impl_(std::make_unique<Impl>()) {
  impl_->listen_socket = listen_on(host, port);
  impl_->max_connections = max_connections;
  try {
    auto [read_end, write_end] = net::wake_pair();
    impl_->outbox->wake_read = std::move(read_end);
    impl_->outbox->wake_write = std::move(write_end);
  } catch (const net::NetError& e) {
    throw ListenError(std::string("the listener's wake-up socket: ") + e.what());
  }
}

HttpListener::~HttpListener() = default;

int HttpListener::port() const { return net::bound_port(impl_->listen_socket.get()); }

std::string HttpListener::address() const { return net::bound_endpoint(impl_->listen_socket.get()); }

void HttpListener::serve(const Handler& handler, const std::atomic<bool>& stop) {
  impl_->handler = &handler;
  while (!stop.load()) impl_->serve_once();
  impl_->handler = nullptr;
}

void HttpListener::wake() { impl_->outbox->poke(); }

}  // namespace smtpwb::app
