// net/proxy_protocol: SOCKS4/4a/5 and HTTP CONNECT requests and reply parsers, byte by byte.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <string>

#include "net/proxy_protocol.hpp"

using namespace smtpwb::net::proxy;
using Catch::Matchers::ContainsSubstring;
using Status = Parse::Status;

namespace {
std::string bytes(std::initializer_list<int> list) {
  std::string out;
  for (int b : list) out += static_cast<char>(b);
  return out;
}

// Feeds the reply one byte at a time: every proper prefix needs more, the whole is complete.
template <typename Reply, typename Fn>
Reply parse_bytewise(Fn parse, const std::string& wire) {
  Reply r;
  for (std::size_t n = 0; n < wire.size(); ++n) {
    Parse p = parse(std::string_view(wire).substr(0, n), r);
    INFO("prefix of " << n << " bytes");
    REQUIRE(p.status == Status::NeedMore);
    CHECK(p.need >= 1);
    CHECK(n + p.need <= wire.size());  // never asks for bytes beyond the reply
  }
  Parse p = parse(wire, r);
  REQUIRE(p.status == Status::Complete);
  CHECK(p.consumed == wire.size());
  return r;
}
}  // namespace

TEST_CASE("SOCKS4 request: IPv4 address, port, user id", "[proxy][socks4]") {
  const std::uint8_t ip[4] = {192, 0, 2, 10};
  CHECK(socks4_connect_request(ip, 587, "alice") == bytes({4, 1, 0x02, 0x4B, 192, 0, 2, 10, 'a', 'l', 'i', 'c', 'e', 0}));
}

TEST_CASE("SOCKS4a request: 0.0.0.1 and the name after the user id", "[proxy][socks4]") {
  const std::uint8_t ip[4] = {};
  CHECK(socks4_connect_request(ip, 25, "", "mx.example") ==
        bytes({4, 1, 0, 25, 0, 0, 0, 1, 0, 'm', 'x', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0}));
}

TEST_CASE("SOCKS4 reply: granted and refused, in pieces", "[proxy][socks4]") {
  auto r = parse_bytewise<Socks4Reply>(parse_socks4_reply, bytes({0, 90, 0x04, 0x38, 127, 0, 0, 1}));
  CHECK(r.code == 90);
  CHECK(r.port == 1080);
  CHECK(r.address == "127.0.0.1");
  auto refused = parse_bytewise<Socks4Reply>(parse_socks4_reply, bytes({0, 91, 0, 0, 0, 0, 0, 0}));
  CHECK(refused.code == 91);
  CHECK(socks4_reply_meaning(91) == "request rejected or failed");
  CHECK_THAT(std::string(socks4_reply_meaning(92)), ContainsSubstring("identd"));
}

TEST_CASE("SOCKS4 reply: a SOCKS5 or unknown answer is malformed", "[proxy][socks4]") {
  Socks4Reply r;
  CHECK(parse_socks4_reply(bytes({5, 0, 0, 0, 0, 0, 0, 0}), r).status == Status::Malformed);
  auto p = parse_socks4_reply(bytes({0, 17, 0, 0, 0, 0, 0, 0}), r);
  REQUIRE(p.status == Status::Malformed);
  CHECK_THAT(p.error, ContainsSubstring("17"));
}

TEST_CASE("SOCKS5 greeting and method choice", "[proxy][socks5]") {
  CHECK(socks5_greeting(false) == bytes({5, 1, 0}));
  CHECK(socks5_greeting(true) == bytes({5, 1, 2}));
  auto c = parse_bytewise<Socks5Choice>(parse_socks5_choice, bytes({5, 0xFF}));
  CHECK(c.method == 0xFF);
  CHECK(socks5_method_name(0xFF) == "no acceptable methods");
  Socks5Choice bad;
  CHECK(parse_socks5_choice(bytes({4, 0}), bad).status == Status::Malformed);
  CHECK(parse_socks5_choice("HT", bad).status == Status::Malformed);
}

TEST_CASE("SOCKS5 username/password (RFC 1929)", "[proxy][socks5]") {
  CHECK(socks5_userpass_request("u1", "pw") == bytes({1, 2, 'u', '1', 2, 'p', 'w'}));
  CHECK(socks5_userpass_request("u", "") == bytes({1, 1, 'u', 0}));
  auto s = parse_bytewise<Socks5AuthStatus>(parse_socks5_auth_status, bytes({1, 1}));
  CHECK(s.status == 1);
  Socks5AuthStatus bad;
  CHECK(parse_socks5_auth_status(bytes({5, 0}), bad).status == Status::Malformed);
}

TEST_CASE("SOCKS5 connect request: IPv4, IPv6 and a name for the proxy to resolve", "[proxy][socks5]") {
  CHECK(socks5_connect_request("192.0.2.1", 465) == bytes({5, 1, 0, 1, 192, 0, 2, 1, 0x01, 0xD1}));
  CHECK(socks5_connect_request("2001:db8::1", 25) ==
        bytes({5, 1, 0, 4, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 25}));
  CHECK(socks5_connect_request("localhost", 587) == bytes({5, 1, 0, 3, 9, 'l', 'o', 'c', 'a', 'l', 'h', 'o', 's', 't', 2, 0x4B}));
}

TEST_CASE("SOCKS5 reply: every address type, in pieces", "[proxy][socks5]") {
  auto v4 = parse_bytewise<Socks5Reply>(parse_socks5_reply, bytes({5, 0, 0, 1, 127, 0, 0, 1, 0xAD, 0x81}));
  CHECK(v4.code == 0);
  CHECK(v4.address == "127.0.0.1");
  CHECK(v4.port == 44417);
  auto name = parse_bytewise<Socks5Reply>(parse_socks5_reply, bytes({5, 4, 0, 3, 3, 'a', '.', 'b', 0, 1}));
  CHECK(name.code == 4);
  CHECK(name.address_type == AddressType::Domain);
  CHECK(name.address == "a.b");
  auto v6 = parse_bytewise<Socks5Reply>(parse_socks5_reply, bytes({5, 5, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 25}));
  CHECK(v6.address == "::1");
  CHECK(socks5_reply_meaning(5) == "connection refused by the destination host");
  CHECK_THAT(std::string(socks5_reply_meaning(2)), ContainsSubstring("rules"));
  for (int code = 1; code <= 8; ++code) CHECK(socks5_reply_meaning(code) != "unknown reply code");
}

TEST_CASE("SOCKS5 reply: wrong version, reserved byte or address type is malformed", "[proxy][socks5]") {
  Socks5Reply r;
  CHECK(parse_socks5_reply(bytes({4, 0, 0, 1, 0}), r).status == Status::Malformed);
  CHECK(parse_socks5_reply(bytes({5, 0, 7, 1, 0}), r).status == Status::Malformed);
  CHECK(parse_socks5_reply(bytes({5, 0, 0, 9, 0}), r).status == Status::Malformed);
}

TEST_CASE("HTTP CONNECT request, with Basic credentials masked for the transcript", "[proxy][http]") {
  auto plain = http_connect_request("smtp.example.com", 587, std::nullopt);
  REQUIRE(plain.size() >= 2);
  CHECK(plain[0] == "CONNECT smtp.example.com:587 HTTP/1.1");
  CHECK(plain[1] == "Host: smtp.example.com:587");
  CHECK(http_connect_request("::1", 25, std::nullopt)[0] == "CONNECT [::1]:25 HTTP/1.1");

  auto with = http_connect_request("h", 25, std::string("Aladdin:open sesame"));
  REQUIRE(with.size() == plain.size() + 1);
  CHECK(with[2] == "Proxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  CHECK(masked_request_line(with[2]) == "Proxy-Authorization: Basic ********");
  CHECK(masked_request_line("proxy-authorization:   NTLM abc") == "proxy-authorization: NTLM ********");
  CHECK(masked_request_line(with[0]) == with[0]);
}

TEST_CASE("HTTP response head: status, reason, headers, in pieces", "[proxy][http]") {
  std::string wire = "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"tinyproxy\"\r\n"
                     "Content-Length: 12\r\n\r\n";
  HttpResponse r;
  for (std::size_t n = 0; n < wire.size(); ++n) REQUIRE(parse_http_response(std::string_view(wire).substr(0, n), r).status == Status::NeedMore);
  auto p = parse_http_response(wire + "body follows", r);
  REQUIRE(p.status == Status::Complete);
  CHECK(p.consumed == wire.size());
  CHECK(r.status == 407);
  CHECK(r.reason == "Proxy Authentication Required");
  CHECK(r.status_line == "HTTP/1.1 407 Proxy Authentication Required");
  CHECK(r.header_values("proxy-authenticate") == std::vector<std::string>{"Basic realm=\"tinyproxy\""});

  HttpResponse ok;
  REQUIRE(parse_http_response("HTTP/1.0 200 Connection established\r\n\r\n", ok).status == Status::Complete);
  CHECK(ok.status == 200);
  CHECK(ok.headers.empty());
  REQUIRE(parse_http_response("HTTP/1.1 200\n\n", ok).status == Status::Complete);  // bare LF, no reason
  CHECK(ok.reason.empty());
}

TEST_CASE("HTTP response: non-HTTP peers and broken heads are malformed early", "[proxy][http]") {
  HttpResponse r;
  CHECK(parse_http_response(bytes({5, 0}), r).status == Status::Malformed);     // a SOCKS5 proxy
  CHECK(parse_http_response("220 mail ESMTP", r).status == Status::Malformed);  // no proxy at all
  CHECK(parse_http_response("HTTP/1.1 2x0 OK\r\n\r\n", r).status == Status::Malformed);
  CHECK(parse_http_response("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", r).status == Status::Malformed);
  std::string endless = "HTTP/1.1 200 OK\r\nX: " + std::string(kMaxHttpHead, 'a');
  CHECK(parse_http_response(endless, r).status == Status::Malformed);
}

namespace {
HttpResponse response_with(const std::string& head) {
  HttpResponse r;
  REQUIRE(parse_http_response(head + "\r\n", r).status == Status::Complete);
  return r;
}
}  // namespace

TEST_CASE("Proxy-Authenticate: several headers, several schemes, parameters with commas", "[proxy][http][ntlm]") {
  auto r = response_with(
      "HTTP/1.1 407 Proxy Authentication Required\r\n"
      "Proxy-Authenticate: Negotiate\r\n"
      "Content-Length: 0\r\n"
      "proxy-authenticate: Basic realm=\"Corp, Inc.\", charset=\"UTF-8\", NTLM TlRMTVNTUAACAAAA==\r\n"
      "Proxy-Authenticate: Digest realm=\"x\", nonce=\"a\\\"b,c\", qop=\"auth\"\r\n"
      "Proxy-Authenticate:   NTLM  \r\n");
  auto c = proxy_auth_challenges(r);
  REQUIRE(c.size() == 5);
  CHECK(c[0].scheme == "Negotiate");
  CHECK(c[0].data.empty());
  CHECK(c[1].scheme == "Basic");
  CHECK(c[1].data == "realm=\"Corp, Inc.\", charset=\"UTF-8\"");
  CHECK(c[2].scheme == "NTLM");
  CHECK(c[2].data == "TlRMTVNTUAACAAAA==");  // token68 padding is not an auth-param
  CHECK(c[3].scheme == "Digest");
  CHECK(c[3].data == "realm=\"x\", nonce=\"a\\\"b,c\", qop=\"auth\"");
  CHECK(c[4].scheme == "NTLM");
  CHECK(c[4].data.empty());

  CHECK(proxy_auth_challenges(response_with("HTTP/1.1 407 No\r\nVia: x\r\n")).empty());
  // A 401 (tinyproxy's answer to wrong credentials) carries its challenge in WWW-Authenticate.
  auto unauthorized = proxy_auth_challenges(response_with("HTTP/1.0 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"tinyproxy\"\r\n"));
  REQUIRE(unauthorized.size() == 1);
  CHECK(unauthorized[0].scheme == "Basic");
  CHECK(proxy_auth_challenges(response_with("HTTP/1.1 407 x\r\nWWW-Authenticate: Basic realm=\"origin\"\r\n")).empty());
}

TEST_CASE("HTTP CONNECT with an NTLM authorization keeps the connection alive; masked for the transcript", "[proxy][http][ntlm]") {
  auto lines = http_connect_request_authorized("smtp.example.com", 587, "NTLM TlRMTVNTUAABAAAA");
  REQUIRE(lines.size() == http_connect_request("smtp.example.com", 587, std::nullopt).size() + 2);
  CHECK(lines[0] == "CONNECT smtp.example.com:587 HTTP/1.1");
  CHECK(lines[1] == "Host: smtp.example.com:587");
  CHECK(lines[2] == "Proxy-Authorization: NTLM TlRMTVNTUAABAAAA");
  CHECK(lines[3] == "Proxy-Connection: keep-alive");
  CHECK(masked_request_line(lines[2]) == "Proxy-Authorization: NTLM ********");
}

TEST_CASE("HTTP response: Content-Length and whether the proxy closes the connection", "[proxy][http][ntlm]") {
  CHECK(content_length(response_with("HTTP/1.1 407 x\r\nContent-Length: 3045\r\n")) == 3045u);
  CHECK_FALSE(content_length(response_with("HTTP/1.1 407 x\r\nContent-Length: 12a\r\n")));
  CHECK_FALSE(content_length(response_with("HTTP/1.1 407 x\r\n")));

  CHECK_FALSE(closes_connection(response_with("HTTP/1.1 407 x\r\nConnection: keep-alive\r\n")));
  CHECK_FALSE(closes_connection(response_with("HTTP/1.1 407 x\r\n")));
  CHECK(closes_connection(response_with("HTTP/1.1 407 x\r\nProxy-Connection: Close\r\n")));
  CHECK(closes_connection(response_with("HTTP/1.1 407 x\r\nConnection: Upgrade, close\r\n")));
  CHECK(closes_connection(response_with("HTTP/1.0 407 x\r\n")));
  CHECK_FALSE(closes_connection(response_with("HTTP/1.0 407 x\r\nProxy-Connection: keep-alive\r\n")));
}
