// The connection editor: the tabs users know (Common settings; Connection settings with the
// Encryption and Proxy sub-tabs), with the enable/relabel rules from editor_rules.hpp.
#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>

#include "model/editor_rules.hpp"
#include "model/presets.hpp"
#include "smtpwb/oauth.hpp"
#include "smtpwb/sasl/mechanism.hpp"
#include "views/ui_probe.hpp"
#include "views/views.hpp"

namespace smtpwb::gui {

namespace {
using Errors = std::map<std::string, std::string>;

const ImVec4 kErrorColour(1.0f, 0.45f, 0.4f, 1.0f);
const ImVec4 kWarningColour(0.95f, 0.7f, 0.3f, 1.0f);

void show_error(const Errors& errors, const char* field) {
  if (auto it = errors.find(field); it != errors.end()) ImGui::TextColored(kErrorColour, "%s", it->second.c_str());
}

bool text_field(const char* label, std::string& value, const Errors& errors, const char* field = nullptr,
                ImGuiInputTextFlags flags = 0) {
  bool changed = ImGui::InputText(label, &value, flags);
  probe::note(std::string("field:") + (field ? field : label));
  show_error(errors, field ? field : label);
  return changed;
}

void int_field(const char* label, int& value, const Errors& errors, const char* field) {
  ImGui::InputInt(label, &value, 0, 0);
  probe::note(std::string("field:") + field);
  show_error(errors, field);
}

template <typename E>
bool combo(const char* label, E& value, std::initializer_list<std::pair<E, const char*>> choices) {
  const char* current = "";
  for (const auto& [v, name] : choices)
    if (v == value) current = name;
  bool changed = false;
  if (ImGui::BeginCombo(label, current)) {
    for (const auto& [v, name] : choices) {
      if (ImGui::Selectable(name, v == value)) {
        value = v;
        changed = true;
      }
    }
    ImGui::EndCombo();
  }
  probe::note(std::string("combo:") + label);
  return changed;
}

void password_field(const char* label, std::string& value, bool& shown, const Errors& errors, const char* field) {
  ImGui::InputText(label, &value, shown ? 0 : ImGuiInputTextFlags_Password);
  probe::note(std::string("field:") + field);
  ImGui::SameLine();
  ImGui::PushID(label);
  ImGui::Checkbox("Show", &shown);
  ImGui::PopID();
  show_error(errors, field);
}

void code_page_combo(ConnectionSettings& s, ViewState& vs, const Errors& errors) {
  if (ImGui::BeginCombo("Code page", s.code_page.c_str(), ImGuiComboFlags_HeightLarge)) {
    if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
    ImGui::InputTextWithHint("##cp-filter", "Search encodings", &vs.code_page_filter);
    for (const auto& name : filter_encodings(offered_encodings(), vs.code_page_filter))
      if (ImGui::Selectable(name.c_str(), name == s.code_page)) s.code_page = name;
    ImGui::EndCombo();
  }
  show_error(errors, "Code page");
}

void common_tab(ConnectionSettings& s, ViewState& vs, const Errors& errors) {
  text_field("Name", s.name, errors);
  text_field("Group", s.group, errors);
  ImGui::InputInt("Timeout (s)", &s.timeout_s, 1, 10);
  probe::note("field:Timeout");
  show_error(errors, "Timeout");
  code_page_combo(s, vs, errors);
}

// A client certificate for servers that ask for one (and SASL EXTERNAL); its key's password is a secret
// kept in the keyring like the others.
void client_certificate_rows(ConnectionSettings& s, ViewState& vs, const EditorRules& rules, const Errors& errors) {
  ImGui::BeginDisabled(!rules.client_cert_enabled);
  text_field("Client certificate", s.client_cert, errors, "Client certificate");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("A PEM file: the certificate, optionally followed by its chain. Empty: none.");
  ImGui::BeginDisabled(!rules.client_key_enabled);
  text_field("Client key", s.client_key, errors, "Client key");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("A PEM file with the private key. Empty: the key is in the certificate file.");
  password_field("Key password", s.client_key_password, vs.show_client_key_password, errors, "Key password");
  ImGui::EndDisabled();
  if (rules.client_cert_enabled && !s.client_cert.empty())
    ImGui::TextDisabled("Sent when the server asks for a certificate; tick EXTERNAL to log in with it. PKCS#12 files must be "
                        "converted to PEM first (openssl pkcs12 -in FILE -out client.pem).");
  ImGui::EndDisabled();
}

void encryption_tab(ConnectionSettings& s, ViewState& vs, const Errors& errors) {
  Security security = s.security;
  if (combo("Security", security,
            {{Security::None, "No encryption"}, {Security::StartTls, "STARTTLS"}, {Security::Implicit, "Implicit TLS (from the first byte)"}}))
    set_security(s, security);
  EditorRules rules = editor_rules(s);
  ImGui::BeginDisabled(!rules.encryption_enabled);
  ImGui::TextUnformatted("Allowed SSL/TLS versions");
  for (TlsVersion v : kAllTlsVersions) {
    bool on = s.tls_versions.contains(v);
    if (ImGui::Checkbox(version_label(v).c_str(), &on)) s.tls_versions = on ? s.tls_versions.with(v) : s.tls_versions.without(v);
    probe::note(std::string("version:") + std::string(to_string(v)));
  }
  show_error(errors, "Allowed versions");
  ImGui::EndDisabled();

  ImGui::TextUnformatted("SASL mechanisms (none ticked: every mechanism this build supports)");
  for (const auto& m : sasl::supported_mechanisms()) {
    auto it = std::find(s.sasl_mechanisms.begin(), s.sasl_mechanisms.end(), m);
    bool on = it != s.sasl_mechanisms.end();
    ImGui::SameLine();
    if (ImGui::Checkbox(m.c_str(), &on)) {
      if (on) s.sasl_mechanisms.push_back(m);
      else s.sasl_mechanisms.erase(it);
    }
  }
  show_error(errors, "SASL mechanisms");
  ImGui::BeginDisabled(!rules.encryption_enabled);
  ImGui::Checkbox("Verify the server certificate", &s.verify_certificate);
  text_field("CA file (empty: system store)", s.ca_file, errors, "CA file");
  ImGui::EndDisabled();
  ImGui::Checkbox("Allow credentials without encryption", &s.allow_plaintext_auth);
  client_certificate_rows(s, vs, rules, errors);
}

void proxy_tab(ConnectionSettings& s, ViewState& vs, const Errors& errors) {
  combo("Proxy type", s.proxy.type, {{ProxyType::None, "None"}, {ProxyType::Socks4, "SOCKS4"}, {ProxyType::Socks4a, "SOCKS4a"},
                                     {ProxyType::Socks5, "SOCKS5"}, {ProxyType::Http, "HTTP CONNECT"}});
  EditorRules rules = editor_rules(s);
  ImGui::BeginDisabled(!rules.proxy_enabled);
  text_field("Proxy address", s.proxy.address, errors);
  int_field("Proxy port", s.proxy.port, errors, "Proxy port");
  if (s.proxy.type == ProxyType::Socks5) {
    ImGui::Checkbox("Let the proxy resolve the server's name (socks5h)", &s.proxy.resolve_via_proxy);
    probe::note("check:resolve_via_proxy");
  } else if (rules.proxy_enabled) {
    ImGui::TextDisabled(s.proxy.type == ProxyType::Socks4 ? "SOCKS4: the server's name is resolved here (IPv4 only)"
                                                          : "The proxy resolves the server's name");
  }
  ImGui::Checkbox("Use credentials", &s.proxy.use_credentials);
  probe::note("check:Use credentials");
  ImGui::BeginDisabled(!rules.proxy_credentials_enabled);
  text_field("Domain", s.proxy.domain, errors, "Proxy domain");
  if (s.proxy.type == ProxyType::Http && rules.proxy_credentials_enabled)
    ImGui::TextDisabled(s.proxy.domain.empty() ? "HTTP proxy: Basic authentication (a Domain switches to NTLM)"
                                               : "HTTP proxy: NTLM authentication (NTLMv2) in this domain");
  text_field("Proxy username", s.proxy.username, errors);
  password_field("Proxy password", s.proxy.password, vs.show_proxy_password, errors, "Proxy password");
  ImGui::EndDisabled();
  ImGui::EndDisabled();
}

// Gmail / Microsoft 365 OAuth: the mail account (and Microsoft's tenant), "Setup app" (the provider's
// console) and "Authenticate" (the sign-in in the browser), with the sign-in's progress.
void oauth_rows(Workbench& wb, Connection& c, const EditorRules& rules, const Errors& errors, std::vector<Command>& out) {
  text_field("Account (mail address)", c.draft.oauth_account, errors, "Account");
  if (rules.tenant_visible) text_field("Tenant (empty: organizations)", c.draft.oauth_tenant, errors, "Tenant");
  const bool microsoft = rules.oauth_provider == "microsoft365";
  if (ImGui::SmallButton("Setup app")) out.push_back(cmd::OpenUrl{oauth::find_provider(rules.oauth_provider)->console_url});
  probe::note("oauth-setup");
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(microsoft ? "Opens the Entra admin center: register an app with the delegated permission SMTP.Send and "
                                  "the redirect URI http://localhost (Mobile and desktop applications)"
                                : "Opens Google Cloud Console: create an OAuth client of type Desktop app");
  ImGui::SameLine();
  const bool busy = c.oauth && c.oauth->running();
  ImGui::BeginDisabled(busy);
  if (ImGui::SmallButton("Authenticate")) out.push_back(cmd::SignIn{c.id});
  probe::note("oauth-authenticate");
  ImGui::EndDisabled();
  if (busy) {
    ImGui::SameLine();
    if (ImGui::SmallButton("Cancel sign-in")) out.push_back(cmd::CancelSignIn{c.id});
    if (std::string url = c.oauth->read([](const SignInState& s) { return s.url; }); !url.empty()) {
      ImGui::TextDisabled("If no browser opened, open this address:");
      ImGui::SameLine();
      if (ImGui::SmallButton("Copy address")) ImGui::SetClipboardText(url.c_str());
    }
  }
  if (!c.oauth_status.empty()) ImGui::TextDisabled("%s", c.oauth_status.c_str());
  else if (c.has_access_token() || wb.has_refresh_token(c)) ImGui::TextDisabled("Signed in");
  else ImGui::TextDisabled("Not signed in yet: Authenticate opens the sign-in page in the browser");
  for (const auto& h : c.oauth_hints) ImGui::TextWrapped("%s. %s", h.title.c_str(), h.fix.c_str());
}

// Advanced, folded by default: the IP version, the source address to bind, and a submission port that is not 587.
void network_rows(ConnectionSettings& s, const EditorRules& rules, const Errors& errors) {
  const bool open = ImGui::CollapsingHeader("Advanced: IP version and local address");
  probe::note("header:advanced-network");
  if (!open) return;
  combo("Address family", s.address_family,
        {{AddressFamily::Any, "Any (the resolver's order)"}, {AddressFamily::IPv4, "IPv4 only"}, {AddressFamily::IPv6, "IPv6 only"}});
  show_error(errors, "Address family");
  text_field("Local address (empty: automatic)", s.local_address, errors, "Local address");
  ImGui::TextDisabled("An IP address of this machine to connect from (bound before connecting)");
  ImGui::BeginDisabled(!rules.submission_port_enabled);
  bool submission = s.submission_port || !rules.submission_port_enabled;
  if (ImGui::Checkbox("Submission port (Probe plain text warns when it takes AUTH or mail before TLS)", &submission))
    s.submission_port = submission;
  probe::note("check:Submission port");
  ImGui::EndDisabled();
}

// NTLMv1 only on request, with the reason to hesitate next to it.
void allow_ntlmv1_row(ConnectionSettings& s, const EditorRules& rules) {
  if (!rules.anonymous_visible) return;  // OAuth: no password mechanism at all
  ImGui::BeginDisabled(!rules.allow_ntlmv1_enabled);
  ImGui::Checkbox("Allow NTLMv1 (legacy)", &s.allow_ntlmv1);
  probe::note("check:Allow NTLMv1");
  ImGui::EndDisabled();
  if (rules.allow_ntlmv1_enabled && s.allow_ntlmv1)
    ImGui::TextColored(kWarningColour, "NTLM answers with NTLMv1: a captured exchange can be cracked. Only for servers that "
                                       "verify nothing else (Exim's spa).");
}

void connection_tab(Workbench& wb, Connection& c, ViewState& vs, const Errors& errors, std::vector<Command>& out) {
  ConnectionSettings& s = c.draft;
  text_field("Address", s.address, errors);
  if (is_demo(s)) ImGui::TextDisabled("\"%s\" is the built-in demo server, started on a free local port", s.address.c_str());
  int_field("Port", s.port, errors, "Port");
  if (auto warning = port_mode_warning(s)) ImGui::TextColored(kWarningColour, "%s", warning->c_str());
  text_field("EHLO name (empty: automatic)", s.ehlo_name, errors, "EHLO name");

  combo("Authentication type", s.auth_type,
        {{AuthType::Default, "Default"}, {AuthType::GmailOAuth, "Gmail OAuth"}, {AuthType::Microsoft365OAuth, "Microsoft 365 OAuth"}});
  EditorRules rules = editor_rules(s);
  if (rules.anonymous_visible) {
    ImGui::Checkbox("Anonymous", &s.anonymous);
    probe::note("check:Anonymous");
  }
  ImGui::BeginDisabled(!rules.credentials_enabled);
  text_field((rules.username_label + "##user").c_str(), s.username, errors, rules.username_label.c_str());
  password_field((rules.password_label + "##password").c_str(), s.password, vs.show_password, errors, rules.password_label.c_str());
  ImGui::EndDisabled();
  allow_ntlmv1_row(s, rules);
  if (rules.oauth_links_visible) oauth_rows(wb, c, rules, errors, out);
  network_rows(s, rules, errors);

  if (ImGui::BeginTabBar("connection-subtabs")) {
    if (probe::tab_item("Encryption")) {
      encryption_tab(s, vs, errors);
      ImGui::EndTabItem();
    }
    if (probe::tab_item("Proxy")) {
      proxy_tab(s, vs, errors);
      ImGui::EndTabItem();
    }
    ImGui::EndTabBar();
  }
}
}  // namespace

void draw_connection_editor(Workbench& wb, ViewState& vs, std::vector<Command>& out) {
  Connection* c = wb.selected();
  if (!c) {
    ImGui::TextDisabled("No connection selected. New creates one from a preset.");
    return;
  }
  ConnectionSettings& s = c->draft;
  Errors errors = field_errors(s);
  errors.merge(client_certificate_errors(s));
  if (auto clash = wb.name_clash(s.name, c->id)) errors.emplace("Name", *clash);

  ImGui::BeginDisabled(!c->dirty());
  if (ImGui::Button("Save")) out.push_back(cmd::Save{c->id});
  probe::note("save");
  ImGui::SameLine();
  ImGui::BeginDisabled(!c->file);
  if (ImGui::Button("Revert")) out.push_back(cmd::Revert{c->id});
  ImGui::EndDisabled();
  ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::TextDisabled(c->dirty() ? "unsaved changes" : "saved");
  if (const Preset* preset = preset_for(s); preset && !preset->notice.empty()) {
    ImGui::PushTextWrapPos(0);
    ImGui::TextColored(kWarningColour, "%s", preset->notice.c_str());
    ImGui::PopTextWrapPos();
  }

  ImGui::PushItemWidth(ImGui::GetFontSize() * 18);
  if (ImGui::BeginTabBar("editor-tabs")) {
    if (probe::tab_item("Common settings")) {
      common_tab(s, vs, errors);
      ImGui::EndTabItem();
    }
    if (probe::tab_item("Connection settings")) {
      connection_tab(wb, *c, vs, errors, out);
      ImGui::EndTabItem();
    }
    ImGui::EndTabBar();
  }
  ImGui::PopItemWidth();
}

}  // namespace smtpwb::gui
