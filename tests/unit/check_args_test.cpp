// app/check/check_args: the `smtp-workbench check` command line contract.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <optional>
#include <string>
#include <vector>

#include "check/check_args.hpp"
#include "settings_compare.hpp"

using namespace smtpwb;
using namespace smtpwb::app;
using Catch::Matchers::ContainsSubstring;

namespace {

using Args = std::vector<std::string>;

CheckArgs parse_ok(const Args& argv) {
  CheckArgs a;
  auto err = parse_check_args(argv, a);
  if (err) FAIL("unexpected usage error: " << err->message);
  return a;
}

// The parse error for argv; checks that it is a single line.
std::string parse_error(const Args& argv) {
  CheckArgs a;
  auto err = parse_check_args(argv, a);
  REQUIRE(err.has_value());
  CHECK(err->message.find('\n') == std::string::npos);
  CHECK_FALSE(err->message.empty());
  return err->message;
}

ConnectionSettings apply_ok(const Args& argv, ConnectionSettings s = {}) {
  auto a = parse_ok(argv);
  auto err = apply_check_args(a, s);
  if (err) FAIL("unexpected apply error: " << err->message);
  return s;
}

std::string apply_error(const Args& argv) {
  auto a = parse_ok(argv);
  ConnectionSettings s;
  auto err = apply_check_args(a, s);
  REQUIRE(err.has_value());
  CHECK(err->message.find('\n') == std::string::npos);
  return err->message;
}

}  // namespace

TEST_CASE("check args: every contract flag parses into CheckArgs", "[check_args]") {
  auto a = parse_ok({"--host", "smtp.example.com", "--port", "2525", "--security", "implicit", "--tls-versions",
                     "tls1.2,tls1.3", "--user", "alice", "--password-env", "SMTP_PW", "--sasl", "PLAIN,LOGIN",
                     "--allow-plaintext-auth", "--ca-file", "/etc/ca.pem", "--no-verify", "--ehlo", "client.example",
                     "--timeout", "12", "--code-page", "ISO-8859-1", "--from", "a@example.com", "--to",
                     "b@example.org", "--subject", "Hi", "--body-file", "body.txt", "--stop-after", "rcpt", "--json",
                     "out.json", "--color", "never", "--profile", "in.json", "--save-profile", "saved.json"});
  CHECK(a.host == "smtp.example.com");
  CHECK(a.port == 2525);
  CHECK(a.security == "implicit");
  CHECK(a.tls_versions == "tls1.2,tls1.3");
  CHECK(a.user == "alice");
  CHECK(a.password_source == PasswordSource::Env);
  CHECK(a.password_ref == "SMTP_PW");
  CHECK(a.sasl == "PLAIN,LOGIN");
  CHECK(a.allow_plaintext_auth);
  CHECK(a.ca_file == "/etc/ca.pem");
  CHECK(a.no_verify);
  CHECK(a.ehlo == "client.example");
  CHECK(a.timeout == 12);
  CHECK(a.code_page == "ISO-8859-1");
  CHECK(a.from == "a@example.com");
  CHECK(a.to == std::vector<std::string>{"b@example.org"});
  CHECK(a.subject == "Hi");
  CHECK(a.body_file == "body.txt");
  CHECK(a.stop_after == StopAfter::Rcpt);
  CHECK(a.json_file == "out.json");
  CHECK(a.color == ColorMode::Never);
  CHECK(a.profile == "in.json");
  CHECK(a.save_profile == "saved.json");
  CHECK_FALSE(a.anonymous);
  CHECK_FALSE(a.help);
}

TEST_CASE("check args: absent flags stay absent", "[check_args]") {
  auto a = parse_ok({"--host", "h.example"});
  CHECK_FALSE(a.port.has_value());
  CHECK_FALSE(a.security.has_value());
  CHECK_FALSE(a.user.has_value());
  CHECK_FALSE(a.timeout.has_value());
  CHECK_FALSE(a.stop_after.has_value());
  CHECK(a.password_source == PasswordSource::None);
  CHECK(a.color == ColorMode::Auto);
  CHECK(a.to.empty());
}

TEST_CASE("check args: apply sets the right settings fields", "[check_args]") {
  auto s = apply_ok({"--host", "smtp.example.com", "--port", "2525", "--security", "implicit", "--tls-versions",
                     "tls1.3,tls1.1", "--user", "alice", "--password-file", "/run/pw", "--sasl", "LOGIN,PLAIN",
                     "--allow-plaintext-auth", "--ca-file", "/etc/ca.pem", "--no-verify", "--ehlo", "[192.0.2.1]",
                     "--timeout", "12", "--code-page", "KOI8-R", "--name", "Relay", "--group", "Ops"});
  CHECK(s.address == "smtp.example.com");
  CHECK(s.port == 2525);
  CHECK(s.security == Security::Implicit);
  CHECK(s.tls_versions == TlsVersionSet{}.with(TlsVersion::Tls11).with(TlsVersion::Tls13));
  CHECK(s.username == "alice");
  CHECK_FALSE(s.anonymous);
  CHECK(s.password.empty());  // the password is read by the command, never by the parser
  CHECK(s.sasl_mechanisms == std::vector<std::string>{"LOGIN", "PLAIN"});
  CHECK(s.allow_plaintext_auth);
  CHECK(s.ca_file == "/etc/ca.pem");
  CHECK_FALSE(s.verify_certificate);
  CHECK(s.ehlo_name == "[192.0.2.1]");
  CHECK(s.timeout_s == 12);
  CHECK(s.code_page == "KOI8-R");
  CHECK(s.name == "Relay");
  CHECK(s.group == "Ops");
}

TEST_CASE("check args: password sources", "[check_args]") {
  auto env = parse_ok({"--host", "h", "--user", "u", "--password-env", "PW"});
  CHECK(env.password_source == PasswordSource::Env);
  CHECK(env.password_ref == "PW");
  auto file = parse_ok({"--host", "h", "--user", "u", "--password-file", "/tmp/pw.txt"});
  CHECK(file.password_source == PasswordSource::File);
  CHECK(file.password_ref == "/tmp/pw.txt");
  auto in = parse_ok({"--host", "h", "--user", "u", "--password-stdin"});
  CHECK(in.password_source == PasswordSource::Stdin);
  CHECK(in.password_ref.empty());
}

TEST_CASE("check args: --flag=value form", "[check_args]") {
  auto a = parse_ok({"--host=smtp.example.com", "--port=465", "--security=implicit", "--user=bob",
                     "--password-env=PW", "--sasl=plain", "--to=x@example.com,y@example.com", "--from=a@example.com",
                     "--subject=a=b", "--color=always", "--stop-after=auth"});
  CHECK(a.host == "smtp.example.com");
  CHECK(a.port == 465);
  CHECK(a.security == "implicit");
  CHECK(a.user == "bob");
  CHECK(a.password_source == PasswordSource::Env);
  CHECK(a.password_ref == "PW");
  CHECK(a.to == std::vector<std::string>{"x@example.com", "y@example.com"});
  CHECK(a.subject == "a=b");  // only the first '=' separates
  CHECK(a.color == ColorMode::Always);
  CHECK(a.stop_after == StopAfter::Auth);
  CHECK(parse_ok({"--host=", "--profile=p.json"}).host == "");  // an empty value is still a value
}

TEST_CASE("check args: --to may be repeated and comma-separated", "[check_args]") {
  auto a = parse_ok({"--host", "h", "--from", "a@x.example", "--to", "b@x.example", "--to", "c@x.example, d@x.example"});
  CHECK(a.to == std::vector<std::string>{"b@x.example", "c@x.example", "d@x.example"});
}

TEST_CASE("check args: --sasl is upper-cased on apply", "[check_args]") {
  auto s = apply_ok({"--host", "h", "--sasl", "plain, login,scram-sha-256"});
  CHECK(s.sasl_mechanisms == std::vector<std::string>{"PLAIN", "LOGIN", "SCRAM-SHA-256"});
}

TEST_CASE("check args: default port follows --security, explicit --port wins", "[check_args]") {
  CHECK(apply_ok({"--host", "h", "--security", "starttls"}).port == 587);
  CHECK(apply_ok({"--host", "h", "--security", "implicit"}).port == 465);
  CHECK(apply_ok({"--host", "h", "--security", "none"}).port == 25);
  CHECK(apply_ok({"--host", "h", "--security", "implicit", "--port", "2465"}).port == 2465);
  CHECK(apply_ok({"--host", "h", "--port", "2465", "--security", "none"}).port == 2465);

  auto none = apply_ok({"--host", "h", "--security", "none"});
  CHECK(none.security == Security::None);
  CHECK_FALSE(none.encrypted());
  auto starttls = apply_ok({"--host", "h", "--security", "starttls"});
  CHECK(starttls.security == Security::StartTls);
}

TEST_CASE("check args: a profile's port survives --security", "[check_args]") {
  ConnectionSettings from_profile;
  from_profile.port = 10025;
  auto s = apply_ok({"--profile", "p.json", "--security", "implicit"}, from_profile);
  CHECK(s.port == 10025);
  CHECK(s.security == Security::Implicit);
}

// Regression test; the bug was in (app/check/check_args.cpp:463): the default port is only chosen when --security is given.
// `check --host H` (security defaults to starttls, as the usage says) keeps ConnectionSettings'
// port 25, although the usage documents "--port P ... (default: 587 starttls, ...)".
TEST_CASE("check args: without --security the documented STARTTLS default port 587 applies",
          "[check_args]") {
  auto s = apply_ok({"--host", "smtp.example.com"});
  CHECK(s.security == Security::StartTls);
  CHECK(s.port == 587);
}

TEST_CASE("check args: flags not given leave profile values alone", "[check_args]") {
  ConnectionSettings base;
  base.address = "from-profile.example";
  base.port = 2525;
  base.username = "profile-user";
  base.anonymous = false;
  base.sasl_mechanisms = {"LOGIN"};
  base.verify_certificate = true;
  base.code_page = "ISO-8859-1";
  auto s = apply_ok({"--profile", "p.json", "--timeout", "5"}, base);
  auto expected = base;
  expected.timeout_s = 5;
  CHECK(SAME_SETTINGS(s, expected));
  // --anonymous turns authentication off again.
  auto anon = apply_ok({"--profile", "p.json", "--anonymous"}, base);
  CHECK(anon.anonymous);
}

TEST_CASE("check args: usage errors name the flag", "[check_args][errors]") {
  SECTION("unknown option") {
    CHECK_THAT(parse_error({"--host", "h", "--bogus"}), ContainsSubstring("--bogus"));
    CHECK_THAT(parse_error({"--host", "h", "--bogus=1"}), ContainsSubstring("--bogus"));
    CHECK_THAT(parse_error({"smtp.example.com"}), ContainsSubstring("smtp.example.com"));
  }
  SECTION("missing value") {
    auto msg = parse_error({"--host"});
    CHECK_THAT(msg, ContainsSubstring("--host"));
    CHECK_THAT(msg, ContainsSubstring("value"));
    CHECK_THAT(parse_error({"--host", "h", "--port"}), ContainsSubstring("--port"));
  }
  SECTION("switch with a value") {
    CHECK_THAT(parse_error({"--host", "h", "--no-verify=yes"}), ContainsSubstring("--no-verify"));
  }
  SECTION("--port abc") {
    auto msg = parse_error({"--host", "h", "--port", "abc"});
    CHECK_THAT(msg, ContainsSubstring("--port"));
    CHECK_THAT(msg, ContainsSubstring("abc"));
    CHECK_THAT(parse_error({"--host", "h", "--port", "25x"}), ContainsSubstring("--port"));
    CHECK_THAT(parse_error({"--host", "h", "--port", ""}), ContainsSubstring("--port"));
  }
  SECTION("--timeout 1.5") {
    CHECK_THAT(parse_error({"--host", "h", "--timeout", "1.5"}), ContainsSubstring("--timeout"));
  }
  SECTION("--stop-after quit") {
    auto msg = parse_error({"--host", "h", "--stop-after", "quit"});
    CHECK_THAT(msg, ContainsSubstring("--stop-after"));
    CHECK_THAT(msg, ContainsSubstring("quit"));
    CHECK_THAT(parse_error({"--host", "h", "--stop-after", "data"}), ContainsSubstring("--stop-after"));
  }
  SECTION("--stop-after rcpt needs a message") {
    CHECK_THAT(parse_error({"--host", "h", "--stop-after", "rcpt"}), ContainsSubstring("--from"));
  }
  SECTION("--color") {
    CHECK_THAT(parse_error({"--host", "h", "--color", "sometimes"}), ContainsSubstring("--color"));
  }
  SECTION("two password sources") {
    auto msg = parse_error({"--host", "h", "--user", "u", "--password-env", "PW", "--password-file", "f"});
    CHECK_THAT(msg, ContainsSubstring("--password-env"));
    CHECK_THAT(msg, ContainsSubstring("--password-file"));
    CHECK_THAT(parse_error({"--host", "h", "--user", "u", "--password-stdin", "--password-stdin"}),
               ContainsSubstring("--password-stdin"));
  }
  SECTION("--password on the command line is refused") {
    auto msg = parse_error({"--host", "h", "--user", "u", "--password", "hunter2"});
    CHECK_THAT(msg, ContainsSubstring("--password"));
    CHECK_THAT(msg, ContainsSubstring("process list"));
    CHECK_THAT(msg, !ContainsSubstring("hunter2"));
    auto inline_msg = parse_error({"--host", "h", "--user", "u", "--password=hunter2"});
    CHECK_THAT(inline_msg, ContainsSubstring("process list"));
    CHECK_THAT(inline_msg, !ContainsSubstring("hunter2"));
  }
  SECTION("--anonymous with --user") {
    auto msg = parse_error({"--host", "h", "--anonymous", "--user", "u"});
    CHECK_THAT(msg, ContainsSubstring("--anonymous"));
    CHECK_THAT(msg, ContainsSubstring("--user"));
  }
  SECTION("--from without --to, and --to without --from") {
    auto msg = parse_error({"--host", "h", "--from", "a@example.com"});
    CHECK_THAT(msg, ContainsSubstring("--from"));
    CHECK_THAT(msg, ContainsSubstring("--to"));
    CHECK_THAT(parse_error({"--host", "h", "--to", "b@example.com"}), ContainsSubstring("--from"));
  }
  SECTION("--subject without a message") {
    CHECK_THAT(parse_error({"--host", "h", "--subject", "x"}), ContainsSubstring("--subject"));
    CHECK_THAT(parse_error({"--host", "h", "--body-file", "b.txt"}), ContainsSubstring("--body-file"));
  }
  SECTION("no --host") {
    CHECK_THAT(parse_error({}), ContainsSubstring("--host"));
    CHECK_THAT(parse_error({"--port", "25"}), ContainsSubstring("--host"));
  }
  SECTION("demo flags") {
    CHECK_THAT(parse_error({"--demo", "--host", "h"}), ContainsSubstring("--demo"));
    CHECK_THAT(parse_error({"--host", "h", "--demo-fault", "no-banner"}), ContainsSubstring("--demo-fault"));
  }
}

TEST_CASE("check args: host alternatives and --help", "[check_args]") {
  CHECK(parse_ok({"--profile", "p.json"}).profile == "p.json");
  CHECK(parse_ok({"--demo"}).demo);
  CHECK(parse_ok({"--help"}).help);
  CHECK(parse_ok({"-h"}).help);
  CHECK(parse_ok({"--help", "--from", "a@example.com"}).help);  // --help wins over the other checks
}

TEST_CASE("check args: values that are only wrong on apply", "[check_args][errors]") {
  SECTION("--security tls") {
    auto msg = apply_error({"--host", "h", "--security", "tls"});
    CHECK_THAT(msg, ContainsSubstring("--security"));
    CHECK_THAT(msg, ContainsSubstring("\"tls\""));
  }
  SECTION("--tls-versions tls9") {
    auto msg = apply_error({"--host", "h", "--tls-versions", "tls1.2,tls9"});
    CHECK_THAT(msg, ContainsSubstring("--tls-versions"));
    CHECK_THAT(msg, ContainsSubstring("tls9"));
  }
  SECTION("--tls-versions with nothing in it") {
    CHECK_THAT(apply_error({"--host", "h", "--tls-versions", ","}), ContainsSubstring("--tls-versions"));
  }
}

TEST_CASE("check usage text documents the contract flags", "[check_args]") {
  const std::string usage = check_usage();
  for (const char* flag : {"--host", "--port", "--security", "--tls-versions", "--user", "--password-env",
                           "--password-file", "--password-stdin", "--anonymous", "--sasl", "--allow-plaintext-auth",
                           "--ca-file", "--no-verify", "--ehlo", "--timeout", "--code-page", "--from", "--to",
                           "--subject", "--body-file", "--stop-after", "--json", "--color", "--profile",
                           "--save-profile", "--auth", "--oauth-token-env", "--oauth-client-id",
                           "--oauth-client-secret-env", "--oauth-auth-url", "--oauth-token-url", "--oauth-scope"}) {
    CAPTURE(flag);
    CHECK_THAT(usage, ContainsSubstring(flag));
  }
}

// ---- --proxy ----
namespace {
ProxyUrl proxy_ok(const std::string& url) {
  ProxyUrl u;
  auto err = parse_proxy_url(url, u);
  if (err) FAIL("unexpected --proxy error: " << err->message);
  return u;
}
std::string proxy_error(const std::string& url) {
  ProxyUrl u;
  auto err = parse_proxy_url(url, u);
  REQUIRE(err.has_value());
  CHECK(err->message.rfind("--proxy: ", 0) == 0);
  CHECK(err->message.find('\n') == std::string::npos);
  return err->message;
}
}  // namespace

TEST_CASE("check args: --proxy schemes map onto the proxy type and who resolves the name", "[check_args][proxy]") {
  auto s4 = proxy_ok("socks4://127.0.0.1:1080");
  CHECK(s4.type == ProxyType::Socks4);
  CHECK(s4.host == "127.0.0.1");
  CHECK(s4.port == 1080);
  CHECK(proxy_ok("socks4a://p.example").type == ProxyType::Socks4a);
  auto s5 = proxy_ok("SOCKS5://p.example:9050/");
  CHECK(s5.type == ProxyType::Socks5);
  CHECK_FALSE(s5.resolve_via_proxy);
  CHECK(s5.port == 9050);
  auto s5h = proxy_ok("socks5h://p.example");
  CHECK(s5h.type == ProxyType::Socks5);
  CHECK(s5h.resolve_via_proxy);
  CHECK(s5h.port == 1080);
  auto http = proxy_ok("http://[::1]:3128");
  CHECK(http.type == ProxyType::Http);
  CHECK(http.host == "::1");
  CHECK(http.port == 3128);
  CHECK(proxy_ok("http://proxy.example").port == 8080);
  CHECK(proxy_ok("none").type == ProxyType::None);
}

TEST_CASE("check args: --proxy user and password inside the URL, percent-decoded", "[check_args][proxy]") {
  auto u = proxy_ok("socks5://us%40er:p%3Ass@p.example:1080");
  CHECK(u.user == "us@er");
  CHECK(u.password == "p:ss");
  auto only_user = proxy_ok("socks4://uid@10.0.0.1");
  CHECK(only_user.user == "uid");
  CHECK_FALSE(only_user.password.has_value());
}

TEST_CASE("check args: bad --proxy URLs are one-line errors naming --proxy", "[check_args][proxy][errors]") {
  CHECK_THAT(proxy_error("p.example:1080"), ContainsSubstring("not a proxy URL"));
  CHECK_THAT(proxy_error("https://p.example"), ContainsSubstring("socks5h://"));
  CHECK_THAT(proxy_error("socks6://p.example"), ContainsSubstring("\"socks6\""));
  CHECK_THAT(proxy_error("socks5://p.example:0"), ContainsSubstring("not a TCP port"));
  CHECK_THAT(proxy_error("socks5://p.example:99999"), ContainsSubstring("not a TCP port"));
  CHECK_THAT(proxy_error("socks5://p.example:x"), ContainsSubstring("not a TCP port"));
  CHECK_THAT(proxy_error("socks5://p.example:"), ContainsSubstring("empty port"));
  CHECK_THAT(proxy_error("socks5://"), ContainsSubstring("no host"));
  CHECK_THAT(proxy_error("socks5://bad_host!:1"), ContainsSubstring("invalid host"));
  CHECK_THAT(proxy_error("http://p.example/path"), ContainsSubstring("path"));
  CHECK_THAT(proxy_error("http://[::1:3128"), ContainsSubstring("']'"));
  CHECK_THAT(proxy_error("http://u:%zz@p.example"), ContainsSubstring("%-escape"));
  CHECK_THAT(proxy_error("http://:pw@p.example"), ContainsSubstring("empty user"));
  // Through the whole command line too, and the password is never echoed.
  auto msg = parse_error({"--host", "h", "--proxy", "ftp://user:TopSecret@p"});
  CHECK(msg.rfind("--proxy: ", 0) == 0);
  CHECK(msg.find("TopSecret") == std::string::npos);
  CHECK_THAT(proxy_error("http://u:TopSecret@bad host"), !ContainsSubstring("TopSecret"));
}

TEST_CASE("check args: --proxy and its credentials flags apply to the proxy settings", "[check_args][proxy]") {
  auto s = apply_ok({"--host", "h", "--proxy", "socks5h://p.example:1081", "--proxy-user", "pu", "--proxy-password-env",
                     "PXPW", "--proxy-domain", "ACME"});
  CHECK(s.proxy.type == ProxyType::Socks5);
  CHECK(s.proxy.resolve_via_proxy);
  CHECK(s.proxy.address == "p.example");
  CHECK(s.proxy.port == 1081);
  CHECK(s.proxy.use_credentials);
  CHECK(s.proxy.username == "pu");
  CHECK(s.proxy.domain == "ACME");
  CHECK(s.proxy.password.empty());  // read from the environment by the command, not here

  auto from_url = apply_ok({"--host", "h", "--proxy", "http://a:b@p.example:3128"});
  CHECK(from_url.proxy.use_credentials);
  CHECK(from_url.proxy.username == "a");
  CHECK(from_url.proxy.password == "b");

  ConnectionSettings profile;
  profile.proxy.type = ProxyType::Http;
  profile.proxy.address = "old.example";
  auto off = apply_ok({"--host", "h", "--proxy", "none"}, profile);
  CHECK(off.proxy.type == ProxyType::None);
  auto kept = apply_ok({"--host", "h"}, profile);
  CHECK(kept.proxy.address == "old.example");
}

TEST_CASE("check args: proxy credential flags need --proxy", "[check_args][proxy][errors]") {
  CHECK_THAT(parse_error({"--host", "h", "--proxy-user", "u"}), ContainsSubstring("need --proxy"));
  CHECK_THAT(parse_error({"--host", "h", "--proxy", "none", "--proxy-user", "u"}), ContainsSubstring("--proxy none"));
  CHECK_THAT(parse_error({"--host", "h", "--proxy", "socks5://u:p@x", "--proxy-password-env", "V"}), ContainsSubstring("contradict"));
  CHECK_THAT(check_usage(), ContainsSubstring("--proxy-password-env VAR"));
  CHECK_THAT(check_usage(), ContainsSubstring("socks5h://"));
}

TEST_CASE("check args: report files and the equivalent commands", "[cli]") {
  auto a = parse_ok({"--host", "h", "--report-md", "r.md", "--report-html=r.html", "--print-commands"});
  CHECK(a.report_md == "r.md");
  CHECK(a.report_html == "r.html");
  CHECK(a.print_commands);
  CHECK_THAT(parse_error({"--host", "h", "--report-md"}), ContainsSubstring("--report-md needs a value"));
  CHECK_THAT(parse_error({"--host", "h", "--print-commands=yes"}), ContainsSubstring("--print-commands takes no value"));
  CHECK_THAT(std::string(check_usage()), ContainsSubstring("--report-html FILE"));
}

TEST_CASE("check args: --sasl accepts only supported mechanisms", "[check_args][sasl]") {
  auto s = apply_ok({"--host", "h", "--sasl", "scram-sha-1,DIGEST-MD5,xoauth2"});
  CHECK(s.sasl_mechanisms == std::vector<std::string>{"SCRAM-SHA-1", "DIGEST-MD5", "XOAUTH2"});
  auto a = parse_ok({"--host", "h", "--sasl", "PLAIN,GSSAPI"});
  ConnectionSettings settings;
  auto err = apply_check_args(a, settings);
  REQUIRE(err);
  CHECK_THAT(err->message, ContainsSubstring("--sasl: \"GSSAPI\" is not a supported mechanism"));
}

TEST_CASE("check args: --auth and the OAuth flags", "[check_args][oauth]") {
  auto token = parse_ok({"--host", "h", "--user", "u@example.com", "--oauth-token-env", "TOK"});
  CHECK(token.oauth_token_env == "TOK");
  CHECK_FALSE(token.oauth_flow());
  auto flow = parse_ok({"--host", "h", "--user", "u@gmail.com", "--auth", "gmail-oauth", "--oauth-client-id", "id",
                        "--oauth-client-secret-env", "SECRET"});
  CHECK(flow.oauth_flow());
  CHECK(apply_ok({"--host", "h", "--user", "u@gmail.com", "--auth", "gmail-oauth", "--oauth-token-env", "T"}).auth_type ==
        AuthType::GmailOAuth);
  CHECK_THAT(parse_error({"--host", "h", "--auth", "kerberos"}), ContainsSubstring("--auth"));
  CHECK_THAT(parse_error({"--host", "h", "--oauth-token-env", "T"}), ContainsSubstring("--user"));
  CHECK_THAT(parse_error({"--host", "h", "--user", "u", "--oauth-token-env", "T", "--oauth-client-id", "i"}),
             ContainsSubstring("not both"));
  CHECK_THAT(parse_error({"--host", "h", "--user", "u", "--auth", "gmail-oauth"}), ContainsSubstring("--oauth-token-env"));
  CHECK_THAT(parse_error({"--host", "h", "--user", "u", "--oauth-client-id", "i", "--oauth-auth-url", "https://a/"}),
             ContainsSubstring("go together"));
  CHECK_THAT(parse_error({"--host", "h", "--user", "u", "--oauth-scope", "s"}), ContainsSubstring("--oauth-client-id"));
  CHECK_THAT(parse_error({"--host", "h", "--user", "u", "--password-env", "P", "--oauth-token-env", "T"}),
             ContainsSubstring("token, not a password"));
}

TEST_CASE("check args: --auth microsoft365-oauth, --oauth-tenant and --oauth-authority", "[check_args][oauth][microsoft365]") {
  const Args base = {"--host", "smtp.office365.com", "--port", "587", "--user", "alice@contoso.com", "--auth",
                     "microsoft365-oauth"};
  auto with = [&](Args extra) {
    Args a = base;
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  // A public client: a client id without a secret is enough.
  auto public_client = parse_ok(with({"--oauth-client-id", "11111111-2222-3333-4444-555555555555"}));
  CHECK(public_client.oauth_flow());
  CHECK_FALSE(public_client.oauth_client_secret_env);
  auto s = apply_ok(with({"--oauth-client-id", "id", "--oauth-tenant", "contoso.onmicrosoft.com"}));
  CHECK(s.auth_type == AuthType::Microsoft365OAuth);
  CHECK(s.oauth_tenant == "contoso.onmicrosoft.com");
  CHECK(apply_ok(with({"--oauth-client-id", "id"})).oauth_tenant.empty());  // organizations
  for (const char* tenant : {"organizations", "common", "consumers", "72f988bf-86f1-41af-91ab-2d7cd011db47"})
    CHECK(apply_ok(with({"--oauth-client-id", "id", "--oauth-tenant", tenant})).oauth_tenant == tenant);
  CHECK(parse_ok(with({"--oauth-client-id", "id", "--oauth-client-secret-env", "S"})).oauth_client_secret_env == "S");
  CHECK(parse_ok(with({"--oauth-token-env", "T"})).oauth_token_env == "T");
  CHECK(parse_ok(with({"--oauth-client-id", "id", "--oauth-authority", "https://localhost:8443"})).oauth_authority ==
        "https://localhost:8443");

  CHECK_THAT(parse_error(base), ContainsSubstring("--oauth-token-env or --oauth-client-id"));
  for (const char* bad : {"contoso", "a/b", "x..y", "https://login.microsoftonline.com/x"}) {
    CAPTURE(bad);
    CHECK_THAT(parse_error(with({"--oauth-client-id", "id", "--oauth-tenant", bad})), ContainsSubstring("--oauth-tenant"));
  }
  CHECK_THAT(parse_error({"--host", "h", "--user", "u", "--auth", "gmail-oauth", "--oauth-client-id", "i", "--oauth-tenant",
                          "common"}),
             ContainsSubstring("--oauth-tenant"));
  CHECK_THAT(parse_error(with({"--oauth-client-id", "id", "--oauth-authority", "http://localhost:1"})),
             ContainsSubstring("--oauth-authority"));
  CHECK_THAT(parse_error({"--host", "h", "--user", "u", "--auth", "gmail-oauth", "--oauth-client-id", "i",
                          "--oauth-authority", "https://x.example"}),
             ContainsSubstring("--oauth-authority"));
  CHECK_THAT(parse_error({"--host", "h", "--auth", "office"}), ContainsSubstring("microsoft365-oauth"));
}
