#include "smtpwb/files.hpp"
#include "smtpwb/report.hpp"

namespace smtpwb {

using json = nlohmann::ordered_json;

namespace {
constexpr const char* kFormat = "smtp-workbench-connection";
constexpr int kVersion = 1;

std::vector<std::string> version_names(TlsVersionSet set) {
  std::vector<std::string> out;
  for (auto v : set.list()) out.emplace_back(to_string(v));
  return out;
}

std::string type_name(const json& j) { return j.type_name(); }

// Reads fields of one JSON object, remembering which keys were known, so that unknown ones are errors.
class ObjectReader {
 public:
  ObjectReader(const json& obj, std::string path) : obj_(obj), path_(std::move(path)) {}

  std::optional<ProfileError> check_object() const {
    if (!obj_.is_object()) return ProfileError{where("") + "expected an object, found " + type_name(obj_)};
    return std::nullopt;
  }
  std::optional<ProfileError> string(const char* key, std::string& out) {
    return read(key, [&](const json& v) -> std::optional<ProfileError> {
      if (!v.is_string()) return wrong(key, "a string", v);
      out = v.get<std::string>();
      return std::nullopt;
    });
  }
  std::optional<ProfileError> boolean(const char* key, bool& out) {
    return read(key, [&](const json& v) -> std::optional<ProfileError> {
      if (!v.is_boolean()) return wrong(key, "true or false", v);
      out = v.get<bool>();
      return std::nullopt;
    });
  }
  std::optional<ProfileError> integer(const char* key, int& out, long long min, long long max) {
    return read(key, [&](const json& v) -> std::optional<ProfileError> {
      if (!v.is_number_integer()) return wrong(key, "a whole number", v);
      auto n = v.get<long long>();
      if (n < min || n > max)
        return ProfileError{where(key) + std::to_string(n) + " is out of range (" + std::to_string(min) + "-" +
                            std::to_string(max) + ")"};
      out = static_cast<int>(n);
      return std::nullopt;
    });
  }
  template <typename E, typename Parse>
  std::optional<ProfileError> enumeration(const char* key, E& out, Parse parse, const char* choices) {
    return read(key, [&](const json& v) -> std::optional<ProfileError> {
      if (!v.is_string()) return wrong(key, "a string", v);
      auto parsed = parse(v.get<std::string>());
      if (!parsed) return ProfileError{where(key) + "\"" + v.get<std::string>() + "\" is not one of " + choices};
      out = *parsed;
      return std::nullopt;
    });
  }
  std::optional<ProfileError> strings(const char* key, std::vector<std::string>& out) {
    return read(key, [&](const json& v) -> std::optional<ProfileError> {
      if (!v.is_array()) return wrong(key, "a list of strings", v);
      std::vector<std::string> items;
      for (const auto& item : v) {
        if (!item.is_string()) return wrong(key, "a list of strings", item);
        items.push_back(item.get<std::string>());
      }
      out = std::move(items);
      return std::nullopt;
    });
  }
  const json* object(const char* key) {
    known_.push_back(key);
    auto it = obj_.find(key);
    return it == obj_.end() ? nullptr : &*it;
  }
  std::optional<ProfileError> unknown_fields() const {
    for (auto it = obj_.begin(); it != obj_.end(); ++it) {
      if (std::find(known_.begin(), known_.end(), it.key()) != known_.end()) continue;
      if (it.key() == "client_key_password")
        return ProfileError{where(it.key().c_str()) + "secrets are never stored in profiles; pass it with --client-key-password-env"};
      if (it.key() == "password" || it.key() == "client_secret")
        return ProfileError{where(it.key().c_str()) + "secrets are never stored in profiles; pass them with " +
                            (path_ == "proxy" ? "--proxy-password-env" : "--password-env, --password-file or --password-stdin")};
      return ProfileError{where(it.key().c_str()) + "unknown field"};
    }
    return std::nullopt;
  }
  std::string where(const char* key) const {
    std::string p = path_.empty() ? key : (*key ? path_ + "." + key : path_);
    return p.empty() ? "" : p + ": ";
  }

 private:
  template <typename F>
  std::optional<ProfileError> read(const char* key, F f) {
    known_.push_back(key);
    auto it = obj_.find(key);
    if (it == obj_.end()) return std::nullopt;
    return f(*it);
  }
  std::optional<ProfileError> wrong(const char* key, const char* expected, const json& v) const {
    return ProfileError{where(key) + "expected " + expected + ", found " + type_name(v)};
  }

  const json& obj_;
  std::string path_;
  std::vector<std::string> known_;
};

#define SMTPWB_TRY(expr) \
  if (auto err_ = (expr)) return err_

std::optional<ProfileError> read_auth(const json& j, ConnectionSettings& s) {
  ObjectReader r(j, "auth");
  SMTPWB_TRY(r.check_object());
  SMTPWB_TRY(r.enumeration("type", s.auth_type, parse_auth_type, "default, gmail-oauth, microsoft365-oauth"));
  SMTPWB_TRY(r.boolean("anonymous", s.anonymous));
  SMTPWB_TRY(r.string("username", s.username));
  SMTPWB_TRY(r.string("domain", s.auth_domain));
  SMTPWB_TRY(r.string("account", s.oauth_account));
  SMTPWB_TRY(r.string("tenant", s.oauth_tenant));
  SMTPWB_TRY(r.boolean("allow_ntlmv1", s.allow_ntlmv1));
  return r.unknown_fields();
}

// Files written before "security" existed say it in two fields: protocol none|ssl|tls (ssl meant the same
// as tls) and mode explicit|implicit; either may be absent and then keeps its current value.
Security security_from_old_fields(Security current, const std::string& protocol, const std::string& mode) {
  const bool encrypted = protocol.empty() ? current != Security::None : protocol != "none";
  if (!encrypted) return Security::None;
  const bool implicit = mode.empty() ? current == Security::Implicit : mode == "implicit";
  return implicit ? Security::Implicit : Security::StartTls;
}

std::optional<ProfileError> read_old_security(ObjectReader& r, ConnectionSettings& s) {
  auto one_of = [](std::vector<std::string_view> names) {
    return [names](std::string_view v) -> std::optional<std::string> {
      if (std::find(names.begin(), names.end(), v) == names.end()) return std::nullopt;
      return std::string(v);
    };
  };
  std::string protocol, mode;
  SMTPWB_TRY(r.enumeration("protocol", protocol, one_of({"none", "ssl", "tls"}), "none, ssl, tls"));
  SMTPWB_TRY(r.enumeration("mode", mode, one_of({"explicit", "implicit"}), "explicit, implicit"));
  s.security = security_from_old_fields(s.security, protocol, mode);
  return std::nullopt;
}

std::optional<ProfileError> read_encryption(const json& j, ConnectionSettings& s) {
  ObjectReader r(j, "encryption");
  SMTPWB_TRY(r.check_object());
  SMTPWB_TRY(read_old_security(r, s));
  SMTPWB_TRY(r.enumeration("security", s.security, parse_security, "none, starttls, implicit"));
  std::vector<std::string> versions;
  bool had_versions = j.contains("versions");
  SMTPWB_TRY(r.strings("versions", versions));
  if (had_versions) {
    TlsVersionSet set;
    for (const auto& v : versions) {
      auto parsed = parse_tls_version(v);
      if (!parsed) return ProfileError{"encryption.versions: \"" + v + "\" is not one of ssl2, ssl3, tls1.0, tls1.1, tls1.2, tls1.3"};
      set = set.with(*parsed);
    }
    s.tls_versions = set;
  }
  SMTPWB_TRY(r.strings("sasl_mechanisms", s.sasl_mechanisms));
  SMTPWB_TRY(r.boolean("verify_certificate", s.verify_certificate));
  SMTPWB_TRY(r.string("ca_file", s.ca_file));
  SMTPWB_TRY(r.boolean("allow_plaintext_auth", s.allow_plaintext_auth));
  SMTPWB_TRY(r.string("client_cert", s.client_cert));
  SMTPWB_TRY(r.string("client_key", s.client_key));
  return r.unknown_fields();
}

std::optional<ProfileError> read_proxy(const json& j, ConnectionSettings& s) {
  ObjectReader r(j, "proxy");
  SMTPWB_TRY(r.check_object());
  SMTPWB_TRY(r.enumeration("type", s.proxy.type, parse_proxy_type, "none, socks4, socks4a, socks5, http"));
  SMTPWB_TRY(r.string("address", s.proxy.address));
  SMTPWB_TRY(r.integer("port", s.proxy.port, 0, 65535));
  SMTPWB_TRY(r.boolean("use_credentials", s.proxy.use_credentials));
  SMTPWB_TRY(r.string("domain", s.proxy.domain));
  SMTPWB_TRY(r.string("username", s.proxy.username));
  SMTPWB_TRY(r.boolean("resolve_via_proxy", s.proxy.resolve_via_proxy));
  return r.unknown_fields();
}

// connection: the network settings of issue 17 (address family, source address, submission port).
std::optional<ProfileError> read_connection(const json& j, ConnectionSettings& s) {
  ObjectReader r(j, "connection");
  SMTPWB_TRY(r.check_object());
  SMTPWB_TRY(r.enumeration("address_family", s.address_family, parse_address_family, "any, ipv4, ipv6"));
  SMTPWB_TRY(r.string("local_address", s.local_address));
  SMTPWB_TRY(r.boolean("submission_port", s.submission_port));
  return r.unknown_fields();
}

json connection_json(const ConnectionSettings& s) {
  return {{"address_family", to_string(s.address_family)},
          {"local_address", s.local_address},
          {"submission_port", s.submission_port}};
}

// Client certificate files and the NTLMv1 permission; the key's password is a secret and never stored.
void add_issue17_keys(const ConnectionSettings& s, json& j) {
  j["encryption"]["client_cert"] = s.client_cert;
  j["encryption"]["client_key"] = s.client_key;
  j["auth"]["allow_ntlmv1"] = s.allow_ntlmv1;
}

}  // namespace

json profile_json(const ConnectionSettings& s) {
  json j = {{"format", kFormat},
          {"version", kVersion},
          {"name", s.name},
          {"group", s.group},
          {"timeout_s", s.timeout_s},
          {"code_page", s.code_page},
          {"address", s.address},
          {"port", s.port},
          {"ehlo_name", s.ehlo_name},
          {"auth",
           {{"type", to_string(s.auth_type)}, {"anonymous", s.anonymous}, {"username", s.username}, {"domain", s.auth_domain}, {"account", s.oauth_account}, {"tenant", s.oauth_tenant}}},
          {"encryption",
           {{"security", to_string(s.security)},
            {"versions", version_names(s.tls_versions)},
            {"sasl_mechanisms", s.sasl_mechanisms},
            {"verify_certificate", s.verify_certificate},
            {"ca_file", s.ca_file},
            {"allow_plaintext_auth", s.allow_plaintext_auth}}},
          {"proxy",
           {{"type", to_string(s.proxy.type)},
            {"address", s.proxy.address},
            {"port", s.proxy.port},
            {"use_credentials", s.proxy.use_credentials},
            {"domain", s.proxy.domain},
            {"username", s.proxy.username},
            {"resolve_via_proxy", s.proxy.resolve_via_proxy}}}};
  // Only when set, so that profiles and reports without these settings read as they always did.
  if (s.address_family != AddressFamily::Any || !s.local_address.empty() || s.submission_port)
    j["connection"] = connection_json(s);
  if (!s.id.empty()) j["id"] = s.id;
  add_issue17_keys(s, j);
  return j;
}

std::optional<ProfileError> apply_profile(const json& j, ConnectionSettings& settings) {
  ConnectionSettings s = settings;  // all or nothing: settings change only when the whole profile is valid
  ObjectReader r(j, "");
  if (!j.is_object()) return ProfileError{"the profile must be a JSON object, found " + type_name(j)};
  std::string format;
  SMTPWB_TRY(r.string("format", format));
  if (!format.empty() && format != kFormat) return ProfileError{"format: \"" + format + "\" is not " + kFormat};
  int version = kVersion;
  SMTPWB_TRY(r.integer("version", version, 1, 1000000));
  if (version > kVersion)
    return ProfileError{"version: " + std::to_string(version) + " is newer than this build understands (" + std::to_string(kVersion) + ")"};
  SMTPWB_TRY(r.string("id", s.id));
  SMTPWB_TRY(r.string("name", s.name));
  SMTPWB_TRY(r.string("group", s.group));
  SMTPWB_TRY(r.integer("timeout_s", s.timeout_s, 0, 1000000));
  SMTPWB_TRY(r.string("code_page", s.code_page));
  SMTPWB_TRY(r.string("address", s.address));
  SMTPWB_TRY(r.integer("port", s.port, 0, 1000000));
  SMTPWB_TRY(r.string("ehlo_name", s.ehlo_name));
  if (const json* a = r.object("auth")) SMTPWB_TRY(read_auth(*a, s));
  if (const json* e = r.object("encryption")) SMTPWB_TRY(read_encryption(*e, s));
  if (const json* p = r.object("proxy")) SMTPWB_TRY(read_proxy(*p, s));
  if (const json* c = r.object("connection")) SMTPWB_TRY(read_connection(*c, s));
  SMTPWB_TRY(r.unknown_fields());
  settings = std::move(s);
  return std::nullopt;
}

namespace {
// The line of the field an error names ("encryption.mode: ..."): each key of the path is looked for as
// a JSON key after the previous one. 0 when the message names no field or it cannot be found.
std::size_t line_of_field(const std::string& text, const std::string& message) {
  auto colon = message.find(": ");
  if (colon == std::string::npos || message.find_first_of(" \"") < colon) return 0;
  std::size_t pos = 0;
  for (std::size_t start = 0; start <= colon;) {
    auto dot = std::min(message.find('.', start), colon);
    std::string key = "\"" + message.substr(start, dot - start) + "\"";
    for (pos = text.find(key, pos); pos != std::string::npos; pos = text.find(key, pos + 1)) {
      auto after = text.find_first_not_of(" \t\r\n", pos + key.size());
      if (after != std::string::npos && text[after] == ':') break;
    }
    if (pos == std::string::npos) return 0;
    start = dot + 1;
  }
  return 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<long>(pos), '\n'));
}
}  // namespace

std::optional<ProfileError> load_profile_file(const std::string& path, ConnectionSettings& settings) {
  auto contents = read_file(path);
  if (!contents) return ProfileError{path + ": cannot be read"};
  const std::string& text = *contents;
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    // e.byte counts the characters read, the offending one included (a final newline moves to the next line).
    std::size_t byte = std::min<std::size_t>(e.byte, text.size());
    std::size_t line = 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<long>(byte), '\n'));
    std::string what = e.what();
    if (auto p = what.find("parse error"); p != std::string::npos) what = what.substr(p);
    return ProfileError{path + ":" + std::to_string(line) + ": not valid JSON (" + what + ")"};
  } catch (const json::exception& e) {
    // A number too large even for a double ("1E999") is an out_of_range error, without a position:
    // the line is that of the number the message quotes (found by the profile fuzzer).
    std::string what = e.what();
    auto open = what.find('\''), close = what.rfind('\'');
    std::size_t at = open < close ? text.find(what.substr(open + 1, close - open - 1)) : std::string::npos;
    std::string line = at == std::string::npos ? "" : ":" + std::to_string(1 + std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
    if (auto p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
    return ProfileError{path + line + ": not valid JSON (" + what + ")"};
  }
  if (auto err = apply_profile(j, settings)) {
    auto line = line_of_field(text, err->message);
    return ProfileError{path + (line ? ":" + std::to_string(line) : std::string()) + ": " + err->message};
  }
  return std::nullopt;
}

std::string save_profile_file(const std::string& path, const ConnectionSettings& settings) {
  return write_file_atomically(path, profile_json(settings).dump(2) + "\n");
}

}  // namespace smtpwb
