#include "smtpwb/tls_wire.hpp"

#include <mbedtls/ssl.h>

#include <cctype>
#include <cstdio>
#include <random>

namespace smtpwb::tls_wire {

namespace {

unsigned u8(std::string_view s, std::size_t i) { return static_cast<unsigned char>(s[i]); }
unsigned u16(std::string_view s, std::size_t i) { return (u8(s, i) << 8) | u8(s, i + 1); }
unsigned u24(std::string_view s, std::size_t i) { return (u8(s, i) << 16) | u16(s, i + 1); }

void put8(std::string& out, unsigned v) { out += static_cast<char>(v & 0xff); }
void put16(std::string& out, unsigned v) {
  put8(out, v >> 8);
  put8(out, v);
}
void put24(std::string& out, unsigned v) {
  put8(out, v >> 16);
  put16(out, v);
}
std::string with_len16(const std::string& body) {
  std::string out;
  put16(out, static_cast<unsigned>(body.size()));
  return out + body;
}

std::string hex(unsigned v, int digits) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%0*X", digits, v);
  return buf;
}

std::string random_bytes(std::size_t n) {
  std::random_device rd;
  std::string out;
  for (std::size_t i = 0; i < n; ++i) put8(out, rd());
  return out;
}

constexpr std::size_t kMaxRecord = 16384 + 2048;  // TLSCiphertext limit (RFC 5246 6.2.3)

FirstAnswer malformed(std::string why) {
  FirstAnswer a;
  a.kind = FirstAnswer::Kind::Malformed;
  a.text = std::move(why);
  return a;
}

bool looks_like_text(std::string_view bytes) {
  return !bytes.empty() && (std::isdigit(static_cast<unsigned char>(bytes[0])) || std::isalpha(static_cast<unsigned char>(bytes[0])));
}

FirstAnswer plaintext(std::string_view bytes) {
  FirstAnswer a;
  a.kind = FirstAnswer::Kind::Plaintext;
  for (char c : bytes.substr(0, 120)) {
    if (c == '\r' || c == '\n') break;
    a.text += std::isprint(static_cast<unsigned char>(c)) ? c : '?';
  }
  return a;
}

}  // namespace

std::string version_name(std::uint16_t v) {
  switch (v) {
    case 0x0002: return "SSL 2";
    case 0x0300: return "SSL 3";
    case 0x0301: return "TLS 1.0";
    case 0x0302: return "TLS 1.1";
    case 0x0303: return "TLS 1.2";
    case 0x0304: return "TLS 1.3";
    default: return hex(v, 4);
  }
}

std::string alert_name(int d) {
  switch (d) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 22: return "record_overflow";
    case 40: return "handshake_failure";
    case 41: return "no_certificate";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 49: return "access_denied";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 86: return "inappropriate_fallback";
    case 90: return "user_canceled";
    case 100: return "no_renegotiation";
    case 109: return "missing_extension";
    case 110: return "unsupported_extension";
    case 112: return "unrecognized_name";
    case 116: return "certificate_required";
    case 120: return "no_application_protocol";
    default: return "alert " + std::to_string(d);
  }
}

std::string cipher_suite_name(std::uint16_t id) {
  std::string name = mbedtls_ssl_get_ciphersuite_name(id);
  return name == "unknown" ? hex(id, 4) : name;
}

std::string sslv2_cipher_name(std::uint32_t kind) {
  switch (kind) {
    case 0x010080: return "SSL_CK_RC4_128_WITH_MD5";
    case 0x020080: return "SSL_CK_RC4_128_EXPORT40_WITH_MD5";
    case 0x030080: return "SSL_CK_RC2_128_CBC_WITH_MD5";
    case 0x040080: return "SSL_CK_RC2_128_CBC_EXPORT40_WITH_MD5";
    case 0x050080: return "SSL_CK_IDEA_128_CBC_WITH_MD5";
    case 0x060040: return "SSL_CK_DES_64_CBC_WITH_MD5";
    case 0x0700C0: return "SSL_CK_DES_192_EDE3_CBC_WITH_MD5";
    default: return hex(kind, 6);
  }
}

std::optional<ServerHello> parse_server_hello(std::string_view m) {
  // version(2) random(32) session_id<0..32> cipher_suite(2) compression(1) [extensions<2>]
  if (m.size() < 35) return std::nullopt;
  ServerHello h;
  h.legacy_version = static_cast<std::uint16_t>(u16(m, 0));
  h.version = h.legacy_version;
  std::size_t p = 34;
  std::size_t sid = u8(m, p);
  if (sid > 32) return std::nullopt;
  p += 1 + sid;
  if (m.size() < p + 3) return std::nullopt;
  h.cipher_suite = static_cast<std::uint16_t>(u16(m, p));
  p += 3;
  if (m.size() < p + 2) return h;  // SSL 3 / early TLS: no extensions
  std::size_t end = p + 2 + u16(m, p);
  if (end > m.size()) return std::nullopt;
  p += 2;
  while (p + 4 <= end) {
    unsigned ext = u16(m, p), len = u16(m, p + 2);
    if (p + 4 + len > end) return std::nullopt;
    if (ext == 0x002b && len == 2) h.version = static_cast<std::uint16_t>(u16(m, p + 4));  // supported_versions
    if (ext == 0x0033 && len >= 2) h.key_share_group = static_cast<int>(u16(m, p + 4));    // key_share
    p += 4 + len;
  }
  return h;
}

FirstAnswer parse_tls_answer(std::string_view bytes) {
  if (bytes.empty()) return {};
  if (u8(bytes, 0) & 0x80) return parse_sslv2_answer(bytes);
  if (u8(bytes, 0) < 20 || u8(bytes, 0) > 23) {
    if (looks_like_text(bytes)) return plaintext(bytes);
    return malformed("the answer is not a TLS record (first byte " + hex(u8(bytes, 0), 2) + ")");
  }
  std::string handshake;
  std::size_t pos = 0;
  while (bytes.size() - pos >= 5) {
    unsigned type = u8(bytes, pos);
    std::size_t len = u16(bytes, pos + 3);
    if (type < 20 || type > 23) return malformed("a record of unknown type " + std::to_string(type));
    if (len > kMaxRecord) return malformed("a record longer than TLS allows");
    if (bytes.size() - pos < 5 + len) break;
    auto body = bytes.substr(pos + 5, len);
    pos += 5 + len;
    if (type == 21) {
      if (body.size() < 2) return malformed("a truncated alert");
      FirstAnswer a;
      a.kind = FirstAnswer::Kind::Alert;
      a.alert = static_cast<int>(u8(body, 1));
      return a;
    }
    if (type != 22) return malformed("record type " + std::to_string(type) + " before the ServerHello");
    handshake.append(body);
    if (handshake.size() < 4) continue;
    std::size_t msg_len = u24(handshake, 1);
    if (u8(handshake, 0) != 2) return malformed("handshake message " + std::to_string(u8(handshake, 0)) + " instead of a ServerHello");
    if (msg_len > 65536) return malformed("a ServerHello longer than any real one");
    if (handshake.size() < 4 + msg_len) continue;
    auto hello = parse_server_hello(std::string_view(handshake).substr(4, msg_len));
    if (!hello) return malformed("a ServerHello that cannot be parsed");
    FirstAnswer a;
    a.kind = FirstAnswer::Kind::ServerHello;
    a.hello = *hello;
    return a;
  }
  return {};
}

FirstAnswer parse_sslv2_answer(std::string_view bytes) {
  if (bytes.empty()) return {};
  if (!(u8(bytes, 0) & 0x80)) return parse_tls_answer(bytes);
  if (bytes.size() < 2) return {};
  std::size_t len = ((u8(bytes, 0) & 0x7f) << 8) | u8(bytes, 1);
  if (len == 0) return malformed("an empty SSLv2 record");
  if (bytes.size() < 2 + len) return {};
  auto m = bytes.substr(2, len);
  FirstAnswer a;
  if (u8(m, 0) == 0) {  // MSG-ERROR: error-code(2)
    if (m.size() < 3) return malformed("a truncated SSLv2 error");
    a.kind = FirstAnswer::Kind::Sslv2Error;
    a.sslv2_error = static_cast<int>(u16(m, 1));
    return a;
  }
  if (u8(m, 0) != 4) return malformed("SSLv2 message " + std::to_string(u8(m, 0)) + " instead of a SERVER-HELLO");
  // MSG-SERVER-HELLO: session-id-hit(1) certificate-type(1) server-version(2) certificate-length(2)
  // cipher-specs-length(2) connection-id-length(2), then certificate, cipher specs, connection id.
  if (m.size() < 11) return malformed("a truncated SSLv2 SERVER-HELLO");
  a.sslv2_version = static_cast<std::uint16_t>(u16(m, 3));
  std::size_t cert = u16(m, 5), specs = u16(m, 7), conn = u16(m, 9);
  if (specs % 3 != 0 || 11 + cert + specs + conn > m.size()) return malformed("SSLv2 SERVER-HELLO lengths do not add up");
  for (std::size_t p = 11 + cert; p < 11 + cert + specs; p += 3) a.sslv2_ciphers.push_back(u24(m, p));
  a.kind = FirstAnswer::Kind::Sslv2ServerHello;
  return a;
}

std::string build_client_hello(std::uint16_t version, std::string_view server_name) {
  // Cipher suites of the SSL 3 / TLS 1.0-1.1 era (and TLS 1.2's when probing 1.2), strongest first.
  static constexpr std::uint16_t kModern[] = {0xC02C, 0xC030, 0xC02B, 0xC02F, 0x009F, 0x009E, 0xC024, 0xC028, 0xC023, 0xC027,
                                              0x006B, 0x0067, 0x009D, 0x009C, 0x003D, 0x003C};
  static constexpr std::uint16_t kLegacy[] = {0xC00A, 0xC014, 0xC009, 0xC013, 0x0039, 0x0033, 0x0035, 0x002F, 0x0084,
                                              0x0041, 0x0096, 0xC008, 0xC012, 0x0016, 0x000A, 0x0007, 0xC007, 0xC011,
                                              0x0005, 0x0004, 0x0015, 0x0009, 0x00FF /* renegotiation SCSV */};
  std::string suites;
  if (version >= 0x0303)
    for (auto s : kModern) put16(suites, s);
  for (auto s : kLegacy) put16(suites, s);

  std::string ext;
  bool dns_name = !server_name.empty() && server_name.find(':') == std::string_view::npos &&
                  !std::isdigit(static_cast<unsigned char>(server_name.back()));
  if (dns_name) {  // server_name: list<2> of {type 0, name<2>}
    std::string entry;
    put8(entry, 0);
    entry += with_len16(std::string(server_name));
    put16(ext, 0x0000);
    ext += with_len16(with_len16(entry));
  }
  std::string groups;
  for (unsigned g : {0x001d, 0x0017, 0x0018, 0x0019}) put16(groups, g);
  put16(ext, 0x000a);
  ext += with_len16(with_len16(groups));
  put16(ext, 0x000b);
  ext += with_len16(std::string("\x01\x00", 2));  // ec_point_formats: uncompressed
  if (version >= 0x0303) {
    std::string algs;
    for (unsigned a : {0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0203, 0x0201}) put16(algs, a);
    put16(ext, 0x000d);
    ext += with_len16(with_len16(algs));
  }

  std::string hello;
  put16(hello, version);
  hello += random_bytes(32);
  put8(hello, 0);  // no session id
  hello += with_len16(suites);
  put8(hello, 1);  // compression methods: null only
  put8(hello, 0);
  if (version > 0x0300) hello += with_len16(ext);  // SSL 3.0 servers may predate extensions

  std::string handshake;
  put8(handshake, 1);  // client_hello
  put24(handshake, static_cast<unsigned>(hello.size()));
  handshake += hello;
  std::string record;
  put8(record, 22);
  put16(record, version < 0x0301 ? version : 0x0301);  // record version as widely deployed clients send it
  record += with_len16(handshake);
  return record;
}

std::string build_sslv2_client_hello() {
  static constexpr std::uint32_t kKinds[] = {0x0700C0, 0x050080, 0x030080, 0x010080, 0x060040, 0x040080, 0x020080};
  std::string specs;
  for (auto k : kKinds) put24(specs, k);
  std::string body;
  put8(body, 1);  // MSG-CLIENT-HELLO
  put16(body, 0x0002);
  put16(body, static_cast<unsigned>(specs.size()));
  put16(body, 0);   // session id length
  put16(body, 16);  // challenge length
  body += specs;
  body += random_bytes(16);
  std::string record;
  put16(record, 0x8000 | static_cast<unsigned>(body.size()));
  return record + body;
}

}  // namespace smtpwb::tls_wire
