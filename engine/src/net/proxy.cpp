#include "net/proxy.hpp"

#include <algorithm>

#include "net/proxy_protocol.hpp"
#include "net/ntlm.hpp"
#include "smtpwb/base64.hpp"
#include "smtpwb/platform.hpp"
#include "smtpwb/printable.hpp"
#include "text.hpp"

namespace smtpwb::net {

using namespace proxy;

bool proxy_resolves_target(const ProxySettings& p) {
  return p.type == ProxyType::Socks4a || p.type == ProxyType::Http || (p.type == ProxyType::Socks5 && p.resolve_via_proxy);
}

bool wants_ntlm(const ProxySettings& p) { return p.type == ProxyType::Http && p.use_credentials && !p.domain.empty(); }

namespace {

std::string in_quotes(std::string_view s) { return "\"" + std::string(s) + "\""; }
std::string with_code(int code, std::string_view meaning) { return std::to_string(code) + " (" + std::string(meaning) + ")"; }

class Handshake {
 public:
  Handshake(Channel& stream, const ProxySettings& proxy, const std::string& host, std::uint16_t port, Deadline deadline,
            const ProxyLog& log)
      : stream_(stream), proxy_(proxy), host_(host), port_(port), deadline_(deadline), log_(log),
        target_(host_.find(':') != std::string::npos ? "[" + host_ + "]:" + std::to_string(port_) : host_ + ":" + std::to_string(port_)) {}

  ProxyTunnel run() {
    switch (proxy_.type) {
      case ProxyType::Socks4:
      case ProxyType::Socks4a: return socks4();
      case ProxyType::Socks5: return socks5();
      case ProxyType::Http: return http();
      case ProxyType::None: break;
    }
    throw ProxyError(ProxyOutcome::ProtocolError, "no proxy configured");
  }

 private:
  // ---- SOCKS4 / SOCKS4a ----
  ProxyTunnel socks4() {
    std::uint8_t ip[4] = {};
    auto v4 = platform::parse_ipv4(host_);
    if (v4) std::copy(v4->begin(), v4->end(), ip);
    bool literal = v4.has_value();
    if (!literal && proxy_.type == ProxyType::Socks4)
      throw ProxyError(ProxyOutcome::ProtocolError, "SOCKS4 needs an IPv4 address for " + host_);
    const char* version = literal ? "SOCKS4" : "SOCKS4a";
    std::string user_id = proxy_.use_credentials ? proxy_.username : std::string();
    send(socks4_connect_request(ip, port_, user_id, literal ? std::string_view() : host_),
         std::string(version) + " request: version 4, command CONNECT (1), target " + target_ +
             (literal ? "" : " (name resolved by the proxy)") + ", user id " + in_quotes(user_id));
    Socks4Reply reply;
    receive<Socks4Reply>(parse_socks4_reply, reply, "the SOCKS4 request");
    std::string text = with_code(reply.code, socks4_reply_meaning(reply.code));
    log_(Dir::Server, "SOCKS4 reply: version 0, code " + text + ", bound address " + reply.address + ":" + std::to_string(reply.port));
    if (reply.code != kSocks4Granted)
      throw ProxyError(ProxyOutcome::TargetRefused,
                       std::string("The ") + version + " proxy refused the connection to " + target_ + ": reply " + text +
                           (literal || reply.code != 91 ? "" : " (a proxy without SOCKS4a answers 91 to every name: then try SOCKS4 or SOCKS5)"),
                       reply.code, std::string(socks4_reply_meaning(reply.code)));
    return {reply.code, std::string(socks4_reply_meaning(reply.code)), reply.address};
  }

  // ---- SOCKS5 ----
  ProxyTunnel socks5() {
    const bool with_password = proxy_.use_credentials;
    const int offered = with_password ? kSocks5UserPass : kSocks5NoAuth;
    send(socks5_greeting(with_password),
         "SOCKS5 greeting: version 5, methods: " + with_code(offered, socks5_method_name(offered)));
    Socks5Choice choice;
    receive<Socks5Choice>(parse_socks5_choice, choice, "the SOCKS5 greeting");
    log_(Dir::Server, "SOCKS5 method choice: version 5, method " + with_code(choice.method, socks5_method_name(choice.method)));
    if (choice.method == kSocks5NoAcceptable)
      throw ProxyError(ProxyOutcome::CredentialsRefused,
                       with_password ? "The SOCKS5 proxy accepts no username/password authentication (no acceptable methods, 0xFF); "
                                       "check whether it needs credentials at all, or another method"
                                     : "The SOCKS5 proxy requires authentication (no acceptable methods, 0xFF): turn on "
                                       "\"Use credentials\" and give the proxy's username and password",
                       choice.method, std::string(socks5_method_name(choice.method)));
    if (choice.method != offered)
      throw ProxyError(ProxyOutcome::ProtocolError,
                       "The SOCKS5 proxy chose method " + with_code(choice.method, socks5_method_name(choice.method)) +
                           ", which was not offered",
                       choice.method, std::string(socks5_method_name(choice.method)));
    if (with_password) socks5_authenticate();

    bool name = proxy_resolves_target(proxy_) && !is_ip_literal(host_);
    AddressType type = name ? AddressType::Domain : (host_.find(':') != std::string::npos ? AddressType::Ipv6 : AddressType::Ipv4);
    send(socks5_connect_request(host_, port_),
         "SOCKS5 request: version 5, command CONNECT (1), address type " +
             with_code(static_cast<int>(type), address_type_name(type)) + ", target " + target_ +
             (name ? " (name resolved by the proxy)" : ""));
    Socks5Reply reply;
    receive<Socks5Reply>(parse_socks5_reply, reply, "the SOCKS5 request");
    std::string text = with_code(reply.code, socks5_reply_meaning(reply.code));
    log_(Dir::Server, "SOCKS5 reply: version 5, code " + text + ", bound address " +
                          std::string(address_type_name(reply.address_type)) + " " + reply.address + ":" + std::to_string(reply.port));
    if (reply.code != 0)
      throw ProxyError(ProxyOutcome::TargetRefused,
                       "The SOCKS5 proxy could not connect to " + target_ + ": reply " + text, reply.code,
                       std::string(socks5_reply_meaning(reply.code)));
    return {0, std::string(socks5_reply_meaning(0)), reply.address_type == AddressType::Domain ? std::string() : reply.address};
  }

  void socks5_authenticate() {
    send(socks5_userpass_request(proxy_.username, proxy_.password),
         "SOCKS5 username/password (RFC 1929): version 1, user " + in_quotes(proxy_.username) + ", password " + masked_secret());
    Socks5AuthStatus status;
    receive<Socks5AuthStatus>(parse_socks5_auth_status, status, "the username/password");
    log_(Dir::Server, "SOCKS5 authentication status: " + with_code(status.status, status.status == 0 ? "success" : "failure"));
    if (status.status != 0)
      throw ProxyError(ProxyOutcome::CredentialsRefused,
                       "The SOCKS5 proxy refused the username/password for user " + in_quotes(proxy_.username) + " (status " +
                           std::to_string(status.status) + ")",
                       status.status, "authentication failed");
  }

  // ---- HTTP CONNECT ----
  ProxyTunnel http() {
    if (wants_ntlm(proxy_)) return http_ntlm();
    std::optional<std::string> credentials;
    if (proxy_.use_credentials) credentials = proxy_.username + ":" + proxy_.password;
    HttpResponse response = exchange(http_connect_request(host_, port_, credentials), "CONNECT");
    if (response.status >= 200 && response.status < 300) return {response.status, response.status_line, {}};
    if (response.status == 407 || response.status == 401) throw credentials_refused(response);  // tinyproxy: 401 for wrong ones
    throw target_refused(response);
  }

  // NTLM (MS-NLMP) binds the authentication to the TCP connection: CONNECT with the NEGOTIATE_MESSAGE,
  // a 407 carrying the CHALLENGE_MESSAGE (its body read off the same connection), then CONNECT with the
  // AUTHENTICATE_MESSAGE.
  ProxyTunnel http_ntlm() {
    ntlm::Client client(ntlm::account(proxy_.domain, proxy_.username), proxy_.password);
    ntlm::Message negotiate = client.negotiate();
    HttpResponse response = exchange(http_connect_request_authorized(host_, port_, "NTLM " + base64_encode(negotiate.bytes)),
                                     "CONNECT with the NTLM negotiate message", negotiate.display);
    if (response.status >= 200 && response.status < 300) return {response.status, response.status_line, {}};
    if (response.status != 407 && response.status != 401) throw target_refused(response);
    std::string challenge = ntlm_challenge(response);
    if (auto described = client.describe_challenge(challenge); !described.empty()) log_(Dir::Server, described);
    if (closes_connection(response))
      throw ProxyError(ProxyOutcome::Closed,
                       "The HTTP proxy closes the connection after its NTLM challenge (" + response.status_line +
                           ", Connection: close), but NTLM authenticates one connection: the proxy must keep it open "
                           "(keep-alive) for the second CONNECT",
                       response.status, response.status_line);
    discard_body(response);

    ntlm::Message authenticate;
    try {
      authenticate = client.authenticate(challenge);
    } catch (const ntlm::Error& e) {
      throw ProxyError(ProxyOutcome::ProtocolError, std::string("The HTTP proxy's NTLM challenge is not usable: ") + e.what(),
                       response.status, response.status_line);
    }
    try {
      response = exchange(http_connect_request_authorized(host_, port_, "NTLM " + base64_encode(authenticate.bytes)),
                          "CONNECT with the NTLM authenticate message", authenticate.display);
    } catch (const ProxyError& e) {
      if (e.outcome != ProxyOutcome::Closed) throw;
      throw ProxyError(ProxyOutcome::Closed, "The HTTP proxy closed the connection after its NTLM challenge, before "
                                             "answering the authenticate message: NTLM needs the same connection for it "
                                             "(the proxy must keep the connection alive)");
    }
    if (response.status >= 200 && response.status < 300) return {response.status, response.status_line, {}};
    if (response.status == 407 || response.status == 401)
      throw ProxyError(ProxyOutcome::CredentialsRefused,
                       "The HTTP proxy refused the NTLM credentials for user " + in_quotes(proxy_.username) + " in domain " +
                           in_quotes(proxy_.domain) + " (" + response.status_line + ")",
                       response.status, response.status_line);
    throw target_refused(response);
  }

  // The NTLM CHALLENGE_MESSAGE of a 407, decoded; a proxy without NTLM is named with what it offers instead.
  std::string ntlm_challenge(const HttpResponse& response) {
    auto challenges = proxy_auth_challenges(response);
    std::string offered;
    for (const auto& c : challenges) {
      if (text::lower(c.scheme) != "ntlm") {
        offered += (offered.empty() ? "" : ", ") + c.scheme;
        continue;
      }
      if (c.data.empty())
        throw ProxyError(ProxyOutcome::CredentialsRefused,
                         "The HTTP proxy answered the NTLM negotiate message without a challenge (" + response.status_line +
                             ", bare \"Proxy-Authenticate: NTLM\"): it refused to start NTLM",
                         response.status, response.status_line);
      auto decoded = base64_decode(c.data);
      if (!decoded)
        throw ProxyError(ProxyOutcome::ProtocolError, "The HTTP proxy's NTLM challenge is not valid base64", response.status,
                         response.status_line);
      return *decoded;
    }
    throw ProxyError(ProxyOutcome::CredentialsRefused,
                     "The HTTP proxy does not offer NTLM authentication (" + response.status_line + "; it offers " +
                         (offered.empty() ? std::string("no authentication scheme") : offered) +
                         "); clear Domain to authenticate with Basic",
                     response.status, response.status_line);
  }

  // Sends one CONNECT and reads the response head; the transcript gets the masked request, the decoded
  // NTLM message (`decoded`) when there is one, and the response.
  HttpResponse exchange(const std::vector<std::string>& lines, const std::string& what, const std::string& decoded = {}) {
    std::string wire;
    for (const auto& l : lines) wire += l + "\r\n";
    wire += "\r\n";
    write(wire);
    for (const auto& l : lines) log_(Dir::Client, masked_request_line(l));
    if (!decoded.empty()) log_(Dir::Client, decoded);
    HttpResponse response;
    receive<HttpResponse>(parse_http_response, response, what);
    log_(Dir::Server, response.status_line);
    for (const auto& [name, value] : response.headers) log_(Dir::Server, name + ": " + value);
    return response;
  }

  // Reads and drops the body of a response whose connection is used again (the 407's error page).
  void discard_body(const HttpResponse& response) {
    constexpr std::size_t kMaxBody = 1 << 20;
    if (!response.header_values("Transfer-Encoding").empty() && !content_length(response))
      throw ProxyError(ProxyOutcome::ProtocolError,
                       "The HTTP proxy sent its NTLM challenge with a chunked body, which this client does not read; "
                       "a Content-Length is needed to keep the connection",
                       response.status, response.status_line);
    std::size_t left = content_length(response).value_or(0);
    if (left > kMaxBody)
      throw ProxyError(ProxyOutcome::ProtocolError, "The HTTP proxy's 407 body is larger than 1 MiB", response.status,
                       response.status_line);
    while (left > 0) {
      char chunk[4096];
      std::size_t n = 0;
      try {
        n = stream_.read_some(chunk, std::min(left, sizeof chunk), deadline_);
      } catch (const TimedOut&) {
        throw ProxyError(ProxyOutcome::Timeout, "The HTTP proxy did not send its 407 body in time");
      } catch (const NetError& e) {
        throw ProxyError(ProxyOutcome::Closed, std::string("The connection to the proxy was lost reading its 407 body: ") + e.what());
      }
      if (n == 0)
        throw ProxyError(ProxyOutcome::Closed,
                         "The HTTP proxy closed the connection after its NTLM challenge, but NTLM needs the same "
                         "connection for the authenticate message (it must keep the connection alive)",
                         response.status, response.status_line);
      left -= n;
    }
  }

  ProxyError target_refused(const HttpResponse& response) {
    std::string why;
    if (response.status == 403) why = " (forbidden: the proxy does not allow a tunnel to this host or port)";
    else if (response.status == 502 || response.status == 503 || response.status == 504)
      why = " (the proxy could not reach the server)";
    return ProxyError(ProxyOutcome::TargetRefused,
                      "The HTTP proxy refused the tunnel to " + target_ + ": " + response.status_line + why, response.status,
                      response.status_line);
  }

  ProxyError credentials_refused(const HttpResponse& response) {
    auto challenges = proxy_auth_challenges(response);
    auto offers = [&](std::string_view scheme) {
      return std::any_of(challenges.begin(), challenges.end(), [&](const AuthChallenge& c) { return text::lower(c.scheme) == scheme; });
    };
    std::string message;
    if (!proxy_.use_credentials)
      message = "The HTTP proxy requires authentication (" + response.status_line +
                "): turn on \"Use credentials\" and give the proxy's username and password";
    else
      message = "The HTTP proxy refused the credentials for user " + in_quotes(proxy_.username) + " (" + response.status_line + ")";
    if (!offers("basic") && offers("ntlm")) message += "; it asks for NTLM: give the proxy's Domain to authenticate with NTLM";
    else if (!offers("basic") && offers("negotiate")) message += "; it asks for Negotiate (Kerberos), which this client does not speak";
    return ProxyError(ProxyOutcome::CredentialsRefused, message, response.status, response.status_line);
  }

  // ---- I/O ----
  void send(const std::string& bytes, const std::string& display) {
    log_(Dir::Client, display);
    write(bytes);
  }
  void write(const std::string& bytes) {
    try {
      stream_.write_all(bytes, deadline_);
    } catch (const TimedOut&) {
      throw ProxyError(ProxyOutcome::Timeout, "Sending to the proxy did not finish in time");
    } catch (const NetError& e) {
      throw ProxyError(ProxyOutcome::Closed, std::string("The connection to the proxy was lost while sending: ") + e.what());
    }
  }

  // Reads no more than the parser asks for, so that not a byte of the server's data is taken from the stream.
  template <typename Reply, typename ParseFn>
  void receive(ParseFn parse, Reply& reply, const std::string& what) {
    std::string buffer;
    while (true) {
      Parse p = parse(buffer, reply);
      if (p.status == Parse::Status::Complete) return;
      if (p.status == Parse::Status::Malformed)
        throw ProxyError(ProxyOutcome::ProtocolError, "The proxy's answer to " + what + " is not valid: " + p.error);
      char chunk[512];
      std::size_t n = 0;
      try {
        n = stream_.read_some(chunk, std::min(p.need, sizeof chunk), deadline_);
      } catch (const TimedOut&) {
        throw ProxyError(ProxyOutcome::Timeout, "The proxy did not answer " + what + " in time");
      } catch (const NetError& e) {
        throw ProxyError(ProxyOutcome::Closed, "The connection to the proxy was lost waiting for its answer to " + what + ": " + e.what());
      }
      if (n == 0)
        throw ProxyError(ProxyOutcome::Closed, "The proxy closed the connection " +
                                                   std::string(buffer.empty() ? "without answering " : "in the middle of its answer to ") + what +
                                                   " (wrong proxy type or port?)");
      buffer.append(chunk, n);
    }
  }

  Channel& stream_;
  const ProxySettings& proxy_;
  const std::string& host_;
  std::uint16_t port_;
  Deadline deadline_;
  const ProxyLog& log_;
  std::string target_;
};

}  // namespace

ProxyTunnel proxy_handshake(Channel& stream, const ProxySettings& proxy, const std::string& target_host, std::uint16_t port,
                            Deadline deadline, const ProxyLog& log) {
  return Handshake(stream, proxy, target_host, port, deadline, log).run();
}

}  // namespace smtpwb::net
