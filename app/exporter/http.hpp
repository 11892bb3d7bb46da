#pragma once
// The little HTTP/1.1 the exporter speaks: a request head parsed into a value, a response written as
// text. Pure functions; the sockets are in http_listener.cpp.
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace smtpwb::app {

inline constexpr std::size_t kMaxRequestHead = 8192;

struct HttpRequest {
  std::string method;  // "GET"
  std::string path;    // "/probe", percent-decoded
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  std::map<std::string, std::string> headers;              // names lower-cased
  std::optional<std::string> header(const std::string& lower_name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// Answers a request once, from any thread.
using HttpReply = std::function<void(HttpResponse)>;

// The end of the head in what has arrived so far (just past the blank line), or npos.
std::size_t request_head_end(std::string_view received);
// Parses "GET /probe?module=a HTTP/1.1\r\nHost: ...\r\n\r\n"; nullopt with `error` set when malformed.
std::optional<HttpRequest> parse_request_head(std::string_view head, std::string& error);
// application/x-www-form-urlencoded: '&'-separated, '+' is a space, %XX escapes; nullopt for a bad escape.
std::optional<std::vector<std::pair<std::string, std::string>>> parse_query(std::string_view query);

// The whole response, with Content-Length and "Connection: close".
std::string serialize(const HttpResponse& response);
HttpResponse text_response(int status, std::string body);

}  // namespace smtpwb::app
