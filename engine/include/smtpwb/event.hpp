#pragma once
// Events: every step of a session, produced on the session thread, consumed by the UI or `check`.
#include <cstdint>
#include <string>
#include <string_view>

namespace smtpwb {

enum class Dir : std::uint8_t { Client, Server, Tls, Info, Error };

enum class Phase : std::uint8_t {
  Resolve, Connect, Proxy, Banner, Ehlo, StartTls, TlsHandshake, Auth, Mail, Rcpt, Data, Quit, Done
};

struct Event {
  std::int64_t t_us = 0;     // monotonic, since the session started
  Dir dir = Dir::Info;
  Phase phase = Phase::Resolve;
  bool in_tls = false;       // a client/server line sent inside TLS
  std::string text;          // never contains a secret
};

std::string_view to_string(Dir d);     // "client", "server", "tls", "info", "error"
std::string_view to_string(Phase p);   // "dns", "connect", ...
// swaks-style marker: "->" / "<-" plain, "~>" / "<~" inside TLS, "===" info and TLS, "***" error.
std::string_view marker(const Event& e);

}  // namespace smtpwb
