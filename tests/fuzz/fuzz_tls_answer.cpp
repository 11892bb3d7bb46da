// libFuzzer target: the TLS probe's readers of a server's first answer (TLS records: ServerHello, alert;
// SSLv2 SERVER-HELLO / ERROR) and the ServerHello body parser on its own.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "smtpwb/tls_wire.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  namespace tw = smtpwb::tls_wire;
  auto tls = tw::parse_tls_answer(bytes);
  if (tls.kind == tw::FirstAnswer::Kind::ServerHello) {
    (void)tw::version_name(tls.hello.version);
    (void)tw::cipher_suite_name(tls.hello.cipher_suite);
  }
  if (tls.kind == tw::FirstAnswer::Kind::Alert) (void)tw::alert_name(tls.alert);
  auto v2 = tw::parse_sslv2_answer(bytes);
  for (auto kind : v2.sslv2_ciphers) (void)tw::sslv2_cipher_name(kind);
  (void)tw::parse_server_hello(bytes);
  return 0;
}
