#include "smtpwb/settings.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <regex>

#include "smtpwb/charset.hpp"
#include "smtpwb/platform.hpp"
#include "smtpwb/printable.hpp"
#include "text.hpp"

namespace smtpwb {

std::vector<TlsVersion> TlsVersionSet::list() const {
  std::vector<TlsVersion> out;
  for (auto v : kAllTlsVersions)
    if (contains(v)) out.push_back(v);
  return out;
}

bool can_negotiate(TlsVersion v) { return v == TlsVersion::Tls12 || v == TlsVersion::Tls13; }

namespace {

template <typename E, std::size_t N>
std::optional<E> lookup(const std::array<std::pair<std::string_view, E>, N>& table, std::string_view text) {
  std::string lower = text::lower(text);
  for (const auto& [name, value] : table)
    if (name == lower) return value;
  return std::nullopt;
}
template <typename E, std::size_t N>
std::string_view name_of(const std::array<std::pair<std::string_view, E>, N>& table, E value) {
  for (const auto& [name, v] : table)
    if (v == value) return name;
  return "?";
}

constexpr std::array<std::pair<std::string_view, TlsVersion>, 6> kTlsNames{{
    {"ssl2", TlsVersion::Ssl2}, {"ssl3", TlsVersion::Ssl3}, {"tls1.0", TlsVersion::Tls10},
    {"tls1.1", TlsVersion::Tls11}, {"tls1.2", TlsVersion::Tls12}, {"tls1.3", TlsVersion::Tls13}}};
constexpr std::array<std::pair<std::string_view, Security>, 3> kSecurityNames{
    {{"none", Security::None}, {"starttls", Security::StartTls}, {"implicit", Security::Implicit}}};
constexpr std::array<std::pair<std::string_view, AuthType>, 3> kAuthNames{
    {{"default", AuthType::Default}, {"gmail-oauth", AuthType::GmailOAuth}, {"microsoft365-oauth", AuthType::Microsoft365OAuth}}};
constexpr std::array<std::pair<std::string_view, ProxyType>, 5> kProxyNames{{{"none", ProxyType::None},
                                                                            {"socks4", ProxyType::Socks4},
                                                                            {"socks4a", ProxyType::Socks4a},
                                                                            {"socks5", ProxyType::Socks5},
                                                                            {"http", ProxyType::Http}}};
constexpr std::array<std::pair<std::string_view, StopAfter>, 5> kStopNames{{{"connect", StopAfter::Connect},
                                                                           {"tls", StopAfter::Tls},
                                                                           {"auth", StopAfter::Auth},
                                                                           {"rcpt", StopAfter::Rcpt},
                                                                           {"quit", StopAfter::Quit}}};

bool is_ldh_label(std::string_view label) {
  if (label.empty() || label.size() > 63) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  return std::all_of(label.begin(), label.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

}  // namespace

std::string_view to_string(TlsVersion v) { return name_of(kTlsNames, v); }
std::string_view display_name(TlsVersion v) {
  static constexpr std::string_view kNames[] = {"SSL 2", "SSL 3", "TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3"};
  return kNames[static_cast<int>(v)];
}

std::string display_names(TlsVersionSet set) {
  std::vector<std::string> names;
  for (auto v : set.list()) names.emplace_back(display_name(v));
  return text::join(names);
}
std::optional<TlsVersion> parse_tls_version(std::string_view t) { return lookup(kTlsNames, t); }
std::string_view to_string(Security s) { return name_of(kSecurityNames, s); }
std::string_view display_name(Security s) {
  static constexpr std::string_view kNames[] = {"No encryption", "STARTTLS", "Implicit TLS"};
  return kNames[static_cast<int>(s)];
}
std::string_view to_string(AuthType a) { return name_of(kAuthNames, a); }
std::string_view to_string(ProxyType p) { return name_of(kProxyNames, p); }
std::string_view to_string(StopAfter s) { return name_of(kStopNames, s); }
std::string_view to_string(Field f) {
  // The saved profile's keys, where the field has one.
  static constexpr std::string_view kNames[] = {
      "name", "group", "timeout_s", "code_page", "address", "port", "ehlo_name", "auth.domain",
      "auth.account", "auth.tenant", "auth.username", "auth.password", "encryption.versions", "encryption.sasl_mechanisms",
      "proxy.address", "proxy.port", "proxy.username", "proxy.password", "proxy.domain",
      "message.from", "message.to", "message.subject",
      "message.dsn.notify", "message.dsn.ret", "message.dsn.envid"};
  static_assert(std::size(kNames) == static_cast<std::size_t>(Field::DsnEnvid) + 1);
  return kNames[static_cast<int>(f)];
}
std::string_view proxy_scheme(const ProxySettings& p) {
  return p.type == ProxyType::Socks5 && p.resolve_via_proxy ? "socks5h" : to_string(p.type);
}
std::optional<Security> parse_security(std::string_view t) { return lookup(kSecurityNames, t); }
std::optional<AuthType> parse_auth_type(std::string_view t) { return lookup(kAuthNames, t); }
std::optional<ProxyType> parse_proxy_type(std::string_view t) { return lookup(kProxyNames, t); }
std::optional<StopAfter> parse_stop_after(std::string_view t) { return lookup(kStopNames, t); }

bool is_valid_oauth_tenant(std::string_view tenant) {
  for (std::string_view alias : {"common", "organizations", "consumers"})
    if (text::equals_ci(tenant, alias)) return true;
  static const std::regex kGuid("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");
  if (std::regex_match(tenant.begin(), tenant.end(), kGuid)) return true;
  return tenant.find('.') != std::string_view::npos && is_valid_hostname(tenant) && !is_ip_literal(tenant);
}

bool is_ip_literal(std::string_view text) {
  return platform::parse_ipv4(text) || platform::parse_ipv6(text);
}

bool is_bare_name(std::string_view host) {
  return !host.empty() && host.find('.') == std::string_view::npos && !is_ip_literal(host);
}

bool is_valid_hostname(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  if (name.back() == '.') name.remove_suffix(1);  // an absolute name
  std::size_t start = 0;
  while (true) {
    auto dot = name.find('.', start);
    if (!is_ldh_label(name.substr(start, dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool is_valid_ehlo_name(std::string_view name) {
  if (name.find('\0') != std::string_view::npos) return false;  // inet_pton would stop at it
  if (name.size() > 2 && name.front() == '[' && name.back() == ']') {
    auto inner = name.substr(1, name.size() - 2);
    if (inner.rfind("IPv6:", 0) == 0) return platform::parse_ipv6(inner.substr(5)).has_value();
    return platform::parse_ipv4(inner).has_value();
  }
  return is_valid_hostname(name) && name.find('_') == std::string_view::npos;
}

bool is_supported_code_page(const std::string& name) { return code_page_supported(name); }

namespace {

// A line break ends the SMTP command (or header) early and starts another one; a NUL cuts it.
bool has_line_break_or_nul(std::string_view v) { return v.find_first_of(std::string_view("\0\r\n", 3)) != std::string_view::npos; }

void check_address(std::vector<FieldError>& errors, Field field, const std::string& address) {
  auto add = [&](std::string problem) { errors.push_back({field, std::move(problem)}); };
  if (address.empty()) return add("is empty; enter the server's DNS name or IP address");
  if (has_line_break_or_nul(address)) return add("contains a line break or NUL character");
  if (address.find("://") != std::string::npos)
    return add("\"" + address + "\" contains a URL scheme; enter just the host name, e.g. smtp.example.com");
  if (std::any_of(address.begin(), address.end(), [](unsigned char c) { return std::isspace(c); }))
    return add("\"" + address + "\" contains white space");
  if (is_ip_literal(address)) return;
  auto colon = address.rfind(':');
  if (colon != std::string::npos && address.find(':') == colon)
    return add("\"" + address + "\" contains a port; give the host alone and " + address.substr(colon + 1) + " as the port");
  if (address.front() == '[' && address.back() == ']')
    return add("\"" + address + "\": write an IPv6 address without brackets");
  if (!is_valid_hostname(address))
    add("\"" + address + "\" is not a valid host name (letters, digits, '-' and '.' only) or IP address");
}

void check_port(std::vector<FieldError>& errors, Field field, int port) {
  if (port < 1 || port > 65535) errors.push_back({field, std::to_string(port) + " is not a TCP port (1-65535)"});
}

class Checker {
 public:
  explicit Checker(std::vector<FieldError>& errors) : errors_(errors) {}
  void add(Field field, std::string problem) { errors_.push_back({field, std::move(problem)}); }
  // Checked first, and a field that fails it is not checked further: the other messages quote the value,
  // which must stay one line of text. Returns whether the value failed.
  bool line_break(Field field, const std::string& value) {
    if (!has_line_break_or_nul(value)) return false;
    add(field, "contains a line break or NUL character");
    return true;
  }

 private:
  std::vector<FieldError>& errors_;
};

void check_common(Checker& c, const ConnectionSettings& s) {
  if (!c.line_break(Field::Name, s.name) && s.name.size() > 200) c.add(Field::Name, "is longer than 200 characters");
  if (!c.line_break(Field::Group, s.group) && s.group.size() > 200) c.add(Field::Group, "is longer than 200 characters");
  if (s.timeout_s < 1 || s.timeout_s > 3600)
    c.add(Field::Timeout, std::to_string(s.timeout_s) + " s is out of range (1-3600 seconds)");
  if (!c.line_break(Field::CodePage, s.code_page) && !is_supported_code_page(s.code_page))
    c.add(Field::CodePage, "\"" + s.code_page + "\" is not an encoding " + std::string(code_page_converter()) + " knows");
}

void check_authentication(Checker& c, const ConnectionSettings& s) {
  c.line_break(Field::AuthDomain, s.auth_domain);
  c.line_break(Field::OAuthAccount, s.oauth_account);
  if (is_oauth(s.auth_type)) {
    if (s.username.empty()) c.add(Field::Username, "is empty; enter the OAuth client id");
    if (s.auth_type == AuthType::Microsoft365OAuth && !s.oauth_tenant.empty() && !is_valid_oauth_tenant(s.oauth_tenant))
      c.add(Field::OAuthTenant, "\"" + s.oauth_tenant + "\" is not a tenant: give its GUID, a domain name "
                                "(contoso.onmicrosoft.com) or organizations, common or consumers");
  } else if (!s.anonymous) {
    if (s.username.empty()) c.add(Field::Username, "is empty; enter a user name or test anonymously");
    if (s.password.empty()) c.add(Field::Password, "is empty");
  }
  c.line_break(Field::Username, s.username);
  c.line_break(Field::Password, s.password);
}

void check_encryption(Checker& c, const ConnectionSettings& s) {
  if (s.encrypted() && s.tls_versions.empty())
    c.add(Field::TlsVersions, "none selected; allow at least TLS 1.2 or TLS 1.3, or turn encryption off");
  for (const auto& m : s.sasl_mechanisms) {
    bool ok = !m.empty() && m.size() <= 20 && std::all_of(m.begin(), m.end(), [](unsigned char ch) {
      return std::isupper(ch) || std::isdigit(ch) || ch == '-' || ch == '_';
    });
    if (!ok) c.add(Field::SaslMechanisms, "\"" + m + "\" is not a SASL mechanism name (RFC 4422: A-Z, 0-9, '-', '_')");
  }
}

void check_proxy_credentials(Checker& c, const ProxySettings& p) {
  if (p.username.empty()) c.add(Field::ProxyUsername, "is empty while the proxy needs credentials");
  // SOCKS4 carries only a user id, no password.
  const bool socks4 = p.type == ProxyType::Socks4 || p.type == ProxyType::Socks4a;
  if (!socks4 && p.password.empty()) c.add(Field::ProxyPassword, "is empty while the proxy needs credentials");
  if (p.type == ProxyType::Http && p.username.find(':') != std::string::npos)
    c.add(Field::ProxyUsername, "contains ':', which HTTP Basic authentication cannot carry in a user name");
  if (p.type == ProxyType::Socks5) {  // RFC 1929 carries each in at most 255 bytes
    if (p.username.size() > 255) c.add(Field::ProxyUsername, "is longer than 255 bytes (the SOCKS5 limit)");
    if (p.password.size() > 255) c.add(Field::ProxyPassword, "is longer than 255 bytes (the SOCKS5 limit)");
  }
}

void check_proxy(Checker& c, std::vector<FieldError>& errors, const ProxySettings& p) {
  if (p.type == ProxyType::None) return;
  check_address(errors, Field::ProxyAddress, p.address);
  check_port(errors, Field::ProxyPort, p.port);
  if (p.use_credentials) check_proxy_credentials(c, p);
  c.line_break(Field::ProxyUsername, p.username);
  c.line_break(Field::ProxyPassword, p.password);
  c.line_break(Field::ProxyDomain, p.domain);
}

}  // namespace

std::vector<FieldError> validate(const ConnectionSettings& s) {
  std::vector<FieldError> errors;
  Checker c(errors);
  check_common(c, s);
  check_address(errors, Field::Address, s.address);
  check_port(errors, Field::Port, s.port);
  if (!s.ehlo_name.empty() && !c.line_break(Field::EhloName, s.ehlo_name) && !is_valid_ehlo_name(s.ehlo_name))
    c.add(Field::EhloName, "\"" + s.ehlo_name + "\" is neither a domain name nor an address literal like [192.0.2.1]");
  check_authentication(c, s);
  check_encryption(c, s);
  check_proxy(c, errors, s.proxy);
  return errors;
}

std::optional<std::string> parse_dsn_notify(std::string_view text, std::string* problem) {
  auto refuse = [&](std::string why) -> std::optional<std::string> {
    if (problem) *problem = std::move(why);
    return std::nullopt;
  };
  std::vector<std::string> seen;
  std::string item;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] != ',') {
      if (text[i] != ' ' && text[i] != '\t') item += text[i];
      continue;
    }
    item = text::upper(item);
    if (item != "NEVER" && item != "SUCCESS" && item != "FAILURE" && item != "DELAY")
      return refuse("\"" + item + "\" is not one of NEVER, SUCCESS, FAILURE, DELAY");
    if (std::find(seen.begin(), seen.end(), item) != seen.end()) return refuse(item + " is given twice");
    seen.push_back(item);
    item.clear();
  }
  if (seen.size() > 1 && std::find(seen.begin(), seen.end(), "NEVER") != seen.end())
    return refuse("NEVER stands alone; leave it out or give only SUCCESS, FAILURE and DELAY");
  return text::join(seen, ",");
}

std::optional<std::string> parse_dsn_ret(std::string_view text) {
  std::string value = text::upper(text);
  if (value == "FULL" || value == "HDRS") return value;
  return std::nullopt;
}

std::string xtext_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (c >= '!' && c <= '~' && c != '+' && c != '=') out += static_cast<char>(c);
    else out += {'+', kHex[c >> 4], kHex[c & 15]};
  }
  return out;
}

namespace {

// Without SMTPUTF8 an address must be ASCII (RFC 5321); with it, well-formed UTF-8 (RFC 6531).
void check_address_charset(Checker& c, Field field, const std::string& address, bool smtputf8) {
  if (smtputf8) {
    if (!is_valid_utf8(address)) c.add(field, "is not valid UTF-8");
    return;
  }
  if (std::any_of(address.begin(), address.end(), [](unsigned char ch) { return ch >= 0x80; }))
    c.add(field, "\"" + address + "\" has non-ASCII characters, which only SMTPUTF8 carries (RFC 6531): turn on "
                 "SMTPUTF8 (check: --smtputf8)");
}

void check_dsn(Checker& c, const MessageSpec& m) {
  std::string problem;
  if (!m.dsn_notify.empty() && !c.line_break(Field::DsnNotify, m.dsn_notify) && !parse_dsn_notify(m.dsn_notify, &problem))
    c.add(Field::DsnNotify, problem);
  if (!m.dsn_ret.empty() && !c.line_break(Field::DsnRet, m.dsn_ret) && !parse_dsn_ret(m.dsn_ret))
    c.add(Field::DsnRet, "\"" + m.dsn_ret + "\" is not one of FULL (the whole message) or HDRS (its headers)");
  if (m.dsn_envid.empty() || c.line_break(Field::DsnEnvid, m.dsn_envid)) return;
  if (!std::all_of(m.dsn_envid.begin(), m.dsn_envid.end(), [](unsigned char ch) { return ch >= 0x20 && ch < 0x7f; }))
    c.add(Field::DsnEnvid, "has characters other than printable ASCII (RFC 3461 4.4)");
  else if (xtext_encode(m.dsn_envid).size() > kMaxEnvidXtext)
    c.add(Field::DsnEnvid, "is longer than 100 characters once xtext-encoded (RFC 3461 4.4)");
}

}  // namespace

std::vector<FieldError> validate(const TestRequest& r) {
  std::vector<FieldError> errors;
  if (!r.message) return errors;
  const MessageSpec& m = *r.message;
  Checker c(errors);
  if (!c.line_break(Field::From, m.from)) check_address_charset(c, Field::From, m.from, m.smtputf8);
  for (const auto& to : m.to)
    if (!c.line_break(Field::To, to)) check_address_charset(c, Field::To, to, m.smtputf8);
  c.line_break(Field::Subject, m.subject);
  check_dsn(c, m);
  return errors;
}

std::vector<FieldError> validate(const ConnectionSettings& s, const TestRequest& r) {
  auto errors = validate(s);
  for (auto& e : validate(r)) errors.push_back(std::move(e));
  return errors;
}

}  // namespace smtpwb
