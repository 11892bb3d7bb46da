#pragma once
// Pure readers and writers of the first TLS/SSL handshake bytes, for the version probe and the
// handshake sniffer: ClientHello builders (TLS records and the SSLv2 CLIENT-HELLO) and parsers for what a
// server answers first (ServerHello, alert, SSLv2 SERVER-HELLO / ERROR). No I/O; safe on any input.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smtpwb::tls_wire {

// Wire version numbers: 0x0002 SSL 2, 0x0300 SSL 3, 0x0301 TLS 1.0 ... 0x0304 TLS 1.3.
std::string version_name(std::uint16_t wire_version);  // "TLS 1.0", or "0x7f12" for unknown values
std::string alert_name(int description);                // "protocol_version", or "alert 99"
// mbedTLS's name of a TLS cipher suite ("TLS-ECDHE-RSA-WITH-AES-256-CBC-SHA"), or "0xC014" when unknown.
std::string cipher_suite_name(std::uint16_t id);
// The SSLv2 name of a 3-byte cipher kind ("SSL_CK_RC4_128_WITH_MD5"), or "0x010080".
std::string sslv2_cipher_name(std::uint32_t kind);

// A ServerHello handshake message body (without the 4-byte handshake header).
struct ServerHello {
  std::uint16_t legacy_version = 0;
  std::uint16_t version = 0;  // supported_versions when present (TLS 1.3), else legacy_version
  std::uint16_t cipher_suite = 0;
  int key_share_group = -1;   // TLS 1.3 key_share, -1 when absent
};
std::optional<ServerHello> parse_server_hello(std::string_view body);

// What a server sent first after our ClientHello.
struct FirstAnswer {
  enum class Kind {
    Incomplete,        // need more bytes
    ServerHello,       // hello is set
    Alert,             // alert is the description
    Sslv2ServerHello,  // sslv2_ciphers (may be empty: no cipher in common)
    Sslv2Error,        // sslv2_error is the error code
    Plaintext,         // not TLS at all (e.g. an SMTP reply); text holds a sample
    Malformed,         // TLS-looking but not understood; text says why
  };
  Kind kind = Kind::Incomplete;
  ServerHello hello;
  int alert = -1;
  std::uint16_t sslv2_version = 0;
  std::vector<std::uint32_t> sslv2_ciphers;
  int sslv2_error = 0;
  std::string text;
};
// Reads TLS records (handshake type 22, alert 21) until the first ServerHello or alert.
FirstAnswer parse_tls_answer(std::string_view bytes);
// Reads an SSLv2 record (2-byte header with the high bit set); a TLS record is handed to parse_tls_answer.
FirstAnswer parse_sslv2_answer(std::string_view bytes);

// A ClientHello record offering exactly one version (SSL 3.0 up to TLS 1.2 wire numbers), with a broad
// list of cipher suites from that era, SNI (when server_name is a DNS name), groups and point formats.
std::string build_client_hello(std::uint16_t wire_version, std::string_view server_name);
// An SSLv2 CLIENT-HELLO (SSLv2 draft, "Client Hello") offering all seven SSLv2 cipher kinds.
std::string build_sslv2_client_hello();

}  // namespace smtpwb::tls_wire
