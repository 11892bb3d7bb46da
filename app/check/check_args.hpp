#pragma once
// `smtp-workbench check` command line: parsed into a plain value, validated, never executed here.
#include <optional>
#include <string>
#include <vector>

#include "smtpwb/settings.hpp"

namespace smtpwb::app {

enum class ColorMode { Auto, Always, Never };
enum class PasswordSource { None, Env, File, Stdin };

// --proxy URL: scheme://[user[:password]@]host[:port][/]
struct ProxyUrl {
  ProxyType type = ProxyType::None;  // "none" turns a profile's proxy off
  bool resolve_via_proxy = false;    // socks5h
  std::string host;
  int port = 0;
  std::optional<std::string> user, password;  // percent-decoded
};

struct CheckArgs {
  // Flags as given; std::nullopt when absent, so that a profile's values survive.
  std::optional<std::string> host, security, tls_versions, user, sasl, ca_file, ehlo, code_page, name, group;
  std::optional<int> port, timeout;
  bool anonymous = false, allow_plaintext_auth = false, no_verify = false;
  PasswordSource password_source = PasswordSource::None;
  std::string password_ref;  // variable name or file path
  std::optional<std::string> from, subject, body_file;
  std::vector<std::string> to;
  std::optional<StopAfter> stop_after;
  std::string json_file, profile, save_profile, log_file;
  std::string report_md, report_html;  // --report-md FILE, --report-html FILE
  bool print_commands = false;         // the equivalent swaks / curl / openssl command lines
  ColorMode color = ColorMode::Auto;
  bool demo = false;
  std::optional<std::string> demo_fault;
  bool quiet = false, help = false, timestamps = false;
  bool probe_tls = false;      // after the test, probe every TLS version (a grid; "tls_probe" in JSON)
  bool find_settings = false;  // instead of a test, try ports x modes and recommend one
  std::vector<int> find_ports; // --find-ports; empty: 25, 465, 587, 2525
  std::optional<ProxyUrl> proxy;
  std::optional<std::string> proxy_user, proxy_domain, proxy_password_env;
  // OAuth 2.0: a token directly, or the sign-in flow with a client id and secret.
  std::optional<std::string> auth, oauth_token_env, oauth_client_id, oauth_client_secret_env, oauth_auth_url,
      oauth_token_url, oauth_scope;
  // Microsoft 365 OAuth: the tenant (default organizations) and the authority its endpoints are under
  // (default https://login.microsoftonline.com; another for a local test provider).
  std::optional<std::string> oauth_tenant, oauth_authority;
  // Plugin mode (--nagios): one status line, perfdata and the plugin exit codes; the thresholds of
  // WARNING and CRITICAL for the total time and the certificate's days left.
  bool nagios = false;
  std::optional<int> warn_ms, crit_ms, cert_warn_days, cert_crit_days;
  // Client certificate (PEM files; the key's password from an environment variable) and legacy NTLMv1.
  std::optional<std::string> client_cert, client_key, client_key_password_env;
  bool allow_ntlmv1 = false;
  // The test message's SMTP extensions: SMTPUTF8 (RFC 6531), BDAT (RFC 3030), DSN (RFC 3461).
  bool smtputf8 = false, bdat = false;
  std::optional<std::string> dsn_notify, dsn_ret, dsn_envid;
  bool message_extensions() const { return smtputf8 || bdat || dsn_notify || dsn_ret || dsn_envid; }
  // Network and security probes (issue 17): -4/-6, the source address, the plain-text probe.
  bool ipv4 = false, ipv6 = false;
  std::optional<std::string> local_address;
  bool submission_port = false;  // --submission-port: the port is a submission port although not 587
  bool probe_plaintext = false;  // after the test: AUTH and MAIL FROM before TLS ("plaintext_probe" in JSON)
  bool oauth_flow() const { return oauth_client_id.has_value(); }
};

struct UsageError {
  std::string message;  // one line, names the flag
};

// Pure: the --proxy value; the error names --proxy.
std::optional<UsageError> parse_proxy_url(const std::string& url, ProxyUrl& out);

// Parses argv after "check". Returns the arguments, or the first usage error.
std::optional<UsageError> parse_check_args(const std::vector<std::string>& argv, CheckArgs& out);

// Applies the flags over settings (which may come from a profile). Returns a usage error for values
// that are wrong in themselves (unknown TLS version, bad --security...).
std::optional<UsageError> apply_check_args(const CheckArgs& args, ConnectionSettings& settings);

const char* check_usage();

}  // namespace smtpwb::app
