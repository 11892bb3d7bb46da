#include "tls/handshake_sniffer.hpp"

#include <cctype>
#include <cstdio>

namespace smtpwb::net {

namespace {
unsigned u16(std::string_view s, std::size_t i) {
  return (static_cast<unsigned char>(s[i]) << 8) | static_cast<unsigned char>(s[i + 1]);
}
unsigned u24(std::string_view s, std::size_t i) {
  return (static_cast<unsigned char>(s[i]) << 16) | u16(s, i + 1);
}
constexpr std::size_t kMaxSniffBytes = 1u << 16;  // the group is in the first flight; stop after that
}  // namespace

std::string tls_group_name(int id) {
  switch (id) {
    case 0x0017: return "secp256r1";
    case 0x0018: return "secp384r1";
    case 0x0019: return "secp521r1";
    case 0x001a: return "brainpoolP256r1";
    case 0x001b: return "brainpoolP384r1";
    case 0x001c: return "brainpoolP512r1";
    case 0x001d: return "x25519";
    case 0x001e: return "x448";
    case 0x0100: return "ffdhe2048";
    case 0x0101: return "ffdhe3072";
    case 0x0102: return "ffdhe4096";
    case 0x0103: return "ffdhe6144";
    case 0x0104: return "ffdhe8192";
    case 0x11ec: return "X25519MLKEM768";
    default: break;
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%04x", id);
  return buf;
}

std::string HandshakeSniffer::group_name() const {
  if (group_ == -2) return "ffdhe (explicit parameters)";
  return group_ < 0 ? std::string() : tls_group_name(group_);
}

std::string HandshakeSniffer::alert_name() const {
  switch (alert_) {
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 40: return "handshake_failure";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 86: return "inappropriate_fallback";
    case 109: return "missing_extension";
    case 112: return "unrecognized_name";
    case 120: return "no_application_protocol";
    default: return "alert " + std::to_string(alert_);
  }
}

void HandshakeSniffer::feed(std::string_view bytes) {
  if (done_) return;
  if (first_ && !bytes.empty()) {
    first_ = false;
    // A TLS record starts with a content type of 20-24; an SMTP reply starts with a digit.
    if (std::isdigit(static_cast<unsigned char>(bytes[0]))) {
      plaintext_ = true;
      for (char c : bytes.substr(0, 120)) {
        if (c == '\r' || c == '\n') break;
        sample_ += std::isprint(static_cast<unsigned char>(c)) ? c : '?';
      }
      done_ = true;
      return;
    }
  }
  seen_ += bytes.size();
  if (seen_ > kMaxSniffBytes) {
    done_ = true;
    return;
  }
  records_.append(bytes);
  std::size_t pos = 0;
  while (!done_ && records_.size() - pos >= 5) {
    auto type = static_cast<std::uint8_t>(records_[pos]);
    std::size_t len = u16(records_, pos + 3);
    if (records_.size() - pos < 5 + len) break;
    on_record(type, std::string_view(records_).substr(pos + 5, len));
    pos += 5 + len;
  }
  records_.erase(0, pos);
}

void HandshakeSniffer::on_record(std::uint8_t type, std::string_view body) {
  if (type == 21 && body.size() >= 2) {  // alert (plaintext ones only; encrypted alerts look like 23)
    alert_ = static_cast<unsigned char>(body[1]);
    return;
  }
  if (type != 22) {  // ChangeCipherSpec or encrypted records: the plaintext part is over
    if (type == 20 && group_ >= 0) done_ = true;
    return;
  }
  handshake_.append(body);
  std::size_t pos = 0;
  while (handshake_.size() - pos >= 4) {
    std::size_t len = u24(handshake_, pos + 1);
    if (handshake_.size() - pos < 4 + len) break;
    on_handshake(static_cast<std::uint8_t>(handshake_[pos]), std::string_view(handshake_).substr(pos + 4, len));
    pos += 4 + len;
  }
  handshake_.erase(0, pos);
}

void HandshakeSniffer::on_handshake(std::uint8_t type, std::string_view m) {
  if (type == 2) {  // ServerHello: version(2) random(32) session_id<1> cipher(2) compression(1) extensions<2>
    std::size_t p = 34;
    if (m.size() < p + 1) return;
    p += 1 + static_cast<unsigned char>(m[p]);
    p += 3;
    if (m.size() < p + 2) return;
    std::size_t end = p + 2 + u16(m, p);
    p += 2;
    while (p + 4 <= end && end <= m.size()) {
      unsigned ext = u16(m, p), len = u16(m, p + 2);
      if (p + 4 + len > end) break;  // truncated extension: read nothing beyond it
      if (ext == 0x0033 && len >= 2) group_ = static_cast<int>(u16(m, p + 4));  // key_share (also in HelloRetryRequest)
      p += 4 + len;
    }
  } else if (type == 12 && !m.empty()) {  // TLS 1.2 ServerKeyExchange
    if (static_cast<unsigned char>(m[0]) == 3 && m.size() >= 3) group_ = static_cast<int>(u16(m, 1));  // named_curve
    else group_ = -2;  // finite-field DHE with explicit parameters
    done_ = true;
  }
}

}  // namespace smtpwb::net
