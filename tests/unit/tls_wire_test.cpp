// tls_wire: the hand-built hellos of the TLS version probe and the parsers of the server's first answer.
#include <catch2/catch_test_macros.hpp>

#include <initializer_list>
#include <string>

#include "smtpwb/tls_wire.hpp"

using namespace smtpwb::tls_wire;
using Kind = FirstAnswer::Kind;

namespace {

std::string bytes(std::initializer_list<int> list) {
  std::string out;
  for (int b : list) out += static_cast<char>(b);
  return out;
}

// Captured from `openssl s_server -tls1 -cipher 'AES128-SHA:@SECLEVEL=0'` (OpenSSL 3.0.19, Debian 12)
// answering `openssl s_client -tls1`: the ServerHello record exactly as it came off the wire (TLS 1.0,
// TLS_RSA_WITH_AES_128_CBC_SHA, renegotiation_info, session_ticket, encrypt_then_mac, extended_master_secret).
const std::string kOpenSslTls10ServerHello = bytes(
    {0x16, 0x03, 0x01, 0x00, 0x3d, 0x02, 0x00, 0x00, 0x39, 0x03, 0x01, 0xcc, 0xd5, 0x8d, 0x13, 0x8e, 0x90, 0x8d,
     0xe7, 0xf6, 0x32, 0x4d, 0x6c, 0x9d, 0xca, 0x05, 0x9a, 0xa5, 0x47, 0xae, 0x58, 0x6a, 0x28, 0x3e, 0x5f, 0x4f,
     0x6b, 0x66, 0x9c, 0xad, 0x7d, 0x95, 0xfa, 0x00, 0x00, 0x2f, 0x00, 0x00, 0x11, 0xff, 0x01, 0x00, 0x01, 0x00,
     0x00, 0x23, 0x00, 0x00, 0x00, 0x16, 0x00, 0x00, 0x00, 0x17, 0x00, 0x00});

// Captured from the same OpenSSL 3.0.19 s_server with its default settings (TLS 1.2+) refusing a TLS 1.0
// ClientHello: a fatal alert, description 80 (OpenSSL sends internal_error here, not protocol_version).
const std::string kOpenSslAlert = bytes({0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x50});

// An SSL 3.0 ServerHello built from RFC 6101 5.6.1.3 (no SSL 3 server exists on Debian 12 to capture
// one): record 22 / version 3.0, handshake server_hello, server_version 3.0, 32 bytes of random, a
// 32-byte session id, SSL_RSA_WITH_3DES_EDE_CBC_SHA (0x000A), compression null, no extensions.
std::string ssl3_server_hello() {
  std::string body = bytes({0x03, 0x00});
  for (int i = 0; i < 32; ++i) body += static_cast<char>(0x40 + i);  // random
  body += bytes({32});
  for (int i = 0; i < 32; ++i) body += static_cast<char>(0x80 + i);  // session id
  body += bytes({0x00, 0x0a, 0x00});
  std::string hs = bytes({0x02, 0x00, 0x00, static_cast<int>(body.size())}) + body;
  return bytes({0x16, 0x03, 0x00, 0x00, static_cast<int>(hs.size())}) + hs;
}

// An SSLv2 SERVER-HELLO built from the SSL 2.0 draft (Hickman 1995, "Server Hello"): 2-byte header
// with the high bit set, MSG-SERVER-HELLO (4), SESSION-ID-HIT 0, CERTIFICATE-TYPE 1 (X.509),
// SERVER-VERSION 0x0002, CERTIFICATE-LENGTH 5, CIPHER-SPECS-LENGTH 6, CONNECTION-ID-LENGTH 16, then a
// 5-byte stand-in certificate, the kinds SSL_CK_DES_192_EDE3_CBC_WITH_MD5 and SSL_CK_RC4_128_WITH_MD5,
// and the connection id.
std::string sslv2_server_hello() {
  std::string body = bytes({0x04, 0x00, 0x01, 0x00, 0x02, 0x00, 0x05, 0x00, 0x06, 0x00, 0x10});
  body += bytes({0x30, 0x03, 0x02, 0x01, 0x00});
  body += bytes({0x07, 0x00, 0xc0, 0x01, 0x00, 0x80});
  for (int i = 0; i < 16; ++i) body += static_cast<char>(i);
  return bytes({0x80 | static_cast<int>(body.size() >> 8), static_cast<int>(body.size() & 0xff)}) + body;
}

}  // namespace

TEST_CASE("parse_tls_answer: OpenSSL's TLS 1.0 ServerHello", "[tls_wire]") {
  auto a = parse_tls_answer(kOpenSslTls10ServerHello);
  REQUIRE(a.kind == Kind::ServerHello);
  CHECK(a.hello.version == 0x0301);
  CHECK(a.hello.cipher_suite == 0x002f);
  CHECK(version_name(a.hello.version) == "TLS 1.0");
  CHECK(cipher_suite_name(a.hello.cipher_suite) == "TLS-RSA-WITH-AES-128-CBC-SHA");
}

TEST_CASE("parse_tls_answer: bytes arrive piecemeal", "[tls_wire]") {
  for (std::size_t cut = 0; cut < kOpenSslTls10ServerHello.size(); ++cut)
    CHECK(parse_tls_answer(kOpenSslTls10ServerHello.substr(0, cut)).kind == Kind::Incomplete);
  // Followed by the Certificate record: still the ServerHello that counts.
  CHECK(parse_tls_answer(kOpenSslTls10ServerHello + bytes({0x16, 0x03, 0x01, 0x03})).kind == Kind::ServerHello);
}

TEST_CASE("parse_tls_answer: a ServerHello split over two records", "[tls_wire]") {
  std::string hs = kOpenSslTls10ServerHello.substr(5);
  std::string first = hs.substr(0, 10), second = hs.substr(10);
  std::string split = bytes({0x16, 0x03, 0x01, 0x00, static_cast<int>(first.size())}) + first +
                      bytes({0x16, 0x03, 0x01, 0x00, static_cast<int>(second.size())}) + second;
  auto a = parse_tls_answer(split);
  REQUIRE(a.kind == Kind::ServerHello);
  CHECK(a.hello.cipher_suite == 0x002f);
}

TEST_CASE("parse_tls_answer: alerts", "[tls_wire]") {
  auto a = parse_tls_answer(kOpenSslAlert);
  REQUIRE(a.kind == Kind::Alert);
  CHECK(a.alert == 80);
  CHECK(alert_name(a.alert) == "internal_error");
  CHECK(alert_name(70) == "protocol_version");
  CHECK(alert_name(40) == "handshake_failure");
  CHECK(alert_name(99) == "alert 99");
  CHECK(parse_tls_answer(bytes({0x15, 0x03, 0x01, 0x00, 0x01, 0x02})).kind == Kind::Malformed);
}

TEST_CASE("parse_tls_answer: SSL 3.0 ServerHello without extensions", "[tls_wire]") {
  auto a = parse_tls_answer(ssl3_server_hello());
  REQUIRE(a.kind == Kind::ServerHello);
  CHECK(a.hello.version == 0x0300);
  CHECK(version_name(a.hello.version) == "SSL 3");
  CHECK(a.hello.cipher_suite == 0x000a);
}

TEST_CASE("parse_tls_answer: a plaintext SMTP answer and garbage", "[tls_wire]") {
  auto a = parse_tls_answer("220 mail.example.com ESMTP\r\n");
  REQUIRE(a.kind == Kind::Plaintext);
  CHECK(a.text == "220 mail.example.com ESMTP");
  CHECK(parse_tls_answer(bytes({0x00, 0x01, 0x02})).kind == Kind::Malformed);
  CHECK(parse_tls_answer(bytes({0x16, 0x03, 0x01, 0xff, 0xff})).kind == Kind::Malformed);  // longer than TLS allows
  CHECK(parse_tls_answer(bytes({0x17, 0x03, 0x03, 0x00, 0x01, 0x00})).kind == Kind::Malformed);
  CHECK(parse_tls_answer(bytes({0x16, 0x03, 0x01, 0x00, 0x04, 0x0b, 0x00, 0x00, 0x00})).kind == Kind::Malformed);
}

TEST_CASE("parse_server_hello: truncated and inconsistent bodies", "[tls_wire]") {
  std::string body = kOpenSslTls10ServerHello.substr(9);
  REQUIRE(parse_server_hello(body));
  for (std::size_t cut = 0; cut < 38; ++cut) CHECK_FALSE(parse_server_hello(body.substr(0, cut)));
  std::string bad_sid = body;
  bad_sid[34] = 33;  // session ids are at most 32 bytes
  CHECK_FALSE(parse_server_hello(bad_sid));
  std::string bad_ext = body;
  bad_ext[body.size() - 1] = 0x05;  // last extension claims more bytes than there are
  CHECK_FALSE(parse_server_hello(bad_ext));
}

TEST_CASE("parse_server_hello: supported_versions and key_share (TLS 1.3)", "[tls_wire]") {
  std::string body = bytes({0x03, 0x03});
  body += std::string(32, '\x11');
  body += bytes({0x00, 0x13, 0x02, 0x00});
  std::string ext = bytes({0x00, 0x2b, 0x00, 0x02, 0x03, 0x04, 0x00, 0x33, 0x00, 0x04, 0x00, 0x1d, 0x00, 0x00});
  body += bytes({0x00, static_cast<int>(ext.size())}) + ext;
  auto h = parse_server_hello(body);
  REQUIRE(h);
  CHECK(h->legacy_version == 0x0303);
  CHECK(h->version == 0x0304);
  CHECK(h->key_share_group == 0x001d);
  CHECK(h->cipher_suite == 0x1302);
}

TEST_CASE("parse_sslv2_answer: SERVER-HELLO, ERROR and a TLS alert", "[tls_wire]") {
  auto a = parse_sslv2_answer(sslv2_server_hello());
  REQUIRE(a.kind == Kind::Sslv2ServerHello);
  CHECK(a.sslv2_version == 0x0002);
  REQUIRE(a.sslv2_ciphers.size() == 2);
  CHECK(sslv2_cipher_name(a.sslv2_ciphers[0]) == "SSL_CK_DES_192_EDE3_CBC_WITH_MD5");
  CHECK(sslv2_cipher_name(a.sslv2_ciphers[1]) == "SSL_CK_RC4_128_WITH_MD5");
  CHECK(parse_sslv2_answer(sslv2_server_hello().substr(0, 20)).kind == Kind::Incomplete);

  auto e = parse_sslv2_answer(bytes({0x80, 0x03, 0x00, 0x00, 0x01}));  // MSG-ERROR NO-CIPHER-ERROR
  REQUIRE(e.kind == Kind::Sslv2Error);
  CHECK(e.sslv2_error == 1);
  CHECK(parse_sslv2_answer(kOpenSslAlert).kind == Kind::Alert);  // a TLS server answering SSLv2

  std::string lying = sslv2_server_hello();
  lying[10] = 0x20;  // CIPHER-SPECS-LENGTH beyond the message
  CHECK(parse_sslv2_answer(lying).kind == Kind::Malformed);
}

TEST_CASE("build_client_hello: one version, parseable framing", "[tls_wire]") {
  for (std::uint16_t v : {0x0300, 0x0301, 0x0302, 0x0303}) {
    auto hello = build_client_hello(v, "mail.example.com");
    REQUIRE(hello.size() > 50);
    CHECK(hello[0] == 0x16);
    std::size_t record_len = (static_cast<unsigned char>(hello[3]) << 8) | static_cast<unsigned char>(hello[4]);
    CHECK(record_len + 5 == hello.size());
    CHECK(hello[5] == 0x01);  // client_hello
    CHECK(((static_cast<unsigned char>(hello[9]) << 8) | static_cast<unsigned char>(hello[10])) == v);
    bool has_sni = hello.find("mail.example.com") != std::string::npos;
    CHECK(has_sni == (v > 0x0300));
  }
  CHECK(build_client_hello(0x0301, "192.0.2.1").find("192.0.2.1") == std::string::npos);  // no SNI for literals
}

TEST_CASE("build_sslv2_client_hello: the draft's CLIENT-HELLO layout", "[tls_wire]") {
  auto hello = build_sslv2_client_hello();
  REQUIRE(hello.size() == 2 + 9 + 21 + 16);
  CHECK((static_cast<unsigned char>(hello[0]) & 0x80) != 0);
  CHECK((((static_cast<unsigned char>(hello[0]) & 0x7f) << 8) | static_cast<unsigned char>(hello[1])) == hello.size() - 2);
  CHECK(hello[2] == 0x01);
  CHECK(hello[3] == 0x00);
  CHECK(hello[4] == 0x02);
  CHECK(hello[6] == 21);   // cipher specs length
  CHECK(hello[10] == 16);  // challenge length
}
