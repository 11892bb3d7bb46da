#pragma once
// A minimal HTTPS client for the OAuth token endpoint: one POST of a form, over the engine's TLS
// stream with certificate verification, HTTP/1.0 so that the answer is never chunked.
#include <string>

#include "smtpwb/net/io.hpp"

namespace smtpwb::oauth {

struct HttpsRequest {
  std::string url;   // https://host[:port]/path
  std::string body;  // application/x-www-form-urlencoded
  std::string extra_ca_file;  // added to the system store
  int timeout_s = 30;
};

struct HttpsResponse {
  int status = 0;
  std::string body;
};

// Throws OAuthError with a plain-words reason (bad URL, DNS, connect, TLS, malformed answer).
HttpsResponse https_post_form(const HttpsRequest& request, const net::CancelFlag& cancel);

}  // namespace smtpwb::oauth
