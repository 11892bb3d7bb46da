#pragma once
// The connection editor's rules, as pure functions: which fields are enabled or visible, their labels,
// and the warnings and automatic changes users expect.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "smtpwb/settings.hpp"

namespace smtpwb::gui {

struct EditorRules {
  bool anonymous_visible = true;        // hidden for Gmail OAuth and Microsoft 365 OAuth
  bool credentials_enabled = false;     // Username/Password: off when Anonymous
  std::string username_label = "Username";
  std::string password_label = "Password";
  bool oauth_links_visible = false;     // "Setup app" / "Authenticate"
  bool tenant_visible = false;          // Microsoft 365 OAuth: the Entra tenant
  std::string oauth_provider;           // smtpwb::oauth provider id: "gmail", "microsoft365"; empty: none
  bool encryption_enabled = true;       // mode, versions: off for "No encryption"
  bool proxy_enabled = false;           // address/port/credentials: off for proxy type None
  bool proxy_credentials_enabled = false;
  // Advanced network: port 587 is a submission port anyway, so its checkbox only applies to other ports.
  bool submission_port_enabled = true;
  // Issue 17: the client certificate needs TLS; its key and password need the certificate. NTLMv1 is a
  // password mechanism's option: off for Anonymous and OAuth.
  bool client_cert_enabled = true;
  bool client_key_enabled = false;
  bool allow_ntlmv1_enabled = false;
};
EditorRules editor_rules(const ConnectionSettings& s);

// "Port 465 normally uses implicit TLS" style warnings from the hint catalogue's settings rules; empty
// when port and mode agree or the port is unusual.
std::optional<std::string> port_mode_warning(const ConnectionSettings& s);

// Security changes move a well-known port with them (Implicit → 465, STARTTLS → 587, none → 25), as users expect;
// an unusual port is left alone (the warning above then speaks if needed).
void set_security(ConnectionSettings& s, Security security);

// "TLS 1.0 (this build cannot negotiate it)" for versions mbedTLS 3.6 does not implement.
std::string version_label(TlsVersion v);

// The label of the field a problem belongs to, as the editor shows it ("Port", "Application Id", ...).
std::string field_label(Field field, const ConnectionSettings& s);
// "Port: 70000 is not a TCP port (1-65535)".
std::string describe(const FieldError& error, const ConnectionSettings& s);

// validate() plus the window's own checks (the Gmail OAuth account).
std::vector<FieldError> window_validate(const ConnectionSettings& s);
// Those errors keyed by field label, for showing each message next to its field.
std::map<std::string, std::string> field_errors(const ConnectionSettings& s);
// The client certificate's files as the window sees them (issue 17), keyed by field label like
// field_errors: a file that does not exist, or PKCS#12, which this build cannot read.
std::map<std::string, std::string> client_certificate_errors(const ConnectionSettings& s);
// One line for a refused Test: "Fix first: Port: ...; Address: ...".
std::optional<std::string> test_refusal(const ConnectionSettings& s);

// The encodings this OS offers (iconv's, from glibc's gconv module lists, on Linux; the installed code
// pages on Windows), sorted; filtered by `filter`.
const std::vector<std::string>& offered_encodings();
std::vector<std::string> filter_encodings(const std::vector<std::string>& all, const std::string& filter);

}  // namespace smtpwb::gui
