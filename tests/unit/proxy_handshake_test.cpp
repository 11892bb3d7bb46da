// net/proxy: the handshake's read loop against a scripted peer on a socket pair. Real proxies are in
// tests/proxy/; this covers what they do not do on purpose: replies in single bytes, and the server's
// first bytes arriving in the same write as the proxy's reply (none of them may be swallowed).
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "net/proxy.hpp"

using namespace smtpwb;
using namespace smtpwb::net;
using Catch::Matchers::ContainsSubstring;

namespace {

struct Pair {
  Fd client, peer;
  Pair() {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    client.reset(fds[0]);
    peer.reset(fds[1]);
  }
};

std::string read_exactly(int fd, std::size_t n) {
  std::string out;
  char buf[256];
  while (out.size() < n) {
    auto r = ::read(fd, buf, std::min(sizeof buf, n - out.size()));
    if (r <= 0) break;
    out.append(buf, static_cast<std::size_t>(r));
  }
  return out;
}

void write_bytewise(int fd, const std::string& bytes) {
  for (char c : bytes) {
    REQUIRE(::write(fd, &c, 1) == 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

std::string read_all_pending(Stream& s) {
  char buf[256];
  auto n = s.read_some(buf, sizeof buf, Deadline::in(std::chrono::seconds(2)));
  return std::string(buf, n);
}

struct Log {
  std::vector<std::string> lines;
  ProxyLog fn() {
    return [this](Dir, std::string text) { lines.push_back(std::move(text)); };
  }
  std::string all() const {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
  }
};

}  // namespace

TEST_CASE("SOCKS5 handshake: replies in single bytes, banner right behind the reply stays in the stream", "[proxy][handshake]") {
  Pair pair;
  CancelFlag cancel{false};
  const std::string banner = "220 mail.example ESMTP\r\n";
  std::thread peer([&] {
    CHECK(read_exactly(pair.peer.get(), 3) == std::string("\x05\x01\x02", 3));
    write_bytewise(pair.peer.get(), std::string("\x05\x02", 2));
    CHECK(read_exactly(pair.peer.get(), 2 + 2 + 1 + 6) == std::string("\x01\x02u1\x06secret", 11));
    write_bytewise(pair.peer.get(), std::string("\x01\x00", 2));
    std::string request = read_exactly(pair.peer.get(), 5 + 16 + 2);
    CHECK(request.substr(4, 17) == "\x10smtp.example.com");
    write_bytewise(pair.peer.get(), std::string("\x05\x00\x00\x03\x03" "a.b", 8));
    std::string last = std::string("\x02\x4B", 2) + banner;  // the port, and the server's banner at once
    REQUIRE(::write(pair.peer.get(), last.data(), last.size()) == static_cast<ssize_t>(last.size()));
  });
  Stream stream(std::move(pair.client), cancel);
  ProxySettings p;
  p.type = ProxyType::Socks5;
  p.resolve_via_proxy = true;
  p.use_credentials = true;
  p.username = "u1";
  p.password = "secret";
  Log log;
  auto tunnel = proxy_handshake(stream, p, "smtp.example.com", 587, Deadline::in(std::chrono::seconds(5)), log.fn());
  peer.join();
  CHECK(tunnel.reply_code == 0);
  CHECK(read_all_pending(stream) == banner);
  CHECK_THAT(log.all(), ContainsSubstring("bound address domain name a.b:587"));
  CHECK_THAT(log.all(), !ContainsSubstring("secret"));
}

TEST_CASE("HTTP CONNECT: the server's first bytes in the same segment as the 200 are not swallowed", "[proxy][handshake]") {
  Pair pair;
  CancelFlag cancel{false};
  std::thread peer([&] {
    char buf[1024];
    std::string request;
    while (request.find("\r\n\r\n") == std::string::npos) {
      auto n = ::read(pair.peer.get(), buf, sizeof buf);
      if (n <= 0) break;
      request.append(buf, static_cast<std::size_t>(n));
    }
    CHECK(request.rfind("CONNECT [2001:db8::1]:25 HTTP/1.1\r\n", 0) == 0);
    std::string reply = "HTTP/1.1 200 Connection established\r\nVia: test\r\n\r\n220 hello\r\n";
    REQUIRE(::write(pair.peer.get(), reply.data(), reply.size()) == static_cast<ssize_t>(reply.size()));
  });
  Stream stream(std::move(pair.client), cancel);
  ProxySettings p;
  p.type = ProxyType::Http;
  Log log;
  auto tunnel = proxy_handshake(stream, p, "2001:db8::1", 25, Deadline::in(std::chrono::seconds(5)), log.fn());
  peer.join();
  CHECK(tunnel.reply_code == 200);
  CHECK(read_all_pending(stream) == "220 hello\r\n");
  CHECK(log.lines.back() == "Via: test");
}

TEST_CASE("A proxy that closes mid-reply, or speaks another protocol, is named as such", "[proxy][handshake]") {
  CancelFlag cancel{false};
  ProxySettings p;
  p.type = ProxyType::Socks5;
  Log log;
  SECTION("closed in the middle of the reply") {
    Pair pair;
    std::thread peer([&] {
      read_exactly(pair.peer.get(), 3);
      REQUIRE(::write(pair.peer.get(), "\x05", 1) == 1);
      pair.peer.reset();
    });
    Stream stream(std::move(pair.client), cancel);
    try {
      proxy_handshake(stream, p, "192.0.2.1", 25, Deadline::in(std::chrono::seconds(5)), log.fn());
      FAIL("no error");
    } catch (const ProxyError& e) {
      CHECK(e.outcome == ProxyOutcome::Closed);
      CHECK_THAT(e.what(), ContainsSubstring("in the middle of its answer"));
    }
    peer.join();
  }
  SECTION("an HTTP proxy asked for SOCKS5") {
    Pair pair;
    std::thread peer([&] {
      read_exactly(pair.peer.get(), 3);
      std::string reply = "HTTP/1.1 400 Bad Request\r\n\r\n";
      REQUIRE(::write(pair.peer.get(), reply.data(), reply.size()) == static_cast<ssize_t>(reply.size()));
    });
    Stream stream(std::move(pair.client), cancel);
    try {
      proxy_handshake(stream, p, "192.0.2.1", 25, Deadline::in(std::chrono::seconds(5)), log.fn());
      FAIL("no error");
    } catch (const ProxyError& e) {
      CHECK(e.outcome == ProxyOutcome::ProtocolError);
      CHECK_THAT(e.what(), ContainsSubstring("not a SOCKS5 proxy?"));
    }
    peer.join();
  }
}
