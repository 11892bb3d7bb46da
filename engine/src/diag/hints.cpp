#include "smtpwb/hints.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <stdexcept>

#include "smtpwb/oauth.hpp"
#include "smtpwb/status_codes.hpp"
#include "text.hpp"

namespace smtpwb {

std::string_view to_string(HintSeverity s) {
  switch (s) {
    case HintSeverity::Error: return "error";
    case HintSeverity::Warning: return "warning";
    case HintSeverity::Info: return "info";
  }
  return "error";
}

namespace {

using json = nlohmann::json;

// Everything a rule's conditions may look at, derived once per match call.
struct Facts {
  const ConnectionSettings& settings;
  const SessionResult* result;  // null for match_settings
  const Failure* failure() const { return result && result->failure ? &*result->failure : nullptr; }
};

std::string security_name(const ConnectionSettings& s) { return std::string(to_string(s.security)); }

using text::join;

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool any_substring_ci(std::string_view haystack, const std::vector<std::string>& needles) {
  return std::any_of(needles.begin(), needles.end(), [&](const std::string& n) { return text::contains_ci(haystack, n); });
}

bool has_capability(const ServerFacts& server, const std::string& keyword) {
  auto starts = [&](const std::string& line) {
    auto word = text::upper(line.substr(0, line.find(' ')));
    return word == text::upper(keyword);
  };
  return std::any_of(server.capabilities_before_tls.begin(), server.capabilities_before_tls.end(), starts) ||
         std::any_of(server.capabilities_after_tls.begin(), server.capabilities_after_tls.end(), starts);
}

std::vector<std::string> san_dns_names(const TlsFacts& tls) {
  std::vector<std::string> names;
  if (tls.chain.empty()) return names;
  for (const auto& san : tls.chain.front().subject_alt_names)
    if (san.rfind("DNS:", 0) == 0) names.push_back(san.substr(4));
    else if (san.rfind("IP:", 0) == 0) names.push_back(san.substr(3));
  return names;
}

// A name from the certificate to suggest: the first one that is not a wildcard, or a wildcard with
// its first label replaced by the one the user typed.
std::string suggested_name(const TlsFacts& tls, const std::string& host) {
  auto names = san_dns_names(tls);
  for (const auto& n : names)
    if (n.rfind("*.", 0) != 0) return n;
  if (!names.empty()) {
    auto label = host.substr(0, host.find('.'));
    return (label.empty() ? "mail" : label) + names.front().substr(1);
  }
  return tls.chain.empty() ? std::string("(no name in the certificate)") : tls.chain.front().subject;
}

std::string chain_text(const TlsFacts& tls) {
  std::string out;
  for (const auto& c : tls.chain)
    out += (out.empty() ? "" : "; ") + ("certificate " + std::to_string(c.depth) + ": " + c.subject + ", issued by " + c.issuer);
  return out.empty() ? "no certificate was received" : out;
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

std::string one_line(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text;
}

// Which of Microsoft's three reasons for "535 5.7.3" after XOAUTH2 the token's own claims point to.
std::string token_diagnosis(const Facts& f) {
  if (!f.result || !f.result->auth.token_is_jwt)
    return "The access token is not a JWT, so its audience and scopes could not be read here; check the three causes "
           "below in turn.";
  const auto& auth = f.result->auth;
  const std::string aud = auth.token_audience.empty() ? "(none)" : auth.token_audience;
  static const std::vector<std::string> kExchange = {"https://outlook.office.com", "https://outlook.office365.com",
                                                     "00000002-0000-0ff1-ce00-000000000000"};
  if (!contains(kExchange, auth.token_audience))
    return "The access token is for the wrong resource: its audience (aud) is " + aud +
           ", not https://outlook.office.com (a Microsoft Graph token, e.g. for Mail.Send, does not work for SMTP).";
  oauth::TokenClaims claims{auth.token_audience, auth.token_scopes};
  if (!claims.has_scope("SMTP.Send") && !claims.has_scope("SMTP.SendAsApp"))
    return "The access token's audience is right (" + aud + ") but its scopes (scp) are \"" + auth.token_scopes +
           "\", without SMTP.Send: the app lacks the permission.";
  return "The access token is right (audience " + aud + ", scopes include SMTP.Send), so the refusal is about the "
         "mailbox: SMTP AUTH is disabled for it or for the tenant.";
}

// What the plain-text probe found, as a clause: "advertises AUTH (PLAIN LOGIN) and accepts MAIL FROM".
std::string plaintext_findings(const Facts& f) {
  if (!f.result || !f.result->plaintext_probe) return "";
  const auto& p = *f.result->plaintext_probe;
  std::vector<std::string> parts;
  if (p.auth_advertised) parts.push_back("advertises AUTH (" + join(p.auth_mechanisms) + ")");
  if (p.mail_accepted) parts.push_back("accepts MAIL FROM:<" + p.sender + "> (\"" + p.mail_reply + "\")");
  std::string out;
  for (const auto& part : parts) out += (out.empty() ? "" : " and ") + part;
  return out;
}

using Placeholder = std::function<std::string(const Facts&)>;

const std::map<std::string, Placeholder>& placeholders() {
  static const std::map<std::string, Placeholder> kAll = {
      {"host", [](const Facts& f) { return f.settings.address; }},
      {"port", [](const Facts& f) { return std::to_string(f.settings.port); }},
      {"security", [](const Facts& f) { return security_name(f.settings); }},
      {"username", [](const Facts& f) { return f.settings.username; }},
      // The mail account: with Gmail OAuth in the window, Username holds the Application Id instead.
      {"account", [](const Facts& f) { return f.settings.oauth_account.empty() ? f.settings.username : f.settings.oauth_account; }},
      {"mechanism", [](const Facts& f) { return f.result ? f.result->auth.mechanism : ""; }},
      {"full_name", [](const Facts& f) { return f.result ? f.result->server.search_domain_name : ""; }},
      {"tls_versions", [](const Facts& f) { return display_names(f.settings.tls_versions); }},
      {"offered", [](const Facts& f) { return f.result ? join(f.result->auth.offered) : "none"; }},
      {"permitted", [](const Facts& f) { return f.result ? join(f.result->auth.permitted) : "none"; }},
      {"banner", [](const Facts& f) { return f.result ? first_line(f.result->server.banner) : ""; }},
      {"ehlo_name", [](const Facts& f) { return f.result ? f.result->server.ehlo_name : f.settings.ehlo_name; }},
      {"reply", [](const Facts& f) { return f.failure() ? one_line(f.failure()->reply_text) : ""; }},
      {"message", [](const Facts& f) { return f.failure() ? f.failure()->message : ""; }},
      {"san_list", [](const Facts& f) { return f.result ? join(san_dns_names(f.result->tls)) : "none"; }},
      {"san_first", [](const Facts& f) { return f.result ? suggested_name(f.result->tls, f.settings.address) : ""; }},
      {"chain", [](const Facts& f) { return f.result ? chain_text(f.result->tls) : ""; }},
      {"not_before", [](const Facts& f) { return f.result && !f.result->tls.chain.empty() ? f.result->tls.chain.front().not_before : "?"; }},
      {"not_after", [](const Facts& f) { return f.result && !f.result->tls.chain.empty() ? f.result->tls.chain.front().not_after : "?"; }},
      {"verify_errors", [](const Facts& f) { return f.result ? join(f.result->tls.verify_errors) : "none"; }},
      {"server_versions", [](const Facts& f) {
         return f.result && !f.result->tls.server_versions.empty() ? join(f.result->tls.server_versions) : "none of the other versions";
       }},
      {"phase", [](const Facts& f) { return f.failure() ? std::string(to_string(f.failure()->phase)) : ""; }},
      {"foreign_greeting", [](const Facts& f) { return f.result ? f.result->server.foreign_greeting : ""; }},
      {"token_diagnosis", token_diagnosis},
      {"plaintext_findings", plaintext_findings},
      {"client_ca_names", [](const Facts& f) {
         return f.result && !f.result->tls.client_certificate_ca_names.empty() ? join(f.result->tls.client_certificate_ca_names, "; ")
                                                                               : std::string("any CA (the server named none)");
       }},
      {"tenant", [](const Facts& f) { return f.settings.oauth_tenant.empty() ? std::string("organizations") : f.settings.oauth_tenant; }},
  };
  return kAll;
}

std::vector<std::string> placeholder_names(const std::string& text) {
  std::vector<std::string> names;
  for (auto open = text.find('{'); open != std::string::npos; open = text.find('{', open + 1)) {
    auto close = text.find('}', open);
    if (close == std::string::npos) break;
    names.push_back(text.substr(open + 1, close - open - 1));
  }
  return names;
}

// A value quoted into a hint (a reply, a certificate's names) is server data: bounded, so that a hostile
// server cannot make a hint of megabytes.
constexpr std::size_t kMaxValueBytes = 2000;
constexpr std::string_view kCutMark = " [...cut]";

std::string capped(std::string value) {
  if (value.size() <= kMaxValueBytes) return value;
  std::size_t end = kMaxValueBytes;
  while (end > 0 && (static_cast<unsigned char>(value[end]) & 0xC0) == 0x80) --end;  // not inside a UTF-8 sequence
  value.resize(end);
  return value + std::string(kCutMark);
}

// One pass over the template: an inserted value is never scanned again, so placeholder names inside a
// server's reply stay text.
std::string fill(const std::string& text, const Facts& facts) {
  std::string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto open = text.find('{', pos), close = open == std::string::npos ? open : text.find('}', open);
    if (close == std::string::npos) break;
    out.append(text, pos, open - pos);
    auto found = placeholders().find(text.substr(open + 1, close - open - 1));
    if (found != placeholders().end()) out += capped(found->second(facts));
    else out.append(text, open, close + 1 - open);
    pos = close + 1;
  }
  out.append(text, std::min(pos, text.size()));
  return out;
}

template <typename E>
std::optional<E> parse_enum(std::string_view name, std::size_t count, std::string_view (*to_str)(E)) {
  for (std::size_t i = 0; i < count; ++i)
    if (to_str(static_cast<E>(i)) == name) return static_cast<E>(i);
  return std::nullopt;
}

}  // namespace

namespace {
bool allows_plaintext_submission(const ConnectionSettings& s, const SessionResult& r) {
  const auto& p = r.plaintext_probe;
  return p && p->error.empty() && is_submission_port(s) && (p->auth_advertised || p->mail_accepted);
}
}  // namespace

struct HintCatalogue::Rule {
  std::string id;
  HintSeverity severity = HintSeverity::Error;
  bool settings_only = false;  // "stage": "settings": a pre-connect warning
  std::string title, explanation, fix;

  // Conditions: all given ones must hold; within a list, any entry may match (except capability and
  // capability_missing: every keyword listed must be present / absent).
  std::optional<bool> failed;
  std::vector<FailureCategory> categories;
  std::vector<Phase> phases;
  std::vector<int> reply_codes;
  std::vector<std::string> enhanced_codes;
  std::vector<std::string> reply_text, reply_text_not;
  std::vector<std::string> detail;  // Failure::detail: the peer's own words, never our wording
  std::optional<std::regex> reply_regex;
  std::vector<std::string> server;
  std::vector<int> ports;
  std::vector<Security> security;
  std::vector<AuthType> auth_types;
  std::optional<bool> anonymous, bare_name;
  std::vector<VerifyErrorKind> verify_errors;
  std::optional<bool> starttls_injection, plaintext_answer, tls_on_silent_port;
  std::optional<bool> resolved_via_search_domain;  // ServerFacts::search_domain_name is set
  // The plain-text probe ran on a submission port, and AUTH was advertised or MAIL FROM accepted there.
  std::optional<bool> plaintext_submission;
  std::optional<RefusedBy> version_refused_by;
  std::optional<bool> auth_offered_empty, auth_common_mechanism;
  std::vector<std::string> capability, capability_missing;
  std::vector<ProxyResult> proxy_results;
  std::vector<std::string> auth_mechanisms;  // AuthFacts::mechanism, the one tried
  std::vector<FailureCause> causes;
  std::vector<ForeignProtocol> foreign_protocols;  // ServerFacts::foreign_protocol ("" matches none seen)
  std::vector<std::string> unless;
  // Issue 17: client certificates (TlsFacts, ConnectionSettings::client_cert) and legacy NTLM (AuthFacts).
  std::optional<bool> client_certificate_requested, client_certificate_given, ntlm_challenge_without_target_info, allow_ntlmv1;

  bool issue17_needs_session() const { return client_certificate_requested || ntlm_challenge_without_target_info; }
  bool issue17_settings_hold(const ConnectionSettings& s) const {
    if (client_certificate_given && *client_certificate_given == s.client_cert.empty()) return false;
    return !allow_ntlmv1 || *allow_ntlmv1 == s.allow_ntlmv1;
  }
  bool issue17_facts_hold(const SessionResult& r) const {
    if (client_certificate_requested && *client_certificate_requested != r.tls.client_certificate_requested) return false;
    return !ntlm_challenge_without_target_info || *ntlm_challenge_without_target_info == r.auth.ntlm_challenge_without_target_info;
  }

  bool about_reply() const { return !reply_codes.empty() || !enhanced_codes.empty() || !reply_text.empty() || reply_regex; }
  bool needs_session() const {
    return failed || !categories.empty() || !phases.empty() || about_reply() || !detail.empty() || !server.empty() ||
           !verify_errors.empty() || starttls_injection || plaintext_answer || tls_on_silent_port ||
           resolved_via_search_domain || plaintext_submission || version_refused_by || auth_offered_empty || auth_common_mechanism ||
           !capability.empty() || !capability_missing.empty() || !proxy_results.empty() ||
           !auth_mechanisms.empty() || !causes.empty() || !foreign_protocols.empty() || issue17_needs_session();
  }

  bool settings_hold(const ConnectionSettings& s) const {
    if (!ports.empty() && std::find(ports.begin(), ports.end(), s.port) == ports.end()) return false;
    if (!security.empty() && std::find(security.begin(), security.end(), s.security) == security.end()) return false;
    if (!auth_types.empty() && std::find(auth_types.begin(), auth_types.end(), s.auth_type) == auth_types.end()) return false;
    if (anonymous && *anonymous != (s.auth_type == AuthType::Default && s.anonymous)) return false;
    if (bare_name && *bare_name != is_bare_name(s.address)) return false;
    return issue17_settings_hold(s);
  }

  bool failure_holds(const Failure* f) const {
    if (failed && *failed != (f != nullptr)) return false;
    if (!f) return categories.empty() && phases.empty() && !about_reply() && detail.empty() && causes.empty();
    if (!causes.empty() && std::find(causes.begin(), causes.end(), f->cause) == causes.end()) return false;
    if (!categories.empty() && std::find(categories.begin(), categories.end(), f->category) == categories.end()) return false;
    if (!phases.empty() && std::find(phases.begin(), phases.end(), f->phase) == phases.end()) return false;
    if (!reply_codes.empty() && std::find(reply_codes.begin(), reply_codes.end(), f->reply_code) == reply_codes.end()) return false;
    if (!enhanced_codes.empty() && !contains(enhanced_codes, f->enhanced_code)) return false;
    if (!reply_text.empty() && !any_substring_ci(f->reply_text, reply_text)) return false;
    if (!reply_text_not.empty() && any_substring_ci(f->reply_text, reply_text_not)) return false;
    if (reply_regex && !std::regex_search(f->reply_text, *reply_regex)) return false;
    if (!detail.empty() && !any_substring_ci(f->detail, detail)) return false;
    return true;
  }

  bool facts_hold(const ConnectionSettings& s, const SessionResult& r) const {
    if (!server.empty() &&
        !any_substring_ci(r.server.banner + "\n" + r.server.ehlo_domain + "\n" + s.address, server))
      return false;
    const auto& kinds = r.tls.verify_error_kinds;
    if (!verify_errors.empty() &&
        std::none_of(verify_errors.begin(), verify_errors.end(),
                     [&](VerifyErrorKind k) { return std::find(kinds.begin(), kinds.end(), k) != kinds.end(); }))
      return false;
    if (starttls_injection && *starttls_injection != r.tls.starttls_injection) return false;
    if (plaintext_answer && *plaintext_answer != r.tls.plaintext_answer) return false;
    if (tls_on_silent_port && *tls_on_silent_port != r.server.tls_on_silent_port) return false;
    if (resolved_via_search_domain && *resolved_via_search_domain == r.server.search_domain_name.empty()) return false;
    if (plaintext_submission && *plaintext_submission != allows_plaintext_submission(s, r)) return false;
    if (version_refused_by && *version_refused_by != r.tls.version_refused_by) return false;
    if (auth_offered_empty && *auth_offered_empty != r.auth.offered.empty()) return false;
    if (!proxy_results.empty() && (!r.proxy.used || std::find(proxy_results.begin(), proxy_results.end(), r.proxy.result) ==
                                                          proxy_results.end()))
      return false;
    if (!auth_mechanisms.empty() && !contains(auth_mechanisms, r.auth.mechanism)) return false;
    if (!foreign_protocols.empty() && std::find(foreign_protocols.begin(), foreign_protocols.end(),
                                                r.server.foreign_protocol) == foreign_protocols.end())
      return false;
    if (auth_common_mechanism) {
      bool common = std::any_of(r.auth.permitted.begin(), r.auth.permitted.end(),
                                [&](const std::string& m) { return contains(r.auth.offered, m); });
      if (*auth_common_mechanism != common) return false;
    }
    for (const auto& c : capability)
      if (!has_capability(r.server, c)) return false;
    for (const auto& c : capability_missing)
      if (has_capability(r.server, c)) return false;
    return issue17_facts_hold(r);
  }
};

namespace {

using Rule = HintCatalogue::Rule;

// Reads one rule, naming the rule and the field in every error.
class RuleReader {
 public:
  RuleReader(const json& rule, std::size_t index, const std::set<std::string>& earlier_ids)
      : rule_(rule), earlier_ids_(earlier_ids) {
    where_ = "rule " + std::to_string(index);
    if (rule.is_object() && rule.contains("id") && rule["id"].is_string()) where_ += " (\"" + rule["id"].get<std::string>() + "\")";
  }

  Rule read() {
    if (!rule_.is_object()) fail("", "a rule must be an object");
    static const std::set<std::string> kKeys = {"id", "severity", "stage", "when", "title", "explanation", "fix"};
    for (const auto& [key, value] : rule_.items())
      if (!kKeys.count(key)) fail(key, "unknown field");
    Rule r;
    r.id = text_field("id");
    if (r.id.empty() || r.id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos)
      fail("id", "must be lower-case letters, digits and dashes");
    std::string severity = rule_.contains("severity") ? text_field("severity") : "error";
    if (severity == "error") r.severity = HintSeverity::Error;
    else if (severity == "warning") r.severity = HintSeverity::Warning;
    else if (severity == "info") r.severity = HintSeverity::Info;
    else fail("severity", "\"" + severity + "\" is not one of error, warning, info");
    std::string stage = rule_.contains("stage") ? text_field("stage") : "session";
    if (stage != "session" && stage != "settings") fail("stage", "\"" + stage + "\" is not one of session, settings");
    r.settings_only = stage == "settings";
    r.title = text_field("title");
    r.explanation = text_field("explanation");
    r.fix = text_field("fix");
    for (const char* field : {"title", "explanation", "fix"})
      for (const auto& name : placeholder_names(rule_[field].get<std::string>()))
        if (!placeholders().count(name)) fail(field, "unknown placeholder {" + name + "}");
    if (!rule_.contains("when") || !rule_["when"].is_object()) fail("when", "must be an object of conditions");
    read_conditions(rule_["when"], r);
    if (r.settings_only && r.needs_session()) fail("when", "a settings-stage rule may only test settings (port, security, auth_type, anonymous, bare_name)");
    if (!r.settings_only && !r.needs_session())
      fail("when", "a session rule needs at least one condition on the session (or \"stage\": \"settings\")");
    return r;
  }

 private:
  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    throw std::runtime_error("hint catalogue: " + where_ + (field.empty() ? "" : ", field \"" + field + "\"") + ": " + what);
  }

  std::string text_field(const std::string& key) const {
    if (!rule_.contains(key)) fail(key, "missing");
    if (!rule_[key].is_string()) fail(key, "must be a string");
    return rule_[key].get<std::string>();
  }

  // A string or an array of strings.
  std::vector<std::string> strings(const json& v, const std::string& field) const {
    if (v.is_string()) return {v.get<std::string>()};
    if (!v.is_array()) fail(field, "must be a string or an array of strings");
    std::vector<std::string> out;
    for (const auto& e : v) {
      if (!e.is_string()) fail(field, "must be a string or an array of strings");
      out.push_back(e.get<std::string>());
    }
    return out;
  }
  std::vector<int> integers(const json& v, const std::string& field) const {
    if (v.is_number_integer()) return {v.get<int>()};
    if (!v.is_array()) fail(field, "must be an integer or an array of integers");
    std::vector<int> out;
    for (const auto& e : v) {
      if (!e.is_number_integer()) fail(field, "must be an integer or an array of integers");
      out.push_back(e.get<int>());
    }
    return out;
  }
  bool boolean(const json& v, const std::string& field) const {
    if (!v.is_boolean()) fail(field, "must be true or false");
    return v.get<bool>();
  }
  template <typename E>
  std::vector<E> enums(const json& v, const std::string& field, std::size_t count, std::string_view (*to_str)(E)) const {
    std::vector<E> out;
    for (const auto& name : strings(v, field)) {
      auto e = parse_enum<E>(name, count, to_str);
      if (!e) {
        std::vector<std::string> names;
        for (std::size_t i = 0; i < count; ++i) names.emplace_back(to_str(static_cast<E>(i)));
        fail(field, "\"" + name + "\" is not one of " + join(names));
      }
      out.push_back(*e);
    }
    return out;
  }

  // Values of a fact enum, by the names of its one name table (result.hpp).
  template <typename E>
  std::vector<E> named(const json& v, const std::string& field, std::optional<E> (*parse)(std::string_view), const char* what) const {
    std::vector<E> out;
    for (const auto& name : strings(v, field)) {
      auto value = parse(name);
      if (!value) fail(field, "\"" + name + "\" is not " + what);
      out.push_back(*value);
    }
    return out;
  }

  RefusedBy refused_by(const json& v, const std::string& field) const {
    auto values = named<RefusedBy>(v, field, &refused_by_from, "\"client\" or \"server\"");
    if (values.size() != 1 || values.front() == RefusedBy::Nobody) fail(field, "must be \"client\" or \"server\"");
    return values.front();
  }

  void read_conditions(const json& when, Rule& r) const {
    for (const auto& [key, v] : when.items()) {
      const std::string field = "when." + key;
      if (key == "failed") r.failed = boolean(v, field);
      else if (key == "category") r.categories = enums<FailureCategory>(v, field, 11, &to_string);
      else if (key == "phase") r.phases = enums<Phase>(v, field, 13, &to_string);
      else if (key == "reply_code") r.reply_codes = integers(v, field);
      else if (key == "enhanced_code") r.enhanced_codes = strings(v, field);
      else if (key == "reply_text") r.reply_text = strings(v, field);
      else if (key == "reply_text_not") r.reply_text_not = strings(v, field);
      else if (key == "reply_regex") {
        auto pattern = strings(v, field);
        if (pattern.size() != 1) fail(field, "must be one regular expression");
        try {
          r.reply_regex = std::regex(pattern.front(), std::regex::ECMAScript | std::regex::icase);
        } catch (const std::regex_error& e) {
          fail(field, std::string("not a valid regular expression: ") + e.what());
        }
      } else if (key == "detail") r.detail = strings(v, field);
      else if (key == "server") r.server = strings(v, field);
      else if (key == "port") r.ports = integers(v, field);
      else if (key == "security") r.security = enums<Security>(v, field, 3, &to_string);
      else if (key == "auth_type") r.auth_types = enums<AuthType>(v, field, 3, &to_string);
      else if (key == "anonymous") r.anonymous = boolean(v, field);
      else if (key == "bare_name") r.bare_name = boolean(v, field);
      else if (key == "verify_error")
        r.verify_errors = named<VerifyErrorKind>(v, field, &verify_error_kind_from, "a verify error kind (VerifyErrorKind in result.hpp)");
      else if (key == "starttls_injection") r.starttls_injection = boolean(v, field);
      else if (key == "plaintext_answer") r.plaintext_answer = boolean(v, field);
      else if (key == "tls_on_silent_port") r.tls_on_silent_port = boolean(v, field);
      else if (key == "resolved_via_search_domain") r.resolved_via_search_domain = boolean(v, field);
      else if (key == "plaintext_submission") r.plaintext_submission = boolean(v, field);
      else if (key == "version_refused_by") r.version_refused_by = refused_by(v, field);
      else if (key == "auth_offered_empty") r.auth_offered_empty = boolean(v, field);
      else if (key == "auth_common_mechanism") r.auth_common_mechanism = boolean(v, field);
      else if (key == "capability") r.capability = strings(v, field);
      else if (key == "capability_missing") r.capability_missing = strings(v, field);
      else if (key == "auth_mechanism") r.auth_mechanisms = strings(v, field);
      else if (key == "cause")
        r.causes = named<FailureCause>(v, field, &failure_cause_from, "a failure cause (FailureCause in result.hpp)");
      else if (key == "foreign_protocol")
        r.foreign_protocols = named<ForeignProtocol>(v, field, &foreign_protocol_from, "a protocol (ForeignProtocol in result.hpp)");
      else if (key == "proxy_result")
        r.proxy_results = named<ProxyResult>(v, field, &proxy_result_from, "a proxy result (ProxyResult in result.hpp)");
      else if (key == "client_certificate_requested") r.client_certificate_requested = boolean(v, field);
      else if (key == "client_certificate_given") r.client_certificate_given = boolean(v, field);
      else if (key == "ntlm_challenge_without_target_info") r.ntlm_challenge_without_target_info = boolean(v, field);
      else if (key == "allow_ntlmv1") r.allow_ntlmv1 = boolean(v, field);
      else if (key == "unless") {
        r.unless = strings(v, field);
        for (const auto& id : r.unless)
          if (!earlier_ids_.count(id)) fail(field, "\"" + id + "\" is not the id of an earlier rule");
      } else fail(field, "unknown condition");
    }
  }

  const json& rule_;
  const std::set<std::string>& earlier_ids_;
  std::string where_;
};

// The transcript line that triggered a hint: the failing reply, else the last error line of the phase
// that failed, else the last line of that phase.
std::optional<std::size_t> locate(const Rule& rule, const SessionResult& r, Phase phase) {
  const auto& t = r.transcript;
  if (t.empty()) return std::nullopt;
  auto last = [&](auto pred) -> std::optional<std::size_t> {
    for (std::size_t i = t.size(); i-- > 0;)
      if (pred(t[i])) return i;
    return std::nullopt;
  };
  if (r.failure && r.failure->reply_code && rule.about_reply()) {
    auto code = std::to_string(r.failure->reply_code);
    if (auto i = last([&](const Event& e) { return e.dir == Dir::Server && e.text.rfind(code, 0) == 0; })) return i;
  }
  if (auto i = last([&](const Event& e) { return e.dir == Dir::Error && e.phase == phase; })) return i;
  if (auto i = last([&](const Event& e) { return e.phase == phase; })) return i;
  return t.size() - 1;
}

// The last line of the failing reply in the transcript.
std::optional<std::size_t> locate_reply(const SessionResult& r) {
  auto code = std::to_string(r.failure->reply_code);
  for (std::size_t i = r.transcript.size(); i-- > 0;)
    if (r.transcript[i].dir == Dir::Server && r.transcript[i].text.rfind(code, 0) == 0) return i;
  return r.transcript.empty() ? std::nullopt : std::optional<std::size_t>(r.transcript.size() - 1);
}

Hint make_hint(const Rule& rule, const Facts& facts) {
  Hint h;
  h.id = rule.id;
  h.severity = rule.severity;
  h.title = fill(rule.title, facts);
  h.explanation = fill(rule.explanation, facts);
  h.fix = fill(rule.fix, facts);
  return h;
}

std::string sources(const StatusMeaning& m) { return m.references.empty() ? "" : " (" + join(m.references) + ")"; }

// The fallback for a refusal no rule explains: what its code means in the IANA registry of enhanced
// status codes (or, without one, in RFC 5321), and whether to retry or to change something.
Hint status_hint(const Facts& facts, const StatusCodes& codes) {
  const Failure& f = *facts.failure();
  const auto meaning = codes.explain(f.reply_code, f.enhanced_code);
  const std::string code = std::to_string(f.reply_code) + (f.enhanced_code.empty() ? "" : " " + f.enhanced_code);
  const std::string kind = meaning.transient ? "temporary" : meaning.permanent ? "permanent" : "unexpected";
  Hint h;
  h.id = "smtp-status-explained";
  h.severity = HintSeverity::Error;
  h.title = "The server refused with " + code + ": " +
            (meaning.meanings.empty() ? std::string("a code without registered meaning") : meaning.meanings.front().title) +
            " (" + kind + ")";
  h.explanation = "The server answered \"" + capped(one_line(f.reply_text)) + "\".";
  for (const auto& m : meaning.meanings)
    h.explanation += " " + m.code + ", " + m.title + (m.description.empty() ? "" : ": " + m.description) + sources(m) + ".";
  if (!meaning.class_meaning.title.empty())
    h.explanation += " Class " + meaning.class_meaning.code + ", " + meaning.class_meaning.title + ": " +
                     meaning.class_meaning.description + sources(meaning.class_meaning);
  if (meaning.transient)
    h.fix = "A temporary refusal (4xx): the same attempt may succeed later. Try again in a few minutes; if it keeps "
            "failing, ask the administrator of " + facts.settings.address + " what the reply means for you.";
  else if (meaning.permanent)
    h.fix = "A permanent refusal (5xx): trying again unchanged fails the same way. Change what the reply points to (the "
            "address, the message, the account or the settings), or ask the administrator of " + facts.settings.address +
            " what it means for you.";
  else
    h.fix = "The server answered this step with a code that does not fit it; its words above are the best clue. Ask the "
            "administrator of " + facts.settings.address + ".";
  return h;
}

void order_by_severity(std::vector<Hint>& hints) {
  std::stable_sort(hints.begin(), hints.end(), [](const Hint& a, const Hint& b) { return a.severity < b.severity; });
}

std::size_t line_of(std::string_view text, std::size_t byte) {
  return 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + std::min(byte, text.size()), '\n'));
}

}  // namespace

HintCatalogue HintCatalogue::from_json(std::string_view text) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    throw std::runtime_error("hint catalogue: JSON syntax error on line " + std::to_string(line_of(text, e.byte)) + ": " + e.what());
  } catch (const json::exception& e) {  // e.g. a number beyond a double's range
    throw std::runtime_error(std::string("hint catalogue: not valid JSON: ") + e.what());
  }
  // The readers check every field's type; a json::exception here would be one they missed.
  try {
    const json* format = doc.is_object() && doc.contains("format") ? &doc["format"] : nullptr;
    if (!format || !format->is_string() || *format != "smtp-workbench-hints")
      throw std::runtime_error("hint catalogue: field \"format\" must be \"smtp-workbench-hints\"");
    if (!doc.contains("rules") || !doc["rules"].is_array()) throw std::runtime_error("hint catalogue: field \"rules\" must be an array");
    auto rules = std::make_shared<std::vector<Rule>>();
    std::set<std::string> ids;
    for (std::size_t i = 0; i < doc["rules"].size(); ++i) {
      rules->push_back(RuleReader(doc["rules"][i], i, ids).read());
      ids.insert(rules->back().id);
    }
    HintCatalogue c;
    c.rules_ = std::move(rules);
    return c;
  } catch (const json::exception& e) {
    throw std::runtime_error(std::string("hint catalogue: ") + e.what());
  }
}

std::vector<Hint> HintCatalogue::match(const ConnectionSettings& settings, const SessionResult& result) const {
  std::vector<Hint> hints;
  if (!rules_) return hints;
  std::set<std::string> fired;
  bool failure_explained = false;  // by a session rule (a settings warning does not explain a failure)
  Facts facts{settings, &result};
  const Failure* failure = facts.failure();
  for (const auto& rule : *rules_) {
    if (fired.count(rule.id)) continue;
    if (std::any_of(rule.unless.begin(), rule.unless.end(), [&](const std::string& id) { return fired.count(id) > 0; })) continue;
    // Settings warnings join a failed session's hints; a session that worked needs none of them.
    if (rule.settings_only && !failure) continue;
    if (!rule.settings_hold(settings)) continue;
    if (!rule.settings_only && (!rule.failure_holds(failure) || !rule.facts_hold(settings, result))) continue;
    Hint h = make_hint(rule, facts);
    // The test worked (e.g. with verification turned off): what is wrong is a warning, not an error.
    if (!failure && h.severity == HintSeverity::Error) h.severity = HintSeverity::Warning;
    h.phase = failure ? failure->phase : (rule.starttls_injection ? Phase::StartTls : Phase::Done);
    h.transcript_index = locate(rule, result, h.phase);
    hints.push_back(std::move(h));
    fired.insert(rule.id);
    failure_explained |= !rule.settings_only;
  }
  if (failure && failure->reply_code > 0 && !failure_explained) {
    Hint h = status_hint(facts, StatusCodes::builtin());
    h.phase = failure->phase;
    h.transcript_index = locate_reply(result);
    hints.push_back(std::move(h));
  }
  order_by_severity(hints);
  return hints;
}

std::vector<Hint> HintCatalogue::match_sign_in_failure(const ConnectionSettings& settings, const std::string& message) const {
  std::vector<Hint> hints;
  if (!rules_) return hints;
  SessionResult result;
  result.failure = Failure{};
  result.failure->category = FailureCategory::Auth;
  result.failure->phase = Phase::Auth;
  result.failure->message = message;
  result.failure->cause = FailureCause::OAuthSignIn;
  result.failure->detail = message;  // carries the token endpoint's error (e.g. AADSTS65001) verbatim
  Facts facts{settings, &result};
  std::set<std::string> fired;
  // Only the rules written for it: the session rules about AUTH replies do not apply before a connection.
  for (const auto& rule : *rules_) {
    if (fired.count(rule.id) ||
        std::find(rule.causes.begin(), rule.causes.end(), FailureCause::OAuthSignIn) == rule.causes.end())
      continue;
    if (!rule.settings_hold(settings) || !rule.failure_holds(facts.failure())) continue;
    Hint h = make_hint(rule, facts);
    h.phase = Phase::Auth;
    hints.push_back(std::move(h));
    fired.insert(rule.id);
  }
  order_by_severity(hints);
  return hints;
}

std::vector<Hint> HintCatalogue::match_plaintext_probe(const ConnectionSettings& settings,
                                                       const PlaintextProbeFacts& probe) const {
  std::vector<Hint> hints;
  if (!rules_) return hints;
  SessionResult result;
  result.plaintext_probe = probe;
  Facts facts{settings, &result};
  std::set<std::string> fired;
  for (const auto& rule : *rules_) {
    if (!rule.plaintext_submission || fired.count(rule.id) || !rule.settings_hold(settings) ||
        !rule.facts_hold(settings, result))
      continue;
    Hint h = make_hint(rule, facts);
    h.phase = Phase::Ehlo;
    hints.push_back(std::move(h));
    fired.insert(rule.id);
  }
  order_by_severity(hints);
  return hints;
}

std::vector<Hint> HintCatalogue::match_settings(const ConnectionSettings& settings) const {
  std::vector<Hint> hints;
  if (!rules_) return hints;
  std::set<std::string> fired;
  Facts facts{settings, nullptr};
  for (const auto& rule : *rules_) {
    if (!rule.settings_only || fired.count(rule.id) || !rule.settings_hold(settings)) continue;
    Hint h = make_hint(rule, facts);
    h.phase = Phase::Resolve;  // before anything happens
    hints.push_back(std::move(h));
    fired.insert(rule.id);
  }
  order_by_severity(hints);
  return hints;
}

std::size_t HintCatalogue::size() const { return rules_ ? rules_->size() : 0; }

std::vector<std::string> HintCatalogue::ids() const {
  std::vector<std::string> out;
  if (!rules_) return out;
  for (const auto& r : *rules_)
    if (!contains(out, r.id)) out.push_back(r.id);
  return out;
}

}  // namespace smtpwb

namespace smtpwb {
namespace detail {
extern const std::string_view kBuiltinHintsJson;  // generated from assets/hints.json
}

const HintCatalogue& HintCatalogue::builtin() {
  static const HintCatalogue catalogue = from_json(detail::kBuiltinHintsJson);
  return catalogue;
}
}  // namespace smtpwb
