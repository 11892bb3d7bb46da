#include "net/proxy_protocol.hpp"

#include <cctype>

#include "smtpwb/base64.hpp"
#include "smtpwb/platform.hpp"
#include "smtpwb/printable.hpp"
#include "text.hpp"

namespace smtpwb::net::proxy {

namespace {

void put_port(std::string& out, std::uint16_t port) {
  out += static_cast<char>(port >> 8);
  out += static_cast<char>(port & 0xFF);
}
std::uint16_t get_port(std::string_view b, std::size_t at) {
  return static_cast<std::uint16_t>((static_cast<unsigned char>(b[at]) << 8) | static_cast<unsigned char>(b[at + 1]));
}
std::string ipv4_text(const char* bytes) { return platform::format_ipv4(reinterpret_cast<const unsigned char*>(bytes)); }
std::string ipv6_text(const char* bytes) { return platform::format_ipv6(reinterpret_cast<const unsigned char*>(bytes)); }
int byte(std::string_view b, std::size_t i) { return static_cast<unsigned char>(b[i]); }

}  // namespace

// ---- SOCKS4 ----

std::string socks4_connect_request(const std::uint8_t (&ipv4)[4], std::uint16_t port, std::string_view user_id,
                                   std::string_view host_name) {
  std::string out{'\x04', '\x01'};
  put_port(out, port);
  if (host_name.empty()) out.append(reinterpret_cast<const char*>(ipv4), 4);
  else out.append("\0\0\0\x01", 4);  // SOCKS4a: an invalid address 0.0.0.x announces a name
  out.append(user_id);
  out += '\0';
  if (!host_name.empty()) {
    out.append(host_name);
    out += '\0';
  }
  return out;
}

Parse parse_socks4_reply(std::string_view b, Socks4Reply& out) {
  if (b.size() < 8) return Parse::more(8 - b.size());
  out.version = byte(b, 0);
  out.code = byte(b, 1);
  out.port = get_port(b, 2);
  out.address = ipv4_text(b.data() + 4);
  if (out.version != 0)
    return Parse::malformed("the reply starts with " + std::to_string(out.version) + " instead of 0 (not a SOCKS4 proxy?)");
  if (out.code < 90 || out.code > 93) return Parse::malformed("unknown SOCKS4 reply code " + std::to_string(out.code));
  return Parse::complete(8);
}

std::string_view socks4_reply_meaning(int code) {
  switch (code) {
    case 90: return "request granted";
    case 91: return "request rejected or failed";
    case 92: return "rejected: the proxy cannot reach the client's identd";
    case 93: return "rejected: identd reports a different user id";
    default: return "unknown reply code";
  }
}

// ---- SOCKS5 ----

std::string socks5_greeting(bool offer_username_password) {
  if (offer_username_password) return std::string{'\x05', '\x01', static_cast<char>(kSocks5UserPass)};
  return std::string{'\x05', '\x01', static_cast<char>(kSocks5NoAuth)};
}

Parse parse_socks5_choice(std::string_view b, Socks5Choice& out) {
  if (b.size() < 2) return Parse::more(2 - b.size());
  out.version = byte(b, 0);
  out.method = byte(b, 1);
  if (out.version != 5)
    return Parse::malformed("the reply starts with " + std::to_string(out.version) + " instead of 5 (not a SOCKS5 proxy?)");
  return Parse::complete(2);
}

std::string_view socks5_method_name(int method) {
  switch (method) {
    case 0x00: return "no authentication";
    case 0x01: return "GSSAPI";
    case 0x02: return "username/password";
    case 0xFF: return "no acceptable methods";
    default: return "unknown method";
  }
}

std::string socks5_userpass_request(std::string_view user, std::string_view password) {
  std::string out{'\x01', static_cast<char>(user.size())};
  out.append(user);
  out += static_cast<char>(password.size());
  out.append(password);
  return out;
}

Parse parse_socks5_auth_status(std::string_view b, Socks5AuthStatus& out) {
  if (b.size() < 2) return Parse::more(2 - b.size());
  out.version = byte(b, 0);
  out.status = byte(b, 1);
  if (out.version != 1)
    return Parse::malformed("the username/password reply has version " + std::to_string(out.version) + " instead of 1");
  return Parse::complete(2);
}

std::string_view address_type_name(AddressType t) {
  switch (t) {
    case AddressType::Ipv4: return "IPv4";
    case AddressType::Domain: return "domain name";
    case AddressType::Ipv6: return "IPv6";
  }
  return "?";
}

std::string socks5_connect_request(std::string_view host, std::uint16_t port) {
  std::string out{'\x05', '\x01', '\x00'};
  std::string h(host);
  if (auto v4 = platform::parse_ipv4(h)) {
    out += static_cast<char>(AddressType::Ipv4);
    out.append(reinterpret_cast<const char*>(v4->data()), v4->size());
  } else if (auto v6 = platform::parse_ipv6(h)) {
    out += static_cast<char>(AddressType::Ipv6);
    out.append(reinterpret_cast<const char*>(v6->data()), v6->size());
  } else {
    out += static_cast<char>(AddressType::Domain);
    out += static_cast<char>(h.size());  // a valid host name has at most 253 characters
    out.append(h);
  }
  put_port(out, port);
  return out;
}

Parse parse_socks5_reply(std::string_view b, Socks5Reply& out) {
  if (b.size() < 5) return Parse::more(5 - b.size());
  out.version = byte(b, 0);
  out.code = byte(b, 1);
  if (out.version != 5)
    return Parse::malformed("the reply starts with " + std::to_string(out.version) + " instead of 5");
  if (byte(b, 2) != 0) return Parse::malformed("the reserved byte of the reply is " + std::to_string(byte(b, 2)) + ", not 0");
  int type = byte(b, 3);
  std::size_t address_length = 0, address_start = 4;
  switch (type) {
    case 1: address_length = 4; break;
    case 4: address_length = 16; break;
    case 3:
      address_length = static_cast<std::size_t>(byte(b, 4));
      address_start = 5;
      break;
    default: return Parse::malformed("unknown address type " + std::to_string(type) + " in the reply");
  }
  std::size_t total = address_start + address_length + 2;
  if (b.size() < total) return Parse::more(total - b.size());
  out.address_type = static_cast<AddressType>(type);
  if (type == 1) out.address = ipv4_text(b.data() + 4);
  else if (type == 4) out.address = ipv6_text(b.data() + 4);
  else out.address = std::string(b.substr(address_start, address_length));
  out.port = get_port(b, address_start + address_length);
  return Parse::complete(total);
}

std::string_view socks5_reply_meaning(int code) {
  switch (code) {
    case 0: return "succeeded";
    case 1: return "general SOCKS server failure";
    case 2: return "connection not allowed by the proxy's rules";
    case 3: return "network unreachable (from the proxy)";
    case 4: return "host unreachable (from the proxy; or the proxy could not resolve the name)";
    case 5: return "connection refused by the destination host";
    case 6: return "TTL expired (the destination did not answer the proxy in time)";
    case 7: return "command not supported by the proxy";
    case 8: return "address type not supported by the proxy";
    default: return "unknown reply code";
  }
}

// ---- HTTP CONNECT ----

std::vector<std::string> http_connect_request(std::string_view host, std::uint16_t port,
                                              const std::optional<std::string>& basic_credentials) {
  std::string h(host);
  std::string authority = (platform::parse_ipv6(h) ? "[" + h + "]" : h) + ":" + std::to_string(port);
  std::vector<std::string> lines{"CONNECT " + authority + " HTTP/1.1", "Host: " + authority};
  if (basic_credentials) lines.push_back("Proxy-Authorization: Basic " + base64_encode(*basic_credentials));
  lines.push_back("User-Agent: SMTP-Workbench");
  return lines;
}

std::vector<std::string> http_connect_request_authorized(std::string_view host, std::uint16_t port,
                                                         std::string_view authorization) {
  auto lines = http_connect_request(host, port, std::nullopt);
  lines.insert(lines.begin() + 2, "Proxy-Authorization: " + std::string(authorization));
  lines.insert(lines.begin() + 3, "Proxy-Connection: keep-alive");
  return lines;
}

std::vector<std::string> HttpResponse::header_values(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [n, v] : headers)
    if (text::lower(n) == text::lower(name)) out.push_back(v);
  return out;
}

namespace {
std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return std::string(s);
}
}  // namespace

Parse parse_http_response(std::string_view b, HttpResponse& out) {
  // Early check: a SOCKS or TLS peer answers with bytes that can never start "HTTP/".
  constexpr std::string_view kPrefix = "HTTP/";
  if (b.substr(0, kPrefix.size()) != kPrefix.substr(0, std::min(b.size(), kPrefix.size())))
    return Parse::malformed("the reply does not start with \"HTTP/\" (not an HTTP proxy?)");
  auto end = b.find("\r\n\r\n");
  std::size_t terminator = 4;
  if (auto lf = b.find("\n\n"); lf != std::string_view::npos && (end == std::string_view::npos || lf < end)) {
    end = lf;  // tolerate bare LF line ends
    terminator = 2;
  }
  if (end == std::string_view::npos) {
    if (b.size() >= kMaxHttpHead) return Parse::malformed("the response head exceeds " + std::to_string(kMaxHttpHead) + " bytes");
    return Parse::more(1);
  }
  std::string_view head = b.substr(0, end);
  out = {};
  std::size_t pos = 0;
  bool first = true;
  while (pos <= head.size()) {
    auto nl = head.find('\n', pos);
    std::string line = trim(head.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos));
    pos = nl == std::string_view::npos ? head.size() + 1 : nl + 1;
    if (first) {
      first = false;
      out.status_line = line;
      // HTTP/1.x SP 3DIGIT [SP reason]
      auto sp = line.find(' ');
      if (sp == std::string::npos || line.size() < sp + 4 || !std::isdigit(static_cast<unsigned char>(line[sp + 1])) ||
          !std::isdigit(static_cast<unsigned char>(line[sp + 2])) || !std::isdigit(static_cast<unsigned char>(line[sp + 3])) ||
          (line.size() > sp + 4 && line[sp + 4] != ' '))
        return Parse::malformed("not an HTTP status line: \"" + line.substr(0, 80) + "\"");
      out.status = std::stoi(line.substr(sp + 1, 3));
      out.reason = line.size() > sp + 5 ? line.substr(sp + 5) : std::string();
      continue;
    }
    auto colon = line.find(':');
    if (colon == std::string::npos || colon == 0) return Parse::malformed("not an HTTP header line: \"" + line.substr(0, 80) + "\"");
    out.headers.emplace_back(line.substr(0, colon), trim(std::string_view(line).substr(colon + 1)));
  }
  return Parse::complete(end + terminator);
}

namespace {
// A header value split at the commas outside quoted strings, each element trimmed, empty ones dropped.
std::vector<std::string> comma_elements(std::string_view value) {
  std::vector<std::string> out;
  std::string current;
  bool quoted = false, escaped = false;
  for (char c : value) {
    if (escaped) escaped = false;
    else if (quoted && c == '\\') escaped = true;
    else if (c == '"') quoted = !quoted;
    else if (c == ',' && !quoted) {
      if (auto t = trim(current); !t.empty()) out.push_back(t);
      current.clear();
      continue;
    }
    current += c;
  }
  if (auto t = trim(current); !t.empty()) out.push_back(t);
  return out;
}
}  // namespace

std::vector<AuthChallenge> proxy_auth_challenges(const HttpResponse& response) {
  std::vector<AuthChallenge> out;
  auto values = response.header_values("Proxy-Authenticate");
  if (response.status == 401)  // what tinyproxy answers to wrong credentials, with its challenge in WWW-Authenticate
    for (auto& v : response.header_values("WWW-Authenticate")) values.push_back(std::move(v));
  for (const auto& value : values) {
    for (const auto& element : comma_elements(value)) {
      auto space = element.find_first_of(" \t");
      std::string first = element.substr(0, space);
      // "name=value" continues the previous challenge's auth-params; anything else starts a challenge.
      if (first.find('=') != std::string::npos && !out.empty()) {
        out.back().data += (out.back().data.empty() ? "" : ", ") + element;
        continue;
      }
      out.push_back({first, space == std::string::npos ? std::string() : trim(std::string_view(element).substr(space + 1))});
    }
  }
  return out;
}

std::optional<std::size_t> content_length(const HttpResponse& response) {
  auto values = response.header_values("Content-Length");
  if (values.empty() || values.front().empty() || values.front().size() > 12) return std::nullopt;
  for (char c : values.front())
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  return static_cast<std::size_t>(std::stoull(values.front()));
}

bool closes_connection(const HttpResponse& response) {
  bool keep_alive = false;
  for (const char* header : {"Connection", "Proxy-Connection"})
    for (const auto& value : response.header_values(header))
      for (const auto& option : comma_elements(value)) {
        if (text::lower(option) == "close") return true;
        keep_alive |= text::lower(option) == "keep-alive";
      }
  return response.status_line.rfind("HTTP/1.0", 0) == 0 && !keep_alive;
}

std::string masked_request_line(std::string_view line) {
  constexpr std::string_view kHeader = "proxy-authorization:";
  if (text::lower(line.substr(0, kHeader.size())) != kHeader) return std::string(line);
  std::string value = trim(line.substr(kHeader.size()));
  auto scheme = value.substr(0, value.find(' '));
  return std::string(line.substr(0, kHeader.size())) + " " + scheme + " " + masked_secret();
}

}  // namespace smtpwb::net::proxy
