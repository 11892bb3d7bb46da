// The hint catalogue: each id from the real reply text (the pure matcher's input is a SessionResult),
// healthy sessions of each provider's shape raise none, and catalogue errors name rule and field.
#include <catch2/catch_test_macros.hpp>
#include <algorithm>
#include <chrono>
#include <set>

#include "smtpwb/base64.hpp"
#include "smtpwb/hints.hpp"
#include "smtpwb/smtp/reply.hpp"
#include "../hint_rewording.hpp"

using namespace smtpwb;

namespace {

ConnectionSettings user_settings(const std::string& host, int port, Security security = Security::StartTls) {
  ConnectionSettings s;
  s.address = host;
  s.port = port;
  s.security = security;
  s.anonymous = false;
  s.username = "me@example.com";
  s.password = "secret";
  return s;
}

// A session that went as far as `phase`; builders add what each case needs.
struct Case {
  ConnectionSettings settings;
  SessionResult result;

  explicit Case(ConnectionSettings s) : settings(std::move(s)) {
    result.server.host = settings.address;
    result.server.port = settings.port;
    result.server.banner = "mail.example.com ESMTP";
    line(Dir::Info, Phase::Connect, "Connected");
    line(Dir::Server, Phase::Banner, "220 " + result.server.banner);
  }
  Case& banner(const std::string& text) {
    result.server.banner = text;
    return *this;
  }
  Case& line(Dir dir, Phase phase, const std::string& text) {
    Event e;
    e.dir = dir;
    e.phase = phase;
    e.text = text;
    result.transcript.push_back(e);
    return *this;
  }
  Case& auth(std::vector<std::string> offered, std::vector<std::string> permitted = {"PLAIN", "LOGIN"}) {
    result.auth.offered = std::move(offered);
    result.auth.permitted = std::move(permitted);
    return *this;
  }
  // Fails with the server's reply, given as the raw lines ("535-5.7.8 ...\n535 5.7.8 ...").
  Case& reply_failure(Phase phase, FailureCategory category, const std::string& raw) {
    Failure f;
    f.category = category;
    f.phase = phase;
    f.reply_code = std::stoi(raw.substr(0, 3));
    f.reply_text = raw;
    f.enhanced_code = smtp::parse_enhanced_code(raw.substr(4), f.reply_code);
    f.message = "The server said: " + raw.substr(0, raw.find('\n'));
    std::size_t start = 0;
    while (start < raw.size()) {
      auto nl = raw.find('\n', start);
      line(Dir::Server, phase, raw.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
      start = nl == std::string::npos ? raw.size() : nl + 1;
    }
    result.failure = f;
    return finish();
  }
  Case& failure(Phase phase, FailureCategory category, const std::string& message, FailureCause cause = FailureCause::None) {
    line(Dir::Error, phase, message);
    result.failure = Failure{};
    result.failure->category = category;
    result.failure->phase = phase;
    result.failure->message = message;
    result.failure->cause = cause;
    return finish();
  }
  Case& finish() {
    result.ok = !result.failure;
    line(result.ok ? Dir::Info : Dir::Error, Phase::Done, result.ok ? "Test succeeded" : "Test failed");
    return *this;
  }
  // Every case also proves that hints do not read our own wording: with each failure message and error
  // line rephrased, the same hints fire.
  std::vector<Hint> hints() const {
    auto hints = HintCatalogue::builtin().match(settings, result);
    CHECK(hint_test::hint_ids(HintCatalogue::builtin().match(settings, hint_test::reworded(result))) == hint_test::hint_ids(hints));
    return hints;
  }
  std::vector<std::string> ids() const { return hint_test::hint_ids(hints()); }
};

const Hint& hint(const std::vector<Hint>& hints, const std::string& id) {
  for (const auto& h : hints)
    if (h.id == id) return h;
  FAIL("no hint " << id);
  throw;
}

const char* kGmailBanner = "smtp.gmail.com ESMTP a640c23a62f3a-a9a0f1e0c1esm123456.12 - gsmtp";
const char* kO365Banner = "AM0PR02CA0033.outlook.office365.com Microsoft ESMTP MAIL Service ready at Sat, 28 Nov 2026 10:00:00 +0000";
const char* kSesBanner = "email-smtp.amazonaws.com ESMTP SimpleEmailService-d-6QTVKHFRT";

Case auth_failure(ConnectionSettings s, const char* banner, const std::string& raw) {
  Case session(std::move(s));
  session.banner(banner).auth({"LOGIN", "PLAIN"}).reply_failure(Phase::Auth, FailureCategory::Auth, raw);
  session.result.auth.result = AuthResult::Failed;
  session.result.auth.mechanism = "PLAIN";
  return session;
}

}  // namespace

TEST_CASE("Hints: the built-in catalogue has every id of the issue", "[hints]") {
  const auto& c = HintCatalogue::builtin();
  auto ids = c.ids();
  std::set<std::string> have(ids.begin(), ids.end());
  for (const char* id :
       {"auth-no-common-mechanism", "dns-short-hostname", "gmail-app-password", "gmail-web-login-required",
        "o365-smtp-auth-disabled", "o365-basic-auth-disabled", "ses-smtp-credentials", "ses-unverified-identity", "auth-failed",
        "auth-required", "auth-mechanism-too-weak", "auth-rate-limited", "starttls-required", "starttls-not-offered",
        "tls-unavailable", "mode-implicit-on-plain-port", "mode-plain-on-tls-port", "port-mode-mismatch", "cert-expired",
        "cert-not-yet-valid", "cert-hostname-mismatch", "cert-untrusted", "tls-no-common-version", "connection-refused",
        "connect-timeout", "dns-not-found", "server-busy", "relay-denied", "sender-not-owned", "ehlo-rejected",
        "plaintext-auth-blocked", "starttls-injection", "proxy-unreachable", "proxy-auth-failed", "proxy-target-refused",
        // issue 18
        "non-smtp-service", "starttls-answered-in-plaintext", "no-greeting", "greeting-too-slow", "closed-before-greeting",
        "connection-closed", "tls-handshake-reset", "malformed-reply", "reply-out-of-step", "session-refused",
        "auth-temporary-failure", "auth-mechanism-disabled", "auth-not-enabled", "recipient-unknown", "mailbox-full",
        "message-too-large", "too-many-recipients", "message-rejected-policy", "proxy-protocol-error",
        // issue 17
        "client-certificate-required", "client-certificate-not-accepted", "ntlm-server-needs-ntlmv1"}) {
    INFO(id);
    CHECK(have.count(id) == 1);
  }
  CHECK(c.size() >= have.size());
}

TEST_CASE("Hints: Gmail", "[hints]") {
  auto gmail = user_settings("smtp.gmail.com", 465, Security::Implicit);
  auto bad = auth_failure(gmail, kGmailBanner,
                          "535-5.7.8 Username and Password not accepted. For more information, go to\n"
                          "535 5.7.8  https://support.google.com/mail/?p=BadCredentials a640c23a62f3a-a9a0f1e0c1esm123456.12 - gsmtp");
  CHECK(bad.ids() == std::vector<std::string>{"gmail-app-password"});  // not also auth-failed
  auto h = hint(bad.hints(), "gmail-app-password");
  CHECK(h.explanation.find("Less secure apps") != std::string::npos);
  CHECK(h.fix.find("app password") != std::string::npos);
  CHECK(h.phase == Phase::Auth);
  REQUIRE(h.transcript_index);
  CHECK(bad.result.transcript[*h.transcript_index].text.rfind("535 5.7.8", 0) == 0);

  auto second_factor = auth_failure(gmail, kGmailBanner,
                                    "534-5.7.9 Application-specific password required. Learn more at\n"
                                    "534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor 5b1f17b1804b1-42b2f1b5b0fsm12.24 - gsmtp");
  CHECK(second_factor.ids() == std::vector<std::string>{"gmail-app-password"});

  auto web = auth_failure(gmail, kGmailBanner,
                          "534-5.7.14 <https://accounts.google.com/signin/continue?sarp=1&scc=1&plt=AKgnsbt>\n"
                          "534-5.7.14 Please log in via your web browser and then try again.\n"
                          "534-5.7.14  Learn more at\n"
                          "534 5.7.14  https://support.google.com/mail/answer/78754 t9sm1234567wrx.61 - gsmtp");
  CHECK(web.ids() == std::vector<std::string>{"gmail-web-login-required"});
}

TEST_CASE("Hints: Microsoft 365", "[hints]") {
  auto o365 = user_settings("smtp.office365.com", 587);
  auto tenant = auth_failure(o365, kO365Banner,
                             "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. "
                             "Visit https://aka.ms/smtp_auth_disabled for more information. [AM0PR02CA0033.eurprd02.prod.outlook.com]");
  CHECK(tenant.ids() == std::vector<std::string>{"o365-smtp-auth-disabled"});
  auto mailbox = auth_failure(o365, kO365Banner,
                              "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. "
                              "Visit https://aka.ms/smtp_auth_disabled for more information.");
  CHECK(mailbox.ids() == std::vector<std::string>{"o365-smtp-auth-disabled"});
  CHECK(hint(mailbox.hints(), "o365-smtp-auth-disabled").fix.find("me@example.com") != std::string::npos);

  auto basic = auth_failure(o365, kO365Banner,
                            "535 5.7.139 Authentication unsuccessful, basic authentication is disabled. [BN9PR03CA0123.namprd03.prod.outlook.com]");
  CHECK(basic.ids() == std::vector<std::string>{"o365-basic-auth-disabled"});
  auto h = hint(basic.hints(), "o365-basic-auth-disabled");
  CHECK(h.explanation.find("end of December 2026") != std::string::npos);
  CHECK(h.fix.find("OAuth") != std::string::npos);

  Case submission(o365);
  submission.banner(kO365Banner).reply_failure(Phase::Mail, FailureCategory::Smtp,
                                               "550 5.7.30 Basic authentication is not supported for Client Submission.");
  CHECK(submission.ids() == std::vector<std::string>{"o365-basic-auth-disabled"});

  Case send_as(o365);
  send_as.banner(kO365Banner).reply_failure(Phase::Data, FailureCategory::Smtp,
                                            "550 5.7.60 SMTP; Client does not have permissions to send as this sender "
                                            "[AM0PR02MB1234.eurprd02.prod.outlook.com]");
  CHECK(send_as.ids() == std::vector<std::string>{"sender-not-owned"});

  Case anonymous(o365);
  anonymous.banner(kO365Banner).reply_failure(Phase::Mail, FailureCategory::Auth,
                                              "530 5.7.57 Client not authenticated to send mail. [AM0PR02CA0033.eurprd02.prod.outlook.com]");
  CHECK(anonymous.ids() == std::vector<std::string>{"auth-required"});
}

TEST_CASE("Hints: Amazon SES", "[hints]") {
  auto ses = user_settings("email-smtp.eu-west-1.amazonaws.com", 587);
  auto creds = auth_failure(ses, kSesBanner, "535 Authentication Credentials Invalid");
  CHECK(creds.ids() == std::vector<std::string>{"ses-smtp-credentials"});
  CHECK(hint(creds.hints(), "ses-smtp-credentials").explanation.find("email-smtp.eu-west-1.amazonaws.com") != std::string::npos);

  Case unverified(ses);
  unverified.banner(kSesBanner).reply_failure(
      Phase::Data, FailureCategory::Smtp,
      "554 Message rejected: Email address is not verified. The following identities failed the check in region "
      "EU-WEST-1: sender@example.com");
  CHECK(unverified.ids() == std::vector<std::string>{"ses-unverified-identity"});
}

TEST_CASE("Hints: generic authentication replies", "[hints]") {
  auto s = user_settings("mail.example.com", 587);
  auto wrong = auth_failure(s, "mail.example.com ESMTP Postfix", "535 5.7.8 Error: authentication failed: authentication failure");
  CHECK(wrong.ids() == std::vector<std::string>{"auth-failed"});
  auto weak = auth_failure(s, "mail.example.com ESMTP", "534 5.7.9 Authentication mechanism is too weak");
  CHECK(weak.ids() == std::vector<std::string>{"auth-mechanism-too-weak"});
  auto limited = auth_failure(s, "mail.example.com ESMTP", "454 4.7.0 Too many login attempts, please try again later.");
  CHECK(limited.ids() == std::vector<std::string>{"auth-rate-limited"});

  Case required(s);
  required.reply_failure(Phase::Mail, FailureCategory::Auth, "530 5.7.0 Authentication required");
  CHECK(required.ids() == std::vector<std::string>{"auth-required"});

  Case starttls(s);
  starttls.reply_failure(Phase::Mail, FailureCategory::Tls, "530 5.7.0 Must issue a STARTTLS command first");
  CHECK(starttls.ids() == std::vector<std::string>{"starttls-required"});
}

TEST_CASE("Hints: no common mechanism lists both sets", "[hints]") {
  auto s = user_settings("mail.example.com", 587);
  s.sasl_mechanisms = {"CRAM-MD5"};
  Case none(s);
  none.auth({"PLAIN", "LOGIN"}, {"CRAM-MD5"})
      .failure(Phase::Auth, FailureCategory::Auth,
               "No authentication method enabled from those supported by the server (server offers: PLAIN, LOGIN; enabled here: CRAM-MD5)",
               FailureCause::NoCommonMechanism);
  CHECK(none.ids() == std::vector<std::string>{"auth-no-common-mechanism"});
  auto h = hint(none.hints(), "auth-no-common-mechanism");
  CHECK(h.explanation.find("PLAIN, LOGIN") != std::string::npos);
  CHECK(h.explanation.find("CRAM-MD5") != std::string::npos);

  Case offers_nothing(s);
  offers_nothing.auth({}, {"PLAIN", "LOGIN"}).failure(Phase::Auth, FailureCategory::Auth, "The server offers no authentication (no AUTH in the EHLO reply).",
                                                     FailureCause::NoAuthOffered);
  CHECK(offers_nothing.ids() == std::vector<std::string>{"auth-no-common-mechanism"});
  CHECK(hint(offers_nothing.hints(), "auth-no-common-mechanism").fix.find("Anonymous") != std::string::npos);

  auto plain = s;
  plain.security = Security::None;
  plain.allow_plaintext_auth = true;
  Case before_tls(plain);
  before_tls.result.server.capabilities_before_tls = {"PIPELINING", "STARTTLS"};
  before_tls.auth({}).failure(Phase::Auth, FailureCategory::Auth, "The server offers no authentication (no AUTH in the EHLO reply, ...)",
                              FailureCause::NoAuthOffered);
  CHECK(hint(before_tls.hints(), "auth-no-common-mechanism").fix.find("STARTTLS") != std::string::npos);
}

TEST_CASE("Hints: our own refusal to send credentials in clear text", "[hints]") {
  auto s = user_settings("mail.example.com", 25);
  s.security = Security::None;
  Case blocked(s);
  blocked.auth({"PLAIN"}, {}).failure(Phase::Auth, FailureCategory::Auth,
                                      "Refusing to send credentials over an unencrypted connection. Use STARTTLS or implicit TLS, or allow "
                                      "plaintext AUTH explicitly if you accept the risk.",
                                      FailureCause::CleartextCredentials);
  CHECK(blocked.ids() == std::vector<std::string>{"plaintext-auth-blocked"});
}

TEST_CASE("Hints: STARTTLS and security mode", "[hints]") {
  auto s = user_settings("mail.example.com", 587);
  Case not_offered(s);
  not_offered.result.server.capabilities_before_tls = {"PIPELINING", "SIZE 10240000"};
  not_offered.failure(Phase::StartTls, FailureCategory::Tls, "The server does not offer STARTTLS, and explicit TLS is configured");
  CHECK(not_offered.ids() == std::vector<std::string>{"starttls-not-offered"});

  Case unavailable(s);
  unavailable.result.server.capabilities_before_tls = {"STARTTLS"};
  unavailable.reply_failure(Phase::StartTls, FailureCategory::Tls, "454 4.7.0 TLS not available due to local problem");
  CHECK(unavailable.ids() == std::vector<std::string>{"tls-unavailable"});

  Case injected(s);
  injected.result.tls.used = true;
  injected.result.tls.verified = true;
  injected.result.tls.starttls_injection = true;
  injected.line(Dir::Error, Phase::StartTls, "The server sent 25 bytes after \"220\" to STARTTLS (CVE-2011-0411)");
  injected.finish();
  auto hints = injected.hints();
  REQUIRE(injected.ids() == std::vector<std::string>{"starttls-injection"});
  CHECK(hints[0].severity == HintSeverity::Warning);
  CHECK(hints[0].phase == Phase::StartTls);
  REQUIRE(hints[0].transcript_index);
  CHECK(injected.result.transcript[*hints[0].transcript_index].text.find("CVE-2011-0411") != std::string::npos);

  auto implicit = user_settings("mail.example.com", 587, Security::Implicit);
  Case plaintext(implicit);
  plaintext.result.tls.used = true;
  plaintext.result.tls.plaintext_answer = true;
  plaintext.failure(Phase::TlsHandshake, FailureCategory::Tls, "The server answered in plain text (\"220 mail.example.com ESMTP\") instead of TLS");
  CHECK(plaintext.ids() == std::vector<std::string>{"mode-implicit-on-plain-port", "port-mode-mismatch"});

  auto explicit_465 = user_settings("mail.example.com", 465);
  Case silent(explicit_465);
  silent.result.server.tls_on_silent_port = true;
  silent.failure(Phase::Banner, FailureCategory::Timeout, "No complete reply from the server within 30 s");
  CHECK(silent.ids() == std::vector<std::string>{"mode-plain-on-tls-port", "port-mode-mismatch"});
  auto other_port = user_settings("mail.example.com", 10465);
  Case silent_other(other_port);
  silent_other.result.server.tls_on_silent_port = true;
  silent_other.failure(Phase::Banner, FailureCategory::Timeout, "No complete reply from the server within 30 s");
  CHECK(silent_other.ids() == std::vector<std::string>{"mode-plain-on-tls-port"});
  Case silent_no_tls(other_port);  // a silent server that does not speak TLS either: no guess
  silent_no_tls.failure(Phase::Banner, FailureCategory::Timeout, "No complete reply from the server within 30 s");
  CHECK(silent_no_tls.ids().empty());
}

TEST_CASE("Hints: port and mode mismatch is a warning before connecting", "[hints]") {
  const auto& c = HintCatalogue::builtin();
  auto warn = [&](int port, Security security) {
    auto s = user_settings("mail.example.com", port, security);
    std::vector<std::string> ids;
    for (const auto& h : c.match_settings(s)) ids.push_back(h.id);
    return ids;
  };
  std::vector<std::string> mismatch{"port-mode-mismatch"};
  CHECK(warn(465, Security::StartTls) == mismatch);
  CHECK(warn(465, Security::None) == mismatch);
  CHECK(warn(587, Security::Implicit) == mismatch);
  CHECK(warn(25, Security::Implicit) == mismatch);
  CHECK(warn(465, Security::Implicit).empty());
  CHECK(warn(587, Security::StartTls).empty());
  CHECK(warn(25, Security::None).empty());
  CHECK(warn(2525, Security::Implicit).empty());
  CHECK(warn(990, Security::Implicit) == mismatch);  // FTPS, whatever some documentation says
  auto s = user_settings("mail.example.com", 587, Security::Implicit);
  auto hints = c.match_settings(s);
  REQUIRE(hints.size() == 1);
  CHECK(hints[0].severity == HintSeverity::Warning);
  CHECK(hints[0].title.find("587") != std::string::npos);
}

TEST_CASE("Hints: certificates", "[hints]") {
  auto s = user_settings("smtp.example.com", 465, Security::Implicit);
  auto cert_failure = [&](std::vector<VerifyErrorKind> kinds) {
    Case session(s);
    session.result.tls.used = true;
    session.result.tls.verify_error_kinds = std::move(kinds);
    session.result.tls.verify_errors = {"The certificate is not correctly signed by the trusted CA"};
    CertificateInfo leaf;
    leaf.subject = "CN=mail.provider.net";
    leaf.issuer = "CN=Provider Issuing CA";
    leaf.subject_alt_names = {"DNS:mail.provider.net", "DNS:*.provider.net"};
    leaf.not_before = "2026-01-01T00:00:00Z";
    leaf.not_after = "2026-03-31T23:59:59Z";
    session.result.tls.chain = {leaf};
    session.failure(Phase::TlsHandshake, FailureCategory::Certificate, "The server's certificate is not trusted");
    return session;
  };
  auto expired = cert_failure({VerifyErrorKind::Expired});
  REQUIRE(expired.ids() == std::vector<std::string>{"cert-expired"});
  CHECK(expired.hints()[0].explanation.find("valid until 2026-03-31T23:59:59Z") != std::string::npos);
  CHECK(cert_failure({VerifyErrorKind::NotYetValid}).ids() == std::vector<std::string>{"cert-not-yet-valid"});
  auto mismatch = cert_failure({VerifyErrorKind::HostnameMismatch});
  REQUIRE(mismatch.ids() == std::vector<std::string>{"cert-hostname-mismatch"});
  auto h = mismatch.hints()[0];
  CHECK(h.fix.find("e.g. mail.provider.net") != std::string::npos);
  CHECK(h.explanation.find("mail.provider.net, *.provider.net") != std::string::npos);
  auto untrusted = cert_failure({VerifyErrorKind::Untrusted});
  REQUIRE(untrusted.ids() == std::vector<std::string>{"cert-untrusted"});
  CHECK(untrusted.hints()[0].explanation.find("CN=Provider Issuing CA") != std::string::npos);  // the chain is shown
  CHECK(cert_failure({VerifyErrorKind::Untrusted, VerifyErrorKind::Expired}).ids().size() == 2);

  // Verification turned off: the test goes on and succeeds, and the certificate's fault is a warning.
  s.verify_certificate = false;
  Case unverified(s);
  unverified.result.tls.used = true;
  unverified.result.tls.verification_enabled = false;
  unverified.result.tls.verify_error_kinds = {VerifyErrorKind::Untrusted};
  unverified.finish();
  auto hints = unverified.hints();
  REQUIRE(hints.size() == 1);
  CHECK(hints[0].id == "cert-untrusted");
  CHECK(hints[0].severity == HintSeverity::Warning);
}

TEST_CASE("Hints: no common TLS version names the side that refuses", "[hints]") {
  auto s = user_settings("smtp.example.com", 587);
  s.tls_versions = TlsVersionSet{}.with(TlsVersion::Tls13);
  Case server(s);
  server.result.tls.used = true;
  server.result.tls.version_refused_by = RefusedBy::Server;
  server.failure(Phase::TlsHandshake, FailureCategory::Tls, "TLS handshake failed (the server sent the alert \"protocol version\")");
  REQUIRE(server.ids() == std::vector<std::string>{"tls-no-common-version"});
  CHECK(server.hints()[0].title.find("server refuses") != std::string::npos);
  CHECK(server.hints()[0].explanation.find("TLS 1.3") != std::string::npos);

  s.tls_versions = TlsVersionSet{}.with(TlsVersion::Tls10);
  Case client(s);
  client.result.tls.version_refused_by = RefusedBy::Client;
  client.failure(Phase::Resolve, FailureCategory::Tls, "This build negotiates only TLS 1.2 and TLS 1.3");
  REQUIRE(client.ids() == std::vector<std::string>{"tls-no-common-version"});
  CHECK(client.hints()[0].title.find("client refuses") != std::string::npos);
}

TEST_CASE("Hints: DNS and connection", "[hints]") {
  auto bare = user_settings("servername", 587);
  Case short_name(bare);
  short_name.failure(Phase::Resolve, FailureCategory::Dns, "Cannot resolve \"servername\": Name or service not known");
  CHECK(short_name.ids() == std::vector<std::string>{"dns-short-hostname"});  // and not dns-not-found as well
  CHECK(short_name.hints()[0].fix.find("IP address") != std::string::npos);

  Case via_search(bare);
  via_search.result.server.search_domain_name = "servername.corp.example.com";
  via_search.finish();
  REQUIRE(via_search.ids() == std::vector<std::string>{"dns-short-hostname"});
  CHECK(via_search.hints()[0].fix.find("servername.corp.example.com") != std::string::npos);
  CHECK(via_search.hints()[0].severity == HintSeverity::Warning);

  Case unknown(user_settings("smtp.no-such-domain.example", 587));
  unknown.failure(Phase::Resolve, FailureCategory::Dns, "Cannot resolve \"smtp.no-such-domain.example\": Name or service not known");
  CHECK(unknown.ids() == std::vector<std::string>{"dns-not-found"});

  Case refused(user_settings("mail.example.com", 587));
  refused.failure(Phase::Connect, FailureCategory::Connect, "Cannot connect to mail.example.com:587 (192.0.2.1: Connection refused)",
                  FailureCause::ConnectionRefused);
  CHECK(refused.ids() == std::vector<std::string>{"connection-refused"});

  auto port25 = user_settings("mail.example.com", 25);
  port25.security = Security::None;
  Case blocked(port25);
  blocked.failure(Phase::Connect, FailureCategory::Timeout, "Connecting to mail.example.com:25 timed out after 30 s");
  REQUIRE(blocked.ids() == std::vector<std::string>{"connect-timeout"});
  CHECK(blocked.hints()[0].explanation.find("block outgoing port 25") != std::string::npos);
}

TEST_CASE("Hints: SMTP replies about the session, the sender, relaying and EHLO", "[hints]") {
  auto s = user_settings("mail.example.com", 587);
  Case busy(s);
  busy.reply_failure(Phase::Banner, FailureCategory::Smtp, "421 4.3.2 Service not available, closing transmission channel");
  CHECK(busy.ids() == std::vector<std::string>{"server-busy"});

  Case relay(s);
  relay.reply_failure(Phase::Rcpt, FailureCategory::Smtp, "554 5.7.1 <someone@elsewhere.example>: Relay access denied");
  CHECK(relay.ids() == std::vector<std::string>{"relay-denied"});
  Case relaying(s);
  relaying.reply_failure(Phase::Rcpt, FailureCategory::Smtp, "550 5.7.1 Relaying denied");
  CHECK(relaying.ids() == std::vector<std::string>{"relay-denied"});

  Case sender(s);
  sender.reply_failure(Phase::Rcpt, FailureCategory::Smtp, "553 5.7.1 <boss@example.com>: Sender address rejected: not owned by user me@example.com");
  CHECK(sender.ids() == std::vector<std::string>{"sender-not-owned"});

  Case ehlo(s);
  ehlo.reply_failure(Phase::Ehlo, FailureCategory::Smtp, "501 5.5.4 Syntax: EHLO hostname");
  CHECK(ehlo.ids() == std::vector<std::string>{"ehlo-rejected"});
  Case gmail_ehlo(user_settings("smtp.gmail.com", 587));
  gmail_ehlo.banner(kGmailBanner)
      .reply_failure(Phase::Ehlo, FailureCategory::Smtp, "421-4.7.0 Try again later, closing connection. (EHLO)\n"
                                                         "421 4.7.0  For more information, go to https://support.google.com/a/answer/3221692 - gsmtp");
  CHECK(gmail_ehlo.ids() == std::vector<std::string>{"ehlo-rejected"});  // not server-busy
}

TEST_CASE("Hints: proxy failures", "[hints]") {
  auto s = user_settings("mail.example.com", 587);
  s.proxy.type = ProxyType::Socks5;
  s.proxy.address = "proxy.example.com";
  // The proxy's outcome (ProxyFacts::result) decides, with the engine's real messages.
  auto proxy = [&](const std::string& outcome, const std::string& message) {
    Case session(s);
    session.result.transcript.clear();
    session.result.proxy.used = true;
    session.result.proxy.result = proxy_result_from(outcome).value();
    session.failure(Phase::Proxy, FailureCategory::Proxy, message);
    return session.ids();
  };
  CHECK(proxy("unreachable", "The proxy proxy.example.com:1080 is unreachable (127.0.0.1: Connection refused)") ==
        std::vector<std::string>{"proxy-unreachable"});
  CHECK(proxy("timeout", "The proxy did not answer the SOCKS5 greeting in time") == std::vector<std::string>{"proxy-unreachable"});
  CHECK(proxy("credentials-refused", "The SOCKS5 proxy refused the username/password (status 1)") ==
        std::vector<std::string>{"proxy-auth-failed"});
  // SOCKS4's wording says "refused the connection", yet it is the target that was refused.
  CHECK(proxy("target-refused", "The SOCKS4 proxy refused the connection to 192.0.2.1:587: reply 91 (request rejected or failed)") ==
        std::vector<std::string>{"proxy-target-refused"});
  CHECK(proxy("protocol-error", "The proxy's answer to the SOCKS5 greeting is not valid: version 4") ==
        std::vector<std::string>{"proxy-protocol-error"});
}

TEST_CASE("Hints: healthy sessions of each preset shape raise no hint", "[hints]") {
  auto healthy = [](ConnectionSettings s, const char* banner, std::vector<std::string> before, std::vector<std::string> after,
                    std::vector<std::string> offered) {
    Case session(std::move(s));
    session.banner(banner);
    session.result.server.capabilities_before_tls = std::move(before);
    session.result.server.capabilities_after_tls = std::move(after);
    if (session.settings.encrypted()) {
      session.result.tls.used = true;
      session.result.tls.verified = true;
      session.result.tls.version = "TLSv1.3";
    }
    session.auth(std::move(offered));
    session.result.auth.result = session.settings.anonymous ? AuthResult::Skipped : AuthResult::Ok;
    session.result.message.attempted = session.result.message.accepted = true;
    session.line(Dir::Server, Phase::Data, "250 2.0.0 OK");
    session.finish();
    return session;
  };
  std::vector<Case> sessions = {
      healthy(user_settings("smtp.gmail.com", 465, Security::Implicit), kGmailBanner, {},
              {"SIZE 35882577", "AUTH LOGIN PLAIN XOAUTH2 PLAIN-CLIENTTOKEN OAUTHBEARER XOAUTH", "ENHANCEDSTATUSCODES"},
              {"LOGIN", "PLAIN", "XOAUTH2"}),
      healthy(user_settings("smtp.office365.com", 587), kO365Banner, {"SIZE 157286400", "STARTTLS"},
              {"AUTH LOGIN XOAUTH2", "8BITMIME"}, {"LOGIN", "XOAUTH2"}),
      healthy(user_settings("email-smtp.eu-west-1.amazonaws.com", 587), kSesBanner, {"STARTTLS", "AUTH PLAIN LOGIN"},
              {"AUTH PLAIN LOGIN"}, {"PLAIN", "LOGIN"}),
      healthy(user_settings("email-smtp.eu-west-1.amazonaws.com", 465, Security::Implicit), kSesBanner, {},
              {"AUTH PLAIN LOGIN"}, {"PLAIN", "LOGIN"}),
      healthy(user_settings("mail.contoso.com", 587), "mail.contoso.com Microsoft ESMTP MAIL Service ready at Sat, 28 Nov 2026",
              {"STARTTLS", "AUTH GSSAPI NTLM"}, {"AUTH GSSAPI NTLM LOGIN"}, {"GSSAPI", "NTLM", "LOGIN"}),
  };
  auto plain25 = user_settings("mx.example.org", 25);
  plain25.security = Security::None;
  plain25.anonymous = true;
  sessions.push_back(healthy(plain25, "mx.example.org ESMTP Postfix", {"PIPELINING", "SIZE 10240000"}, {}, {}));
  // Alarming words in harmless sentences (banners of real-world shape) are no failure.
  for (const char* banner : {"mail.example.org ESMTP Postfix - unsolicited bulk mail is blocked, relaying denied to strangers",
                             "mx.example.org ESMTP Exim; errors are reported to postmaster@example.org; access denied to spammers",
                             "smtp.example.net ESMTP NO UCE; connections from blocked networks are refused; error reports: abuse@example.net",
                             "mail.example.com ESMTP 554-style refusals are logged (Relay access denied, User unknown, Mailbox full)"}) {
    auto s = user_settings("mail.example.org", 587);
    auto session = healthy(s, banner, {"PIPELINING", "STARTTLS"}, {"AUTH PLAIN LOGIN", "ENHANCEDSTATUSCODES"}, {"PLAIN", "LOGIN"});
    session.line(Dir::Server, Phase::Quit, "221 2.0.0 Bye, no errors, nothing blocked or denied");
    sessions.push_back(session);
  }
  for (const auto& s : sessions) {
    INFO(s.settings.address << ":" << s.settings.port);
    CHECK(s.hints().empty());
    CHECK(HintCatalogue::builtin().match_settings(s.settings).empty());
  }
}

TEST_CASE("Hints: errors come before warnings, one hint per id", "[hints]") {
  auto s = user_settings("smtp.example.com", 587, Security::Implicit);
  Case session(s);
  session.result.tls.used = true;
  session.result.tls.verify_error_kinds = {VerifyErrorKind::Expired, VerifyErrorKind::Untrusted};
  session.result.tls.starttls_injection = true;
  session.failure(Phase::TlsHandshake, FailureCategory::Certificate, "not trusted");
  auto hints = session.hints();
  REQUIRE(hints.size() == 4);
  CHECK(hints[0].severity == HintSeverity::Error);
  CHECK(hints[1].severity == HintSeverity::Error);
  CHECK(hints[2].severity == HintSeverity::Warning);
  CHECK(hints[3].severity == HintSeverity::Warning);
}

TEST_CASE("Hint catalogue: errors name the rule and the field", "[hints]") {
  auto error_of = [](const std::string& text) {
    try {
      HintCatalogue::from_json(text);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  auto rule = [](const std::string& body) {
    return R"({"format": "smtp-workbench-hints", "rules": [
      {"id": "first", "when": {"reply_code": 535}, "title": "t", "explanation": "e", "fix": "f"},
      )" + body + "]}";
  };
  CHECK(error_of("{\"format\": \"smtp-workbench-hints\",\n \"rules\": [\n }") .find("line 3") != std::string::npos);
  CHECK(error_of(R"({"format": "other", "rules": []})").find("\"format\"") != std::string::npos);
  auto unknown = error_of(rule(R"({"id": "x", "when": {"reply_cod": 535}, "title": "t", "explanation": "e", "fix": "f"})"));
  CHECK(unknown.find("rule 1 (\"x\")") != std::string::npos);
  CHECK(unknown.find("when.reply_cod") != std::string::npos);
  CHECK(error_of(rule(R"({"id": "x", "when": {"reply_code": "535"}, "title": "t", "explanation": "e", "fix": "f"})"))
            .find("when.reply_code\": must be an integer") != std::string::npos);
  CHECK(error_of(rule(R"({"id": "x", "when": {"category": "nope"}, "title": "t", "explanation": "e", "fix": "f"})"))
            .find("\"nope\" is not one of config, dns") != std::string::npos);
  CHECK(error_of(rule(R"({"id": "x", "when": {"reply_regex": "(unclosed"}, "title": "t", "explanation": "e", "fix": "f"})"))
            .find("when.reply_regex") != std::string::npos);
  CHECK(error_of(rule(R"({"id": "x", "when": {"failed": true}, "title": "t {nope}", "explanation": "e", "fix": "f"})"))
            .find("field \"title\": unknown placeholder {nope}") != std::string::npos);
  CHECK(error_of(rule(R"({"id": "x", "when": {"failed": true, "unless": ["later"]}, "title": "t", "explanation": "e", "fix": "f"})"))
            .find("\"later\" is not the id of an earlier rule") != std::string::npos);
  CHECK(error_of(rule(R"({"id": "x", "when": {"failed": true}, "title": "t", "explanation": "e"})")).find("field \"fix\": missing") !=
        std::string::npos);
  CHECK(error_of(rule(R"({"id": "x", "stage": "settings", "when": {"reply_code": 1}, "title": "t", "explanation": "e", "fix": "f"})"))
            .find("settings-stage rule") != std::string::npos);
  CHECK(error_of(rule(R"({"id": "x", "when": {"port": 25}, "title": "t", "explanation": "e", "fix": "f"})"))
            .find("needs at least one condition on the session") != std::string::npos);
}

TEST_CASE("Hint catalogue: regular expressions, placeholders and 'unless' in a catalogue of one's own", "[hints]") {
  auto c = HintCatalogue::from_json(R"({"format": "smtp-workbench-hints", "rules": [
    {"id": "specific", "when": {"reply_regex": "^5\\d\\d 5\\.7\\.\\d+ .*quota"}, "title": "over quota on {host}",
     "explanation": "said {reply}", "fix": "offered {offered}"},
    {"id": "generic", "severity": "info", "when": {"failed": true, "unless": ["specific"]}, "title": "t", "explanation": "e", "fix": "f"}
  ]})");
  CHECK(c.size() == 2);
  auto s = user_settings("mail.example.com", 587);
  Case quota(s);
  quota.auth({"PLAIN"}).reply_failure(Phase::Rcpt, FailureCategory::Smtp, "552 5.7.1 Sending QUOTA exceeded");
  auto hints = c.match(quota.settings, quota.result);
  REQUIRE(hints.size() == 1);
  CHECK(hints[0].title == "over quota on mail.example.com");
  CHECK(hints[0].explanation == "said 552 5.7.1 Sending QUOTA exceeded");
  CHECK(hints[0].fix == "offered PLAIN");
  Case other(s);
  other.reply_failure(Phase::Rcpt, FailureCategory::Smtp, "550 5.1.1 User unknown");
  hints = c.match(other.settings, other.result);
  REQUIRE(hints.size() == 1);
  CHECK(hints[0].id == "generic");
  CHECK(hints[0].severity == HintSeverity::Info);

  auto by_settings = HintCatalogue::from_json(R"({"format": "smtp-workbench-hints", "rules": [
    {"id": "starttls-user", "stage": "settings", "when": {"security": "starttls", "anonymous": false, "auth_type": "default"},
     "title": "t", "explanation": "e", "fix": "f"}]})");
  auto user = user_settings("mail.example.com", 465, Security::Implicit);
  CHECK(by_settings.match_settings(user).empty());
  user.security = Security::StartTls;
  CHECK(by_settings.match_settings(user).size() == 1);
  user.anonymous = true;
  CHECK(by_settings.match_settings(user).empty());
}

#include "smtpwb/net/search_domains.hpp"

TEST_CASE("Resolver search list: the last search or domain line wins", "[hints][dns]") {
  using smtpwb::net::parse_search_domains;
  CHECK(parse_search_domains("nameserver 10.0.0.1\n").empty());
  CHECK(parse_search_domains("search corp.example.com lab.example.com.\nnameserver 10.0.0.1\n") ==
        std::vector<std::string>{"corp.example.com", "lab.example.com"});
  CHECK(parse_search_domains("search a.example\ndomain b.example extra\n") == std::vector<std::string>{"b.example"});
  CHECK(parse_search_domains("# search commented.example\nsearch  x.example # trailing\n") == std::vector<std::string>{"x.example"});
  CHECK(parse_search_domains("search .\n").empty());
}

TEST_CASE("Hints: a rejected OAuth token is named as such, not as a wrong password", "[hints]") {
  auto s = user_settings("smtp.gmail.com", 465, Security::Implicit);
  s.auth_type = AuthType::GmailOAuth;
  s.username = "1234567890-abc.apps.googleusercontent.com";  // the Application Id, as the window keeps it
  s.oauth_account = "me@gmail.com";
  auto rejected = auth_failure(s, kGmailBanner,
                               "535-5.7.8 Username and Password not accepted. For more information, go to\n"
                               "535 5.7.8  https://support.google.com/mail/?p=BadCredentials a640c23a62f3a-a9a0f1e0c1esm1 - gsmtp");
  rejected.result.auth.mechanism = "XOAUTH2";
  CHECK(rejected.ids() == std::vector<std::string>{"oauth-token-rejected"});
  auto explanation = hint(rejected.hints(), "oauth-token-rejected").explanation;
  CHECK(explanation.find("XOAUTH2 login of me@gmail.com") != std::string::npos);
}

TEST_CASE("Hints: placeholders inside a server's reply are not expanded, and quoted values are capped", "[hints]") {
  // A hostile reply full of placeholder names: before the fix fill() expanded {reply} again inside the
  // inserted message (tens of megabytes here; without bound in general).
  auto c = HintCatalogue::from_json(R"({"format": "smtp-workbench-hints", "rules": [
    {"id": "quoting", "when": {"failed": true}, "title": "{host}", "explanation": "{message} / {reply}", "fix": "{username} {san_list}"}]})");
  std::string placeholders_10000;
  for (int i = 0; i < 10000; ++i) placeholders_10000 += "{reply}";
  Case hostile(user_settings("mail.example.com", 587));
  hostile.reply_failure(Phase::Rcpt, FailureCategory::Smtp, "550 " + placeholders_10000);
  hostile.result.failure->message = "The server said: 550 " + placeholders_10000.substr(0, 7 * 1000);
  auto t0 = std::chrono::steady_clock::now();
  auto hints = c.match(hostile.settings, hostile.result);
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  REQUIRE(hints.size() == 1);
  CHECK(hints[0].explanation.size() < 2 * 2000 + 100);
  CHECK(hints[0].explanation.find("{reply}{reply}") != std::string::npos);  // quoted as text
  CHECK(hints[0].explanation.find("[...cut]") != std::string::npos);
  CHECK(ms < 500);

  // Short values are quoted whole, and a template's own unknown braces stay as they are.
  Case plain(user_settings("mail.example.com", 587));
  plain.reply_failure(Phase::Rcpt, FailureCategory::Smtp, "550 5.1.1 {username} unknown");
  auto plain_hints = c.match(plain.settings, plain.result);
  REQUIRE(plain_hints.size() == 1);
  CHECK(plain_hints[0].explanation == "The server said: 550 5.1.1 {username} unknown / 550 5.1.1 {username} unknown");
  CHECK(plain_hints[0].fix == "me@example.com none");
}

#include "smtpwb/status_codes.hpp"

namespace {

// Real replies of real servers for the failures of issue 18, each with the hint it must raise.
struct ReplyCase {
  const char* server;
  Phase phase;
  FailureCategory category;
  const char* reply;  // raw lines, "\n" between them
  const char* hint;
};

const ReplyCase kReplyCases[] = {
    {"Postfix, saslauthd down", Phase::Auth, FailureCategory::Auth, "454 4.7.0 Temporary authentication failure: generic failure",
     "auth-temporary-failure"},
    {"Exchange", Phase::Auth, FailureCategory::Auth, "454 4.7.0 Temporary authentication failure", "auth-temporary-failure"},
    {"Exchange, Basic auth off on the connector", Phase::Auth, FailureCategory::Auth, "504 5.7.4 Unrecognized authentication type",
     "auth-mechanism-disabled"},
    {"Postfix, no SASL on this listener", Phase::Auth, FailureCategory::Auth, "503 5.5.1 Error: authentication not enabled",
     "auth-not-enabled"},
    {"Postfix", Phase::Rcpt, FailureCategory::Smtp,
     "550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown in local recipient table", "recipient-unknown"},
    {"Gmail", Phase::Rcpt, FailureCategory::Smtp,
     "550-5.1.1 The email account that you tried to reach does not exist. Please try\n"
     "550-5.1.1 double-checking the recipient's email address for typos or\n"
     "550 5.1.1 unnecessary spaces. https://support.google.com/mail/?p=NoSuchUser a1si123 - gsmtp",
     "recipient-unknown"},
    {"Exchange Online", Phase::Rcpt, FailureCategory::Smtp,
     "550 5.4.1 Recipient address rejected: Access denied. [AM0PR02MB1234.eurprd02.prod.outlook.com]", "recipient-unknown"},
    {"Sendmail, no enhanced code", Phase::Rcpt, FailureCategory::Smtp, "550 <nobody@example.com>... User unknown", "recipient-unknown"},
    {"Gmail", Phase::Data, FailureCategory::Smtp,
     "550-5.7.1 [192.0.2.1] Our system has detected that this message is likely\n"
     "550 5.7.1 unsolicited mail. https://support.google.com/mail/?p=UnsolicitedMessageError a1si123 - gsmtp",
     "message-rejected-policy"},
    {"a content filter", Phase::Data, FailureCategory::Smtp, "554 5.7.1 Message rejected as spam by Content Filtering.",
     "message-rejected-policy"},
    {"Gmail, DMARC", Phase::Data, FailureCategory::Smtp,
     "550-5.7.26 Unauthenticated email from example.com is not accepted due to domain's\n"
     "550 5.7.26 DMARC policy. https://support.google.com/mail/answer/2451690 a1si123 - gsmtp",
     "message-rejected-policy"},
    {"Postfix", Phase::Data, FailureCategory::Smtp, "552 5.3.4 Message size exceeds fixed limit", "message-too-large"},
    {"Exchange", Phase::Data, FailureCategory::Smtp, "552 5.3.4 Message size exceeds fixed maximum message size", "message-too-large"},
    {"Postfix", Phase::Rcpt, FailureCategory::Smtp, "452 4.5.3 Error: too many recipients", "too-many-recipients"},
    {"Exchange", Phase::Rcpt, FailureCategory::Smtp, "452 4.5.3 Too many recipients", "too-many-recipients"},
    {"Gmail", Phase::Rcpt, FailureCategory::Smtp,
     "452-4.2.2 The recipient's inbox is out of storage space. Please direct the\n"
     "452 4.2.2 recipient to https://support.google.com/mail/?p=OverQuotaTemp a1si123 - gsmtp",
     "mailbox-full"},
    {"Dovecot LMTP behind Postfix", Phase::Data, FailureCategory::Smtp,
     "552 5.2.2 <user@example.com> Quota exceeded (mailbox for user is full)", "mailbox-full"},
    {"a blocklisting MX", Phase::Banner, FailureCategory::Smtp,
     "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org", "session-refused"},
    {"Sendmail", Phase::Banner, FailureCategory::Smtp, "554 mail.example.com ESMTP not accepting messages", "session-refused"},
    {"Postfix, disk trouble", Phase::Data, FailureCategory::Smtp, "451 4.3.0 Error: queue file write error", "smtp-status-explained"},
    {"a null-MX sender check", Phase::Mail, FailureCategory::Smtp, "550 5.7.27 Sender address has null MX", "smtp-status-explained"},
    {"no enhanced code", Phase::Data, FailureCategory::Smtp, "554 Transaction failed", "smtp-status-explained"},
};

Case reply_case(const ReplyCase& c) {
  Case session(user_settings("mail.example.com", 587));
  session.auth({"PLAIN", "LOGIN"});
  session.result.auth.mechanism = c.phase == Phase::Auth ? "PLAIN" : "";
  session.reply_failure(c.phase, c.category, c.reply);
  return session;
}

}  // namespace

TEST_CASE("Hints: real replies for the failures of issue 18", "[hints]") {
  for (const auto& c : kReplyCases) {
    INFO(c.server << ": " << c.reply);
    auto session = reply_case(c);
    auto ids = session.ids();
    CHECK(std::find(ids.begin(), ids.end(), c.hint) != ids.end());
    // The fallback never stands beside a specific hint.
    if (std::string(c.hint) != "smtp-status-explained")
      CHECK(std::find(ids.begin(), ids.end(), "smtp-status-explained") == ids.end());
  }
  // The mechanism named in the hint is the one refused.
  auto disabled = reply_case(kReplyCases[2]);
  CHECK(hint(disabled.hints(), "auth-mechanism-disabled").title.find("PLAIN") != std::string::npos);
  // A temporary authentication failure is not called a wrong password.
  CHECK(reply_case(kReplyCases[0]).ids() == std::vector<std::string>{"auth-temporary-failure"});
}

TEST_CASE("Hints: the fallback explains a code from the registry, transient or permanent", "[hints]") {
  auto queue = reply_case({"Postfix", Phase::Data, FailureCategory::Smtp, "451 4.3.0 Error: queue file write error", ""});
  REQUIRE(queue.ids() == std::vector<std::string>{"smtp-status-explained"});
  auto h = queue.hints()[0];
  CHECK(h.title.find("451 4.3.0") != std::string::npos);
  CHECK(h.title.find("Other or undefined mail system status") != std::string::npos);
  CHECK(h.title.find("temporary") != std::string::npos);
  CHECK(h.explanation.find("X.3.0") != std::string::npos);
  CHECK(h.explanation.find("RFC 3463") != std::string::npos);
  CHECK(h.explanation.find("Persistent transient failure") != std::string::npos);
  CHECK(h.fix.find("Try again") != std::string::npos);
  CHECK(h.phase == Phase::Data);
  REQUIRE(h.transcript_index);
  CHECK(queue.result.transcript[*h.transcript_index].text == "451 4.3.0 Error: queue file write error");

  auto null_mx = reply_case({"", Phase::Mail, FailureCategory::Smtp, "550 5.7.27 Sender address has null MX", ""});
  auto permanent = hint(null_mx.hints(), "smtp-status-explained");
  CHECK(permanent.explanation.find("RFC 7505") != std::string::npos);
  CHECK(permanent.title.find("permanent") != std::string::npos);
  CHECK(permanent.fix.find("trying again unchanged fails") != std::string::npos);

  // A detail the registry does not list: the subject's meaning.
  auto unlisted = reply_case({"", Phase::Rcpt, FailureCategory::Smtp, "550 5.7.509 Access denied, sending domain does not pass DMARC", ""});
  auto subject = hint(unlisted.hints(), "smtp-status-explained");
  CHECK(subject.title.find("Security or policy status") != std::string::npos);

  // No enhanced code: the basic reply code of RFC 5321.
  auto basic = reply_case({"", Phase::Data, FailureCategory::Smtp, "554 Transaction failed", ""});
  auto basic_hint = hint(basic.hints(), "smtp-status-explained");
  CHECK(basic_hint.explanation.find("RFC 5321") != std::string::npos);
  CHECK(basic_hint.explanation.find("Permanent negative completion") != std::string::npos);

  // Never beside a specific hint, and not for a settings warning alone.
  Case relay(user_settings("mail.example.com", 465));  // port 465 with STARTTLS: a settings warning as well
  relay.reply_failure(Phase::Rcpt, FailureCategory::Smtp, "554 5.7.1 <someone@elsewhere.example>: Relay access denied");
  CHECK(relay.ids() == std::vector<std::string>{"relay-denied", "port-mode-mismatch"});
  Case odd(user_settings("mail.example.com", 465));
  odd.reply_failure(Phase::Rcpt, FailureCategory::Smtp, "550 5.1.99 something odd");
  CHECK(odd.ids() == std::vector<std::string>{"smtp-status-explained", "port-mode-mismatch"});
}

TEST_CASE("Status codes: the registry data file is complete and sourced", "[hints]") {
  const auto& codes = StatusCodes::builtin();
  CHECK(codes.enhanced_count() >= 81);
  auto meaning = [&](int reply, const char* enhanced) { return codes.explain(reply, enhanced); };
  for (const char* code : {"5.0.0", "5.1.1", "5.1.10", "5.2.2", "5.3.4", "5.4.7", "5.5.6", "5.6.10", "5.7.0", "5.7.14", "5.7.19", "5.7.29", "5.7.30"}) {
    INFO(code);
    auto m = meaning(550, code);
    REQUIRE(m.meanings.size() == 2);  // the code, then its subject
    CHECK(m.meanings[0].code == "X" + std::string(code).substr(1));
    CHECK_FALSE(m.meanings[0].description.empty());
    CHECK_FALSE(m.meanings[0].references.empty());
    CHECK(m.permanent);
  }
  CHECK(meaning(550, "5.7.30").meanings[0].references == std::vector<std::string>{"RFC 8689"});
  CHECK(meaning(550, "5.7.29").meanings[0].references == std::vector<std::string>{"RFC 8617"});
  CHECK(meaning(550, "5.7.17").meanings[0].references == std::vector<std::string>{"RFC 7293"});
  CHECK(meaning(535, "5.7.8").meanings[0].references == std::vector<std::string>{"RFC 4954"});
  auto transient = meaning(452, "4.2.2");
  CHECK(transient.transient);
  CHECK(transient.class_meaning.title == "Persistent transient failure");
  auto basic = meaning(421, "");
  REQUIRE_FALSE(basic.meanings.empty());
  CHECK(basic.meanings[0].code == "421");
  CHECK(basic.class_meaning.code == "4yz");
  CHECK(meaning(556, "").meanings[0].references == std::vector<std::string>{"RFC 7504"});

  auto error_of = [](const std::string& text) {
    try {
      StatusCodes::from_json(text);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error_of(R"({"format": "smtp-workbench-status-codes", "enhanced": {"classes": [], "subjects": [],
     "codes": [{"code": "X.1.1", "title": "t", "description": "d"}]}, "basic": {"first_digit": [], "second_digit": [], "codes": []}})")
            .find("enhanced.codes entry 0: field \"reference\"") != std::string::npos);
}

TEST_CASE("Hints: every failing case of the hint tests ends with at least one hint", "[hints]") {
  // The reply cases above, the failures of the other test cases (real texts), and failures without a reply.
  std::vector<Case> failing;
  for (const auto& c : kReplyCases) failing.push_back(reply_case(c));
  auto s = user_settings("mail.example.com", 587);
  const std::pair<Phase, const char*> replies[] = {
      {Phase::Auth, "535 5.7.8 Error: authentication failed: authentication failure"},
      {Phase::Auth, "534 5.7.9 Authentication mechanism is too weak"},
      {Phase::Auth, "454 4.7.0 Too many login attempts, please try again later."},
      {Phase::Mail, "530 5.7.0 Authentication required"},
      {Phase::Mail, "530 5.7.0 Must issue a STARTTLS command first"},
      {Phase::StartTls, "454 4.7.0 TLS not available due to local problem"},
      {Phase::Banner, "421 4.3.2 Service not available, closing transmission channel"},
      {Phase::Rcpt, "554 5.7.1 <someone@elsewhere.example>: Relay access denied"},
      {Phase::Rcpt, "553 5.7.1 <boss@example.com>: Sender address rejected: not owned by user me@example.com"},
      {Phase::Ehlo, "501 5.5.4 Syntax: EHLO hostname"},
      {Phase::Data, "550 5.7.60 SMTP; Client does not have permissions to send as this sender"},
      {Phase::Mail, "503 5.5.1 Error: nested MAIL command"},
      {Phase::Data, "250 2.0.0 Ok, but too late"},
  };
  for (const auto& [phase, raw] : replies) {
    Case c(s);
    c.reply_failure(phase, FailureCategory::Smtp, raw);
    failing.push_back(c);
  }
  const std::pair<Phase, FailureCategory> without_reply[] = {
      {Phase::Resolve, FailureCategory::Dns}, {Phase::Connect, FailureCategory::Connect}, {Phase::Connect, FailureCategory::Timeout}};
  const char* messages[] = {"Cannot resolve \"smtp.no-such-domain.example\": Name or service not known",
                            "Cannot connect to mail.example.com:587 (192.0.2.1: Connection refused)",
                            "Connecting to mail.example.com:587 timed out after 30 s"};
  const FailureCause causes[] = {FailureCause::None, FailureCause::ConnectionRefused, FailureCause::None};
  for (std::size_t i = 0; i < std::size(without_reply); ++i) {
    Case c(s);
    c.failure(without_reply[i].first, without_reply[i].second, messages[i], causes[i]);
    failing.push_back(c);
  }
  for (const auto& c : failing) {
    INFO((c.result.failure->reply_text.empty() ? c.result.failure->message : c.result.failure->reply_text));
    CHECK_FALSE(c.hints().empty());
  }
}

namespace {

ConnectionSettings m365_oauth_settings() {
  auto s = user_settings("smtp.office365.com", 587);
  s.auth_type = AuthType::Microsoft365OAuth;
  s.username = "11111111-2222-3333-4444-555555555555";  // the Application Id
  s.password.clear();
  s.oauth_account = "alice@contoso.com";
  s.oauth_tenant = "contoso.onmicrosoft.com";
  return s;
}

Case xoauth2_failure(const std::string& raw, std::optional<std::pair<std::string, std::string>> claims) {
  Case session(m365_oauth_settings());
  session.banner(kO365Banner).auth({"LOGIN", "XOAUTH2"}, {"OAUTHBEARER", "XOAUTH2"});
  session.result.auth.mechanism = "XOAUTH2";
  session.result.auth.result = AuthResult::Failed;
  if (claims) {
    session.result.auth.token_is_jwt = true;
    session.result.auth.token_audience = claims->first;
    session.result.auth.token_scopes = claims->second;
  }
  session.reply_failure(Phase::Auth, FailureCategory::Auth, raw);
  return session;
}

}  // namespace

TEST_CASE("Hints: Microsoft 365 OAuth, 535 5.7.3 after XOAUTH2 told apart by the token's claims", "[hints][microsoft365]") {
  const std::string reply = "535 5.7.3 Authentication unsuccessful [AM0PR02CA0033.eurprd02.prod.outlook.com 2026-12-02T15:47:35.123Z 08DD1234ABCD5678]";
  SECTION("aud is Microsoft Graph: the wrong resource") {
    auto c = xoauth2_failure(reply, std::pair{"00000003-0000-0000-c000-000000000000", "Mail.Send User.Read"});
    CHECK(c.ids() == std::vector<std::string>{"o365-oauth-smtp-refused"});
    auto h = hint(c.hints(), "o365-oauth-smtp-refused");
    CHECK(h.explanation.find("wrong resource") != std::string::npos);
    CHECK(h.explanation.find("00000003-0000-0000-c000-000000000000") != std::string::npos);
    CHECK(h.fix.find("https://outlook.office.com/SMTP.Send offline_access") != std::string::npos);
  }
  SECTION("aud right, scp without SMTP.Send: the app lacks the permission") {
    auto c = xoauth2_failure(reply, std::pair{"https://outlook.office.com", "User.Read"});
    auto h = hint(c.hints(), "o365-oauth-smtp-refused");
    CHECK(h.explanation.find("without SMTP.Send") != std::string::npos);
    CHECK(h.explanation.find("\"User.Read\"") != std::string::npos);
  }
  SECTION("aud and scp right: SMTP AUTH is disabled for the mailbox") {
    auto c = xoauth2_failure(reply, std::pair{"https://outlook.office.com", "SMTP.Send"});
    auto h = hint(c.hints(), "o365-oauth-smtp-refused");
    CHECK(h.explanation.find("SMTP AUTH is disabled") != std::string::npos);
    CHECK(h.fix.find("Set-CASMailbox -Identity alice@contoso.com") != std::string::npos);  // the account, not the app id
  }
  SECTION("an opaque token: the three causes, no verdict") {
    auto c = xoauth2_failure(reply, std::nullopt);
    auto h = hint(c.hints(), "o365-oauth-smtp-refused");
    CHECK(h.explanation.find("not a JWT") != std::string::npos);
  }
  SECTION("5.7.3 after a password login is not this hint") {
    auto c = auth_failure(user_settings("smtp.office365.com", 587), kO365Banner, reply);
    CHECK(c.ids() == std::vector<std::string>{"auth-failed"});
  }
}

TEST_CASE("Hints: Microsoft 365 OAuth, 5.7.139 names the mail account, not the Application Id", "[hints][microsoft365]") {
  auto c = xoauth2_failure(
      "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit "
      "https://aka.ms/smtp_auth_disabled for more information. [AM0PR02CA0033.eurprd02.prod.outlook.com]",
      std::pair{"https://outlook.office.com", "SMTP.Send"});
  CHECK(c.ids() == std::vector<std::string>{"o365-smtp-auth-disabled"});  // not also oauth-token-rejected
  auto h = hint(c.hints(), "o365-smtp-auth-disabled");
  CHECK(h.fix.find("alice@contoso.com") != std::string::npos);
  CHECK(h.fix.find("11111111-2222") == std::string::npos);
}

TEST_CASE("Hints: the Microsoft identity platform's token errors (AADSTS...)", "[hints][microsoft365]") {
  const auto& catalogue = HintCatalogue::builtin();
  auto s = m365_oauth_settings();
  // As the engine words them: "the token endpoint refused: ERROR (ERROR_DESCRIPTION)", with the real texts.
  auto ids_for = [&](const std::string& error, const std::string& description) {
    std::string message = "OAuth sign-in failed: the token endpoint refused: " + error + " (" + description + ")";
    std::vector<std::string> ids;
    for (const auto& h : catalogue.match_sign_in_failure(s, message)) ids.push_back(h.id);
    return ids;
  };
  const std::string trace = "\r\nTrace ID: 0c1e3d5a-1b2c-4d5e-8f90-1a2b3c4d5e00\r\nCorrelation ID: 5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d\r\nTimestamp: 2026-12-02 15:47:35Z";
  CHECK(ids_for("invalid_grant",
                "AADSTS65001: The user or administrator has not consented to use the application with ID "
                "'11111111-2222-3333-4444-555555555555' named 'SMTP Workbench'. Send an interactive authorization request "
                "for this user and resource." + trace) == std::vector<std::string>{"oauth-consent-required"});
  CHECK(ids_for("unauthorized_client",
                "AADSTS700016: Application with identifier '11111111-2222-3333-4444-555555555555' was not found in the "
                "directory 'Contoso'. This can happen if the application has not been installed by the administrator of the "
                "tenant or consented to by any user in the tenant. You may have sent your authentication request to the "
                "wrong tenant." + trace) == std::vector<std::string>{"oauth-app-not-in-tenant"});
  CHECK(ids_for("invalid_request",
                "AADSTS50011: The redirect URI 'http://127.0.0.1:49152/' specified in the request does not match the "
                "redirect URIs configured for the application '11111111-2222-3333-4444-555555555555'. Make sure the "
                "redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to "
                "https://aka.ms/redirectUriMismatchError to learn more about how to fix this." + trace) ==
        std::vector<std::string>{"oauth-redirect-uri-mismatch"});
  CHECK(ids_for("invalid_client",
                "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or "
                "'client_secret'." + trace) == std::vector<std::string>{"oauth-client-secret-required"});
  CHECK(ids_for("invalid_grant", "AADSTS70008: The provided authorization code or refresh token has expired due to "
                                 "inactivity." + trace).empty());
  // No session rule fires on a sign-in failure (there was no connection, no reply).
  CHECK(ids_for("invalid_client", "Unauthorized").empty());

  auto not_found = catalogue.match_sign_in_failure(s, "the token endpoint refused: unauthorized_client (AADSTS700016: x)");
  REQUIRE(not_found.size() == 1);
  CHECK(not_found[0].title.find("contoso.onmicrosoft.com") != std::string::npos);
  // The sign-in rules never fire on an ordinary session.
  Case session(s);
  session.failure(Phase::Auth, FailureCategory::Auth, "AADSTS700016 in some text");
  for (const auto& id : session.ids()) CHECK(id.rfind("oauth-", 0) != 0);
}
