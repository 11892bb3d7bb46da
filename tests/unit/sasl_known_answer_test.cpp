// Known-answer tests of the challenge-response mechanisms with the RFCs' own examples, plus the
// bearer-token mechanisms' wire format and the server-proof checks.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "sasl/mechanisms_internal.hpp"
#include "smtpwb/base64.hpp"
#include "test_bytes.hpp"

using namespace smtpwb::sasl;
using Catch::Matchers::ContainsSubstring;

TEST_CASE("CRAM-MD5: RFC 2195 example", "[sasl][cram-md5]") {
  auto m = make_mechanism("CRAM-MD5", {"tim", "tanstaaftanstaaf", "", "", 0});
  REQUIRE(m);
  CHECK_FALSE(m->initial_response());
  auto step = m->respond("<1896.697170952@postoffice.reston.mci.net>");
  CHECK(step.response == "tim b913a602c7eda7a495b4e6e7334d3890");
  CHECK(step.secret);
  CHECK_THAT(step.display, !ContainsSubstring("b913a602"));
  CHECK_THROWS_AS(m->respond("<again>"), SaslError);
}

TEST_CASE("DIGEST-MD5: RFC 2831 example (IMAP)", "[sasl][digest-md5]") {
  Credentials c{"chris", "secret", "", "elwood.innosoft.com", 0};
  auto m = detail::make_digest_md5(c, "OA6MHXh6VqTrRk", "imap");
  auto step = m->respond(
      "realm=\"elwood.innosoft.com\",nonce=\"OA6MG9tEQGm2hh\",qop=\"auth\",algorithm=md5-sess,charset=utf-8");
  CHECK_THAT(step.response, ContainsSubstring("response=d388dad90d4bbd760a152321f2143af7"));
  CHECK_THAT(step.response, ContainsSubstring("digest-uri=\"imap/elwood.innosoft.com\""));
  CHECK_THAT(step.response, ContainsSubstring("nc=00000001,qop=auth"));
  CHECK_THAT(step.display, !ContainsSubstring("d388dad9"));
  CHECK(m->server_proof_missing());
  SECTION("the right rspauth is accepted") {
    auto last = m->respond("rspauth=ea40f60335c427b5527b84dbabcdfffd");
    CHECK(last.response.empty());
    CHECK_FALSE(m->server_proof_missing());
  }
  SECTION("a wrong rspauth is refused") {
    CHECK_THROWS_AS(m->respond("rspauth=00000000000000000000000000000000"), SaslError);
    CHECK(m->server_proof_missing());
  }
}

TEST_CASE("DIGEST-MD5: the challenge is parsed and summarised", "[sasl][digest-md5]") {
  auto fields = detail::parse_digest_challenge(
      "realm=\"a.example\",realm=\"b.example\", nonce=\"n\\\"1\",qop=\"auth,auth-int\",algorithm=md5-sess");
  REQUIRE(fields.size() == 4);
  CHECK(fields[0] == std::pair<std::string, std::string>{"realm", "a.example,b.example"});
  CHECK(fields[1] == std::pair<std::string, std::string>{"nonce", "n\"1"});
  CHECK(fields[2].second == "auth,auth-int");
  auto m = make_mechanism("DIGEST-MD5", {"u", "p", "", "mail.example", 0});
  CHECK(m->describe_challenge("nonce=\"abc\",qop=\"auth\"") == "nonce=abc, qop=auth");
  CHECK_THROWS_AS(m->respond("nonce=\"abc\",qop=\"auth-conf\",algorithm=md5-sess"), SaslError);
}

TEST_CASE("DIGEST-MD5: ISO 8859-1 unless the server offers charset=utf-8", "[sasl][digest-md5]") {
  Credentials c{"j\xC3\xBCrgen", "p\xC3\xA4ss", "", "mail.example", 0};
  auto latin1 = detail::make_digest_md5(c, "cnonce");
  auto step = latin1->respond("nonce=\"n\",qop=\"auth\",algorithm=md5-sess");
  CHECK_THAT(step.response, ContainsSubstring("username=\"j\xFCrgen\""));
  CHECK_THAT(step.response, !ContainsSubstring("charset"));
  auto utf8 = detail::make_digest_md5(c, "cnonce");
  auto utf8_step = utf8->respond("nonce=\"n\",qop=\"auth\",algorithm=md5-sess,charset=utf-8");
  CHECK_THAT(utf8_step.response, ContainsSubstring("username=\"j\xC3\xBCrgen\""));
  CHECK_THAT(utf8_step.response, ContainsSubstring("charset=utf-8"));
  auto greek = detail::make_digest_md5({"u", "\xCE\xB1", "", "h", 0}, "cnonce");
  CHECK_THROWS_AS(greek->respond("nonce=\"n\",qop=\"auth\",algorithm=md5-sess"), SaslError);
}

TEST_CASE("SCRAM-SHA-1: RFC 5802 example", "[sasl][scram]") {
  auto m = detail::make_scram(crypto::Hash::Sha1, {"user", "pencil", "", "", 0}, "fyko+d2lbbFgONRv9qkxdawL");
  auto first = m->initial_response();
  REQUIRE(first);
  CHECK(first->response == "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL");
  auto final_step = m->respond("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096");
  CHECK(final_step.response == "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=");
  CHECK_THAT(final_step.display, !ContainsSubstring("v0X8v3Bz"));
  CHECK(m->server_proof_missing());
  SECTION("the right server signature") {
    m->respond("v=rmF9pqV8S7suAoZWja4dJRkFsKQ=");
    CHECK_FALSE(m->server_proof_missing());
  }
  SECTION("a forged server signature") {
    CHECK_THROWS_AS(m->respond("v=AAAAAAAAAAAAAAAAAAAAAAAAAAA="), SaslError);
  }
}

TEST_CASE("SCRAM-SHA-256: RFC 7677 example", "[sasl][scram]") {
  auto m = detail::make_scram(crypto::Hash::Sha256, {"user", "pencil", "", "", 0}, "rOprNGfwEbeRWgbNEkqO");
  CHECK(m->initial_response()->response == "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
  auto final_step = m->respond("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
  CHECK(final_step.response ==
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  m->respond("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
  CHECK_FALSE(m->server_proof_missing());
}

TEST_CASE("SCRAM: a server nonce that does not extend ours is refused", "[sasl][scram]") {
  auto m = detail::make_scram(crypto::Hash::Sha256, {"user", "pencil", "", "", 0}, "abc");
  m->initial_response();
  CHECK_THROWS_AS(m->respond("r=xyz123,s=QSXCR+Q6sek8bf92,i=4096"), SaslError);
}

TEST_CASE("SCRAM: user names escape = and ,", "[sasl][scram]") {
  auto m = detail::make_scram(crypto::Hash::Sha1, {"a=b,c", "pw", "", "", 0}, "n0nce");
  CHECK(m->initial_response()->response == "n,,n=a=3Db=2Cc,r=n0nce");
}

TEST_CASE("SASLprep: spaces mapped, soft hyphens dropped, controls refused", "[sasl][scram]") {
  CHECK(detail::saslprep("I\xC2\xADX") == "IX");                  // RFC 4013 example: soft hyphen
  CHECK(detail::saslprep("user") == "user");
  CHECK(detail::saslprep("a\xC2\xA0" "b") == "a b");              // no-break space
  CHECK(detail::saslprep("p\xC3\xA4sswort") == "p\xC3\xA4sswort");  // UTF-8 kept as is
  CHECK_THROWS_AS(detail::saslprep("a\x07"), SaslError);
}

TEST_CASE("XOAUTH2: initial response and error acknowledgement", "[sasl][oauth]") {
  auto m = make_mechanism("XOAUTH2", {"someuser@example.com", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg", "", "", 0});
  auto first = m->initial_response();
  REQUIRE(first);
  CHECK(first->response == "user=someuser@example.com\x01" "auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\x01\x01");
  CHECK_THAT(first->display, !ContainsSubstring("ya29"));
  auto ack = m->respond(R"({"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"})");
  CHECK(ack.response.empty());
}

TEST_CASE("OAUTHBEARER: RFC 7628 message and %x01 after an error", "[sasl][oauth]") {
  auto m = make_mechanism("OAUTHBEARER", {"user@example.com", "vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg==", "",
                                          "server.example.com", 143});
  auto first = m->initial_response();
  REQUIRE(first);
  // RFC 7628 4.1 example, byte for byte.
  CHECK(first->response ==
        "n,a=user@example.com,\x01host=server.example.com\x01port=143\x01"
        "auth=Bearer vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg==\x01\x01");
  CHECK_THAT(first->display, !ContainsSubstring("vF9dft4q"));
  CHECK(m->respond(R"({"status":"invalid_token"})").response == "\x01");
  CHECK_THROWS_AS(m->respond("again"), SaslError);
}

namespace {
using test::unhex;
using test::utf16;
// A security buffer's bytes inside an NTLM message.
std::string ntlm_field(const std::string& m, std::size_t at) {
  auto u16 = [&](std::size_t i) { return static_cast<unsigned char>(m[i]) | static_cast<unsigned char>(m[i + 1]) << 8; };
  std::size_t length = u16(at), offset = u16(at + 4) | static_cast<std::size_t>(u16(at + 6)) << 16;
  return m.substr(offset, length);
}
// MS-NLMP 4.2.4.3: the CHALLENGE_MESSAGE of the NTLMv2 example (target "Server", domain "Domain").
std::string ms_nlmp_challenge() {
  std::string av = unhex("0200") + unhex("0c00") + utf16("Domain") + unhex("0100") + unhex("0c00") + utf16("Server") + unhex("00000000");
  std::string m = std::string("NTLMSSP\0", 8) + unhex("02000000") + unhex("0c000c0038000000") + unhex("33828ae2") +
                  unhex("0123456789abcdef") + std::string(8, '\0') + unhex("2400240044000000") + unhex("060070170000000f");
  return m + utf16("Server") + av;
}
}  // namespace

TEST_CASE("NTLM: MS-NLMP 4.2.4 NTLMv2 example", "[sasl][ntlm]") {
  auto m = detail::make_ntlm({"Domain\\User", "Password", "", "", 0}, unhex("aaaaaaaaaaaaaaaa"), 0);
  auto negotiate = m->initial_response();
  REQUIRE(negotiate);
  CHECK(negotiate->response.substr(0, 12) == std::string("NTLMSSP\0\x01\0\0\0", 12));
  CHECK_FALSE(negotiate->secret);

  std::string challenge = ms_nlmp_challenge();
  std::string readable = m->describe_challenge(challenge);
  CHECK_THAT(readable, ContainsSubstring("target \"Server\""));
  CHECK_THAT(readable, ContainsSubstring("NetBIOS domain \"Domain\""));
  CHECK_THAT(readable, ContainsSubstring("UNICODE"));

  auto step = m->respond(challenge);
  CHECK(step.secret);
  CHECK_THAT(step.display, ContainsSubstring("NTLMv2"));
  const std::string& auth = step.response;
  REQUIRE(auth.substr(0, 12) == std::string("NTLMSSP\0\x03\0\0\0", 12));
  // LMv2 response (4.2.4.2.1) and NTProofStr (4.2.4.2.2) of the specification.
  CHECK(crypto::hex(ntlm_field(auth, 12)) == "86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa");
  std::string nt = ntlm_field(auth, 20);
  CHECK(crypto::hex(nt.substr(0, 16)) == "68cd0ab851e51c96aabc927bebef6a1c");
  CHECK(crypto::hex(nt.substr(16, 28)) == "0101000000000000" "0000000000000000" "aaaaaaaaaaaaaaaa" "00000000");
  CHECK(ntlm_field(auth, 28) == utf16("Domain"));
  CHECK(ntlm_field(auth, 36) == utf16("User"));
  CHECK_THROWS_AS(m->respond(challenge), SaslError);
}

TEST_CASE("NTLM: a server timestamp is used and zeroes the LM response", "[sasl][ntlm]") {
  std::string challenge = ms_nlmp_challenge();
  // Replace the AV list's EOL by a timestamp pair + EOL and grow the TargetInfo length to match.
  challenge.resize(challenge.size() - 4);
  challenge += unhex("07000800") + unhex("0102030405060708") + unhex("00000000");
  challenge[40] = static_cast<char>(36 + 12);
  challenge[42] = static_cast<char>(36 + 12);
  auto m = detail::make_ntlm({"User", "Password", "", "", 0}, unhex("aaaaaaaaaaaaaaaa"), 0);
  m->initial_response();
  CHECK_THAT(m->describe_challenge(challenge), ContainsSubstring("timestamp"));
  auto auth = m->respond(challenge).response;
  CHECK(ntlm_field(auth, 12) == std::string(24, '\0'));
  CHECK(crypto::hex(ntlm_field(auth, 20).substr(24, 8)) == "0102030405060708");
}

TEST_CASE("NTLM: MD4 from nettle, RFC 1320 vectors", "[sasl][ntlm]") {
  CHECK(crypto::hex(crypto::md4("")) == "31d6cfe0d16ae931b73c59d7e0c089c0");
  CHECK(crypto::hex(crypto::md4("abc")) == "a448017aaf21d8525fc10ae87aa6729d");
}

TEST_CASE("NTLM: a challenge whose TargetName points outside the message is answered (squid's ntlm_fake_auth)", "[sasl][ntlm]") {
  // Verbatim from squid 5.7's ntlm_fake_auth (Debian 12): TargetName length 9 at offset 0xaaaaaaae.
  auto challenge = smtpwb::base64_decode("TlRMTVNTUAACAAAACQAJAK6qqqoHgggg423GC+lj8c8AAAAAAAA6AFdPUktHUk9VUA==");
  REQUIRE(challenge);
  auto m = detail::make_ntlm({"WORKGROUP\\User", "Password", "", "", 0}, unhex("aaaaaaaaaaaaaaaa"), 0);
  m->initial_response();
  CHECK_THAT(m->describe_challenge(*challenge), ContainsSubstring("target (its buffer points outside the message)"));
  auto auth = m->respond(*challenge).response;
  CHECK(ntlm_field(auth, 36) == utf16("User"));
  CHECK(ntlm_field(auth, 20).size() == 16 + 28 + 4);  // NTProofStr, the fixed blob, no target info, 4 zero bytes
  // A challenge that is not even an NTLM message is still refused.
  auto other = detail::make_ntlm({"u", "p", "", "", 0});
  other->initial_response();
  CHECK_THROWS_AS(other->respond("HTTP/1.1 407 Proxy Authentication Required"), SaslError);
}

namespace {
// The MS-NLMP example challenge with one security buffer (at `field`) rewritten.
std::string challenge_with_buffer(std::size_t field, std::uint16_t length, std::uint32_t offset) {
  std::string m = ms_nlmp_challenge();
  for (int i = 0; i < 2; ++i) {
    m[field + static_cast<std::size_t>(i)] = static_cast<char>((length >> (8 * i)) & 0xFF);      // Len
    m[field + 2 + static_cast<std::size_t>(i)] = static_cast<char>((length >> (8 * i)) & 0xFF);  // MaxLen
  }
  for (int i = 0; i < 4; ++i) m[field + 4 + static_cast<std::size_t>(i)] = static_cast<char>((offset >> (8 * i)) & 0xFF);
  return m;
}
}  // namespace

TEST_CASE("NTLM: buffers whose offset + length wraps in 32 bits are the mechanism's own error", "[sasl][ntlm]") {
  // offset 0xFFFFFFF0 + length 0x20 is 0x10 in 32 bits: inside a 72-byte message if added there.
  const std::pair<std::uint16_t, std::uint32_t> hostile[] = {
      {0x20, 0xFFFFFFF0u}, {0xFFFF, 0xFFFF0001u}, {0x0010, 0xFFFFFFFFu}, {0x0001, 0x80000000u}, {0xFFFF, 0x00000010u}};
  for (auto [length, offset] : hostile) {
    INFO("length " << length << ", offset " << offset);
    DYNAMIC_SECTION("TargetInfo " << length << "@" << offset) {
      auto challenge = challenge_with_buffer(40, length, offset);
      auto m = detail::make_ntlm({"User", "Password", "", "", 0}, unhex("aaaaaaaaaaaaaaaa"), 0);
      m->initial_response();
      CHECK_NOTHROW(m->describe_challenge(challenge));
      try {
        m->respond(challenge);
        FAIL("a TargetInfo outside the message was accepted");
      } catch (const SaslError& e) {
        CHECK_THAT(e.what(), ContainsSubstring("NTLM"));
      }
    }
    DYNAMIC_SECTION("TargetName " << length << "@" << offset) {
      // The target name only labels the transcript: shown as broken, and the answer still goes out.
      auto challenge = challenge_with_buffer(12, length, offset);
      auto m = detail::make_ntlm({"User", "Password", "", "", 0}, unhex("aaaaaaaaaaaaaaaa"), 0);
      m->initial_response();
      CHECK_THAT(m->describe_challenge(challenge), ContainsSubstring("points outside the message"));
      CHECK_NOTHROW(m->respond(challenge));
    }
  }
}

TEST_CASE("NTLM: every truncation of a challenge is refused as an NTLM error or answered, never anything else", "[sasl][ntlm]") {
  std::string full = ms_nlmp_challenge();
  for (std::size_t size = 0; size <= full.size(); ++size) {
    auto m = detail::make_ntlm({"User", "Password", "", "", 0}, unhex("aaaaaaaaaaaaaaaa"), 0);
    m->initial_response();
    std::string cut = full.substr(0, size);
    INFO("size " << size);
    CHECK_NOTHROW(m->describe_challenge(cut));
    try {
      m->respond(cut);
    } catch (const SaslError&) {
      // refused: fine
    }
  }
}
