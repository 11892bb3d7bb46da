#include "smtpwb/event.hpp"

#include "smtpwb/result.hpp"

#include <utility>

namespace smtpwb {

std::string_view to_string(Dir d) {
  static constexpr std::string_view kNames[] = {"client", "server", "tls", "info", "error"};
  return kNames[static_cast<int>(d)];
}

std::string_view to_string(Phase p) {
  static constexpr std::string_view kNames[] = {"dns",  "connect", "proxy", "banner", "ehlo", "starttls", "tls",
                                                "auth", "mail",    "rcpt",  "data",   "quit", "done"};
  return kNames[static_cast<int>(p)];
}

std::string_view marker(const Event& e) {
  switch (e.dir) {
    case Dir::Client: return e.in_tls ? " ~>" : " ->";
    case Dir::Server: return e.in_tls ? "<~ " : "<- ";
    case Dir::Error: return "***";
    case Dir::Tls:
    case Dir::Info: break;
  }
  return "===";
}

std::string_view to_string(FailureCategory c) {
  static constexpr std::string_view kNames[] = {"config", "dns",  "connect", "timeout",   "proxy",   "tls",
                                                "certificate", "auth", "smtp", "cancelled", "internal"};
  return kNames[static_cast<int>(c)];
}

namespace {
constexpr std::pair<FailureCause, std::string_view> kCauseNames[] = {
    {FailureCause::None, ""},
    {FailureCause::Closed, "closed"},
    {FailureCause::Reset, "reset"},
    {FailureCause::NoReply, "no-reply"},
    {FailureCause::SlowReply, "slow-reply"},
    {FailureCause::Malformed, "malformed"},
    {FailureCause::Unsolicited, "unsolicited"},
    {FailureCause::SizeLimit, "size-limit"},
    {FailureCause::ConnectionRefused, "connection-refused"},
    {FailureCause::NoAuthOffered, "no-auth-offered"},
    {FailureCause::NoCommonMechanism, "no-common-mechanism"},
    {FailureCause::CleartextCredentials, "cleartext-credentials"},
    {FailureCause::OAuthSignIn, "oauth-sign-in"},
};
}  // namespace

namespace {
constexpr std::pair<ProxyResult, std::string_view> kProxyResultNames[] = {
    {ProxyResult::NotAttempted, "not-attempted"},
    {ProxyResult::Unresolved, "unresolved"},
    {ProxyResult::Unreachable, "unreachable"},
    {ProxyResult::Connected, "connected"},
    {ProxyResult::Ok, "ok"},
    {ProxyResult::CredentialsRefused, "credentials-refused"},
    {ProxyResult::TargetRefused, "target-refused"},
    {ProxyResult::Timeout, "timeout"},
    {ProxyResult::Closed, "closed"},
    {ProxyResult::ProtocolError, "protocol-error"},
};
}  // namespace

std::string_view to_string(AuthResult r) {
  static constexpr std::string_view kNames[] = {"not-attempted", "skipped", "ok", "failed"};
  return kNames[static_cast<int>(r)];
}

std::string_view to_string(ProxyResult r) {
  for (const auto& [result, name] : kProxyResultNames)
    if (result == r) return name;
  return "?";
}

std::optional<ProxyResult> proxy_result_from(std::string_view name) {
  for (const auto& [result, n] : kProxyResultNames)
    if (n == name) return result;
  return std::nullopt;
}

std::string_view to_string(FailureCause c) {
  for (const auto& [cause, name] : kCauseNames)
    if (cause == c) return name;
  return "";
}

std::optional<FailureCause> failure_cause_from(std::string_view name) {
  for (const auto& [cause, n] : kCauseNames)
    if (n == name && cause != FailureCause::None) return cause;
  return std::nullopt;
}

}  // namespace smtpwb
