#pragma once
// Proxy handshakes as pure functions: requests are built into byte strings, replies parsed from a byte
// buffer that may hold only part of a reply. No I/O here, so every parser is unit-tested (and fuzzable).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smtpwb::net::proxy {

// The outcome of parsing a buffer: more bytes needed (at least `need`), a complete reply (`consumed`
// bytes of the buffer), or a reply that is not the protocol (`error` says why).
struct Parse {
  enum class Status { NeedMore, Complete, Malformed } status = Status::NeedMore;
  std::size_t need = 1;      // NeedMore: bytes still missing at least
  std::size_t consumed = 0;  // Complete: length of the reply
  std::string error;         // Malformed
  static Parse more(std::size_t n) { return {Status::NeedMore, n, 0, {}}; }
  static Parse complete(std::size_t n) { return {Status::Complete, 0, n, {}}; }
  static Parse malformed(std::string why) { return {Status::Malformed, 0, 0, std::move(why)}; }
};

// ---- SOCKS4 / SOCKS4a ----
inline constexpr std::uint8_t kSocks4Granted = 90;
// ipv4: four bytes in network order. With a host name (SOCKS4a) the address is 0.0.0.1 and the name follows.
std::string socks4_connect_request(const std::uint8_t (&ipv4)[4], std::uint16_t port, std::string_view user_id,
                                   std::string_view host_name = {});
struct Socks4Reply {
  int version = 0;  // 0 in every valid reply
  int code = 0;     // 90 granted, 91..93 refused
  std::uint16_t port = 0;
  std::string address;
};
Parse parse_socks4_reply(std::string_view buffer, Socks4Reply& out);
std::string_view socks4_reply_meaning(int code);

// ---- SOCKS5 (RFC 1928) with username/password (RFC 1929) ----
inline constexpr std::uint8_t kSocks5NoAuth = 0x00, kSocks5UserPass = 0x02, kSocks5NoAcceptable = 0xFF;
std::string socks5_greeting(bool offer_username_password);
struct Socks5Choice {
  int version = 0;
  int method = 0;
};
Parse parse_socks5_choice(std::string_view buffer, Socks5Choice& out);
std::string_view socks5_method_name(int method);

// Username and password of at most 255 bytes each (checked by settings validation).
std::string socks5_userpass_request(std::string_view user, std::string_view password);
struct Socks5AuthStatus {
  int version = 0;
  int status = 0;  // 0 success
};
Parse parse_socks5_auth_status(std::string_view buffer, Socks5AuthStatus& out);

enum class AddressType : std::uint8_t { Ipv4 = 1, Domain = 3, Ipv6 = 4 };
std::string_view address_type_name(AddressType t);
// host: an IPv4 or IPv6 literal (sent as an address) or a name (sent for the proxy to resolve).
std::string socks5_connect_request(std::string_view host, std::uint16_t port);
struct Socks5Reply {
  int version = 0;
  int code = 0;  // 0 succeeded
  AddressType address_type = AddressType::Ipv4;
  std::string address;  // bound address, as text
  std::uint16_t port = 0;
};
Parse parse_socks5_reply(std::string_view buffer, Socks5Reply& out);
std::string_view socks5_reply_meaning(int code);

// ---- HTTP CONNECT (RFC 9110 9.3.6) ----
// The request lines without their CRLF; headers include Proxy-Authorization when basic_credentials is set
// ("user:password", sent base64-encoded).
std::vector<std::string> http_connect_request(std::string_view host, std::uint16_t port,
                                              const std::optional<std::string>& basic_credentials);
// The request with "Proxy-Authorization: <authorization>" ("NTLM <base64>") and "Proxy-Connection:
// keep-alive": NTLM authenticates the connection, so its requests must all travel on one.
std::vector<std::string> http_connect_request_authorized(std::string_view host, std::uint16_t port,
                                                         std::string_view authorization);
struct HttpResponse {
  std::string status_line;
  int status = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> headers;  // in order, names as sent
  std::vector<std::string> header_values(std::string_view name) const;  // case-insensitive
};
inline constexpr std::size_t kMaxHttpHead = 16384;
// Complete once the empty line after the headers arrived (a body is never read: CONNECT's 2xx has none).
Parse parse_http_response(std::string_view buffer, HttpResponse& out);

// One challenge of a Proxy-Authenticate header (RFC 9110 11.6.1): the scheme and what follows it as
// sent (a token68 such as an NTLM message, or auth-params such as realm="x"; empty for a bare scheme).
struct AuthChallenge {
  std::string scheme;
  std::string data;
};
// Every challenge of every Proxy-Authenticate header (and WWW-Authenticate in a 401), in order; one
// header may carry several, comma-separated ("Basic realm=\"a, b\", NTLM").
std::vector<AuthChallenge> proxy_auth_challenges(const HttpResponse& response);
// The body length a response announces; nullopt without a valid Content-Length.
std::optional<std::size_t> content_length(const HttpResponse& response);
// Whether the proxy closes the connection after this response (Connection/Proxy-Connection: close,
// or HTTP/1.0 without keep-alive).
bool closes_connection(const HttpResponse& response);

// Text safe for the transcript: a Proxy-Authorization header's credentials are masked.
std::string masked_request_line(std::string_view line);

}  // namespace smtpwb::net::proxy
