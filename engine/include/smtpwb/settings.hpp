#pragma once
// ConnectionSettings: every field of the classic SMTP connection dialog, as a plain value.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smtpwb {

enum class AuthType { Default, GmailOAuth, Microsoft365OAuth };
// Gmail OAuth and Microsoft 365 OAuth: Username holds the Application Id, the account comes apart.
inline bool is_oauth(AuthType a) { return a != AuthType::Default; }
// "Gmail" or "Microsoft 365", for messages about an OAuth type ("" for Default).
inline const char* oauth_provider_name(AuthType a) {
  return a == AuthType::GmailOAuth ? "Gmail" : a == AuthType::Microsoft365OAuth ? "Microsoft 365" : "";
}
// How the connection is secured: not at all, STARTTLS after the greeting, or TLS from the first byte.
enum class Security { None, StartTls, Implicit };
enum class ProxyType { None, Socks4, Socks4a, Socks5, Http };
// Which IP version the connection may use (-4/--ipv4, -6/--ipv6; profile connection.address_family).
enum class AddressFamily { Any, IPv4, IPv6 };

enum class TlsVersion : std::uint8_t { Ssl2, Ssl3, Tls10, Tls11, Tls12, Tls13 };
inline constexpr TlsVersion kAllTlsVersions[] = {TlsVersion::Ssl2,  TlsVersion::Ssl3,  TlsVersion::Tls10,
                                                 TlsVersion::Tls11, TlsVersion::Tls12, TlsVersion::Tls13};

// A set of TLS versions, one bit per TlsVersion.
class TlsVersionSet {
 public:
  constexpr TlsVersionSet() = default;
  static constexpr TlsVersionSet modern() { return TlsVersionSet{}.with(TlsVersion::Tls12).with(TlsVersion::Tls13); }
  constexpr TlsVersionSet with(TlsVersion v) const { return TlsVersionSet(bits_ | bit(v)); }
  constexpr TlsVersionSet without(TlsVersion v) const { return TlsVersionSet(bits_ & ~bit(v)); }
  constexpr bool contains(TlsVersion v) const { return (bits_ & bit(v)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr bool operator==(const TlsVersionSet&) const = default;
  std::vector<TlsVersion> list() const;

 private:
  constexpr explicit TlsVersionSet(std::uint8_t bits) : bits_(bits) {}
  static constexpr std::uint8_t bit(TlsVersion v) { return static_cast<std::uint8_t>(1u << static_cast<unsigned>(v)); }
  std::uint8_t bits_ = 0;
};

// The versions this build can negotiate itself (mbedTLS 3.6: TLS 1.2 and 1.3).
bool can_negotiate(TlsVersion v);

struct ProxySettings {
  ProxyType type = ProxyType::None;
  std::string address;
  int port = 1080;
  bool use_credentials = false;
  std::string domain;
  std::string username;
  std::string password;  // secret
  bool resolve_via_proxy = false;  // SOCKS5 only: send the server's name for the proxy to resolve ("socks5h")
  bool operator==(const ProxySettings&) const = default;
};

struct ConnectionSettings {
  // Common
  std::string id;  // a saved connection's stable id (the window binds its keyring secrets to it); empty elsewhere
  std::string name;
  std::string group;
  int timeout_s = 30;
  std::string code_page = "UTF-8";
  // Connection
  std::string address;
  int port = 25;
  std::string ehlo_name;  // empty: the machine's FQDN, or an address literal
  AuthType auth_type = AuthType::Default;
  bool anonymous = true;
  std::string username;
  std::string password;  // secret (Client secret for Gmail OAuth)
  std::string auth_domain;  // NTLM: the user's domain, when the user name is not written DOMAIN\user
  std::string oauth_account;  // OAuth: the mail account (Username then holds the Application Id)
  std::string oauth_tenant;   // Microsoft 365 OAuth: the Entra tenant; empty: "organizations"
  // Encryption
  Security security = Security::StartTls;
  TlsVersionSet tls_versions = TlsVersionSet::modern();
  std::vector<std::string> sasl_mechanisms;  // permitted, in order of preference; empty: all supported
  bool verify_certificate = true;
  std::string ca_file;  // empty: the system CA store
  bool allow_plaintext_auth = false;
  // Proxy
  ProxySettings proxy;
  // Network (advanced): the IP version, the source address to bind, and whether the port is a submission
  // port although it is not 587 (the plain-text probe's hint applies to submission ports only).
  AddressFamily address_family = AddressFamily::Any;
  std::string local_address;  // an IP literal; empty: the OS chooses
  bool submission_port = false;
  // Client certificate and legacy NTLM (issue 17)
  std::string client_cert;          // PEM file: our certificate, optionally followed by its chain; empty: none
  std::string client_key;           // PEM file with its private key; empty: the key is in client_cert's file
  std::string client_key_password;  // secret: decrypts an encrypted client_key
  bool allow_ntlmv1 = false;        // NTLM may answer with NTLMv1 responses (crackable; only for servers that need it)

  bool encrypted() const { return security != Security::None; }
  bool operator==(const ConnectionSettings&) const = default;
};

// The setting a validation problem belongs to. The engine does not know how a front end shows it: the
// window names it by its label, `check` by its flag.
enum class Field {
  Name, Group, Timeout, CodePage, Address, Port, EhloName, AuthDomain, OAuthAccount, OAuthTenant,
  Username, Password, TlsVersions, SaslMechanisms,
  ProxyAddress, ProxyPort, ProxyUsername, ProxyPassword, ProxyDomain,
  From, To, Subject,
  DsnNotify, DsnRet, DsnEnvid,  // the test message's DSN request (RFC 3461)
  AddressFamily, LocalAddress,
};

struct FieldError {
  Field field;
  std::string problem;  // "70000 is not a TCP port (1-65535)", without the field's name
};

// Pure: every problem with the settings, one entry per field problem; empty when valid.
std::vector<FieldError> validate(const ConnectionSettings& s);

// Syntax checks shared by validation and the command line.
bool is_valid_hostname(std::string_view name);
bool is_ip_literal(std::string_view text);
bool is_bare_name(std::string_view host);  // no dot and no IP address: "mailserver" (the classic Error 96260)
bool is_valid_ehlo_name(std::string_view name);  // domain or [address literal]
bool is_supported_code_page(const std::string& name);
// A Microsoft Entra tenant as the v2.0 endpoints take it: a GUID, a domain name, or common/organizations/consumers.
bool is_valid_oauth_tenant(std::string_view tenant);

// Names used on the command line and in profiles.
std::string_view to_string(TlsVersion v);        // "tls1.2"
std::string_view display_name(TlsVersion v);     // "TLS 1.2"
std::string display_names(TlsVersionSet set);    // "TLS 1.2, TLS 1.3", or "none"
std::optional<TlsVersion> parse_tls_version(std::string_view text);
std::string_view to_string(Security s);          // "none" | "starttls" | "implicit"
std::string_view display_name(Security s);       // "No encryption" | "STARTTLS" | "Implicit TLS"
std::string_view to_string(AuthType a);          // "default" | "gmail-oauth" | "microsoft365-oauth"
std::string_view to_string(ProxyType p);         // "none" | "socks4" | ...
// The URL scheme of a proxy: "socks4", "socks4a", "socks5", "socks5h" (SOCKS5, name resolved by the proxy), "http".
std::string_view proxy_scheme(const ProxySettings& p);
std::optional<Security> parse_security(std::string_view text);
std::optional<AuthType> parse_auth_type(std::string_view text);
std::optional<ProxyType> parse_proxy_type(std::string_view text);
std::string_view to_string(AddressFamily f);     // "any" | "ipv4" | "ipv6"
std::optional<AddressFamily> parse_address_family(std::string_view text);
// Port 587, or a port the settings call a submission port.
inline bool is_submission_port(const ConnectionSettings& s) { return s.port == 587 || s.submission_port; }

// What a test does beyond connecting.
enum class StopAfter { Connect, Tls, Auth, Rcpt, Quit };
std::string_view to_string(StopAfter s);
std::string_view to_string(Field f);              // "port": the profile's key, for messages from the engine
std::optional<StopAfter> parse_stop_after(std::string_view text);

struct MessageSpec {
  std::string from;
  std::vector<std::string> to;
  std::string subject = "SMTP Workbench test message";
  std::string body_utf8;  // converted to the connection's code page when sent
  // The SMTP extensions the message is sent with; each one the server does not offer fails the test.
  bool smtputf8 = false;   // RFC 6531/6532: UTF-8 addresses and raw UTF-8 headers, MAIL FROM ... SMTPUTF8
  bool bdat = false;       // RFC 3030: BDAT chunks instead of DATA (CHUNKING)
  std::string dsn_notify = {};  // RFC 3461 NOTIFY: "NEVER" or a comma list of SUCCESS, FAILURE, DELAY; "" for none
  std::string dsn_ret = {};     // RET: "FULL" | "HDRS" | "" for the server's default
  std::string dsn_envid = {};   // ENVID, printable ASCII; xtext-encoded when sent
  bool wants_dsn() const { return !dsn_notify.empty() || !dsn_ret.empty() || !dsn_envid.empty(); }
};

// DSN (RFC 3461) values, shared by validation, the command line and the session.
// NOTIFY as sent ("SUCCESS,FAILURE"), upper-cased and without spaces; nullopt with `problem` set when
// it is neither NEVER alone nor a list of SUCCESS, FAILURE and DELAY without repeats.
std::optional<std::string> parse_dsn_notify(std::string_view text, std::string* problem = nullptr);
// RET as sent ("FULL" or "HDRS"), any case given.
std::optional<std::string> parse_dsn_ret(std::string_view text);
// RFC 3461 4.2 xtext: '+', '=' and bytes outside '!'..'~' as "+XX" (upper-case hex).
std::string xtext_encode(std::string_view text);
inline constexpr std::size_t kMaxEnvidXtext = 100;  // RFC 3461 4.4: ENVID at most 100 characters


struct TestRequest {
  StopAfter stop_after = StopAfter::Quit;
  std::optional<MessageSpec> message;  // "Test email"
};

// Pure: every problem with the test itself (From, To, Subject), one entry per field problem.
std::vector<FieldError> validate(const TestRequest& r);
// Both: what a session refuses to start with.
std::vector<FieldError> validate(const ConnectionSettings& s, const TestRequest& r);

}  // namespace smtpwb
