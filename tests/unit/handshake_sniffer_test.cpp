// net::HandshakeSniffer (engine-internal): key-exchange group, alerts, plaintext answers.
#include <catch2/catch_test_macros.hpp>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

// The header is internal to the engine (engine/src is a PRIVATE include directory of smtpwb_engine,
// so "tls/handshake_sniffer.hpp" is not on this target's include path). Use it by that name when the
// build provides the path, otherwise reach it relative to this file; the symbols are in the engine
// library either way.
#include "tls/handshake_sniffer.hpp"

using smtpwb::net::HandshakeSniffer;
using smtpwb::net::tls_group_name;

namespace {

std::string bytes(std::initializer_list<int> list) {
  std::string out;
  for (int b : list) out += static_cast<char>(b);
  return out;
}
std::string u16(std::size_t v) { return bytes({static_cast<int>((v >> 8) & 0xff), static_cast<int>(v & 0xff)}); }
std::string u24(std::size_t v) {
  return bytes({static_cast<int>((v >> 16) & 0xff), static_cast<int>((v >> 8) & 0xff), static_cast<int>(v & 0xff)});
}
std::string filler(std::size_t n, int seed) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += static_cast<char>((seed + 37 * static_cast<int>(i)) & 0xff);
  return s;
}

std::string record(int type, const std::string& body) { return bytes({type, 0x03, 0x03}) + u16(body.size()) + body; }
std::string handshake(int type, const std::string& body) { return bytes({type}) + u24(body.size()) + body; }
std::string extension(int type, const std::string& data) { return u16(static_cast<std::size_t>(type)) + u16(data.size()) + data; }

std::string server_hello(const std::string& extensions, int cipher_hi = 0x13, int cipher_lo = 0x01) {
  std::string body = bytes({0x03, 0x03}) + filler(32, 1);   // legacy_version, random
  body += bytes({32}) + filler(32, 2);                        // legacy_session_id_echo
  body += bytes({cipher_hi, cipher_lo, 0x00});                // cipher suite, compression
  body += u16(extensions.size()) + extensions;
  return handshake(2, body);
}

// A TLS 1.3 ServerHello choosing x25519, followed by ChangeCipherSpec and an encrypted record.
std::string tls13_flight() {
  std::string ext = extension(0x002b, bytes({0x03, 0x04}));                    // supported_versions: TLS 1.3
  ext += extension(0x0033, u16(0x001d) + u16(32) + filler(32, 3));             // key_share: x25519
  return record(22, server_hello(ext)) + record(20, bytes({1})) + record(23, filler(120, 4));
}

// A TLS 1.2 ECDHE flight: ServerHello + Certificate in one record, ServerKeyExchange split over two.
std::string tls12_hello() {
  std::string ext = extension(0xff01, bytes({0x00})) + extension(0x000b, bytes({0x01, 0x00}));
  return server_hello(ext, 0xc0, 0x2f);
}
std::string tls12_flight(int curve) {
  std::string hello = tls12_hello();
  std::string cert_list = u24(200) + filler(200, 5);
  std::string certificate = handshake(11, u24(cert_list.size()) + cert_list);
  std::string ske_body = bytes({0x03}) + u16(static_cast<std::size_t>(curve)) + bytes({65}) + filler(65, 6) +
                         bytes({0x04, 0x01}) + u16(8) + filler(8, 7);
  std::string ske = handshake(12, ske_body);
  std::string done = handshake(14, "");
  return record(22, hello + certificate) + record(22, ske.substr(0, 10)) + record(22, ske.substr(10) + done);
}

void feed_in_pieces(HandshakeSniffer& s, const std::string& data, std::initializer_list<std::size_t> sizes) {
  std::size_t pos = 0;
  auto it = sizes.begin();
  while (pos < data.size()) {
    std::size_t n = it == sizes.end() ? 1 : *it++;
    if (it == sizes.end()) it = sizes.begin();
    s.feed(std::string_view(data).substr(pos, n));
    pos += n;
  }
}

}  // namespace

TEST_CASE("HandshakeSniffer: nothing seen", "[sniffer]") {
  HandshakeSniffer s;
  CHECK(s.group() == -1);
  CHECK(s.group_name().empty());
  CHECK(s.alert() == -1);
  CHECK_FALSE(s.looks_like_plaintext());
  CHECK(s.plaintext_sample().empty());
  s.feed("");
  CHECK_FALSE(s.looks_like_plaintext());
}

TEST_CASE("HandshakeSniffer: TLS 1.3 ServerHello key_share x25519", "[sniffer]") {
  const auto flight = tls13_flight();
  SECTION("in one piece") {
    HandshakeSniffer s;
    s.feed(flight);
    CHECK(s.group() == 0x001d);
    CHECK(s.group_name() == "x25519");
    // After ChangeCipherSpec with a known group the sniffer has stopped reading.
    s.feed(record(21, bytes({2, 70})));
    CHECK(s.alert() == -1);
  }
  SECTION("split at odd offsets") {
    HandshakeSniffer s;
    feed_in_pieces(s, flight, {1, 3, 7, 2, 13, 5, 31, 11});
    CHECK(s.group() == 0x001d);
    CHECK(s.group_name() == "x25519");
    CHECK(s.alert() == -1);
    CHECK_FALSE(s.looks_like_plaintext());
  }
  SECTION("byte by byte") {
    HandshakeSniffer s;
    for (std::size_t i = 0; i < flight.size(); ++i) {
      s.feed(flight.substr(i, 1));
      if (i < 5 + 4 + 40) CHECK(s.group() == -1);  // not before the extension has arrived
    }
    CHECK(s.group_name() == "x25519");
  }
  SECTION("not before the whole record is there") {
    HandshakeSniffer s;
    const std::size_t hello_record = 5 + 4 + 118;
    s.feed(flight.substr(0, hello_record - 1));
    CHECK(s.group() == -1);
    s.feed(flight.substr(hello_record - 1));
    CHECK(s.group() == 0x001d);
  }
}

TEST_CASE("HandshakeSniffer: other TLS 1.3 groups", "[sniffer]") {
  for (int group : {0x0017, 0x0018, 0x11ec}) {
    std::string ext = extension(0x002b, bytes({0x03, 0x04})) + extension(0x0033, u16(static_cast<std::size_t>(group)) + u16(4) + filler(4, 8));
    HandshakeSniffer s;
    s.feed(record(22, server_hello(ext)));
    CAPTURE(group);
    CHECK(s.group() == group);
    CHECK(s.group_name() == tls_group_name(group));
  }
}

TEST_CASE("HandshakeSniffer: TLS 1.2 ServerKeyExchange named curve", "[sniffer]") {
  const auto flight = tls12_flight(0x0017);
  SECTION("in one piece") {
    HandshakeSniffer s;
    s.feed(flight);
    CHECK(s.group() == 0x0017);
    CHECK(s.group_name() == "secp256r1");
  }
  SECTION("split at odd offsets") {
    HandshakeSniffer s;
    feed_in_pieces(s, flight, {3, 1, 17, 9, 2});
    CHECK(s.group_name() == "secp256r1");
  }
  SECTION("the ServerHello alone (no key_share in TLS 1.2) tells nothing") {
    HandshakeSniffer s;
    s.feed(record(22, tls12_hello()) + record(20, bytes({1})));
    CHECK(s.group() == -1);
    CHECK(s.group_name().empty());
  }
}

TEST_CASE("HandshakeSniffer: TLS 1.2 finite-field DHE", "[sniffer]") {
  std::string ske = handshake(12, u16(4) + filler(4, 9) + u16(1) + bytes({2}) + u16(4) + filler(4, 10));
  HandshakeSniffer s;
  s.feed(record(22, server_hello("", 0x00, 0x9e)) + record(22, ske));
  CHECK(s.group() == -2);
  CHECK(s.group_name() == "ffdhe (explicit parameters)");
}

TEST_CASE("HandshakeSniffer: alert record", "[sniffer]") {
  HandshakeSniffer s;
  s.feed(record(21, bytes({2, 70})));
  CHECK(s.alert() == 70);
  CHECK(s.alert_name() == "protocol_version");
  CHECK_FALSE(s.looks_like_plaintext());
  CHECK(s.group() == -1);
}

TEST_CASE("HandshakeSniffer: alert split across feeds and other alert names", "[sniffer]") {
  HandshakeSniffer s;
  const auto rec = record(21, bytes({2, 40}));
  s.feed(rec.substr(0, 3));
  CHECK(s.alert() == -1);
  s.feed(rec.substr(3, 3));
  CHECK(s.alert() == -1);
  s.feed(rec.substr(6));
  CHECK(s.alert() == 40);
  CHECK(s.alert_name() == "handshake_failure");

  HandshakeSniffer t;
  t.feed(record(21, bytes({2, 201})));
  CHECK(t.alert() == 201);
  CHECK(t.alert_name() == "alert 201");
}

TEST_CASE("HandshakeSniffer: a plaintext SMTP answer", "[sniffer]") {
  SECTION("whole line") {
    HandshakeSniffer s;
    s.feed("220 mail.example.com ESMTP\r\n");
    CHECK(s.looks_like_plaintext());
    CHECK(s.plaintext_sample() == "220 mail.example.com ESMTP");
    CHECK(s.group() == -1);
    CHECK(s.alert() == -1);
    // Later bytes change nothing.
    s.feed(record(21, bytes({2, 70})));
    CHECK(s.alert() == -1);
    CHECK(s.plaintext_sample() == "220 mail.example.com ESMTP");
  }
  SECTION("control characters are replaced, the sample is bounded") {
    HandshakeSniffer s;
    s.feed("554\x01" + std::string(300, 'x') + "\r\n");
    CHECK(s.looks_like_plaintext());
    CHECK(s.plaintext_sample().size() == 120);
    CHECK(s.plaintext_sample().substr(0, 5) == "554?x");
  }
  SECTION("TLS bytes are not plaintext") {
    HandshakeSniffer s;
    s.feed(tls13_flight().substr(0, 1));
    CHECK_FALSE(s.looks_like_plaintext());
  }
}

TEST_CASE("tls_group_name", "[sniffer]") {
  CHECK(tls_group_name(0x001d) == "x25519");
  CHECK(tls_group_name(0x0017) == "secp256r1");
  CHECK(tls_group_name(0x0018) == "secp384r1");
  CHECK(tls_group_name(0x0100) == "ffdhe2048");
  CHECK(tls_group_name(0x11ec) == "X25519MLKEM768");
  CHECK(tls_group_name(0x1234) == "0x1234");
}

// Regression test; the bug was in (engine/src/tls/handshake_sniffer.cpp:132-134): the extension loop checks only that the 4-byte
// extension header fits (p + 4 <= end), then reads the key_share group at p + 4 without checking that
// the extension's declared length fits in the message. A truncated key_share at the end of a
// ServerHello makes it read past the message (here: the next handshake message's header bytes,
// 0x0b00) and report a group the server never sent; at the end of the buffer it is an out-of-bounds read.
TEST_CASE("HandshakeSniffer: a truncated key_share extension is ignored", "[sniffer]") {
  std::string ext = extension(0x002b, bytes({0x03, 0x04})) + u16(0x0033) + u16(2);  // no data follows
  std::string certificate = handshake(11, u24(3) + u24(0));
  HandshakeSniffer s;
  s.feed(record(22, server_hello(ext) + certificate));
  CHECK(s.group() == -1);
  CHECK(s.group_name().empty());
}

TEST_CASE("HandshakeSniffer: another text protocol's answer is plaintext too", "[sniffer]") {
  for (const char* answer : {"HTTP/1.1 400 Bad Request\r\n", "SSH-2.0-OpenSSH_9.2p1\r\n", "+OK Dovecot ready.\r\n", "* OK IMAP ready\r\n"}) {
    INFO(answer);
    HandshakeSniffer s;
    s.feed(answer);
    CHECK(s.looks_like_plaintext());
    CHECK(s.plaintext_sample() == std::string(answer).substr(0, std::string(answer).find('\r')));
  }
}
