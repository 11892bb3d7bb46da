#include "smtpwb/oauth.hpp"

#include <algorithm>
#include <cmath>
#include <cctype>
#include <cstring>
#include <nlohmann/json.hpp>

#include "auth/https.hpp"
#include "sasl/crypto.hpp"
#include "smtpwb/base64.hpp"
#include "smtpwb/export.hpp"

namespace smtpwb::oauth {

namespace {

std::string base64url(std::string_view bytes) {
  std::string s = base64_encode(bytes);
  std::replace(s.begin(), s.end(), '+', '-');
  std::replace(s.begin(), s.end(), '/', '_');
  s.erase(std::remove(s.begin(), s.end(), '='), s.end());
  return s;
}

std::string form(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) out += (out.empty() ? "" : "&") + k + "=" + url_encode(v);
  return out;
}

// `text` is plain text: whatever the redirect carried (the provider's error) is escaped here.
void send_page(net::SocketHandle fd, const std::string& status, const std::string& text) {
  std::string body = "<!doctype html><html><body><p>" + html_escape(text) + "</p></body></html>";
  std::string response = "HTTP/1.1 " + status + "\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: " +
                         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  net::send_some(fd, response.data(), response.size());  // one try: the browser may be gone
}

// Reads one HTTP request head from a freshly accepted browser connection; returns its target.
std::string read_request_target(net::SocketHandle fd, const net::CancelFlag& cancel, net::Deadline deadline) {
  std::string head;
  while (head.find("\r\n\r\n") == std::string::npos && head.size() < 16384) {
    net::wait_ready(fd, net::Wait::Read, deadline, cancel, "the browser's redirect");
    char buf[2048];
    net::Transfer t = net::receive_some(fd, buf, sizeof buf);
    if (t.again()) continue;
    if (t.bytes <= 0) break;
    head.append(buf, static_cast<std::size_t>(t.bytes));
  }
  // "GET /?code=...&state=... HTTP/1.1"
  auto sp1 = head.find(' ');
  auto sp2 = sp1 == std::string::npos ? std::string::npos : head.find(' ', sp1 + 1);
  if (sp2 == std::string::npos) return {};
  return head.substr(sp1 + 1, sp2 - sp1 - 1);
}

}  // namespace

const std::vector<Provider>& providers() {
  static const std::vector<Provider> kProviders = {
      {"gmail", "Gmail", "https://accounts.google.com/o/oauth2/v2/auth", "https://oauth2.googleapis.com/token",
       "https://mail.google.com/", "XOAUTH2", "https://console.cloud.google.com/apis/credentials",
       "access_type=offline&prompt=consent"},
      microsoft365_provider(""),
  };
  return kProviders;
}

Provider microsoft365_provider(std::string_view tenant, std::string_view authority) {
  std::string base(authority);
  while (!base.empty() && base.back() == '/') base.pop_back();
  base += "/" + std::string(tenant.empty() ? "organizations" : tenant) + "/oauth2/v2.0/";
  return {"microsoft365", "Microsoft 365", base + "authorize", base + "token", "https://outlook.office.com/SMTP.Send offline_access",
          "XOAUTH2", "https://entra.microsoft.com/#view/Microsoft_AAD_RegisteredApps/ApplicationsListBlade", ""};
}

const Provider* find_provider(std::string_view id) {
  for (const auto& p : providers())
    if (p.id == id) return &p;
  return nullptr;
}

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string query_parameter(std::string_view query, std::string_view name) {
  if (auto q = query.find('?'); q != std::string_view::npos) query.remove_prefix(q + 1);
  std::size_t pos = 0;
  while (pos <= query.size()) {
    auto amp = query.find('&', pos);
    auto item = query.substr(pos, amp == std::string_view::npos ? std::string_view::npos : amp - pos);
    auto eq = item.find('=');
    if (item.substr(0, eq) == name) {
      std::string value;
      auto raw = eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1);
      for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '+') value += ' ';
        else if (raw[i] == '%' && i + 2 < raw.size() && std::isxdigit(static_cast<unsigned char>(raw[i + 1])) &&
                 std::isxdigit(static_cast<unsigned char>(raw[i + 2]))) {
          value += static_cast<char>(std::stoi(std::string(raw.substr(i + 1, 2)), nullptr, 16));
          i += 2;
        } else value += raw[i];
      }
      return value;
    }
    if (amp == std::string_view::npos) break;
    pos = amp + 1;
  }
  return {};
}

Flow::Flow(Client client) : client_(std::move(client)) {}
Flow::~Flow() = default;

std::string Flow::start() {
  int port = 0;
  listener_ = net::listen_loopback(port);
  redirect_uri_ = "http://127.0.0.1:" + std::to_string(port) + "/";
  state_ = base64url(sasl::crypto::random_bytes(16));
  verifier_ = base64url(sasl::crypto::random_bytes(32));  // 43 characters (RFC 7636 4.1)
  std::string challenge = base64url(sasl::crypto::digest(sasl::crypto::Hash::Sha256, verifier_));
  const auto& p = client_.provider;
  std::string url = p.auth_url + (p.auth_url.find('?') == std::string::npos ? "?" : "&") +
                    form({{"response_type", "code"},
                          {"client_id", client_.client_id},
                          {"redirect_uri", redirect_uri_},
                          {"scope", p.scope},
                          {"state", state_},
                          {"code_challenge", challenge},
                          {"code_challenge_method", "S256"}});
  if (!p.extra_auth_params.empty()) url += "&" + p.extra_auth_params;
  return url;
}

std::string Flow::wait_for_redirect(const net::CancelFlag& cancel, net::Deadline deadline) {
  if (!listener_) throw OAuthError("the sign-in was not started");
  while (true) {
    net::wait_ready(listener_.get(), net::Wait::Read, deadline, cancel, "the browser's redirect");
    net::Fd conn = net::accept_connection(listener_.get());
    if (!conn) continue;
    // Browsers open speculative connections that never send a request: give each a few seconds only.
    auto request_deadline = std::min(deadline.at, net::Clock::now() + std::chrono::seconds(3));
    std::string target;
    try {
      target = read_request_target(conn.get(), cancel, net::Deadline{request_deadline});
    } catch (const net::TimedOut&) {
      if (deadline.passed()) throw;
      continue;
    }
    std::string code = query_parameter(target, "code");
    std::string error = query_parameter(target, "error");
    if (code.empty() && error.empty()) {  // favicon or a stray request
      send_page(conn.get(), "404 Not Found", "Not found.");
      continue;
    }
    // Any local page or program can send a redirect: one without this sign-in's state is refused and
    // the sign-in goes on waiting for the browser's own, until the deadline.
    if (query_parameter(target, "state") != state_) {
      send_page(conn.get(), "400 Bad Request", "This answer does not belong to the sign-in in progress.");
      continue;
    }
    if (!error.empty()) {
      std::string description = query_parameter(target, "error_description");
      send_page(conn.get(), "200 OK", "Sign-in failed: " + error + ". You can close this window.");
      throw OAuthError("the provider refused the sign-in: " + error + (description.empty() ? "" : " (" + description + ")"));
    }
    send_page(conn.get(), "200 OK", "Signed in to SMTP Workbench. You can close this window.");
    listener_.reset();
    return code;
  }
}

Tokens Flow::exchange(const std::string& code, const net::CancelFlag& cancel) {
  std::vector<std::pair<std::string, std::string>> fields = {{"grant_type", "authorization_code"},
                                                             {"code", code},
                                                             {"redirect_uri", redirect_uri_},
                                                             {"client_id", client_.client_id},
                                                             {"code_verifier", verifier_}};
  if (!client_.client_secret.empty()) fields.emplace_back("client_secret", client_.client_secret);
  return token_request(form(fields), cancel);
}

Tokens Flow::refresh(const std::string& refresh_token, const net::CancelFlag& cancel) {
  std::vector<std::pair<std::string, std::string>> fields = {
      {"grant_type", "refresh_token"}, {"refresh_token", refresh_token}, {"client_id", client_.client_id}};
  if (!client_.client_secret.empty()) fields.emplace_back("client_secret", client_.client_secret);
  Tokens t = token_request(form(fields), cancel);
  if (t.refresh_token.empty()) t.refresh_token = refresh_token;
  return t;
}

Tokens Flow::token_request(const std::string& body, const net::CancelFlag& cancel) {
  HttpsRequest request{client_.provider.token_url, body, client_.extra_ca_file, client_.timeout_s};
  HttpsResponse response = https_post_form(request, cancel);
  return parse_token_response(response.status, response.body);
}

namespace {

// A string field of the token endpoint's answer: absent is empty, any other type is refused by name.
std::string string_field(const nlohmann::json& json, const char* name) {
  auto it = json.find(name);
  if (it == json.end()) return {};
  if (!it->is_string()) throw OAuthError(std::string("the token endpoint's ") + name + " is not a string but " + it->type_name());
  return it->get<std::string>();
}

// For the endpoint's own error fields: any JSON is shown, shortened, rather than refused.
std::string error_text(const nlohmann::json& json, const char* name) {
  auto it = json.find(name);
  if (it == json.end() || it->is_null()) return {};
  std::string text = it->is_string() ? it->get<std::string>() : it->dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
  return text.size() > 300 ? text.substr(0, 300) + "..." : text;
}

// Seconds until the access token expires: a whole number of seconds, at most a year (RFC 6749 5.1 has
// no upper bound; a float larger than int would be undefined behaviour to convert). Some endpoints send
// the number as a string.
int expires_in_field(const nlohmann::json& json) {
  auto it = json.find("expires_in");
  if (it == json.end()) return 0;
  constexpr double kMax = 366.0 * 24 * 3600;
  auto refuse = [&](const std::string& why) -> int {
    throw OAuthError("the token endpoint's expires_in " + why);
  };
  double seconds = 0;
  if (it->is_number()) {
    seconds = it->get<double>();
  } else if (it->is_string()) {
    const std::string& text = it->get_ref<const std::string&>();
    if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos)
      return refuse("is not a number of seconds: \"" + text.substr(0, 40) + "\"");
    seconds = std::stod(text);
  } else {
    return refuse(std::string("is not a number but ") + it->type_name());
  }
  if (!std::isfinite(seconds) || seconds < 0 || seconds > kMax)
    return refuse("is out of range (0 to " + std::to_string(static_cast<int>(kMax)) + " seconds): " + it->dump());
  return static_cast<int>(seconds);
}

}  // namespace

Tokens parse_token_response(int status, std::string_view body) {
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {
    // e.g. "number overflow parsing '1e400'" (out_of_range.406), or not JSON at all.
    std::string what = e.what();
    if (auto p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
    throw OAuthError("the token endpoint answered " + std::to_string(status) + " with no valid JSON (" + what + ")");
  }
  if (!json.is_object())
    throw OAuthError("the token endpoint answered " + std::to_string(status) + " without a JSON object");
  if (status != 200 || json.contains("error")) {
    std::string error = error_text(json, "error");
    if (error.empty()) error = "HTTP " + std::to_string(status);
    std::string description = error_text(json, "error_description");
    throw OAuthError("the token endpoint refused: " + error + (description.empty() ? "" : " (" + description + ")"));
  }
  Tokens t;
  t.access_token = string_field(json, "access_token");
  t.refresh_token = string_field(json, "refresh_token");
  t.scope = string_field(json, "scope");
  t.expires_in_s = expires_in_field(json);
  if (t.access_token.empty()) throw OAuthError("the token endpoint's answer has no access_token");
  return t;
}

}  // namespace smtpwb::oauth
