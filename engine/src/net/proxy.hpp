#pragma once
// The proxy handshake on a stream connected to the proxy: SOCKS4, SOCKS4a, SOCKS5 (RFC 1928/1929) and
// HTTP CONNECT (Basic, or NTLM when a Domain is set). It writes decoded transcript lines through `log`, never a password.
#include <functional>
#include <stdexcept>
#include <string>

#include "smtpwb/event.hpp"
#include "smtpwb/net/io.hpp"
#include "smtpwb/result.hpp"
#include "smtpwb/settings.hpp"

namespace smtpwb::net {

// A handshake ends in one of ProxyResult's outcomes from Ok on (one name table, in result.hpp).
using ProxyOutcome = ProxyResult;

struct ProxyError : std::runtime_error {
  ProxyError(ProxyOutcome o, std::string message, int reply_code = -1, std::string reply = {})
      : std::runtime_error(std::move(message)), outcome(o), reply_code(reply_code), reply_text(std::move(reply)) {}
  ProxyOutcome outcome;
  int reply_code;          // SOCKS reply/status code or HTTP status; -1 when the proxy gave none
  std::string reply_text;  // its meaning, or the HTTP status line
};

struct ProxyTunnel {
  int reply_code = -1;
  std::string reply_text;
  std::string bound_address;  // SOCKS: the proxy's address towards the server, when it says
};

// Whether the proxy (not this client) resolves the server's name for these settings.
bool proxy_resolves_target(const ProxySettings& proxy);
// An HTTP proxy with credentials and a Domain authenticates with NTLM (otherwise Basic).
bool wants_ntlm(const ProxySettings& proxy);

using ProxyLog = std::function<void(Dir, std::string)>;

// target_host: an IP literal, or a name when proxy_resolves_target(). Bounded by `deadline` and the
// stream's cancel flag. Throws ProxyError, or Cancelled.
ProxyTunnel proxy_handshake(Channel& stream, const ProxySettings& proxy, const std::string& target_host, std::uint16_t port,
                            Deadline deadline, const ProxyLog& log);

}  // namespace smtpwb::net
