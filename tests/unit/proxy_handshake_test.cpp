// net/proxy: the handshake's read loop against a scripted peer on a socket pair. Real proxies are in
// tests/proxy/; this covers what they do not do on purpose: replies in single bytes, the server's
// first bytes arriving in the same write as the proxy's reply (none of them may be swallowed), and
// NTLM proxies that close after the challenge, offer only Basic, or check the NTLMv2 response.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <chrono>
#include <thread>
#include <tuple>

#include "net/proxy.hpp"
#include "sasl/crypto.hpp"
#include "smtpwb/base64.hpp"
#include "smtpwb/net/stream.hpp"
#include "smtpwb/smtp/message.hpp"
#include "test_bytes.hpp"

using namespace smtpwb;
using namespace smtpwb::net;
using Catch::Matchers::ContainsSubstring;

namespace {

// The client's end is non-blocking, as a real connection's; the scripted peer's end blocks.
struct Pair {
  Fd client, peer;
  Pair() { std::tie(client, peer) = connected_pair(); }
};

// Blocking reads and writes for the scripted peer: bytes, 0 at the end of the stream, -1 on an error.
std::ptrdiff_t peer_read(SocketHandle fd, char* buf, std::size_t n) {
  CancelFlag never{false};
  wait_ready(fd, Wait::Read, Deadline::in(std::chrono::seconds(10)), never, "the peer's read");
  Transfer t = receive_some(fd, buf, n);
  return t.again() ? peer_read(fd, buf, n) : t.bytes;
}
std::ptrdiff_t peer_write(SocketHandle fd, const char* data, std::size_t n) {
  std::size_t done = 0;
  while (done < n) {
    Transfer t = send_some(fd, data + done, n - done);
    if (t.failed()) return -1;
    if (t.bytes > 0) done += static_cast<std::size_t>(t.bytes);
  }
  return static_cast<std::ptrdiff_t>(n);
}

std::string read_exactly(SocketHandle fd, std::size_t n) {
  std::string out;
  char buf[256];
  while (out.size() < n) {
    auto r = peer_read(fd, buf, std::min(sizeof buf, n - out.size()));
    if (r <= 0) break;
    out.append(buf, static_cast<std::size_t>(r));
  }
  return out;
}

void write_bytewise(SocketHandle fd, const std::string& bytes) {
  for (char c : bytes) {
    REQUIRE(peer_write(fd, &c, 1) == 1);
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
    REQUIRE(peer_write(pair.peer.get(), last.data(), last.size()) == static_cast<std::ptrdiff_t>(last.size()));
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
      auto n = peer_read(pair.peer.get(), buf, sizeof buf);
      if (n <= 0) break;
      request.append(buf, static_cast<std::size_t>(n));
    }
    CHECK(request.rfind("CONNECT [2001:db8::1]:25 HTTP/1.1\r\n", 0) == 0);
    std::string reply = "HTTP/1.1 200 Connection established\r\nVia: test\r\n\r\n220 hello\r\n";
    REQUIRE(peer_write(pair.peer.get(), reply.data(), reply.size()) == static_cast<std::ptrdiff_t>(reply.size()));
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
      REQUIRE(peer_write(pair.peer.get(), "\x05", 1) == 1);
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
      REQUIRE(peer_write(pair.peer.get(), reply.data(), reply.size()) == static_cast<std::ptrdiff_t>(reply.size()));
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

// ---- HTTP CONNECT with NTLM ----

namespace {

constexpr char kNtlmUser[] = "bob", kNtlmDomain[] = "ACME", kNtlmPassword[] = "Pr0xy-Sécret";

using test::unhex;
using test::utf16;
std::uint32_t le32(const std::string& m, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(m.at(at + static_cast<std::size_t>(i)));
  return v;
}
std::string ntlm_field(const std::string& m, std::size_t at) { return m.substr(le32(m, at + 4), le32(m, at) & 0xFFFF); }

const std::string kServerChallenge = unhex("0123456789abcdef");
// A CHALLENGE_MESSAGE (MS-NLMP 2.2.1.2) with target "PROXY" and NetBIOS domain "ACME" in its target info.
std::string challenge_message() {
  std::string target = utf16("PROXY");
  std::string av = unhex("0200") + unhex("0800") + utf16("ACME") + unhex("00000000");
  std::string m = std::string("NTLMSSP\0", 8) + unhex("02000000") + unhex("0a000a0038000000") + unhex("35828a00") +
                  kServerChallenge + std::string(8, '\0') + unhex("1000100042000000") + unhex("0000000000000000");
  return m + target + av;
}

// The request head, read byte by byte so that nothing behind it is taken.
std::string read_head(SocketHandle fd) {
  std::string head;
  char c;
  while (head.find("\r\n\r\n") == std::string::npos && peer_read(fd, &c, 1) == 1) head += c;
  return head;
}
std::string ntlm_token(const std::string& head) {
  constexpr std::string_view kHeader = "Proxy-Authorization: NTLM ";
  auto at = head.find(kHeader);
  if (at == std::string::npos) return {};
  auto end = head.find("\r\n", at);
  return base64_decode(head.substr(at + kHeader.size(), end - at - kHeader.size())).value_or("");
}
void send_text(SocketHandle fd, const std::string& text) { REQUIRE(peer_write(fd, text.data(), text.size()) == static_cast<std::ptrdiff_t>(text.size())); }

// The NTProofStr an NTLMv2 server computes from the password (MS-NLMP 3.3.2) matches the client's.
bool ntlmv2_response_matches(const std::string& authenticate, const std::string& password) {
  using namespace smtpwb::sasl::crypto;
  std::string nt = ntlm_field(authenticate, 20);
  if (nt.size() < 16) return false;
  std::string key = hmac(Hash::Md5, md4(smtp::convert_from_utf8(password, "UTF-16LE")), utf16("BOB") + utf16(kNtlmDomain));
  return hmac(Hash::Md5, key, kServerChallenge + nt.substr(16)) == nt.substr(0, 16);
}

ProxySettings ntlm_proxy() {
  ProxySettings p;
  p.type = ProxyType::Http;
  p.use_credentials = true;
  p.username = kNtlmUser;
  p.domain = kNtlmDomain;
  p.password = kNtlmPassword;
  return p;
}

ProxyError handshake_error(Pair& pair, const ProxySettings& p, Log& log) {
  CancelFlag cancel{false};
  Stream stream(std::move(pair.client), cancel);
  try {
    proxy_handshake(stream, p, "smtp.example.com", 587, Deadline::in(std::chrono::seconds(5)), log.fn());
  } catch (const ProxyError& e) {
    return e;
  }
  FAIL("the handshake succeeded");
  throw std::logic_error("unreachable");
}

const std::string k407Body = "<html>Cache Access Denied</html>";
std::string ntlm_407(const std::string& extra_headers = {}) {
  return "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"corp\"\r\nProxy-Authenticate: NTLM " +
         base64_encode(challenge_message()) + "\r\nContent-Length: " + std::to_string(k407Body.size()) + "\r\n" + extra_headers +
         "\r\n" + k407Body;
}

}  // namespace

TEST_CASE("HTTP NTLM: negotiate, 407 challenge with a body, authenticate, 200 on one connection", "[proxy][handshake][ntlm]") {
  Pair pair;
  CancelFlag cancel{false};
  std::string authenticate;
  std::thread peer([&] {
    std::string first = read_head(pair.peer.get());
    CHECK(first.find("Proxy-Connection: keep-alive\r\n") != std::string::npos);
    std::string negotiate = ntlm_token(first);
    CHECK(negotiate.substr(0, 12) == std::string("NTLMSSP\0\x01\0\0\0", 12));
    write_bytewise(pair.peer.get(), ntlm_407());  // head and body in single bytes
    std::string second = read_head(pair.peer.get());
    CHECK(second.rfind("CONNECT smtp.example.com:587 HTTP/1.1\r\n", 0) == 0);
    authenticate = ntlm_token(second);
    send_text(pair.peer.get(), "HTTP/1.1 200 Connection established\r\n\r\n220 hello\r\n");
  });
  Stream stream(std::move(pair.client), cancel);
  Log log;
  auto tunnel = proxy_handshake(stream, ntlm_proxy(), "smtp.example.com", 587, Deadline::in(std::chrono::seconds(10)), log.fn());
  peer.join();
  CHECK(tunnel.reply_code == 200);
  CHECK(read_all_pending(stream) == "220 hello\r\n");

  REQUIRE(authenticate.substr(0, 12) == std::string("NTLMSSP\0\x03\0\0\0", 12));
  CHECK(ntlm_field(authenticate, 28) == utf16("ACME"));
  CHECK(ntlm_field(authenticate, 36) == utf16("bob"));
  CHECK(ntlmv2_response_matches(authenticate, kNtlmPassword));
  CHECK_FALSE(ntlmv2_response_matches(authenticate, "another password"));

  auto text = log.all();
  INFO(text);
  CHECK_THAT(text, ContainsSubstring("Proxy-Authorization: NTLM ********"));
  CHECK_THAT(text, ContainsSubstring("NTLM NEGOTIATE_MESSAGE, flags UNICODE"));
  CHECK_THAT(text, ContainsSubstring("NTLM CHALLENGE_MESSAGE, flags UNICODE"));
  CHECK_THAT(text, ContainsSubstring("target \"PROXY\", NetBIOS domain \"ACME\""));
  CHECK_THAT(text, ContainsSubstring("NTLM AUTHENTICATE_MESSAGE (NTLMv2), domain \"ACME\", user \"bob\", workstation (none), responses ********"));
  CHECK_THAT(text, ContainsSubstring("HTTP/1.1 200 Connection established"));
  CHECK_THAT(text, !ContainsSubstring(kNtlmPassword));
  CHECK_THAT(text, !ContainsSubstring(base64_encode(kNtlmPassword)));
  CHECK_THAT(text, !ContainsSubstring(smtp::convert_from_utf8(kNtlmPassword, "UTF-16LE")));
  CHECK_THAT(text, !ContainsSubstring(base64_encode(authenticate)));
}

TEST_CASE("HTTP NTLM: a proxy that offers only Basic is named with its schemes", "[proxy][handshake][ntlm]") {
  Pair pair;
  std::thread peer([&] {
    read_head(pair.peer.get());
    send_text(pair.peer.get(), "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"corp\"\r\n"
                               "Proxy-Authenticate: Digest realm=\"corp\", nonce=\"1\"\r\nContent-Length: 0\r\n\r\n");
  });
  Log log;
  auto e = handshake_error(pair, ntlm_proxy(), log);
  peer.join();
  CHECK(e.outcome == ProxyOutcome::CredentialsRefused);
  CHECK(e.reply_code == 407);
  CHECK_THAT(e.what(), ContainsSubstring("does not offer NTLM authentication"));
  CHECK_THAT(e.what(), ContainsSubstring("it offers Basic, Digest"));
}

TEST_CASE("HTTP NTLM: a proxy that closes the connection after its challenge is named as such", "[proxy][handshake][ntlm]") {
  SECTION("it says so: Proxy-Connection: close") {
    Pair pair;
    std::thread peer([&] {
      read_head(pair.peer.get());
      send_text(pair.peer.get(), ntlm_407("Proxy-Connection: close\r\n"));
      pair.peer.reset();
    });
    Log log;
    auto e = handshake_error(pair, ntlm_proxy(), log);
    peer.join();
    CHECK(e.outcome == ProxyOutcome::Closed);
    CHECK_THAT(e.what(), ContainsSubstring("closes the connection after its NTLM challenge"));
    CHECK_THAT(e.what(), ContainsSubstring("must keep it open"));
  }
  SECTION("it closes without saying so, after the body") {
    Pair pair;
    std::thread peer([&] {
      read_head(pair.peer.get());
      send_text(pair.peer.get(), ntlm_407());
      read_head(pair.peer.get());
      pair.peer.reset();
    });
    Log log;
    auto e = handshake_error(pair, ntlm_proxy(), log);
    peer.join();
    CHECK(e.outcome == ProxyOutcome::Closed);
    CHECK_THAT(e.what(), ContainsSubstring("NTLM needs the same connection"));
  }
  SECTION("in the middle of the 407 body") {
    Pair pair;
    std::thread peer([&] {
      read_head(pair.peer.get());
      auto reply = ntlm_407();
      send_text(pair.peer.get(), reply.substr(0, reply.size() - 5));
      pair.peer.reset();
    });
    Log log;
    auto e = handshake_error(pair, ntlm_proxy(), log);
    peer.join();
    CHECK(e.outcome == ProxyOutcome::Closed);
    CHECK_THAT(e.what(), ContainsSubstring("closed the connection after its NTLM challenge"));
  }
}

TEST_CASE("HTTP NTLM: a second 407 means the proxy refused the NTLM credentials", "[proxy][handshake][ntlm]") {
  Pair pair;
  std::thread peer([&] {
    read_head(pair.peer.get());
    send_text(pair.peer.get(), ntlm_407());
    read_head(pair.peer.get());
    send_text(pair.peer.get(), "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: NTLM\r\nContent-Length: 0\r\n\r\n");
  });
  Log log;
  auto e = handshake_error(pair, ntlm_proxy(), log);
  peer.join();
  CHECK(e.outcome == ProxyOutcome::CredentialsRefused);
  CHECK(e.reply_code == 407);
  CHECK_THAT(e.what(), ContainsSubstring("refused the NTLM credentials for user \"bob\" in domain \"ACME\""));
}

TEST_CASE("HTTP NTLM: a challenge whose TargetInfo offset + length wraps in 32 bits is a protocol error", "[proxy][handshake][ntlm]") {
  // TargetInfo at offset 0xFFFFFFF0, length 0x20: 0x10 in 32 bits, which is inside the message.
  std::string challenge = challenge_message();
  const std::string wrapping = unhex("20002000f0ffffff");
  challenge.replace(40, 8, wrapping);
  Pair pair;
  std::thread peer([&] {
    read_head(pair.peer.get());
    send_text(pair.peer.get(), "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: NTLM " + base64_encode(challenge) +
                                   "\r\nContent-Length: 0\r\n\r\n");
  });
  Log log;
  auto e = handshake_error(pair, ntlm_proxy(), log);
  peer.join();
  CHECK(e.outcome == ProxyOutcome::ProtocolError);
  CHECK_THAT(e.what(), ContainsSubstring("NTLM challenge is not usable"));
  CHECK_THAT(e.what(), ContainsSubstring("points outside"));
}
