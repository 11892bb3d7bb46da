// libFuzzer target: every proxy reply parser (SOCKS4, SOCKS5 method choice, auth status and reply, HTTP
// CONNECT response), each on the whole input and on every prefix a short read could leave.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "net/proxy_protocol.hpp"

namespace proxy = smtpwb::net::proxy;

namespace {
void parse_all(std::string_view buffer) {
  proxy::Socks4Reply s4;
  proxy::parse_socks4_reply(buffer, s4);
  proxy::Socks5Choice choice;
  proxy::parse_socks5_choice(buffer, choice);
  proxy::Socks5AuthStatus status;
  proxy::parse_socks5_auth_status(buffer, status);
  proxy::Socks5Reply s5;
  proxy::parse_socks5_reply(buffer, s5);
  proxy::HttpResponse http;
  if (proxy::parse_http_response(buffer, http).status == proxy::Parse::Status::Complete) (void)http.header_values("Proxy-Authenticate");
  (void)proxy::masked_request_line(buffer);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  parse_all(bytes);
  for (std::size_t n = 0; n < size && n < 64; ++n) parse_all(bytes.substr(0, n));
  return 0;
}
