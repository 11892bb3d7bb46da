#pragma once
// Whether a connection that stayed silent answers a TLS ClientHello: the port expects implicit TLS.
#include <chrono>
#include <string>

#include "smtpwb/net/stream.hpp"

namespace smtpwb::net {

// Starts a client handshake with `config` (probe_tls_config: no verification, the test's client
// certificate) on `stream`, which is then unusable for SMTP. True when a TLS server answered: the handshake
// completed, the certificate was refused, or the versions did not match. When the port answered with text
// instead, its first line goes to *text_answer.
bool answers_tls(Stream& stream, const TlsClientConfig& config, std::chrono::milliseconds wait,
                 std::string* text_answer = nullptr);

}  // namespace smtpwb::net
