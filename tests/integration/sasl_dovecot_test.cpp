// Every password mechanism against the real Dovecot SASL behind Postfix (tests/servers/mailstack.sh):
// right password, wrong password and a non-ASCII password, through the engine and through `check`.
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <nlohmann/json.hpp>

#include "smtpwb/base64.hpp"
#include "smtpwb/diagnose.hpp"
#include "smtpwb/session.hpp"
#include "support.hpp"

using namespace smtpwb;

namespace {

TestRequest stop_after_auth() {
  TestRequest r;
  r.stop_after = StopAfter::Auth;
  return r;
}

ConnectionSettings forced(const std::string& mechanism) {
  auto s = test::stack_settings("MAILSTACK_SUBMISSION_PORT");
  s.sasl_mechanisms = {mechanism};
  return s;
}

std::string utf16le(const std::string& s) {
  std::string out;
  for (char c : s) out += std::string{c, '\0'};
  return out;
}

// The secret must not appear raw, in base64 (alone or at any of the three alignments inside a longer
// base64 text), or as UTF-16.
void require_no_secret(const std::string& text, const std::string& secret) {
  CHECK(text.find(secret) == std::string::npos);
  CHECK(text.find(utf16le(secret)) == std::string::npos);
  for (std::size_t pad = 0; pad < 3; ++pad) {
    std::string encoded = base64_encode(std::string(pad, 'x') + secret);
    // Skip the characters that also depend on the padding or on what follows.
    std::string core = encoded.substr((pad * 4 + 2) / 3 + 1, secret.size() * 4 / 3 - 2);
    CHECK(text.find(core) == std::string::npos);
  }
}

std::string transcript_text(const SessionResult& r) {
  std::string out;
  for (const auto& e : r.transcript) out += e.text + "\n";
  for (const auto& s : r.auth.steps) out += s.direction + ": " + s.text + "\n";
  return out;
}

}  // namespace

TEST_CASE("Dovecot: every mechanism with the right password", "[dovecot][auth]") {
  std::string mechanism = GENERATE(as<std::string>{}, "PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256");
  CAPTURE(mechanism);
  auto r = diag::diagnose_session(forced(mechanism), stop_after_auth());
  INFO(transcript_text(r));
  REQUIRE(r.ok);
  CHECK(r.auth.mechanism == mechanism);
  CHECK(r.auth.result == AuthResult::Ok);
  REQUIRE(r.auth.steps.size() >= 2);
  CHECK(r.auth.steps.front().direction == "client");
  CHECK(r.auth.steps.back().text.rfind("235", 0) == 0);
  require_no_secret(transcript_text(r), test::fact("MAILSTACK_PASSWORD"));
}

TEST_CASE("Dovecot: every mechanism with a wrong password fails with category auth and 535 5.7.8", "[dovecot][auth]") {
  std::string mechanism = GENERATE(as<std::string>{}, "PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256");
  CAPTURE(mechanism);
  auto s = forced(mechanism);
  s.password = "Wrong-Secret-77";
  auto r = diag::diagnose_session(s, stop_after_auth());
  INFO(transcript_text(r));
  REQUIRE_FALSE(r.ok);
  CHECK(r.failure->category == FailureCategory::Auth);
  CHECK(r.failure->phase == Phase::Auth);
  CHECK(r.failure->reply_code == 535);
  CHECK(r.failure->enhanced_code == "5.7.8");
  CHECK(r.auth.result == AuthResult::Failed);
  REQUIRE_FALSE(r.hints.empty());
  CHECK(r.hints.front().id == "auth-failed");
  require_no_secret(transcript_text(r), "Wrong-Secret-77");
}

TEST_CASE("Dovecot: every mechanism with a non-ASCII user and password", "[dovecot][auth]") {
  std::string mechanism = GENERATE(as<std::string>{}, "PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256");
  CAPTURE(mechanism);
  auto s = forced(mechanism);
  s.username = test::fact("MAILSTACK_USER_UTF8");
  s.password = test::fact("MAILSTACK_PASSWORD_UTF8");
  auto r = diag::diagnose_session(s, stop_after_auth());
  INFO(transcript_text(r));
  REQUIRE(r.ok);
  CHECK(r.auth.mechanism == mechanism);
  require_no_secret(transcript_text(r), s.password);
}

TEST_CASE("Dovecot: without a forced mechanism the strongest common one is chosen", "[dovecot][auth]") {
  auto r = diag::diagnose_session(test::stack_settings("MAILSTACK_SUBMISSION_PORT"), stop_after_auth());
  INFO(transcript_text(r));
  REQUIRE(r.ok);
  CHECK(r.auth.mechanism == "SCRAM-SHA-256");
  CHECK(r.auth.permitted.front() == "SCRAM-SHA-256");
  CHECK(r.auth.offered.size() == 6);
}

TEST_CASE("Dovecot: the user's order decides among common mechanisms", "[dovecot][auth]") {
  auto s = test::stack_settings("MAILSTACK_SUBMISSION_PORT");
  s.sasl_mechanisms = {"XOAUTH2", "CRAM-MD5", "SCRAM-SHA-256"};
  auto r = diag::diagnose_session(s, stop_after_auth());
  INFO(transcript_text(r));
  REQUIRE(r.ok);
  CHECK(r.auth.mechanism == "CRAM-MD5");
  CHECK(r.auth.permitted == std::vector<std::string>{"XOAUTH2", "CRAM-MD5", "SCRAM-SHA-256"});
}

TEST_CASE("Dovecot: DIGEST-MD5 and SCRAM challenges are readable in the transcript", "[dovecot][auth]") {
  auto digest = diag::diagnose_session(forced("DIGEST-MD5"), stop_after_auth());
  REQUIRE(digest.ok);
  std::string text = transcript_text(digest);
  CHECK(text.find("nonce=") != std::string::npos);
  CHECK(text.find("qop=auth") != std::string::npos);
  CHECK(text.find("rspauth verified") != std::string::npos);
  auto scram = diag::diagnose_session(forced("SCRAM-SHA-256"), stop_after_auth());
  REQUIRE(scram.ok);
  CHECK(transcript_text(scram).find("server signature verified") != std::string::npos);
  CHECK(transcript_text(scram).find(",p=********") != std::string::npos);
}

// `check` with each mechanism: exit status, the JSON report's auth object, and no secret in the
// printed transcript, the log file or the report.
TEST_CASE("check: every Dovecot mechanism, right and wrong password, no secret anywhere", "[cli][dovecot][auth]") {
  std::string mechanism = GENERATE(as<std::string>{}, "PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256");
  bool utf8 = GENERATE(false, true);
  CAPTURE(mechanism, utf8);
  std::string user = test::fact(utf8 ? "MAILSTACK_USER_UTF8" : "MAILSTACK_USER");
  std::string password = test::fact(utf8 ? "MAILSTACK_PASSWORD_UTF8" : "MAILSTACK_PASSWORD");
  test::TempDir dir;
  auto json_path = dir.path / "report.json";
  auto log_path = dir.path / "engine.log";
  auto pw_file = dir.path / "pw";
  for (bool right : {true, false}) {
    std::ofstream(pw_file, std::ios::trunc) << (right ? password : password + "-wrong") << "\n";
    auto run = test::run_binary("check --host localhost --port " + test::fact("MAILSTACK_SUBMISSION_PORT") +
                                " --ca-file " + test::fact("MAILSTACK_CA_FILE") + " --color never --timeout 10 --user '" +
                                user + "' --password-file " + pw_file.string() + " --sasl " + mechanism +
                                " --stop-after auth --json " + json_path.string() + " --log-file " + log_path.string());
    INFO(run.out);
    CHECK(run.status == (right ? 0 : 9));
    auto report = nlohmann::json::parse(test::slurp(json_path));
    CHECK(report["auth"]["mechanism"] == mechanism);
    CHECK(report["auth"]["result"] == (right ? "ok" : "failed"));
    CHECK(report["auth"]["offered"].size() == 6);
    CHECK(report["auth"]["permitted"] == nlohmann::json::array({mechanism}));
    REQUIRE(report["auth"]["steps"].size() >= 2);
    CHECK(report["auth"]["steps"][0]["direction"] == "client");
    CHECK(report["auth"]["steps"][0]["text"].get<std::string>().rfind("AUTH " + mechanism, 0) == 0);
    for (const auto& text : {run.out, test::slurp(log_path), report.dump()}) {
      require_no_secret(text, password);
      require_no_secret(text, password + "-wrong");
    }
  }
}

// OAUTHBEARER and XOAUTH2 against Dovecot's oauth2 passdb (a JWT validated locally) on the stack's oauth
// listener, which offers only those two.
TEST_CASE("Dovecot: OAUTHBEARER and XOAUTH2 with a valid and an invalid token", "[dovecot][auth][oauth]") {
  std::string mechanism = GENERATE(as<std::string>{}, "OAUTHBEARER", "XOAUTH2");
  CAPTURE(mechanism);
  auto s = test::stack_settings("MAILSTACK_OAUTH_PORT");
  s.sasl_mechanisms = {mechanism};
  s.password.clear();
  SessionOptions options;
  options.oauth_access_token = test::fact("MAILSTACK_OAUTH_TOKEN");
  s.password = options.oauth_access_token;  // as check does: the token stands in for the password
  auto ok = diag::diagnose_session(s, stop_after_auth(), options);
  INFO(transcript_text(ok));
  REQUIRE(ok.ok);
  CHECK(ok.auth.mechanism == mechanism);
  CHECK(ok.auth.offered == std::vector<std::string>{"OAUTHBEARER", "XOAUTH2"});
  require_no_secret(transcript_text(ok), options.oauth_access_token);

  // A token signed with another key: Dovecot answers with its JSON error, which the client acknowledges.
  std::string forged = options.oauth_access_token.substr(0, options.oauth_access_token.rfind('.')) + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  options.oauth_access_token = forged;
  s.password = forged;
  auto bad = diag::diagnose_session(s, stop_after_auth(), options);
  INFO(transcript_text(bad));
  REQUIRE_FALSE(bad.ok);
  CHECK(bad.failure->category == FailureCategory::Auth);
  CHECK(bad.failure->reply_code == 535);
  CHECK(bad.failure->enhanced_code == "5.7.8");
  REQUIRE(bad.auth.steps.size() == 4);
  CHECK(bad.auth.steps[1].text.find("\"status\":") != std::string::npos);  // the decoded JSON error
  CHECK(bad.auth.steps[2].text.find(mechanism == "OAUTHBEARER" ? "%x01" : "empty response") != std::string::npos);
  require_no_secret(transcript_text(bad), forged);
}

TEST_CASE("check: --oauth-token-env against Dovecot, the token nowhere in output, log or report", "[cli][dovecot][oauth]") {
  test::TempDir dir;
  auto json_path = dir.path / "report.json";
  auto log_path = dir.path / "engine.log";
  std::string token = test::fact("MAILSTACK_OAUTH_TOKEN");
  auto run = test::run_binary("check --host localhost --port " + test::fact("MAILSTACK_OAUTH_PORT") + " --ca-file " +
                                  test::fact("MAILSTACK_CA_FILE") + " --color never --timeout 10 --user " +
                                  test::fact("MAILSTACK_USER") + " --oauth-token-env SMTPWB_TOKEN --stop-after auth --json " +
                                  json_path.string() + " --log-file " + log_path.string(),
                              "SMTPWB_TOKEN=" + token);
  INFO(run.out);
  CHECK(run.status == 0);
  auto report = nlohmann::json::parse(test::slurp(json_path));
  CHECK(report["auth"]["mechanism"] == "OAUTHBEARER");
  CHECK(report["auth"]["permitted"] == nlohmann::json::array({"OAUTHBEARER", "XOAUTH2"}));
  for (const auto& text : {run.out, test::slurp(log_path), report.dump()}) require_no_secret(text, token);
}

// NTLM (NTLMv2) against Cyrus SASL's NTLM plugin behind Postfix, on the stack's ntlm listener.
TEST_CASE("Cyrus SASL: NTLM with NTLMv2, domain from DOMAIN\\user or the setting, wrong password", "[ntlm][auth]") {
  auto s = test::stack_settings("MAILSTACK_NTLM_PORT");
  s.username = "EXAMPLE\\alice";
  auto r = diag::diagnose_session(s, stop_after_auth());
  INFO(transcript_text(r));
  REQUIRE(r.ok);
  CHECK(r.auth.mechanism == "NTLM");  // the only one offered here
  std::string text = transcript_text(r);
  CHECK(text.find("NTLM CHALLENGE_MESSAGE, flags UNICODE") != std::string::npos);
  CHECK(text.find("AUTHENTICATE_MESSAGE (NTLMv2), domain \"EXAMPLE\", user \"alice\"") != std::string::npos);
  require_no_secret(text, s.password);

  s.username = "alice";
  s.auth_domain = "OTHERDOMAIN";
  auto with_setting = diag::diagnose_session(s, stop_after_auth());
  INFO(transcript_text(with_setting));
  CHECK(with_setting.ok);
  CHECK(transcript_text(with_setting).find("domain \"OTHERDOMAIN\"") != std::string::npos);

  s.password = "Wrong-Secret-99";
  auto wrong = diag::diagnose_session(s, stop_after_auth());
  INFO(transcript_text(wrong));
  REQUIRE_FALSE(wrong.ok);
  CHECK(wrong.failure->category == FailureCategory::Auth);
  CHECK(wrong.failure->reply_code == 535);
  CHECK(wrong.failure->enhanced_code == "5.7.8");
  require_no_secret(transcript_text(wrong), s.password);
}

TEST_CASE("check: NTLM, the password nowhere in output, log or report (raw, base64, UTF-16)", "[cli][ntlm]") {
  test::TempDir dir;
  auto json_path = dir.path / "report.json";
  auto log_path = dir.path / "engine.log";
  auto md_path = dir.path / "report.md";
  std::string password = test::fact("MAILSTACK_PASSWORD");
  auto run = test::run_binary("check --host localhost --port " + test::fact("MAILSTACK_NTLM_PORT") + " --ca-file " +
                                  test::fact("MAILSTACK_CA_FILE") + " --color never --timeout 10 --user 'EXAMPLE\\alice'" +
                                  " --password-env SMTPWB_PW --stop-after auth --json " + json_path.string() +
                                  " --log-file " + log_path.string() + " --report-md " + md_path.string(),
                              "SMTPWB_PW=" + password);
  INFO(run.out);
  CHECK(run.status == 0);
  auto report = nlohmann::json::parse(test::slurp(json_path));
  CHECK(report["auth"]["mechanism"] == "NTLM");
  CHECK(report["auth"]["ntlm_version"] == "NTLMv2");  // Cyrus SASL's NTLM plugin verifies NTLMv2
  CHECK(test::slurp(md_path).find("| NTLM version | NTLMv2 |") != std::string::npos);
  REQUIRE(report["auth"]["steps"].size() == 4);
  CHECK(report["auth"]["steps"][1]["text"].get<std::string>().find("target \"MAIL.EXAMPLE.TEST\"") != std::string::npos);
  for (const auto& text : {run.out, test::slurp(log_path), report.dump()}) require_no_secret(text, password);
}
