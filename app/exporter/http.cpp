#include "exporter/http.hpp"

#include <cctype>

#include "check/arg_text.hpp"

namespace smtpwb::app {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
  }
  return "Status";
}

// The request line: method, target, version.
bool parse_request_line(std::string_view line, HttpRequest& r, std::string& error) {
  auto sp1 = line.find(' '), sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1) {
    error = "malformed request line";
    return false;
  }
  r.method = std::string(line.substr(0, sp1));
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1), version = line.substr(sp2 + 1);
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    error = "not HTTP/1.x";
    return false;
  }
  if (target.empty() || target.front() != '/') {
    error = "the request target is not a path";
    return false;
  }
  auto q = target.find('?');
  auto path = percent_decode(target.substr(0, q), false);
  auto query = parse_query(q == std::string_view::npos ? std::string_view() : target.substr(q + 1));
  if (!path || !query) {
    error = "malformed %-escape in the request target";
    return false;
  }
  r.path = *path;
  r.query = *query;
  return true;
}

}  // namespace

std::optional<std::string> HttpRequest::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

std::size_t request_head_end(std::string_view received) {
  auto end = received.find("\r\n\r\n");
  return end == std::string_view::npos ? end : end + 4;
}

std::optional<std::vector<std::pair<std::string, std::string>>> parse_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (item.empty()) continue;
    auto eq = item.find('=');
    auto name = percent_decode(item.substr(0, eq), true);
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1), true);
    if (!name || !value) return std::nullopt;
    out.emplace_back(std::move(*name), std::move(*value));
  }
  return out;
}

std::optional<HttpRequest> parse_request_head(std::string_view head, std::string& error) {
  HttpRequest r;
  auto eol = head.find("\r\n");
  if (eol == std::string_view::npos || !parse_request_line(head.substr(0, eol), r, error)) {
    if (error.empty()) error = "malformed request";
    return std::nullopt;
  }
  head.remove_prefix(eol + 2);
  while (!head.empty()) {
    eol = head.find("\r\n");
    std::string_view line = head.substr(0, eol);
    head = eol == std::string_view::npos ? std::string_view() : head.substr(eol + 2);
    if (line.empty()) break;
    auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      error = "malformed header line";
      return std::nullopt;
    }
    r.headers[lower(line.substr(0, colon))] = std::string(trim(line.substr(colon + 1)));
  }
  return r;
}

std::string serialize(const HttpResponse& response) {
  std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " + reason(response.status) + "\r\n";
  out += "Content-Type: " + response.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  out += "Connection: close\r\n\r\n";
  out += response.body;
  return out;
}

HttpResponse text_response(int status, std::string body) {
  if (body.empty() || body.back() != '\n') body += '\n';
  return HttpResponse{status, "text/plain; charset=utf-8", std::move(body)};
}

}  // namespace smtpwb::app
