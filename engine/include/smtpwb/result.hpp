#pragma once
// What a finished session learnt: the facts shown in the GUI and written to the JSON report.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "smtpwb/event.hpp"
#include "smtpwb/hint.hpp"

namespace smtpwb {

enum class FailureCategory { Config, Dns, Connect, Timeout, Proxy, Tls, Certificate, Auth, Smtp, Cancelled, Internal };
std::string_view to_string(FailureCategory c);

// How a step failed, for the hints: they match this (and the category, phase and reply), never the wording
// of `message`, so the message can be rephrased freely. One name table: to_string / failure_cause_from.
enum class FailureCause {
  None,
  Closed,                // the server closed the connection (no reply explains it)
  Reset,                 // the connection was lost: reset or a socket error
  NoReply,               // nothing within the timeout
  SlowReply,             // part of a reply, not the rest
  Malformed,             // not SMTP syntax
  Unsolicited,           // a reply to no command
  SizeLimit,             // the message exceeds the server's SIZE
  ConnectionRefused,     // the host refused the TCP connection (ECONNREFUSED)
  NoAuthOffered,         // no AUTH in the EHLO reply
  NoCommonMechanism,     // none of the permitted mechanisms is offered
  CleartextCredentials,  // we refused to send credentials over an unencrypted connection
  OAuthSignIn,           // the OAuth sign-in failed before any connection; `detail` holds the provider's error
  // The test message asks for an extension the server's EHLO does not offer (checked before MAIL FROM).
  NoSmtpUtf8,            // --smtputf8 without SMTPUTF8
  NoChunking,            // --bdat without CHUNKING
  NoDsn,                 // a DSN request without DSN
  LocalAddressUnavailable,  // the configured source address could not be bound (not assigned to this machine)
  NoAddressOfFamily,        // the name has no address of the family -4/-6 (or the local address) requires
};
std::string_view to_string(FailureCause c);
std::optional<FailureCause> failure_cause_from(std::string_view name);

struct Failure {
  FailureCategory category = FailureCategory::Internal;
  std::string message;
  Phase phase = Phase::Resolve;
  int reply_code = 0;            // the SMTP reply that failed the step, if any
  std::string enhanced_code;     // "5.7.8"
  std::string reply_text;        // every line of that reply as received, joined by "\n" (for the hints)
  FailureCause cause = FailureCause::None;
  int os_error = 0;    // errno (or the OS's socket error) where one caused the failure
  std::string detail;  // the peer's own words where no SMTP reply carries them (a token endpoint's error)
};

struct PhaseTiming {
  Phase phase;
  double start_ms = 0;
  double duration_ms = 0;
};

// One attribute of a certificate's subject or issuer name, e.g. {"2.5.4.3", "mail.example.com"}.
struct NameAttribute {
  std::string oid;    // dotted
  std::string value;  // text as UTF-8 (BMPString, UniversalString and T61String converted); other types' bytes
};

struct CertificateInfo {
  int depth = 0;
  std::string subject;
  std::string issuer;
  // The same names attribute by attribute, in the certificate's order (for other tools' formats).
  std::vector<NameAttribute> subject_attributes, issuer_attributes;
  bool trust_anchor = false;  // taken from the trust store to complete the chain, not sent by the server
  std::vector<std::string> subject_alt_names;
  std::string not_before;  // ISO 8601, UTC
  std::string not_after;
  int days_left = 0;       // whole days until not_after when the chain was read; negative once expired
  std::string key_type;    // "RSA", "EC"
  int key_bits = 0;
  std::string signature_algorithm;
  std::string sha256_fingerprint;  // hex with colons
  std::uint32_t verify_flags = 0;
};

// Why certificate verification failed, in kinds the hints match ("expired", "untrusted", ...).
enum class VerifyErrorKind { Expired, NotYetValid, HostnameMismatch, Untrusted, Revoked, Other };
std::string_view to_string(VerifyErrorKind k);
std::optional<VerifyErrorKind> verify_error_kind_from(std::string_view name);
// Who refused every TLS version: "" (nobody), "client" (this build or the settings), "server".
enum class RefusedBy { Nobody, Client, Server };
std::string_view to_string(RefusedBy r);
std::optional<RefusedBy> refused_by_from(std::string_view name);

struct TlsFacts {
  bool used = false;
  std::string version;  // "TLSv1.2" / "TLSv1.3"
  std::string cipher;
  std::string group;    // key-exchange group, e.g. "x25519"
  std::string sni;
  bool verification_enabled = true;
  bool verified = false;
  std::vector<std::string> verify_errors;  // plain words
  std::vector<CertificateInfo> chain;      // leaf first
  std::string san_match;                   // the leaf's SAN that matches sni ("DNS:*.example.com"), "" for none
  bool starttls_injection = false;         // bytes after "220" to STARTTLS, before the handshake
  std::vector<VerifyErrorKind> verify_error_kinds;  // for the hints
  bool plaintext_answer = false;   // the server answered our ClientHello with plain SMTP
  RefusedBy version_refused_by = RefusedBy::Nobody;  // no common version: who refused
  std::vector<std::string> server_versions;  // after a refusal by the server: the older versions it offers ("TLS 1.0")
  // Client certificates: whether the server sent a CertificateRequest, the CA names it lists (RFC 5246
  // certificate_authorities, RFC 8446 extension 47; often none), and the subject of ours when we sent one.
  bool client_certificate_requested = false;
  std::vector<std::string> client_certificate_ca_names;
  std::string client_certificate_sent;
};

struct MxRecord {
  int preference = 0;
  std::string exchange;  // "." for a null MX (RFC 7505: the domain accepts no mail)
};

// Another service's greeting where SMTP was expected.
enum class ForeignProtocol { None, Ssh, Http, Imap, Pop3 };
std::string_view to_string(ForeignProtocol p);  // "" | "ssh" | "http" | "imap" | "pop3"
std::optional<ForeignProtocol> foreign_protocol_from(std::string_view name);

struct ServerFacts {
  std::string host;
  int port = 0;
  std::vector<std::string> resolved;  // every A/AAAA
  std::string connected_address;      // the one used
  std::string address_family;         // of connected_address: "ipv4" | "ipv6"; empty before a connection
  std::string family_reason;          // why that family: "forced by --ipv4", "first address the resolver returned", ...
  std::string local_address;          // our end of the connection as bound ("127.0.0.2"), empty before one
  std::string reverse_dns;            // PTR of connected_address, empty when none or not looked up
  std::string mail_domain;            // domain of the From address or user name, whose MX were looked up
  std::vector<MxRecord> mx;           // its MX records, by preference
  std::string mx_error;               // why the MX lookup gave no answer, empty when it did
  std::string banner;
  std::string ehlo_name;              // the name we sent
  std::vector<std::string> capabilities_before_tls;
  std::vector<std::string> capabilities_after_tls;
  std::string ehlo_domain;                 // the server's own name in its EHLO reply
  std::string search_domain_name;          // a bare name's full name through the resolver's search list
  bool tls_on_silent_port = false;         // no greeting, but the port answered a TLS handshake
  ForeignProtocol foreign_protocol = ForeignProtocol::None;
  std::string foreign_greeting;  // its first line, printable
};

struct AuthStep {
  std::string direction;  // "client" | "server"
  std::string text;       // decoded, secrets masked
};

enum class AuthResult { NotAttempted, Skipped, Ok, Failed };
std::string_view to_string(AuthResult r);  // "not-attempted" | "skipped" | "ok" | "failed"

struct AuthFacts {
  std::string mechanism;
  AuthResult result = AuthResult::NotAttempted;
  std::vector<std::string> offered;
  std::vector<std::string> permitted;
  std::vector<AuthStep> steps;
  // A bearer token that is a JWT (Microsoft's are): its audience and scopes, read without verifying,
  // so that a refusal can be told apart (wrong resource, missing SMTP.Send, or SMTP AUTH disabled).
  bool token_is_jwt = false;
  std::string token_audience, token_scopes;
  // NTLM: the version answered with, and whether the server's challenge lacked TargetInfo (the sign of
  // a server that verifies only NTLMv1, such as Exim's spa authenticator).
  std::string ntlm_version;  // "" (no NTLM), "NTLMv1", "NTLMv2" (JSON auth.ntlm_version)
  bool ntlm_challenge_without_target_info = false;
};

struct MessageFacts {
  bool attempted = false;
  bool accepted = false;
  std::string charset;
  std::string transfer_encoding;
  std::size_t size_bytes = 0;
  std::string server_reply;  // final reply to DATA, e.g. "250 2.0.0 Ok: queued as 4Xy..."
  std::size_t bdat_chunks = 0;  // BDAT commands sent (0: DATA, or nothing sent)
};

enum class ResolvedBy { Client, Proxy };
std::string_view to_string(ResolvedBy r);  // "client" | "proxy"

// How far the proxy got: the handshake's own outcomes (Ok ... ProtocolError) and the steps before it.
enum class ProxyResult {
  NotAttempted, Unresolved, Unreachable, Connected,  // before the handshake
  Ok, CredentialsRefused, TargetRefused, Timeout, Closed, ProtocolError
};
std::string_view to_string(ProxyResult r);  // "not-attempted", "ok", "credentials-refused", ...
std::optional<ProxyResult> proxy_result_from(std::string_view name);

// The proxy of the session; `result` and `reply` are what the diagnostics read about a proxy failure.
struct ProxyFacts {
  bool used = false;
  std::string type;                      // proxy_scheme(): "socks4" | "socks4a" | "socks5" | "socks5h" | "http"
  std::string address;                   // as configured
  int port = 0;
  std::string connected_address;         // the proxy's IP address used
  ResolvedBy target_resolved_by = ResolvedBy::Client;  // who resolved the server's name
  ProxyResult result = ProxyResult::NotAttempted;
  int reply = -1;                        // the proxy's last reply code (SOCKS) or HTTP status; -1: none
  std::string reply_text;                // its meaning, or the HTTP status line
};

// --probe-plaintext: what the server allows on a plain-text connection before any TLS, without credentials.
struct PlaintextProbeFacts {
  bool auth_advertised = false;
  std::vector<std::string> auth_mechanisms;  // as the EHLO reply lists them
  bool mail_accepted = false;                // MAIL FROM answered 250 (then RSET)
  std::string sender;                        // the MAIL FROM address tried
  std::string mail_reply;                    // the first line of that reply
  std::string error;                         // why the probe did not get that far; empty when it did
};

struct SessionResult {
  bool ok = false;
  std::optional<Failure> failure;
  std::vector<PhaseTiming> phases;
  ServerFacts server;
  ProxyFacts proxy;
  TlsFacts tls;
  AuthFacts auth;
  MessageFacts message;
  std::optional<PlaintextProbeFacts> plaintext_probe;  // set when --probe-plaintext ran
  std::vector<Event> transcript;
  double total_ms = 0;
  std::vector<Hint> hints;  // filled from HintCatalogue::builtin() when the session ends
};

}  // namespace smtpwb
