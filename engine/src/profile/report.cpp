#include "smtpwb/report.hpp"

#include "smtpwb/base64.hpp"
#include "smtpwb/printable.hpp"

namespace smtpwb {

using json = nlohmann::ordered_json;

namespace {
double round3(double v) { return static_cast<double>(static_cast<long long>(v * 1000.0 + 0.5)) / 1000.0; }

json certificate_json(const CertificateInfo& c) {
  return {{"depth", c.depth},
          {"subject", c.subject},
          {"issuer", c.issuer},
          {"subject_alt_names", c.subject_alt_names},
          {"not_before", c.not_before},
          {"not_after", c.not_after},
          {"days_left", c.days_left},
          {"key_type", c.key_type},
          {"key_bits", c.key_bits},
          {"signature_algorithm", c.signature_algorithm},
          {"sha256_fingerprint", c.sha256_fingerprint}};
}
json mx_json(const ServerFacts& s) {
  if (s.mail_domain.empty() || !s.mx_error.empty()) return nullptr;  // not looked up, or no answer
  json out = json::array();
  for (const auto& m : s.mx) out.push_back({{"preference", m.preference}, {"exchange", m.exchange}});
  return out;
}

// The TCP connection as made: which IP family and why, and our end of it (null before a connection).
json connection_json(const ServerFacts& s) {
  auto text_or_null = [](const std::string& t) { return t.empty() ? json(nullptr) : json(t); };
  return {{"address_family", text_or_null(s.address_family)},
          {"family_reason", text_or_null(s.family_reason)},
          {"local_address", text_or_null(s.local_address)}};
}

// --probe-plaintext: the three facts; "error" only when the probe did not get that far.
json plaintext_probe_json(const PlaintextProbeFacts& p) {
  json out = {{"auth_advertised", p.auth_advertised}, {"auth_mechanisms", p.auth_mechanisms}, {"mail_accepted", p.mail_accepted}};
  if (!p.error.empty()) out["error"] = p.error;
  return out;
}

json auth_steps_json(const std::vector<AuthStep>& steps) {
  json out = json::array();
  for (const auto& s : steps) out.push_back({{"direction", s.direction}, {"text", s.text}});
  return out;
}

// Issue 17: whether the server asked for a client certificate, the CA names it accepts, the one we sent.
void add_client_certificate_json(const TlsFacts& tls, json& out) {
  out["client_certificate_requested"] = tls.client_certificate_requested;
  out["client_certificate_ca_names"] = tls.client_certificate_ca_names;
  out["client_certificate_sent"] = tls.client_certificate_sent.empty() ? json(nullptr) : json(tls.client_certificate_sent);
}

// The extensions the message was asked to use (each one the server lacks fails the test before MAIL FROM,
// so on success they were all used): message.smtputf8, message.bdat (+ bdat_chunks), message.dsn.
json message_extensions_json(const MessageSpec& m, const MessageFacts& facts) {
  json dsn = nullptr;
  if (m.wants_dsn()) {
    auto notify = parse_dsn_notify(m.dsn_notify);
    auto ret = parse_dsn_ret(m.dsn_ret);
    dsn = {{"notify", notify && !m.dsn_notify.empty() ? json(*notify) : json(nullptr)},
           {"ret", ret ? json(*ret) : json(nullptr)},
           {"envid", m.dsn_envid.empty() ? json(nullptr) : json(m.dsn_envid)}};
  }
  return {{"smtputf8", m.smtputf8}, {"bdat", m.bdat}, {"bdat_chunks", facts.bdat_chunks}, {"dsn", dsn}};
}

}  // namespace

json hints_json(const std::vector<Hint>& hints) {
  json out = json::array();
  for (const auto& h : hints)
    out.push_back({{"id", h.id},
                   {"severity", to_string(h.severity)},
                   {"title", h.title},
                   {"explanation", h.explanation},
                   {"fix", h.fix},
                   {"phase", to_string(h.phase)},
                   {"transcript_index", h.transcript_index ? json(*h.transcript_index) : json(nullptr)}});
  return out;
}

json report_json(const ConnectionSettings& s, const TestRequest& request, const SessionResult& r) {
  json out;
  out["result"] = r.ok ? "ok" : "failed";
  if (r.failure) {
    out["failure"] = {{"category", to_string(r.failure->category)},
                      {"message", r.failure->message},
                      {"phase", to_string(r.failure->phase)},
                      {"reply_code", r.failure->reply_code},
                      {"enhanced_code", r.failure->enhanced_code},
                      {"reply_text", r.failure->reply_text}};
  } else {
    out["failure"] = nullptr;
  }
  out["total_ms"] = round3(r.total_ms);
  json phases = json::array();
  for (const auto& p : r.phases)
    phases.push_back({{"name", to_string(p.phase)}, {"start_ms", round3(p.start_ms)}, {"duration_ms", round3(p.duration_ms)}});
  out["phases"] = phases;
  out["settings"] = profile_json(s);
  out["stop_after"] = to_string(request.stop_after);
  out["server"] = {{"host", r.server.host},
                   {"port", r.server.port},
                   {"address", r.server.connected_address},
                   {"resolved", r.server.resolved},
                   {"reverse_dns", r.server.reverse_dns.empty() ? json(nullptr) : json(r.server.reverse_dns)},
                   {"mail_domain", r.server.mail_domain.empty() ? json(nullptr) : json(r.server.mail_domain)},
                   {"mx", mx_json(r.server)},
                   {"mx_error", r.server.mx_error.empty() ? json(nullptr) : json(r.server.mx_error)},
                   {"banner", r.server.banner},
                   {"ehlo_name", r.server.ehlo_name},
                   {"capabilities", {{"before_tls", r.server.capabilities_before_tls},
                                     {"after_tls", r.server.capabilities_after_tls}}}};
  out["connection"] = connection_json(r.server);
  if (r.proxy.used) {
    out["proxy"] = {{"type", r.proxy.type},
                    {"address", r.proxy.address},
                    {"port", r.proxy.port},
                    {"connected_address", r.proxy.connected_address},
                    {"target_resolved_by", to_string(r.proxy.target_resolved_by)},
                    {"result", to_string(r.proxy.result)},
                    {"reply", r.proxy.reply < 0 ? json(nullptr) : json(r.proxy.reply)},
                    {"reply_text", r.proxy.reply_text}};
  } else {
    out["proxy"] = nullptr;
  }
  json chain = json::array();
  for (const auto& c : r.tls.chain) chain.push_back(certificate_json(c));
  if (r.tls.used) {
    out["tls"] = {{"version", r.tls.version},
                  {"cipher", r.tls.cipher},
                  {"group", r.tls.group},
                  {"sni", r.tls.sni},
                  {"verification_enabled", r.tls.verification_enabled},
                  {"verified", r.tls.verified},
                  {"verify_errors", r.tls.verify_errors},
                  {"san_match", r.tls.san_match.empty() ? json(nullptr) : json(r.tls.san_match)},
                  {"chain", chain},
                  {"starttls_injection", r.tls.starttls_injection},
                  {"server_versions", r.tls.server_versions}};
    add_client_certificate_json(r.tls, out["tls"]);
  } else {
    out["tls"] = nullptr;
  }
  out["auth"] = {{"mechanism", r.auth.mechanism.empty() ? json(nullptr) : json(r.auth.mechanism)},
                 {"result", to_string(r.auth.result)},
                 {"offered", r.auth.offered},
                 {"permitted", r.auth.permitted},
                 {"steps", auth_steps_json(r.auth.steps)},
                 {"ntlm_version", r.auth.ntlm_version.empty() ? json(nullptr) : json(r.auth.ntlm_version)}};
  if (r.auth.token_is_jwt) out["auth"]["token"] = {{"audience", r.auth.token_audience}, {"scopes", r.auth.token_scopes}};
  if (r.message.attempted || request.message) {
    out["message"] = {{"attempted", r.message.attempted},
                      {"accepted", r.message.accepted},
                      {"charset", r.message.charset},
                      {"transfer_encoding", r.message.transfer_encoding},
                      {"size_bytes", r.message.size_bytes},
                      {"server_reply", r.message.server_reply}};
    if (request.message) {  // who the test message was from and to: the Markdown and HTML reports show it too
      out["message"]["from"] = request.message->from;
      out["message"]["to"] = request.message->to;
    }
    if (request.message) out["message"].update(message_extensions_json(*request.message, r.message));
  }
  if (r.plaintext_probe) out["plaintext_probe"] = plaintext_probe_json(*r.plaintext_probe);
  out["hints"] = hints_json(r.hints);
  json transcript = json::array();
  for (const auto& e : r.transcript)
    transcript.push_back({{"t_ms", round3(e.t_us / 1000.0)},
                          {"dir", to_string(e.dir)},
                          {"phase", to_string(e.phase)},
                          {"tls", e.in_tls},
                          {"text", e.text}});
  out["transcript"] = transcript;
  return out;
}

namespace {
// One reference token of a JSON Pointer (RFC 6901).
std::string pointer_token(std::string_view key) {
  std::string out;
  for (char c : key) out += c == '~' ? std::string("~0") : c == '/' ? std::string("~1") : std::string(1, c);
  return out;
}

// Server text arrives as bytes in any encoding; JSON holds only UTF-8. Every string that is not valid
// UTF-8 is replaced by its escaped form and listed with its original bytes and where it was.
void make_valid_utf8(json& node, const std::string& pointer, json& listed) {
  if (node.is_string()) {
    auto& text = node.get_ref<std::string&>();
    if (is_valid_utf8(text)) return;
    listed.push_back({{"pointer", pointer}, {"base64", base64_encode(text)}, {"encoding_guess", encoding_guess(text)}});
    text = escape_invalid_utf8(text);
  } else if (node.is_array()) {
    for (std::size_t i = 0; i < node.size(); ++i) make_valid_utf8(node[i], pointer + "/" + std::to_string(i), listed);
  } else if (node.is_object()) {
    for (auto item : node.items()) make_valid_utf8(item.value(), pointer + "/" + pointer_token(item.key()), listed);
  }
}
}  // namespace

std::string report_text(const nlohmann::ordered_json& report) {
  json out = report;
  json listed = json::array();
  make_valid_utf8(out, "", listed);
  if (!listed.empty() && out.is_object()) out["non_utf8_strings"] = std::move(listed);
  return out.dump(2) + "\n";
}

}  // namespace smtpwb
