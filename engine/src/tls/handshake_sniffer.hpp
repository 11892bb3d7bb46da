#pragma once
// Reads the plaintext part of a TLS handshake as it arrives from the server, to learn what mbedTLS
// does not expose: the key-exchange group (ServerHello key_share in TLS 1.3, ServerKeyExchange in
// TLS 1.2), alerts, and whether the peer answered in plain text instead of TLS.
#include <cstdint>
#include <string>
#include <string_view>

namespace smtpwb::net {

class HandshakeSniffer {
 public:
  void feed(std::string_view bytes);
  std::string group_name() const;  // "" when not seen
  int group() const { return group_; }
  int alert() const { return alert_; }  // alert description, -1 when none
  // The version the ServerHello chose (wire number, supported_versions included); -1 when not seen.
  int server_version() const { return version_; }
  std::string alert_name() const;
  bool looks_like_plaintext() const { return plaintext_; }
  std::string plaintext_sample() const { return sample_; }

 private:
  void on_record(std::uint8_t type, std::string_view body);
  void on_handshake(std::uint8_t type, std::string_view body);

  std::string records_;    // bytes not yet forming a whole record
  std::string handshake_;  // handshake bytes not yet forming a whole message
  bool done_ = false;
  bool first_ = true;
  bool plaintext_ = false;
  std::string sample_;
  int group_ = -1;
  int alert_ = -1;
  int version_ = -1;
  std::size_t seen_ = 0;
};

std::string tls_group_name(int id);

}  // namespace smtpwb::net
