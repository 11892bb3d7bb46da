#pragma once
// What a finished session learnt: the facts shown in the GUI and written to the JSON report.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "smtpwb/event.hpp"

namespace smtpwb {

enum class FailureCategory { Config, Dns, Connect, Timeout, Proxy, Tls, Certificate, Auth, Smtp, Cancelled, Internal };
std::string_view to_string(FailureCategory c);
// Exit status of `check` for a failure of this category (0 is success, 2 is a usage error).
int exit_code(FailureCategory c);

struct Failure {
  FailureCategory category = FailureCategory::Internal;
  std::string message;
  Phase phase = Phase::Resolve;
  int reply_code = 0;            // the SMTP reply that failed the step, if any
  std::string enhanced_code;     // "5.7.8"
};

struct PhaseTiming {
  Phase phase;
  double start_ms = 0;
  double duration_ms = 0;
};

struct CertificateInfo {
  int depth = 0;
  std::string subject;
  std::string issuer;
  std::vector<std::string> subject_alt_names;
  std::string not_before;  // ISO 8601, UTC
  std::string not_after;
  std::string key_type;    // "RSA", "EC"
  int key_bits = 0;
  std::string signature_algorithm;
  std::string sha256_fingerprint;  // hex with colons
  std::uint32_t verify_flags = 0;
};

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
  bool starttls_injection = false;         // bytes after "220" to STARTTLS, before the handshake
};

struct ServerFacts {
  std::string host;
  int port = 0;
  std::vector<std::string> resolved;  // every A/AAAA
  std::string connected_address;      // the one used
  std::string banner;
  std::string ehlo_name;              // the name we sent
  std::vector<std::string> capabilities_before_tls;
  std::vector<std::string> capabilities_after_tls;
};

struct AuthStep {
  std::string direction;  // "client" | "server"
  std::string text;       // decoded, secrets masked
};

struct AuthFacts {
  std::string mechanism;
  std::string result = "not-attempted";  // "ok" | "failed" | "skipped" | "not-attempted"
  std::vector<std::string> offered;
  std::vector<std::string> permitted;
  std::vector<AuthStep> steps;
};

struct MessageFacts {
  bool attempted = false;
  bool accepted = false;
  std::string charset;
  std::string transfer_encoding;
  std::size_t size_bytes = 0;
  std::string server_reply;  // final reply to DATA, e.g. "250 2.0.0 Ok: queued as 4Xy..."
};

struct SessionResult {
  bool ok = false;
  std::optional<Failure> failure;
  std::vector<PhaseTiming> phases;
  ServerFacts server;
  TlsFacts tls;
  AuthFacts auth;
  MessageFacts message;
  std::vector<Event> transcript;
  double total_ms = 0;
};

}  // namespace smtpwb
