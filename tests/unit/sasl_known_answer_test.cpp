// Known-answer tests of the challenge-response mechanisms with the RFCs' own examples, plus the
// bearer-token mechanisms' wire format and the server-proof checks.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "sasl/mechanisms_internal.hpp"
#include "smtpwb/base64.hpp"

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
