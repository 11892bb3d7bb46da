// Issue 17 pieces that need no server: the CertificateRequest's CA names (TLS 1.2 and 1.3), the NTLMv1
// response (MS-NLMP 4.2.2 known answer), SASL EXTERNAL, the hints' conditions, profile keys and flags.
#include <catch2/catch_test_macros.hpp>

#include <nlohmann/json.hpp>

#include "base/crypto.hpp"
#include "check/check_args.hpp"
#include "net/ntlm.hpp"
#include "smtpwb/hints.hpp"
#include "smtpwb/net/stream.hpp"
#include "smtpwb/port_finder.hpp"
#include "smtpwb/report.hpp"
#include "smtpwb/sasl/mechanism.hpp"
#include "smtpwb/smtp/tls_version_probe.hpp"
#include "tls/certificate_request.hpp"

using namespace smtpwb;

namespace {

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out += static_cast<char>(v);
  return out;
}
std::string u16(std::size_t n) { return bytes({static_cast<int>(n >> 8), static_cast<int>(n & 0xFF)}); }

// DER of the name "CN=Test CA" (SEQUENCE { SET { SEQUENCE { OID 2.5.4.3, UTF8String } } }).
const std::string kTestCaName = bytes({0x30, 0x12, 0x31, 0x10, 0x30, 0x0e, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x07}) + "Test CA";

std::string hex_to_bytes(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

}  // namespace

TEST_CASE("CertificateRequest: CA names of TLS 1.2 and of the TLS 1.3 certificate_authorities extension", "[tls][client-cert]") {
  std::string list = u16(kTestCaName.size()) + kTestCaName;
  std::string tls12 = bytes({1, 0x40}) + u16(2) + bytes({4, 3}) + u16(list.size()) + list;
  auto names = net::certificate_request_authorities(tls12, false);
  REQUIRE(names.size() == 1);
  CHECK(net::distinguished_name_text(names.front()) == "CN=Test CA");

  std::string sig_algs = u16(4) + u16(2) + bytes({4, 3});
  std::string authorities = u16(list.size()) + list;
  std::string extensions = u16(13) + u16(sig_algs.size()) + sig_algs + u16(47) + u16(authorities.size()) + authorities;
  std::string tls13 = bytes({0}) + u16(extensions.size()) + extensions;
  names = net::certificate_request_authorities(tls13, true);
  REQUIRE(names.size() == 1);
  CHECK(net::distinguished_name_text(names.front()) == "CN=Test CA");

  // None listed, truncated, garbage: no names and no crash.
  CHECK(net::certificate_request_authorities(bytes({1, 0x40}) + u16(2) + bytes({4, 3}) + u16(0), false).empty());
  CHECK(net::certificate_request_authorities(tls12.substr(0, tls12.size() - 3), false).empty());
  CHECK(net::certificate_request_authorities(bytes({0}) + u16(sig_algs.size() + 4) + u16(13) + u16(sig_algs.size()) + sig_algs, true).empty());
  CHECK(net::certificate_request_authorities("", true).empty());
  CHECK(net::distinguished_name_text("not DER") == "(unreadable name)");
}

TEST_CASE("NTLMv1: MS-NLMP 4.2.2 known answer (DESL of the NT hash)", "[sasl][ntlm]") {
  std::string nt_hash = crypto::md4(std::string("P\0a\0s\0s\0w\0o\0r\0d\0", 16));
  CHECK(crypto::hex(nt_hash) == "a4f49c406510bdcab6824ee7c30fd852");
  CHECK(crypto::hex(crypto::desl(nt_hash, hex_to_bytes("0123456789abcdef"))) ==
        "67c43011f30298a2ad35ece64f16331c44bdbed927841f94");
}

TEST_CASE("NTLMv1: only when allowed, without extended session security, and labelled", "[sasl][ntlm]") {
  // A CHALLENGE_MESSAGE without TargetInfo (Exim's spa shape): flags UNICODE | NTLM | EXTENDED_SESSIONSECURITY.
  std::string challenge = std::string("NTLMSSP\0", 8) + bytes({2, 0, 0, 0}) + std::string(8, '\0') +
                          bytes({0x01, 0x02, 0x08, 0x00}) + hex_to_bytes("0123456789abcdef") + std::string(8, '\0');
  CHECK_FALSE(net::ntlm::challenge_has_target_info(challenge));
  net::ntlm::Client client("alice", "Password");
  CHECK(client.authenticate(challenge).display.find("(NTLMv2)") != std::string::npos);
  client.use_ntlmv1(true);
  auto m = client.authenticate(challenge);
  CHECK(m.display.find("(NTLMv1)") != std::string::npos);
  CHECK(m.display.find("EXTENDED_SESSIONSECURITY") == std::string::npos);
  CHECK(m.bytes.find(hex_to_bytes("67c43011f30298a2ad35ece64f16331c44bdbed927841f94")) != std::string::npos);
  CHECK(m.display.find("Password") == std::string::npos);
}

TEST_CASE("SASL EXTERNAL: the authorization identity only", "[sasl]") {
  auto empty = sasl::make_mechanism("EXTERNAL", sasl::Credentials{});
  auto first = empty->initial_response();
  REQUIRE(first);
  CHECK(first->response.empty());  // sent as "=": the identity of the certificate
  CHECK_FALSE(first->secret);
  auto as_user = sasl::make_mechanism("EXTERNAL", sasl::Credentials{"alice@example.test", "pw", {}, {}, 0});
  CHECK(as_user->initial_response()->response == "alice@example.test");
  CHECK_FALSE(sasl::is_token_mechanism("EXTERNAL"));
}

TEST_CASE("Hints: client certificate required or refused, NTLMv1 suspected", "[hints][client-cert]") {
  ConnectionSettings s;
  s.address = "mail.example.test";
  s.port = 587;
  SessionResult r;
  r.tls.used = true;
  r.tls.client_certificate_requested = true;
  r.tls.client_certificate_ca_names = {"CN=Client CA"};
  Failure f;
  f.category = FailureCategory::Smtp;
  f.phase = Phase::Ehlo;
  f.reply_code = 421;
  f.reply_text = "421 4.7.1 mail.example.test Error: No client certificate presented";
  r.failure = f;
  auto ids = [&] {
    std::vector<std::string> out;
    for (const auto& h : HintCatalogue::builtin().match(s, r)) out.push_back(h.id);
    return out;
  };
  auto has = [&](const std::string& id) {
    auto v = ids();
    return std::find(v.begin(), v.end(), id) != v.end();
  };
  CHECK(has("client-certificate-required"));
  CHECK_FALSE(has("server-busy"));
  for (const auto& h : HintCatalogue::builtin().match(s, r))
    if (h.id == "client-certificate-required") CHECK(h.explanation.find("CN=Client CA") != std::string::npos);

  s.client_cert = "/etc/client.pem";
  r.failure->reply_text = "421 4.7.1 mail.example.test Error: Client certificate not trusted";
  CHECK(has("client-certificate-not-accepted"));
  CHECK_FALSE(has("client-certificate-required"));

  r.tls.client_certificate_requested = false;  // the server never asked: not about certificates
  CHECK_FALSE(has("client-certificate-not-accepted"));

  SessionResult ntlm;
  ntlm.auth.mechanism = "NTLM";
  ntlm.auth.ntlm_challenge_without_target_info = true;
  Failure a;
  a.category = FailureCategory::Auth;
  a.phase = Phase::Auth;
  a.reply_code = 535;
  a.reply_text = "535 Incorrect authentication data";
  ntlm.failure = a;
  r = ntlm;
  s = ConnectionSettings{};
  CHECK(has("ntlm-server-needs-ntlmv1"));
  s.allow_ntlmv1 = true;  // already allowed: the hint has nothing to offer
  CHECK_FALSE(has("ntlm-server-needs-ntlmv1"));
  s.allow_ntlmv1 = false;
  r.auth.ntlm_challenge_without_target_info = false;  // a Windows-shaped challenge: NTLMv2 is understood
  CHECK_FALSE(has("ntlm-server-needs-ntlmv1"));
}

TEST_CASE("Profile: client certificate files and allow_ntlmv1 round trip; the key password never", "[profile][client-cert]") {
  ConnectionSettings s;
  s.client_cert = "/home/me/client.pem";
  s.client_key = "/home/me/client.key";
  s.client_key_password = "Key-Secret-42";
  s.allow_ntlmv1 = true;
  auto j = profile_json(s);
  CHECK(j["encryption"]["client_cert"] == "/home/me/client.pem");
  CHECK(j["encryption"]["client_key"] == "/home/me/client.key");
  CHECK(j["auth"]["allow_ntlmv1"] == true);
  CHECK(j.dump().find("Key-Secret-42") == std::string::npos);
  ConnectionSettings back;
  REQUIRE_FALSE(apply_profile(j, back));
  CHECK(back.client_cert == s.client_cert);
  CHECK(back.client_key == s.client_key);
  CHECK(back.allow_ntlmv1);
  CHECK(back.client_key_password.empty());
  j["encryption"]["client_key_password"] = "x";
  auto err = apply_profile(j, back);
  REQUIRE(err);
  CHECK(err->message.find("--client-key-password-env") != std::string::npos);
}

TEST_CASE("check args: --client-cert, --client-key, --client-key-password-env, --allow-ntlmv1", "[check][client-cert]") {
  app::CheckArgs a;
  REQUIRE_FALSE(app::parse_check_args({"--host", "h", "--client-cert", "c.pem", "--client-key", "k.pem",
                                       "--client-key-password-env", "KP", "--allow-ntlmv1"},
                                      a));
  CHECK(a.client_key_password_env == "KP");
  ConnectionSettings s;
  REQUIRE_FALSE(app::apply_check_args(a, s));
  CHECK(s.client_cert == "c.pem");
  CHECK(s.client_key == "k.pem");
  CHECK(s.allow_ntlmv1);
  app::CheckArgs b;
  auto err = app::parse_check_args({"--host", "h", "--client-key", "k.pem"}, b);
  REQUIRE(err);
  CHECK(err->message.find("--client-cert") != std::string::npos);
}

TEST_CASE("TLS client configs: the session's and every probe's carry the test's client certificate", "[tls][client-cert][finder]") {
  ConnectionSettings s;
  s.address = "mail.example.com";
  s.tls_versions = TlsVersionSet{}.with(TlsVersion::Tls13);
  s.verify_certificate = true;
  s.ca_file = "/etc/ca.pem";
  s.client_cert = "/home/me/client.pem";
  s.client_key = "/home/me/client.key";
  s.client_key_password = "Key-Secret-42";

  const auto session = net::session_tls_config(s);
  CHECK(session.server_name == "mail.example.com");
  CHECK(session.verify);
  CHECK(session.ca_file == "/etc/ca.pem");
  CHECK(session.versions.contains(TlsVersion::Tls13));
  CHECK_FALSE(session.versions.contains(TlsVersion::Tls12));

  const auto finder = FinderTarget::from(s);
  const auto version_probe = ProbeTarget::from(s);
  for (const auto* own : {&session.client_certificate, &finder.route.client_certificate, &version_probe.route.client_certificate}) {
    CHECK(own->cert == "/home/me/client.pem");
    CHECK(own->key == "/home/me/client.key");
    CHECK(own->key_password == "Key-Secret-42");
  }
  CHECK(finder.route.host == "mail.example.com");

  auto probe = net::probe_tls_config(finder.route.host, finder.route.client_certificate);
  CHECK_FALSE(probe.verify);  // what the port speaks is the question, not trust
  CHECK(probe.client_certificate.cert == "/home/me/client.pem");
  CHECK(probe.client_certificate.key_password == "Key-Secret-42");
}
