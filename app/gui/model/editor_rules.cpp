#include "model/editor_rules.hpp"

#include <algorithm>
#include <cctype>

#include <filesystem>

#include "smtpwb/charset.hpp"
#include "smtpwb/platform.hpp"
#include "smtpwb/hints.hpp"

namespace smtpwb::gui {

namespace {
void add_issue17_rules(const ConnectionSettings& s, EditorRules& r) {
  r.client_cert_enabled = r.encryption_enabled;
  r.client_key_enabled = r.client_cert_enabled && !s.client_cert.empty();
  r.allow_ntlmv1_enabled = r.credentials_enabled && !is_oauth(s.auth_type);
}
}  // namespace

EditorRules editor_rules(const ConnectionSettings& s) {
  EditorRules r;
  const bool oauth = is_oauth(s.auth_type);
  const bool microsoft = s.auth_type == AuthType::Microsoft365OAuth;
  r.anonymous_visible = !oauth;
  r.credentials_enabled = oauth || !s.anonymous;
  r.username_label = oauth ? "Application Id" : "Username";
  // Microsoft's public clients must not send a secret; confidential apps may.
  r.password_label = microsoft ? "Client secret (optional)" : oauth ? "Client secret" : "Password";
  r.oauth_links_visible = oauth;
  r.tenant_visible = microsoft;
  r.oauth_provider = microsoft ? "microsoft365" : oauth ? "gmail" : "";
  r.encryption_enabled = s.encrypted();
  r.proxy_enabled = s.proxy.type != ProxyType::None;
  r.proxy_credentials_enabled = r.proxy_enabled && s.proxy.use_credentials;
  r.submission_port_enabled = s.port != 587;
  add_issue17_rules(s, r);
  return r;
}

std::optional<std::string> port_mode_warning(const ConnectionSettings& s) {
  // One source of truth: the hint catalogue's settings rules (port-mode-mismatch and the like).
  auto warnings = HintCatalogue::builtin().match_settings(s);
  if (warnings.empty()) return std::nullopt;
  return warnings.front().title + ". " + warnings.front().fix;
}

void set_security(ConnectionSettings& s, Security security) {
  if (security == Security::Implicit && (s.port == 25 || s.port == 587 || s.port == 990)) s.port = 465;
  if (security == Security::StartTls && s.port == 465) s.port = 587;
  if (security == Security::None && s.port == 465) s.port = 25;
  s.security = security;
}

std::string version_label(TlsVersion v) {
  std::string label(display_name(v));
  if (!can_negotiate(v)) label += " (this build cannot negotiate it)";
  return label;
}

std::string field_label(Field field, const ConnectionSettings& s) {
  switch (field) {
    case Field::Name: return "Name";
    case Field::Group: return "Group";
    case Field::Timeout: return "Timeout";
    case Field::CodePage: return "Code page";
    case Field::Address: return "Address";
    case Field::Port: return "Port";
    case Field::EhloName: return "EHLO name";
    case Field::AuthDomain: return "Domain";
    case Field::OAuthAccount: return "Account";
    case Field::OAuthTenant: return "Tenant";
    case Field::Username: return editor_rules(s).username_label;
    case Field::Password: return editor_rules(s).password_label;
    case Field::TlsVersions: return "Allowed versions";
    case Field::SaslMechanisms: return "SASL mechanisms";
    case Field::ProxyAddress: return "Proxy address";
    case Field::ProxyPort: return "Proxy port";
    case Field::ProxyUsername: return "Proxy username";
    case Field::ProxyPassword: return "Proxy password";
    case Field::ProxyDomain: return "Proxy domain";
    case Field::From: return "From";
    case Field::To: return "To";
    case Field::Subject: return "Subject";
    case Field::DsnNotify: return "DSN notify";
    case Field::DsnRet: return "DSN return";
    case Field::DsnEnvid: return "Envelope id";
    case Field::AddressFamily: return "Address family";
    case Field::LocalAddress: return "Local address";
  }
  return "?";
}

std::string describe(const FieldError& error, const ConnectionSettings& s) {
  return field_label(error.field, s) + ": " + error.problem;
}

// validate(), plus what only the window asks for: with OAuth the mail account has a field of its own
// (Username holds the Application Id there).
std::vector<FieldError> window_validate(const ConnectionSettings& s) {
  auto errors = validate(s);
  if (is_oauth(s.auth_type) && s.oauth_account.empty())
    errors.push_back({Field::OAuthAccount, "is empty; enter the mail address to sign in as"});
  return errors;
}

std::map<std::string, std::string> field_errors(const ConnectionSettings& s) {
  std::map<std::string, std::string> out;
  for (const auto& e : window_validate(s)) out.emplace(field_label(e.field, s), describe(e, s));
  return out;
}

std::map<std::string, std::string> client_certificate_errors(const ConnectionSettings& s) {
  std::map<std::string, std::string> out;
  if (!s.encrypted() || s.client_cert.empty()) return out;
  auto check = [&](const char* label, const std::string& path) {
    if (path.empty()) return;
    std::error_code ec;
    std::string extension = std::filesystem::path(platform::path_from_utf8(path)).extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!std::filesystem::is_regular_file(platform::path_from_utf8(path), ec))
      out.emplace(label, std::string(label) + ": no such file");
    else if (extension == ".p12" || extension == ".pfx")
      out.emplace(label, std::string(label) + ": PKCS#12 cannot be read here; convert it to PEM (openssl pkcs12 -in FILE -out client.pem)");
  };
  check("Client certificate", s.client_cert);
  check("Client key", s.client_key);
  return out;
}

std::optional<std::string> test_refusal(const ConnectionSettings& s) {
  auto errors = window_validate(s);
  if (errors.empty()) return std::nullopt;
  std::string text = "Fix first: ";
  for (std::size_t i = 0; i < errors.size(); ++i) text += (i ? "; " : "") + describe(errors[i], s);
  return text;
}

const std::vector<std::string>& offered_encodings() { return available_code_pages(); }

std::vector<std::string> filter_encodings(const std::vector<std::string>& all, const std::string& filter) {
  auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
  };
  const std::string f = lower(filter);
  std::vector<std::string> out;
  for (const auto& name : all)
    if (f.empty() || lower(name).find(f) != std::string::npos) out.push_back(name);
  return out;
}

}  // namespace smtpwb::gui
