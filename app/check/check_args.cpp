#include "check/check_args.hpp"

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>

#include "check/arg_text.hpp"
#include "smtpwb/platform.hpp"
#include "smtpwb/sasl/mechanism.hpp"

namespace smtpwb::app {

namespace {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text) {
    if (c == ',') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else if (c != ' ') {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::optional<UsageError> check_oauth_args(const CheckArgs& a) {
  const bool token = a.oauth_token_env.has_value();
  if (token && a.oauth_flow()) return UsageError{"give either --oauth-token-env or --oauth-client-id, not both"};
  if (a.oauth_client_secret_env && !a.oauth_flow()) return UsageError{"--oauth-client-secret-env needs --oauth-client-id"};
  if ((a.oauth_auth_url || a.oauth_token_url || a.oauth_scope) && !a.oauth_flow())
    return UsageError{"--oauth-auth-url, --oauth-token-url and --oauth-scope need --oauth-client-id"};
  if (a.oauth_auth_url.has_value() != a.oauth_token_url.has_value())
    return UsageError{"--oauth-auth-url and --oauth-token-url go together"};
  if ((token || a.oauth_flow()) && !a.user) return UsageError{"OAuth needs --user: the mail account to authenticate as"};
  if ((token || a.oauth_flow()) && a.password_source != PasswordSource::None)
    return UsageError{"OAuth uses a token, not a password: leave out --password-env/--password-file/--password-stdin"};
  if ((a.auth == "gmail-oauth" || a.auth == "microsoft365-oauth") && !token && !a.oauth_flow())
    return UsageError{"--auth " + *a.auth + " needs --oauth-token-env or --oauth-client-id"};
  const bool microsoft = a.auth == "microsoft365-oauth" || (!a.auth && !a.profile.empty());
  if (a.oauth_tenant && !microsoft) return UsageError{"--oauth-tenant is for --auth microsoft365-oauth"};
  if (a.oauth_tenant && !is_valid_oauth_tenant(*a.oauth_tenant))
    return UsageError{"--oauth-tenant: \"" + *a.oauth_tenant + "\" is not a tenant: give its GUID, a domain name "
                      "(contoso.onmicrosoft.com) or organizations, common or consumers"};
  if (a.oauth_authority && (!microsoft || !a.oauth_flow()))
    return UsageError{"--oauth-authority is for --auth microsoft365-oauth with --oauth-client-id"};
  if (a.oauth_authority && a.oauth_authority->rfind("https://", 0) != 0)
    return UsageError{"--oauth-authority: \"" + *a.oauth_authority + "\" is not an https:// URL"};
  return std::nullopt;
}

// --nagios and its thresholds: the plugin prints its status line only, so the other outputs are refused.
std::optional<UsageError> check_plugin_args(const CheckArgs& a) {
  const bool thresholds = a.warn_ms || a.crit_ms || a.cert_warn_days || a.cert_crit_days;
  if (!a.nagios) {
    if (thresholds) return UsageError{"--warn-ms, --crit-ms, --cert-warn-days and --cert-crit-days need --nagios"};
    return std::nullopt;
  }
  if (!a.json_file.empty() || !a.report_md.empty() || !a.report_html.empty() || a.print_commands || !a.save_profile.empty())
    return UsageError{"--nagios prints the plugin output only: leave out --json, --report-md, --report-html, "
                      "--print-commands and --save-profile"};
  if (a.find_settings || a.probe_tls) return UsageError{"--nagios runs one test: leave out --find-settings and --probe-tls"};
  if (a.oauth_flow())
    return UsageError{"--nagios cannot open a browser to sign in: give the access token with --oauth-token-env"};
  for (const auto& [flag, value] : {std::pair{"--warn-ms", a.warn_ms}, {"--crit-ms", a.crit_ms}})
    if (value && *value <= 0) return UsageError{std::string(flag) + ": give a number of milliseconds above 0"};
  for (const auto& [flag, value] : {std::pair{"--cert-warn-days", a.cert_warn_days}, {"--cert-crit-days", a.cert_crit_days}})
    if (value && *value < 0) return UsageError{std::string(flag) + ": give a number of days, 0 or more"};
  if (a.warn_ms && a.crit_ms && *a.warn_ms > *a.crit_ms)
    return UsageError{"--warn-ms is above --crit-ms: the warning comes first, at the shorter time"};
  if (a.cert_warn_days && a.cert_crit_days && *a.cert_warn_days < *a.cert_crit_days)
    return UsageError{"--cert-warn-days is below --cert-crit-days: the warning comes first, with more days left"};
  return std::nullopt;
}

// -4/-6 and the plain-text probe.
std::optional<UsageError> check_network_args(const CheckArgs& a) {
  if (a.ipv4 && a.ipv6) return UsageError{"give either -4/--ipv4 or -6/--ipv6, not both"};
  if (a.local_address && !is_ip_literal(*a.local_address))
    return UsageError{"--local-address: \"" + *a.local_address + "\" is not an IP address (e.g. 192.0.2.10 or 2001:db8::10)"};
  if (a.local_address && a.ipv4 && !platform::parse_ipv4(*a.local_address))
    return UsageError{"--local-address " + *a.local_address + " is IPv6, but -4/--ipv4 asks for IPv4"};
  if (a.local_address && a.ipv6 && platform::parse_ipv4(*a.local_address))
    return UsageError{"--local-address " + *a.local_address + " is IPv4, but -6/--ipv6 asks for IPv6"};
  if (a.probe_plaintext && a.find_settings) return UsageError{"--find-settings runs alone: leave out --probe-plaintext"};
  if (a.probe_plaintext && a.nagios) return UsageError{"--nagios runs one test: leave out --probe-plaintext"};
  return std::nullopt;
}

}  // namespace

std::optional<UsageError> parse_proxy_url(const std::string& url, ProxyUrl& out) {
  // Errors show the URL with its password masked: it must not be echoed.
  std::string shown = url;
  if (auto sep = url.find("://"), at = url.rfind('@'); sep != std::string::npos && at != std::string::npos && at > sep) {
    if (auto colon = url.find(':', sep + 3); colon < at) shown = url.substr(0, colon + 1) + "********" + url.substr(at);
  }
  auto bad = [&](const std::string& why) { return UsageError{"--proxy: \"" + shown + "\" " + why}; };
  out = {};
  if (url == "none") return std::nullopt;
  auto sep = url.find("://");
  if (sep == std::string::npos) return bad("is not a proxy URL like socks5://proxy.example.com:1080");
  std::string scheme = url.substr(0, sep);
  for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme == "socks5h") {
    out.type = ProxyType::Socks5;
    out.resolve_via_proxy = true;
  } else if (auto t = parse_proxy_type(scheme); t && *t != ProxyType::None) {
    out.type = *t;
  } else {
    return bad("has the scheme \"" + scheme + "\"; use socks4://, socks4a://, socks5://, socks5h:// or http://");
  }
  std::string rest = url.substr(sep + 3);
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.find_first_of("/?#") != std::string::npos) return bad("has a path; give only [user[:password]@]host[:port]");
  if (auto at = rest.rfind('@'); at != std::string::npos) {
    std::string userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    auto colon = userinfo.find(':');
    out.user = percent_decode(userinfo.substr(0, colon));
    if (colon != std::string::npos) out.password = percent_decode(userinfo.substr(colon + 1));
    if (!out.user || (colon != std::string::npos && !out.password)) return bad("has a malformed %-escape in the user or password");
    if (out.user->empty()) return bad("has an empty user name before '@'");
  }
  std::string port_text;
  if (!rest.empty() && rest.front() == '[') {  // [IPv6]:port
    auto close = rest.find(']');
    if (close == std::string::npos) return bad("has an IPv6 address without its closing ']'");
    out.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') return bad("has text after the IPv6 address");
      port_text = rest.substr(close + 2);
      if (port_text.empty()) return bad("has an empty port after ':'");
    }
    if (!is_ip_literal(out.host) || out.host.find(':') == std::string::npos) return bad("has an invalid IPv6 address in brackets");
  } else {
    auto colon = rest.find(':');
    out.host = rest.substr(0, colon);
    if (colon != std::string::npos) {
      port_text = rest.substr(colon + 1);
      if (port_text.empty()) return bad("has an empty port after ':'");
    }
    if (out.host.empty()) return bad("has no host");
    if (!is_ip_literal(out.host) && !is_valid_hostname(out.host)) return bad("has an invalid host name \"" + out.host + "\"");
  }
  out.port = out.type == ProxyType::Http ? 8080 : 1080;
  if (!port_text.empty()) {
    auto n = parse_int(port_text);
    if (!n || *n < 1 || *n > 65535) return bad("has the port \"" + port_text + "\", which is not a TCP port (1-65535)");
    out.port = *n;
  }
  return std::nullopt;
}

const char* check_usage() {
  return R"(usage: smtp-workbench check --host H [--port P] [--security none|starttls|implicit] [options]

Connection
  --host H                 server name or IP address
  --port P                 TCP port (default: 587 starttls, 465 implicit, 25 none)
  --security MODE          none | starttls | implicit (default starttls)
  --tls-versions LIST      allowed versions: ssl2,ssl3,tls1.0,tls1.1,tls1.2,tls1.3 (default tls1.2,tls1.3)
  --ca-file F              trust this CA bundle instead of the system store
  --no-verify              do not require a valid certificate (still reported)
  --ehlo NAME              EHLO name (default: the machine's FQDN or an address literal)
  --timeout S              seconds for each step (default 30)
  --code-page NAME         message encoding, any iconv name (default UTF-8)
  --name N, --group G      connection name and group (reports, profiles)
  -4, --ipv4               connect over IPv4 only (the server's A records)
  -6, --ipv6               connect over IPv6 only (the server's AAAA records)
  --local-address ADDR     bind this source IP address before connecting (an address of this machine)
  --submission-port        treat the port as a submission port although it is not 587 (--probe-plaintext)
Authentication
  --user U                 authenticate as U (otherwise anonymous)
  --password-env VAR       read the password from environment variable VAR
  --password-file F        read the password from the first line of file F
  --password-stdin         read the password from the first line of standard input
  --anonymous              do not authenticate
  --sasl LIST              permitted mechanisms in order of preference, e.g. SCRAM-SHA-256,PLAIN
                           (SCRAM-SHA-256 SCRAM-SHA-1 DIGEST-MD5 CRAM-MD5 NTLM PLAIN LOGIN EXTERNAL OAUTHBEARER XOAUTH2)
  --auth TYPE              default | gmail-oauth | microsoft365-oauth
  --oauth-token-env VAR    an OAuth 2.0 access token from variable VAR (XOAUTH2/OAUTHBEARER as --user)
  --oauth-client-id ID     sign in with OAuth (prints the URL to open, waits for the loopback redirect)
  --oauth-client-secret-env VAR   the OAuth client secret from variable VAR
  --oauth-auth-url URL, --oauth-token-url URL, --oauth-scope S   endpoints and scope (default: the --auth
                           provider's; Gmail's for default)
  --oauth-tenant T         microsoft365-oauth: the tenant, a GUID, a domain or organizations (default),
                           common, consumers
  --oauth-authority URL    microsoft365-oauth: the identity platform (default https://login.microsoftonline.com)
  --allow-plaintext-auth   allow credentials over an unencrypted connection
  --allow-ntlmv1           let NTLM answer with NTLMv1 (legacy, crackable; Exim's spa authenticator needs it)
Client certificate
  --client-cert F          offer this certificate (PEM, optionally followed by its chain) when the server asks;
                           also enables SASL EXTERNAL
  --client-key F           its private key (PEM; default: the key in the --client-cert file)
  --client-key-password-env VAR   the key's password from environment variable VAR
Proxy
  --proxy URL              socks4://, socks4a://, socks5:// (server name resolved here), socks5h:// (resolved by
                           the proxy) or http:// (CONNECT), e.g. socks5h://proxy.example.com:1080; "none" for none
                           (default ports: 1080, http 8080)
  --proxy-user U           authenticate to the proxy as U (SOCKS4: the user id)
  --proxy-password-env VAR read the proxy password from environment variable VAR
  --proxy-domain D         http:// proxies: authenticate with NTLM in Windows domain D (without it: Basic)
Message
  --from A --to B[,C]      send a test message (--to may be repeated)
  --subject S              subject (default "SMTP Workbench test message")
  --body-file F            body text, UTF-8 (converted to the code page)
  --stop-after STEP        connect (after the greeting) | tls (after EHLO, STARTTLS and EHLO) | auth | rcpt
  --smtputf8               UTF-8 addresses and headers (RFC 6531): MAIL FROM:<...> SMTPUTF8
  --bdat                   send the message with BDAT chunks (RFC 3030 CHUNKING) instead of DATA
  --dsn-notify LIST        NEVER, or a comma list of SUCCESS,FAILURE,DELAY (RFC 3461 NOTIFY on each RCPT)
  --dsn-ret FULL|HDRS      return the whole message or its headers in a DSN (MAIL FROM RET=)
  --dsn-envid ID           the envelope id a DSN quotes (printable ASCII, sent xtext-encoded as ENVID=)
Probes
  --probe-tls              after the test, probe SSL 2 ... TLS 1.3 on the same port and mode (each a fresh
                           connection); with --stop-after connect the test before it is short
  --probe-plaintext        after the test, on a plain or STARTTLS port, before any TLS and without credentials:
                           is AUTH advertised, is MAIL FROM accepted (then RSET, QUIT)
  --find-settings          instead of a test: try ports 25, 465, 587, 2525 with plain, STARTTLS and implicit
                           TLS in parallel (--timeout default 5 here) and recommend the best combination
  --find-ports LIST        the ports for --find-settings, e.g. 465,587
Output
  --json FILE              write the JSON report to FILE ("-" for stdout; the transcript then goes to stderr)
  --color WHEN             auto | always | never
  --timestamps             show the time of each transcript line
  --quiet                  no transcript, only the result line
  --log-file F             append the engine's diagnostic log to F
  --report-md FILE         write a Markdown report (settings without secrets, transcript, TLS, timeline, hints)
  --report-html FILE       the same report as one self-contained HTML file
  --print-commands         print the equivalent swaks, curl and openssl s_client command lines (no secrets)
Profiles
  --profile FILE           start from the settings in FILE (JSON)
  --save-profile FILE      write the resulting settings to FILE (no secrets)
Monitoring plugin (Nagios, Icinga and compatibles)
  --nagios                 print one status line "SMTP OK|WARNING|CRITICAL|UNKNOWN - summary | perfdata" and
                           long output lines; exit 0 OK, 1 WARNING, 2 CRITICAL (the test failed), 3 UNKNOWN
  --warn-ms N, --crit-ms N          WARNING / CRITICAL when the test takes longer than N ms
  --cert-warn-days N, --cert-crit-days N   WARNING / CRITICAL when a certificate expires in fewer than N days
Demo
  --demo                   start the built-in demo server and test against it
  --demo-fault NAME        make the demo server misbehave (no-banner, greet-421, starttls-injection, ...)

Exit status: 0 ok, 1 internal error, 2 usage or settings error, 3 dns, 4 connect, 5 timeout, 6 proxy,
7 tls, 8 certificate, 9 auth, 10 smtp, 11 cancelled.
)";
}

namespace {

using Setter = std::function<std::optional<UsageError>(const std::string&)>;

Setter store(std::optional<std::string>& dst) {
  return [&dst](const std::string& v) -> std::optional<UsageError> { dst = v; return std::nullopt; };
}

Setter store(std::string& dst) {
  return [&dst](const std::string& v) -> std::optional<UsageError> { dst = v; return std::nullopt; };
}

Setter store_number(const char* flag, std::optional<int>& dst) {
  return [flag, &dst](const std::string& v) -> std::optional<UsageError> {
    auto n = parse_int(v);
    if (!n) return UsageError{std::string(flag) + ": \"" + v + "\" is not a whole number"};
    dst = *n;
    return std::nullopt;
  };
}

Setter store_password(CheckArgs& a, PasswordSource src) {
  return [&a, src](const std::string& v) -> std::optional<UsageError> {
    if (a.password_source != PasswordSource::None)
      return UsageError{"give only one of --password-env, --password-file, --password-stdin"};
    a.password_source = src;
    a.password_ref = v;
    return std::nullopt;
  };
}

// Every flag that takes a value, and where it goes.
std::map<std::string, Setter> flags_with_value(CheckArgs& a) {
  return {
      {"--host", store(a.host)},
      {"--port", store_number("--port", a.port)},
      {"--security", store(a.security)},
      {"--tls-versions", store(a.tls_versions)},
      {"--user", store(a.user)},
      {"--password-env", store_password(a, PasswordSource::Env)},
      {"--password-file", store_password(a, PasswordSource::File)},
      {"--sasl", store(a.sasl)},
      {"--ca-file", store(a.ca_file)},
      {"--ehlo", store(a.ehlo)},
      {"--timeout", store_number("--timeout", a.timeout)},
      {"--code-page", store(a.code_page)},
      {"--name", store(a.name)},
      {"--group", store(a.group)},
      {"--from", store(a.from)},
      {"--to", Setter([&a](const std::string& v) -> std::optional<UsageError> {
         for (auto& t : split_list(v)) a.to.push_back(t);
         return std::nullopt;
       })},
      {"--subject", store(a.subject)},
      {"--body-file", store(a.body_file)},
      {"--stop-after", Setter([&a](const std::string& v) -> std::optional<UsageError> {
         auto s = parse_stop_after(v);
         if (!s || *s == StopAfter::Quit) return UsageError{"--stop-after: \"" + v + "\" is not one of connect, tls, auth, rcpt"};
         a.stop_after = s;
         return std::nullopt;
       })},
      {"--json", store(a.json_file)},
      {"--color", Setter([&a](const std::string& v) -> std::optional<UsageError> {
         if (v == "auto") a.color = ColorMode::Auto;
         else if (v == "always") a.color = ColorMode::Always;
         else if (v == "never") a.color = ColorMode::Never;
         else return UsageError{"--color: \"" + v + "\" is not one of auto, always, never"};
         return std::nullopt;
       })},
      {"--profile", store(a.profile)},
      {"--save-profile", store(a.save_profile)},
      {"--log-file", store(a.log_file)},
      {"--report-md", store(a.report_md)},
      {"--report-html", store(a.report_html)},
      {"--demo-fault", store(a.demo_fault)},
      {"--find-ports", Setter([&a](const std::string& v) -> std::optional<UsageError> {
         for (const auto& item : split_list(v)) {
           auto n = parse_int(item);
           if (!n || *n < 1 || *n > 65535) return UsageError{"--find-ports: \"" + item + "\" is not a TCP port"};
           a.find_ports.push_back(*n);
         }
         if (a.find_ports.empty()) return UsageError{"--find-ports: no port given"};
         return std::nullopt;
       })},
      {"--proxy", Setter([&a](const std::string& v) -> std::optional<UsageError> {
         ProxyUrl url;
         if (auto e = parse_proxy_url(v, url)) return e;
         a.proxy = url;
         return std::nullopt;
       })},
      {"--proxy-user", store(a.proxy_user)},
      {"--proxy-password-env", store(a.proxy_password_env)},
      {"--proxy-domain", store(a.proxy_domain)},
      {"--auth", Setter([&a](const std::string& v) -> std::optional<UsageError> {
         if (!parse_auth_type(v))
           return UsageError{"--auth: \"" + v + "\" is not one of default, gmail-oauth, microsoft365-oauth"};
         a.auth = v;
         return std::nullopt;
       })},
      {"--oauth-token-env", store(a.oauth_token_env)},
      {"--oauth-client-id", store(a.oauth_client_id)},
      {"--oauth-client-secret-env", store(a.oauth_client_secret_env)},
      {"--oauth-auth-url", store(a.oauth_auth_url)},
      {"--oauth-token-url", store(a.oauth_token_url)},
      {"--oauth-scope", store(a.oauth_scope)},
      {"--oauth-tenant", store(a.oauth_tenant)},
      {"--oauth-authority", store(a.oauth_authority)},
      {"--local-address", store(a.local_address)},
      {"--warn-ms", store_number("--warn-ms", a.warn_ms)},
      {"--crit-ms", store_number("--crit-ms", a.crit_ms)},
      {"--cert-warn-days", store_number("--cert-warn-days", a.cert_warn_days)},
      {"--cert-crit-days", store_number("--cert-crit-days", a.cert_crit_days)},
      {"--client-cert", store(a.client_cert)},
      {"--client-key", store(a.client_key)},
      {"--client-key-password-env", store(a.client_key_password_env)},
      {"--dsn-notify", store(a.dsn_notify)},
      {"--dsn-ret", store(a.dsn_ret)},
      {"--dsn-envid", store(a.dsn_envid)},
  };
}

std::map<std::string, bool*> switch_flags(CheckArgs& a) {
  return {
      {"--anonymous", &a.anonymous}, {"--allow-plaintext-auth", &a.allow_plaintext_auth},
      {"--no-verify", &a.no_verify}, {"--demo", &a.demo},
      {"--quiet", &a.quiet},        {"--help", &a.help},
      {"-h", &a.help},              {"--timestamps", &a.timestamps},
      {"--probe-tls", &a.probe_tls}, {"--find-settings", &a.find_settings},
      {"--print-commands", &a.print_commands}, {"--nagios", &a.nagios},
      {"--allow-ntlmv1", &a.allow_ntlmv1},
      {"--smtputf8", &a.smtputf8},  {"--bdat", &a.bdat},
      {"-4", &a.ipv4},              {"--ipv4", &a.ipv4},
      {"-6", &a.ipv6},              {"--ipv6", &a.ipv6},
      {"--submission-port", &a.submission_port}, {"--probe-plaintext", &a.probe_plaintext},
  };
}

// argv into `a`: every flag known, every value present and well-formed on its own.
std::optional<UsageError> read_flags(const std::vector<std::string>& argv, CheckArgs& a) {
  const auto with_value = flags_with_value(a);
  const auto switches = switch_flags(a);
  for (std::size_t i = 0; i < argv.size(); ++i) {
    std::string arg = argv[i], value;
    bool inline_value = false;
    if (auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      inline_value = true;
    }
    if (auto s = switches.find(arg); s != switches.end()) {
      if (inline_value) return UsageError{arg + " takes no value"};
      *s->second = true;
      continue;
    }
    if (arg == "--password-stdin") {
      if (auto e = store_password(a, PasswordSource::Stdin)("")) return e;
      continue;
    }
    if (arg == "--password") return UsageError{"--password is not accepted (it would show in the process list); use --password-env, --password-file or --password-stdin"};
    auto w = with_value.find(arg);
    if (w == with_value.end()) return UsageError{"unknown option \"" + arg + "\" (see smtp-workbench check --help)"};
    if (!inline_value) {
      if (i + 1 >= argv.size()) return UsageError{arg + " needs a value"};
      value = argv[++i];
    }
    if (auto e = w->second(value)) return e;
  }
  return std::nullopt;
}

std::optional<UsageError> check_message_args(const CheckArgs& a) {
  if (a.from.has_value() != !a.to.empty()) return UsageError{"--from and --to go together"};
  if ((a.subject || a.body_file) && !a.from) return UsageError{"--subject and --body-file need --from and --to"};
  if (a.stop_after == StopAfter::Rcpt && !a.from) return UsageError{"--stop-after rcpt needs --from and --to"};
  if (a.message_extensions() && !a.from)
    return UsageError{"--smtputf8, --bdat and --dsn-notify/--dsn-ret/--dsn-envid need --from and --to"};
  for (const auto& [flag, value] : {std::pair{"--dsn-notify", &a.dsn_notify}, {"--dsn-ret", &a.dsn_ret}, {"--dsn-envid", &a.dsn_envid}})
    if (*value && (*value)->empty()) return UsageError{std::string(flag) + " needs a value"};
  if (a.bdat && a.stop_after == StopAfter::Rcpt)
    return UsageError{"--bdat sends the message, which --stop-after rcpt does not; leave one out"};
  return std::nullopt;
}

// What the test runs against: the demo, a host, a profile; find settings alone.
std::optional<UsageError> check_target_args(const CheckArgs& a) {
  if (a.demo && a.host) return UsageError{"--demo chooses the host itself; leave out --host"};
  if (!a.demo && !a.host && a.profile.empty()) return UsageError{"--host is required (or --profile, or --demo)"};
  if (!a.find_ports.empty() && !a.find_settings) return UsageError{"--find-ports needs --find-settings"};
  if (a.find_settings && (a.probe_tls || a.demo || a.from))
    return UsageError{"--find-settings runs alone: leave out --probe-tls, --demo and --from/--to"};
  return std::nullopt;
}

std::optional<UsageError> check_proxy_and_cert_args(const CheckArgs& a) {
  if ((a.proxy_user || a.proxy_password_env || a.proxy_domain) && !a.proxy && a.profile.empty())
    return UsageError{"--proxy-user, --proxy-password-env and --proxy-domain need --proxy"};
  if (a.proxy && a.proxy->type == ProxyType::None && (a.proxy_user || a.proxy_password_env || a.proxy_domain))
    return UsageError{"--proxy none takes no --proxy-user, --proxy-password-env or --proxy-domain"};
  if (a.proxy_password_env && a.proxy && a.proxy->password)
    return UsageError{"--proxy-password-env and a password inside the --proxy URL contradict each other"};
  if ((a.client_key || a.client_key_password_env) && !a.client_cert && a.profile.empty())
    return UsageError{"--client-key and --client-key-password-env need --client-cert"};
  return std::nullopt;
}

}  // namespace

std::optional<UsageError> parse_check_args(const std::vector<std::string>& argv, CheckArgs& a) {
  if (auto e = read_flags(argv, a)) return e;
  if (a.help) return std::nullopt;
  if (a.anonymous && a.user) return UsageError{"--anonymous and --user contradict each other"};
  if (auto e = check_message_args(a)) return e;
  if (a.demo_fault && !a.demo) return UsageError{"--demo-fault needs --demo"};
  for (auto check : {check_oauth_args, check_plugin_args, check_network_args, check_target_args, check_proxy_and_cert_args})
    if (auto e = check(a)) return e;
  return std::nullopt;
}

namespace {
// The password from --proxy-password-env is read by the command itself (it touches the environment).
void apply_proxy_args(const CheckArgs& a, ProxySettings& p) {
  if (a.proxy) {
    if (a.proxy->type == ProxyType::None) {
      p = ProxySettings{};
      return;
    }
    p.type = a.proxy->type;
    p.resolve_via_proxy = a.proxy->resolve_via_proxy;
    p.address = a.proxy->host;
    p.port = a.proxy->port;
    if (a.proxy->user) {
      p.use_credentials = true;
      p.username = *a.proxy->user;
    }
    if (a.proxy->password) p.password = *a.proxy->password;
  }
  if (a.proxy_user) {
    p.use_credentials = true;
    p.username = *a.proxy_user;
  }
  if (a.proxy_domain) p.domain = *a.proxy_domain;
}
// -4/-6 replace the profile's family; --local-address its source address.
void apply_network_args(const CheckArgs& a, ConnectionSettings& s) {
  if (a.ipv4) s.address_family = AddressFamily::IPv4;
  if (a.ipv6) s.address_family = AddressFamily::IPv6;
  if (a.local_address) s.local_address = *a.local_address;
  if (a.submission_port) s.submission_port = true;
}
}  // namespace

std::optional<UsageError> apply_check_args(const CheckArgs& a, ConnectionSettings& s) {
  if (a.name) s.name = *a.name;
  if (a.group) s.group = *a.group;
  if (a.host) s.address = *a.host;
  if (a.security) {
    auto security = parse_security(*a.security);
    if (!security) return UsageError{"--security: \"" + *a.security + "\" is not one of none, starttls, implicit"};
    s.security = *security;
  }
  if (a.port) s.port = *a.port;
  else if (a.profile.empty())
    s.port = s.security == Security::None ? 25 : s.security == Security::Implicit ? 465 : 587;
  if (a.tls_versions) {
    TlsVersionSet set;
    for (const auto& v : split_list(*a.tls_versions)) {
      auto parsed = parse_tls_version(v);
      if (!parsed) return UsageError{"--tls-versions: \"" + v + "\" is not one of ssl2, ssl3, tls1.0, tls1.1, tls1.2, tls1.3"};
      set = set.with(*parsed);
    }
    if (set.empty()) return UsageError{"--tls-versions: no version given"};
    s.tls_versions = set;
  }
  if (a.user) {
    s.username = *a.user;
    s.anonymous = false;
  }
  if (a.anonymous) s.anonymous = true;
  if (a.sasl) {
    s.sasl_mechanisms.clear();
    const auto& supported = sasl::supported_mechanisms();
    for (auto m : split_list(*a.sasl)) {
      for (auto& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (std::find(supported.begin(), supported.end(), m) == supported.end()) {
        std::string names;
        for (const auto& n : supported) names += (names.empty() ? "" : ", ") + n;
        return UsageError{"--sasl: \"" + m + "\" is not a supported mechanism (" + names + ")"};
      }
      s.sasl_mechanisms.push_back(m);
    }
    if (s.sasl_mechanisms.empty()) return UsageError{"--sasl: no mechanism given"};
  }
  if (a.auth) s.auth_type = *parse_auth_type(*a.auth);
  if (a.oauth_tenant) s.oauth_tenant = *a.oauth_tenant;
  if (a.allow_plaintext_auth) s.allow_plaintext_auth = true;
  if (a.ca_file) s.ca_file = *a.ca_file;
  if (a.no_verify) s.verify_certificate = false;
  if (a.ehlo) s.ehlo_name = *a.ehlo;
  if (a.timeout) s.timeout_s = *a.timeout;
  if (a.code_page) s.code_page = *a.code_page;
  apply_proxy_args(a, s.proxy);
  apply_network_args(a, s);
  if (a.client_cert) s.client_cert = *a.client_cert;
  if (a.client_key) s.client_key = *a.client_key;
  if (a.allow_ntlmv1) s.allow_ntlmv1 = true;
  return std::nullopt;
}

}  // namespace smtpwb::app
