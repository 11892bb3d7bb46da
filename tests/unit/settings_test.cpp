// settings.hpp: validate(), syntax helpers, enum names, TlsVersionSet.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <algorithm>
#include <concepts>
#include <string>
#include <vector>

#include "smtpwb/printable.hpp"
#include "smtpwb/settings.hpp"

using namespace smtpwb;
using Catch::Matchers::ContainsSubstring;

namespace {

ConnectionSettings valid_settings() {
  ConnectionSettings s;
  s.address = "smtp.example.com";
  s.port = 587;
  s.anonymous = true;
  return s;
}

std::vector<Field> fields(const std::vector<FieldError>& errors) {
  std::vector<Field> out;
  for (const auto& e : errors) out.push_back(e.field);
  return out;
}

// Exactly one error, for `field`; returns its text.
std::string single_error(const ConnectionSettings& s, Field field) {
  auto errors = validate(s);
  CAPTURE(fields(errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].field == field);
  return errors[0].problem;
}

}  // namespace

TEST_CASE("validate: a valid default-ish connection has no errors", "[settings][validate]") {
  auto s = valid_settings();
  CHECK(validate(s).empty());
  s.security = Security::None;
  CHECK(validate(s).empty());
  s.security = Security::Implicit;
  s.port = 465;
  CHECK(validate(s).empty());
  // With credentials.
  s.anonymous = false;
  s.username = "user@example.com";
  s.password = "s3cret";
  CHECK(validate(s).empty());
}

TEST_CASE("validate: Port", "[settings][validate]") {
  auto s = valid_settings();
  s.port = 70000;
  CHECK(single_error(s, Field::Port) == "70000 is not a TCP port (1-65535)");
  s.port = 0;
  CHECK(single_error(s, Field::Port) == "0 is not a TCP port (1-65535)");
  s.port = -1;
  CHECK(single_error(s, Field::Port) == "-1 is not a TCP port (1-65535)");
  s.port = 1;
  CHECK(validate(s).empty());
  s.port = 65535;
  CHECK(validate(s).empty());
}

TEST_CASE("validate: Address", "[settings][validate]") {
  auto s = valid_settings();
  SECTION("empty") {
    s.address = "";
    CHECK_THAT(single_error(s, Field::Address), ContainsSubstring("empty"));
  }
  SECTION("URL") {
    s.address = "smtp://x";
    auto msg = single_error(s, Field::Address);
    CHECK_THAT(msg, ContainsSubstring("smtp://x"));
    CHECK_THAT(msg, ContainsSubstring("scheme"));
  }
  SECTION("host:port suggests the Port field") {
    s.address = "host:25";
    auto msg = single_error(s, Field::Address);
    CHECK_THAT(msg, ContainsSubstring("port"));
    CHECK_THAT(msg, ContainsSubstring("25"));
  }
  SECTION("white space") {
    s.address = "bad host";
    CHECK_THAT(single_error(s, Field::Address), ContainsSubstring("white space"));
  }
  SECTION("leading hyphen") {
    s.address = "-bad.example";
    CHECK_THAT(single_error(s, Field::Address), ContainsSubstring("not a valid host name"));
  }
  SECTION("bracketed IPv6") {
    s.address = "[2001:db8::1]";
    CHECK_THAT(single_error(s, Field::Address), ContainsSubstring("without brackets"));
  }
  SECTION("empty label") {
    s.address = "smtp..example.com";
    single_error(s, Field::Address);
  }
  SECTION("IP literals and absolute names are valid") {
    for (const char* a : {"192.0.2.10", "2001:db8::1", "::1", "smtp.example.com.", "localhost", "mx-1.example.org"}) {
      s.address = a;
      CAPTURE(a);
      CHECK(validate(s).empty());
    }
  }
}

TEST_CASE("validate: Timeout", "[settings][validate]") {
  auto s = valid_settings();
  s.timeout_s = 0;
  CHECK_THAT(single_error(s, Field::Timeout), ContainsSubstring("0 s"));
  s.timeout_s = 5000;
  CHECK_THAT(single_error(s, Field::Timeout), ContainsSubstring("5000"));
  s.timeout_s = 1;
  CHECK(validate(s).empty());
  s.timeout_s = 3600;
  CHECK(validate(s).empty());
}

TEST_CASE("validate: Code page", "[settings][validate]") {
  auto s = valid_settings();
  s.code_page = "NOPE-1";
  CHECK_THAT(single_error(s, Field::CodePage), ContainsSubstring("NOPE-1"));
  s.code_page = "";
  single_error(s, Field::CodePage);
  for (const char* cp : {"ISO-8859-1", "UTF-8", "WINDOWS-1252", "KOI8-R"}) {
    s.code_page = cp;
    CAPTURE(cp);
    CHECK(validate(s).empty());
  }
  CHECK(is_supported_code_page("ISO-8859-1"));
  CHECK_FALSE(is_supported_code_page("NOPE-1"));
}

TEST_CASE("validate: EHLO name", "[settings][validate]") {
  auto s = valid_settings();
  for (const char* ok : {"[192.0.2.1]", "[IPv6:2001:db8::1]", "mail.example.com", "client"}) {
    s.ehlo_name = ok;
    CAPTURE(ok);
    CHECK(validate(s).empty());
    CHECK(is_valid_ehlo_name(ok));
  }
  for (const char* bad : {"bad name", "[999.1.1.1]", "[2001:db8::1]", "[IPv6:192.0.2.1]", "under_score.example", "[]"}) {
    s.ehlo_name = bad;
    CAPTURE(bad);
    CHECK_THAT(single_error(s, Field::EhloName), ContainsSubstring(bad));
  }
  s.ehlo_name = "";  // empty: chosen automatically
  CHECK(validate(s).empty());
}

TEST_CASE("validate: credentials", "[settings][validate]") {
  auto s = valid_settings();
  s.anonymous = false;
  SECTION("neither username nor password") {
    auto errors = validate(s);
    CHECK(fields(errors) == std::vector<Field>{Field::Username, Field::Password});
  }
  SECTION("no password") {
    s.username = "u";
    CHECK_THAT(single_error(s, Field::Password), ContainsSubstring("empty"));
  }
  SECTION("line break in the username") {
    s.username = "user\r\nRCPT TO:<x@example.com>";
    s.password = "p";
    CHECK_THAT(single_error(s, Field::Username), ContainsSubstring("line break"));
  }
  SECTION("NUL in the password") {
    s.username = "u";
    s.password = std::string("p\0q", 3);
    CHECK_THAT(single_error(s, Field::Password), ContainsSubstring("NUL"));
  }
  SECTION("anonymous ignores empty credentials") {
    s.anonymous = true;
    CHECK(validate(s).empty());
  }
}

TEST_CASE("validate: TLS versions and SASL mechanisms", "[settings][validate]") {
  auto s = valid_settings();
  SECTION("encryption with no version") {
    s.tls_versions = TlsVersionSet{};
    CHECK_THAT(single_error(s, Field::TlsVersions), ContainsSubstring("none selected"));
    s.security = Security::None;  // no encryption: the set does not matter
    CHECK(validate(s).empty());
  }
  SECTION("mechanism names") {
    s.sasl_mechanisms = {"plain"};
    CHECK_THAT(single_error(s, Field::SaslMechanisms), ContainsSubstring("\"plain\""));
    s.sasl_mechanisms = {"SCRAM-SHA-256", "PLAIN", "LOGIN", "GS2-KRB5", "X_TOKEN"};
    CHECK(validate(s).empty());
    s.sasl_mechanisms = {"PLAIN", "", "CRAM MD5", std::string(21, 'A')};
    CHECK(fields(validate(s)) == std::vector<Field>{Field::SaslMechanisms, Field::SaslMechanisms, Field::SaslMechanisms});
  }
}

TEST_CASE("validate: proxy", "[settings][validate]") {
  auto s = valid_settings();
  s.proxy.type = ProxyType::Socks5;
  s.proxy.address = "proxy.example.com";
  s.proxy.port = 1080;
  CHECK(validate(s).empty());

  SECTION("address and port") {
    s.proxy.address = "";
    s.proxy.port = 0;
    CHECK(fields(validate(s)) == std::vector<Field>{Field::ProxyAddress, Field::ProxyPort});
    s.proxy.address = "proxy:3128";
    s.proxy.port = 3128;
    CHECK_THAT(single_error(s, Field::ProxyAddress), ContainsSubstring("as the port"));
  }
  SECTION("credentials need username and password") {
    s.proxy.use_credentials = true;
    CHECK(fields(validate(s)) == std::vector<Field>{Field::ProxyUsername, Field::ProxyPassword});
    s.proxy.username = "pu";
    single_error(s, Field::ProxyPassword);
    s.proxy.password = "pp";
    CHECK(validate(s).empty());
  }
  SECTION("SOCKS4 carries no password") {
    s.proxy.type = ProxyType::Socks4;
    s.proxy.use_credentials = true;
    s.proxy.username = "userid";
    CHECK(validate(s).empty());
    s.proxy.type = ProxyType::Socks4a;
    CHECK(validate(s).empty());
    s.proxy.username = "";
    single_error(s, Field::ProxyUsername);
  }
  SECTION("HTTP proxy needs a password with credentials") {
    s.proxy.type = ProxyType::Http;
    s.proxy.use_credentials = true;
    s.proxy.username = "pu";
    single_error(s, Field::ProxyPassword);
  }
  SECTION("no proxy: its fields are not checked") {
    s.proxy.type = ProxyType::None;
    s.proxy.address = "not valid";
    s.proxy.port = 0;
    s.proxy.use_credentials = true;
    CHECK(validate(s).empty());
  }
}

TEST_CASE("validate: Gmail OAuth needs an Application Id", "[settings][validate]") {
  auto s = valid_settings();
  s.auth_type = AuthType::GmailOAuth;
  s.anonymous = false;
  CHECK_THAT(single_error(s, Field::Username), ContainsSubstring("empty"));
  s.username = "1234-abc.apps.googleusercontent.com";
  CHECK(validate(s).empty());
}

TEST_CASE("validate: Microsoft 365 OAuth needs an Application Id and a valid tenant, not a secret", "[settings][validate]") {
  auto s = valid_settings();
  s.auth_type = AuthType::Microsoft365OAuth;
  s.anonymous = true;  // hidden with OAuth
  s.username = "";
  s.password = "";
  CHECK_THAT(single_error(s, Field::Username), ContainsSubstring("empty"));
  s.username = "11111111-2222-3333-4444-555555555555";
  CHECK(validate(s).empty());  // a public client: no secret; empty tenant: organizations
  for (const char* ok : {"organizations", "common", "consumers", "contoso.onmicrosoft.com", "contoso.com",
                         "72f988bf-86f1-41af-91ab-2d7cd011db47"}) {
    CAPTURE(ok);
    s.oauth_tenant = ok;
    CHECK(validate(s).empty());
  }
  for (const char* bad : {"contoso", "a/b", "72f988bf-86f1-41af-91ab", "https://login.microsoftonline.com", "x y.com"}) {
    CAPTURE(bad);
    s.oauth_tenant = bad;
    CHECK_THAT(single_error(s, Field::OAuthTenant), ContainsSubstring("organizations"));
  }
}

TEST_CASE("is_valid_oauth_tenant: a GUID, a domain name, or common/organizations/consumers", "[settings]") {
  CHECK(is_valid_oauth_tenant("organizations"));
  CHECK(is_valid_oauth_tenant("Common"));
  CHECK(is_valid_oauth_tenant("consumers"));
  CHECK(is_valid_oauth_tenant("9188040d-6c67-4c5b-b112-36a304b66dad"));
  CHECK(is_valid_oauth_tenant("9188040D-6C67-4C5B-B112-36A304B66DAD"));
  CHECK(is_valid_oauth_tenant("fabrikam.onmicrosoft.com"));
  CHECK_FALSE(is_valid_oauth_tenant(""));
  CHECK_FALSE(is_valid_oauth_tenant("fabrikam"));
  CHECK_FALSE(is_valid_oauth_tenant("9188040d-6c67-4c5b-b112-36a304b66dag"));
  CHECK_FALSE(is_valid_oauth_tenant("../token"));
  CHECK_FALSE(is_valid_oauth_tenant("a.com?x=1"));
}

TEST_CASE("validate: several problems are all reported", "[settings][validate]") {
  ConnectionSettings s;
  s.address = "";
  s.port = 0;
  s.timeout_s = 0;
  s.code_page = "NOPE-1";
  auto got = fields(validate(s));
  for (Field f : {Field::Address, Field::Port, Field::Timeout, Field::CodePage}) {
    CAPTURE(f);
    CHECK(std::count(got.begin(), got.end(), f) == 1);
  }
  CHECK(got.size() == 4);
}

TEST_CASE("is_ip_literal and is_valid_hostname", "[settings]") {
  CHECK(is_ip_literal("192.0.2.1"));
  CHECK(is_ip_literal("2001:db8::1"));
  CHECK_FALSE(is_ip_literal("999.1.1.1"));
  CHECK_FALSE(is_ip_literal("example.com"));
  CHECK(is_valid_hostname("a.b-c.example"));
  CHECK_FALSE(is_valid_hostname("a.-b.example"));
  CHECK_FALSE(is_valid_hostname("a.b-.example"));
  CHECK_FALSE(is_valid_hostname(std::string(64, 'a') + ".example"));
  CHECK(is_valid_hostname(std::string(63, 'a') + ".example"));
  CHECK_FALSE(is_valid_hostname(""));
  CHECK_FALSE(is_valid_hostname("."));
}

TEST_CASE("enum names round trip", "[settings][names]") {
  for (auto v : kAllTlsVersions) {
    auto name = to_string(v);
    CAPTURE(name);
    CHECK(parse_tls_version(name) == v);
  }
  CHECK(to_string(TlsVersion::Tls12) == "tls1.2");
  CHECK(display_name(TlsVersion::Tls13) == "TLS 1.3");
  CHECK(display_name(TlsVersion::Ssl3) == "SSL 3");
  CHECK(parse_tls_version("TLS1.3") == TlsVersion::Tls13);  // case-insensitive
  CHECK_FALSE(parse_tls_version("tls9").has_value());
  CHECK_FALSE(parse_tls_version("").has_value());

  for (auto m : {Security::None, Security::StartTls, Security::Implicit}) CHECK(parse_security(to_string(m)) == m);
  CHECK(to_string(Security::Implicit) == "implicit");
  CHECK(to_string(Security::StartTls) == "starttls");
  CHECK(display_name(Security::StartTls) == "STARTTLS");
  CHECK_FALSE(parse_security("explicit").has_value());
  CHECK_FALSE(parse_security("sideways").has_value());

  for (auto a : {AuthType::Default, AuthType::GmailOAuth, AuthType::Microsoft365OAuth}) CHECK(parse_auth_type(to_string(a)) == a);
  CHECK(to_string(AuthType::GmailOAuth) == "gmail-oauth");
  CHECK(to_string(AuthType::Microsoft365OAuth) == "microsoft365-oauth");
  CHECK(is_oauth(AuthType::Microsoft365OAuth));
  CHECK(is_oauth(AuthType::GmailOAuth));
  CHECK_FALSE(is_oauth(AuthType::Default));

  for (auto s : {StopAfter::Connect, StopAfter::Tls, StopAfter::Auth, StopAfter::Rcpt, StopAfter::Quit})
    CHECK(parse_stop_after(to_string(s)) == s);
  CHECK(to_string(StopAfter::Rcpt) == "rcpt");
  CHECK_FALSE(parse_stop_after("data").has_value());

  for (auto p : {ProxyType::None, ProxyType::Socks4, ProxyType::Socks4a, ProxyType::Socks5, ProxyType::Http})
    CHECK(parse_proxy_type(to_string(p)) == p);
  CHECK(to_string(ProxyType::Socks4a) == "socks4a");
  CHECK(parse_proxy_type("HTTP") == ProxyType::Http);
  CHECK_FALSE(parse_proxy_type("socks6").has_value());
}

TEST_CASE("TlsVersionSet", "[settings][tls]") {
  constexpr auto modern = TlsVersionSet::modern();
  static_assert(modern.contains(TlsVersion::Tls12) && modern.contains(TlsVersion::Tls13));
  CHECK(modern.list() == std::vector<TlsVersion>{TlsVersion::Tls12, TlsVersion::Tls13});
  CHECK_FALSE(modern.contains(TlsVersion::Tls11));
  CHECK_FALSE(modern.empty());

  TlsVersionSet none;
  CHECK(none.empty());
  CHECK(none.list().empty());

  auto s = none.with(TlsVersion::Tls13).with(TlsVersion::Ssl2);
  CHECK(s.list() == std::vector<TlsVersion>{TlsVersion::Ssl2, TlsVersion::Tls13});  // in version order
  CHECK(s.with(TlsVersion::Tls13) == s);  // idempotent
  CHECK(s.without(TlsVersion::Ssl2) == none.with(TlsVersion::Tls13));
  CHECK(s.without(TlsVersion::Tls11) == s);  // removing an absent version changes nothing
  CHECK(s.without(TlsVersion::Ssl2).without(TlsVersion::Tls13).empty());
  CHECK_FALSE(s == modern);

  TlsVersionSet all;
  for (auto v : kAllTlsVersions) all = all.with(v);
  CHECK(all.list().size() == 6);
  for (auto v : kAllTlsVersions) CHECK(all.contains(v));
}

TEST_CASE("can_negotiate: only TLS 1.2 and 1.3", "[settings][tls]") {
  CHECK(can_negotiate(TlsVersion::Tls12));
  CHECK(can_negotiate(TlsVersion::Tls13));
  CHECK_FALSE(can_negotiate(TlsVersion::Tls11));
  CHECK_FALSE(can_negotiate(TlsVersion::Tls10));
  CHECK_FALSE(can_negotiate(TlsVersion::Ssl3));
  CHECK_FALSE(can_negotiate(TlsVersion::Ssl2));
}

// Regression test; the bug was in (engine/include/smtpwb/settings.hpp:74): ConnectionSettings declares
// `bool operator==(const ConnectionSettings&) const = default;`, but its member ProxySettings (line 48)
// has no operator==, so the defaulted operator is implicitly deleted: any `a == b` on settings fails
// to compile. Fix: add `bool operator==(const ProxySettings&) const = default;` to ProxySettings.
TEST_CASE("ConnectionSettings and ProxySettings are equality comparable", "[settings]") {
  CHECK(std::equality_comparable<ProxySettings>);
  CHECK(std::equality_comparable<ConnectionSettings>);
}

TEST_CASE("validate: proxy credentials the protocols cannot carry", "[settings][validate][proxy]") {
  ConnectionSettings s;
  s.address = "smtp.example.com";
  s.proxy.type = ProxyType::Socks5;
  s.proxy.address = "proxy.example.com";
  s.proxy.use_credentials = true;
  s.proxy.username = std::string(256, 'u');
  s.proxy.password = "pw";
  CHECK(fields(validate(s)) == std::vector<Field>{Field::ProxyUsername});
  s.proxy.username = "u";
  s.proxy.password = "p\r\nw";
  CHECK(fields(validate(s)) == std::vector<Field>{Field::ProxyPassword});
  s.proxy.type = ProxyType::Http;
  s.proxy.password = "pw";
  s.proxy.username = "a:b";
  CHECK(fields(validate(s)) == std::vector<Field>{Field::ProxyUsername});
}

TEST_CASE("proxy_scheme: socks5h is SOCKS5 with the name resolved by the proxy", "[settings][proxy]") {
  ProxySettings p;
  p.type = ProxyType::Socks5;
  CHECK(proxy_scheme(p) == "socks5");
  p.resolve_via_proxy = true;
  CHECK(proxy_scheme(p) == "socks5h");
  p.type = ProxyType::Socks4a;
  CHECK(proxy_scheme(p) == "socks4a");
}

TEST_CASE("validate: a line break or NUL in any field that reaches the wire is refused by name", "[settings][validate]") {
  // Each value would pass the field's own syntax check if the bytes from the NUL on were ignored, or
  // would end the command line early and inject the next one.
  static const char kNulV4[] = "[192.0.2.1\0]\r\nMAIL FROM:<x@example.com>";
  const std::string nul_v4(kNulV4, sizeof kNulV4 - 1);  // the NUL inside included, the terminating one not
  struct Case {
    Field field;
    void (*set)(ConnectionSettings&, const std::string&);
    std::string value;
  };
  const Case cases[] = {
      {Field::EhloName, [](ConnectionSettings& s, const std::string& v) { s.ehlo_name = v; }, nul_v4},
      {Field::EhloName, [](ConnectionSettings& s, const std::string& v) { s.ehlo_name = v; }, "client.example\r\nRSET"},
      {Field::Address, [](ConnectionSettings& s, const std::string& v) { s.address = v; }, std::string("192.0.2.1\0.evil", 15)},
      {Field::Address, [](ConnectionSettings& s, const std::string& v) { s.address = v; }, "smtp.example.com\r\n"},
      {Field::Name, [](ConnectionSettings& s, const std::string& v) { s.name = v; }, "Office\n=== Result: ok"},
      {Field::Group, [](ConnectionSettings& s, const std::string& v) { s.group = v; }, "Work\rHome"},
      {Field::CodePage, [](ConnectionSettings& s, const std::string& v) { s.code_page = v; }, "UTF-8\nX"},
      {Field::AuthDomain, [](ConnectionSettings& s, const std::string& v) { s.auth_domain = v; }, "ACME\r\nQUIT"},
      {Field::OAuthAccount, [](ConnectionSettings& s, const std::string& v) { s.oauth_account = v; }, std::string("me@example.com\0x", 16)},
  };
  for (const auto& c : cases) {
    auto s = valid_settings();
    c.set(s, c.value);
    CAPTURE(c.field, printable(c.value));
    auto message = single_error(s, c.field);
    CHECK_THAT(message, ContainsSubstring("line break or NUL"));
    // The message is one line of text: the raw value is not echoed.
    CHECK(message.find_first_of(std::string_view("\0\r\n", 3)) == std::string::npos);
  }
}

TEST_CASE("validate: From, To and Subject of a test message refuse line breaks and NUL", "[settings][validate]") {
  TestRequest r;
  CHECK(validate(r).empty());  // no message
  r.message = MessageSpec{"me@example.com", {"you@example.org", "them@example.org"}, "Hello", "Body\r\nwith lines\r\n"};
  CHECK(validate(r).empty());  // the body may hold line breaks: it is sent as data

  auto single = [](const TestRequest& bad, Field field) {
    auto errors = validate(bad);
    CAPTURE(fields(errors));
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].field == field);
    CHECK_THAT(errors[0].problem, ContainsSubstring("line break or NUL"));
    CHECK(errors[0].problem.find_first_of(std::string_view("\0\r\n", 3)) == std::string::npos);
  };
  auto bad = r;
  bad.message->from = "me@example.com>\r\nRCPT TO:<victim@example.net";
  single(bad, Field::From);
  bad = r;
  bad.message->to[1] = "them@example.org>\nDATA";
  single(bad, Field::To);
  bad = r;
  bad.message->to[0] = std::string("you@example.org\0", 16);
  single(bad, Field::To);
  bad = r;
  bad.message->subject = "Hello\r\nBcc: victim@example.net";
  single(bad, Field::Subject);
  bad = r;
  bad.message->subject = "Hello\rX-Injected: 1";
  single(bad, Field::Subject);
}

TEST_CASE("is_ip_literal: a NUL inside is not an address", "[settings]") {
  CHECK_FALSE(is_ip_literal(std::string("192.0.2.1\0evil", 14)));
  CHECK_FALSE(is_valid_ehlo_name(std::string("[192.0.2.1\0]", 12)));
  CHECK_FALSE(is_valid_ehlo_name(std::string("[IPv6:::1\0x]", 12)));
}
