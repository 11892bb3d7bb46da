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

// One name table per fact enum: to_string and the parser read the same pairs.
template <typename E, std::size_t N>
std::string_view name_in(const std::pair<E, std::string_view> (&table)[N], E value) {
  for (const auto& [v, name] : table)
    if (v == value) return name;
  return "?";
}
template <typename E, std::size_t N>
std::optional<E> value_in(const std::pair<E, std::string_view> (&table)[N], std::string_view name) {
  for (const auto& [v, n] : table)
    if (n == name) return v;
  return std::nullopt;
}

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
    // The test message asked for an extension the server's EHLO does not offer.
    {FailureCause::NoSmtpUtf8, "no-smtputf8"},
    {FailureCause::NoChunking, "no-chunking"},
    {FailureCause::NoDsn, "no-dsn"},
};

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

constexpr std::pair<AuthResult, std::string_view> kAuthResultNames[] = {
    {AuthResult::NotAttempted, "not-attempted"}, {AuthResult::Skipped, "skipped"},
    {AuthResult::Ok, "ok"}, {AuthResult::Failed, "failed"}};

constexpr std::pair<VerifyErrorKind, std::string_view> kVerifyErrorNames[] = {
    {VerifyErrorKind::Expired, "expired"},     {VerifyErrorKind::NotYetValid, "not-yet-valid"},
    {VerifyErrorKind::HostnameMismatch, "hostname-mismatch"}, {VerifyErrorKind::Untrusted, "untrusted"},
    {VerifyErrorKind::Revoked, "revoked"},     {VerifyErrorKind::Other, "other"}};

constexpr std::pair<RefusedBy, std::string_view> kRefusedByNames[] = {
    {RefusedBy::Nobody, ""}, {RefusedBy::Client, "client"}, {RefusedBy::Server, "server"}};

constexpr std::pair<ForeignProtocol, std::string_view> kForeignProtocolNames[] = {
    {ForeignProtocol::None, ""},     {ForeignProtocol::Ssh, "ssh"},   {ForeignProtocol::Http, "http"},
    {ForeignProtocol::Imap, "imap"}, {ForeignProtocol::Pop3, "pop3"}};

constexpr std::pair<ResolvedBy, std::string_view> kResolvedByNames[] = {
    {ResolvedBy::Client, "client"}, {ResolvedBy::Proxy, "proxy"}};

}  // namespace

std::string_view to_string(AuthResult r) { return name_in(kAuthResultNames, r); }
std::string_view to_string(ProxyResult r) { return name_in(kProxyResultNames, r); }
std::optional<ProxyResult> proxy_result_from(std::string_view name) { return value_in(kProxyResultNames, name); }
std::string_view to_string(FailureCause c) { return name_in(kCauseNames, c); }
std::optional<FailureCause> failure_cause_from(std::string_view name) {
  auto cause = value_in(kCauseNames, name);
  return cause == FailureCause::None ? std::nullopt : cause;
}
std::string_view to_string(VerifyErrorKind k) { return name_in(kVerifyErrorNames, k); }
std::optional<VerifyErrorKind> verify_error_kind_from(std::string_view name) { return value_in(kVerifyErrorNames, name); }
std::string_view to_string(RefusedBy r) { return name_in(kRefusedByNames, r); }
std::optional<RefusedBy> refused_by_from(std::string_view name) { return value_in(kRefusedByNames, name); }
std::string_view to_string(ForeignProtocol p) { return name_in(kForeignProtocolNames, p); }
std::optional<ForeignProtocol> foreign_protocol_from(std::string_view name) { return value_in(kForeignProtocolNames, name); }
std::string_view to_string(ResolvedBy r) { return name_in(kResolvedByNames, r); }

}  // namespace smtpwb
