#include "auth/https.hpp"

#include "smtpwb/net/stream.hpp"
#include "smtpwb/oauth.hpp"

namespace smtpwb::oauth {

namespace {

struct Url {
  std::string host;
  int port = 443;
  std::string path = "/";
};

Url parse_https_url(const std::string& url) {
  const std::string scheme = "https://";
  if (url.rfind(scheme, 0) != 0) throw OAuthError("the token URL \"" + url + "\" is not an https:// URL");
  Url out;
  std::string rest = url.substr(scheme.size());
  if (auto slash = rest.find('/'); slash != std::string::npos) {
    out.path = rest.substr(slash);
    rest.resize(slash);
  }
  if (auto colon = rest.rfind(':'); colon != std::string::npos && rest.find(']') == std::string::npos) {
    try {
      out.port = std::stoi(rest.substr(colon + 1));
    } catch (const std::exception&) {
      throw OAuthError("the token URL \"" + url + "\" has a bad port");
    }
    rest.resize(colon);
  }
  out.host = rest;
  if (out.host.empty()) throw OAuthError("the token URL \"" + url + "\" has no host");
  return out;
}

}  // namespace

HttpsResponse https_post_form(const HttpsRequest& request, const net::CancelFlag& cancel) {
  Url url = parse_https_url(request.url);
  auto deadline = net::Deadline::in(std::chrono::seconds(request.timeout_s));
  std::unique_ptr<net::Stream> stream;
  std::string last_error = "no address";
  try {
    for (const auto& address : net::resolve(url.host, url.port, deadline, cancel)) {
      try {
        stream = std::make_unique<net::Stream>(net::connect_tcp(address, deadline, cancel), cancel);
        break;
      } catch (const net::NetError& e) {
        last_error = address.text + ": " + e.what();
      }
    }
  } catch (const net::ResolveError& e) {
    throw OAuthError("cannot resolve the token endpoint " + url.host + ": " + e.what());
  }
  if (!stream) throw OAuthError("cannot connect to the token endpoint " + url.host + " (" + last_error + ")");

  net::TlsClientConfig tls;
  tls.server_name = url.host;
  tls.extra_ca_file = request.extra_ca_file;
  TlsFacts facts;
  try {
    stream->start_tls_client(tls, deadline, facts);
  } catch (const net::CertificateError& e) {
    throw OAuthError("the token endpoint's certificate is not trusted: " + std::string(e.what()));
  } catch (const std::runtime_error& e) {
    if (dynamic_cast<const net::Cancelled*>(&e) || dynamic_cast<const net::TimedOut*>(&e)) throw;
    throw OAuthError("TLS with the token endpoint failed: " + std::string(e.what()));
  }

  std::string host_header = url.host + (url.port == 443 ? "" : ":" + std::to_string(url.port));
  std::string head = "POST " + url.path + " HTTP/1.0\r\nHost: " + host_header +
                     "\r\nContent-Type: application/x-www-form-urlencoded\r\nAccept: application/json\r\n"
                     "User-Agent: SMTP-Workbench\r\nContent-Length: " + std::to_string(request.body.size()) +
                     "\r\nConnection: close\r\n\r\n";
  try {
    stream->write_all(head + request.body, deadline);
  } catch (const net::NetError& e) {
    throw OAuthError("the connection to the token endpoint failed: " + std::string(e.what()));
  }
  std::string raw;
  char buf[8192];
  while (raw.size() < (1u << 20)) {
    std::size_t n = 0;
    try {
      n = stream->read_some(buf, sizeof buf, deadline);
    } catch (const net::NetError&) {
      break;  // some servers reset instead of closing after the answer
    }
    if (n == 0) break;
    raw.append(buf, n);
  }
  stream->close_notify();

  HttpsResponse response;
  auto head_end = raw.find("\r\n\r\n");
  auto sp = raw.find(' ');
  if (head_end == std::string::npos || sp == std::string::npos || raw.rfind("HTTP/", 0) != 0)
    throw OAuthError("the token endpoint's answer is not HTTP");
  try {
    response.status = std::stoi(raw.substr(sp + 1, 3));
  } catch (const std::exception&) {
    throw OAuthError("the token endpoint's answer has no status code");
  }
  response.body = raw.substr(head_end + 4);
  return response;
}

}  // namespace smtpwb::oauth
