#include "tls/handshake_sniffer.hpp"

#include <cctype>
#include <cstdio>

#include "smtpwb/tls_wire.hpp"

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

std::string HandshakeSniffer::alert_name() const { return tls_wire::alert_name(alert_); }

void HandshakeSniffer::feed(std::string_view bytes) {
  if (done_) return;
  if (first_ && !bytes.empty()) {
    first_ = false;
    // A TLS record starts with a content type of 20-24; an SMTP reply starts with a digit, and the other
    // text protocols found on mail ports (SSH, HTTP, IMAP, POP3) with printable ASCII too.
    if (std::isprint(static_cast<unsigned char>(bytes[0]))) {
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
  if (type == 2) {
    if (auto hello = tls_wire::parse_server_hello(m)) {
      version_ = hello->version;
      if (hello->key_share_group >= 0) group_ = hello->key_share_group;  // also in a HelloRetryRequest
    }
  } else if (type == 12 && !m.empty()) {  // TLS 1.2 ServerKeyExchange
    if (static_cast<unsigned char>(m[0]) == 3 && m.size() >= 3) group_ = static_cast<int>(u16(m, 1));  // named_curve
    else group_ = -2;  // finite-field DHE with explicit parameters
    done_ = true;
  }
}

}  // namespace smtpwb::net
