// End to end: the real binary against the real Postfix and the demo server's faults; each situation
// ends with its hint id in `check --json`, healthy runs with none. Reports and commands carry no secret.
#include <catch2/catch_test_macros.hpp>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <unistd.h>

#include "support.hpp"

namespace {

std::string stack_args(const std::string& port_key, const std::string& security) {
  return "check --host localhost --port " + test::fact(port_key) + " --security " + security + " --ca-file " +
         test::fact("MAILSTACK_CA_FILE") + " --color never --timeout 10";
}

struct Outcome {
  int status = -1;
  std::vector<std::string> ids;
  nlohmann::json report;
};

// Runs check with the JSON report on stdout (the transcript goes to stderr and is dropped).
Outcome check(const std::string& args, const std::string& env = {}) {
  auto run = test::run_binary(args + " --json - 2>/dev/null", env);
  Outcome o;
  o.status = run.status;
  INFO(args << "\n" << run.out);
  o.report = nlohmann::json::parse(run.out);
  for (const auto& h : o.report["hints"]) o.ids.push_back(h["id"]);
  return o;
}

// A listener whose accept queue is full: the kernel drops further SYNs, so connecting times out the
// way it does behind a firewall that drops packets.
struct FullListener {
  int listener = -1;
  std::vector<int> queued;
  int port = 0;
  FullListener() {
    listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(listener, 0) == 0);
    REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port = ntohs(a.sin_port);
    for (int i = 0; i < 3; ++i) {
      int c = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      ::connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a);
      queued.push_back(c);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ~FullListener() {
    for (int c : queued) ::close(c);
    ::close(listener);
  }
};

bool has(const Outcome& o, const std::string& id) { return std::find(o.ids.begin(), o.ids.end(), id) != o.ids.end(); }

std::string pw_env() { return "SMTPWB_PW=" + test::fact("MAILSTACK_PASSWORD"); }
std::string user_args() { return " --user " + test::fact("MAILSTACK_USER") + " --password-env SMTPWB_PW"; }

}  // namespace

TEST_CASE("Hints end to end: healthy runs against Postfix and the demo server get none", "[hints][postfix][demo]") {
  auto postfix = check(stack_args("MAILSTACK_SUBMISSION_PORT", "starttls") + user_args() + " --from " + test::fact("MAILSTACK_USER") +
                           " --to rcpt@example.test",
                       pw_env());
  CHECK(postfix.status == 0);
  CHECK(postfix.report["hints"] == nlohmann::json::array());
  auto implicit = check(stack_args("MAILSTACK_IMPLICIT_PORT", "implicit") + user_args() + " --stop-after auth", pw_env());
  CHECK(implicit.status == 0);
  CHECK(implicit.ids.empty());
  auto demo = check("check --demo --color never");
  CHECK(demo.status == 0);
  CHECK(demo.ids.empty());
}

TEST_CASE("Hints end to end: Postfix situations", "[hints][postfix]") {
  test::TempDir dir;
  auto pw_file = dir.path / "pw";
  std::ofstream(pw_file) << "Wrong-Secret-42\n";
  struct Case {
    std::string args, env, id;
  };
  const std::string mail = " --from " + test::fact("MAILSTACK_USER") + " --to someone@elsewhere.example";
  std::vector<Case> cases = {
      {stack_args("MAILSTACK_SUBMISSION_PORT", "starttls") + " --user " + test::fact("MAILSTACK_USER") + " --password-file " + pw_file.string(),
       "", "auth-failed"},
      // Postfix does not demand AUTH for MAIL; relaying to a foreign domain without it is what it refuses.
      {stack_args("MAILSTACK_PLAIN_PORT", "none") + " --anonymous" + mail, "", "relay-denied"},
      {stack_args("MAILSTACK_SUBMISSION_PORT", "none") + " --anonymous" + mail, "", "starttls-required"},
      {stack_args("MAILSTACK_PLAIN_PORT", "none") + user_args(), pw_env(), "plaintext-auth-blocked"},
      {stack_args("MAILSTACK_SUBMISSION_PORT", "starttls") + user_args() + " --sasl NTLM", pw_env(), "auth-no-common-mechanism"},
      // AUTH only after STARTTLS on the submission port: the hint says to use STARTTLS.
      {stack_args("MAILSTACK_SUBMISSION_PORT", "none") + user_args() + " --allow-plaintext-auth", pw_env(), "auth-no-common-mechanism"},
      {stack_args("MAILSTACK_PLAIN_PORT", "starttls"), "", "starttls-not-offered"},
      {"check --host localhost --port " + test::fact("MAILSTACK_TLS13_PORT") + " --color never --timeout 10 --stop-after tls", "",
       "cert-untrusted"},
      {stack_args("MAILSTACK_TLS12_PORT", "starttls") + " --tls-versions tls1.3 --stop-after tls", "", "tls-no-common-version"},
      {stack_args("MAILSTACK_PLAIN_PORT", "implicit"), "", "mode-implicit-on-plain-port"},
      {stack_args("MAILSTACK_IMPLICIT_PORT", "starttls") + " --timeout 1", "", "mode-plain-on-tls-port"},
      // The TLS 1.2 listener wants a fully qualified EHLO name, and lets no login own a sender address.
      {stack_args("MAILSTACK_TLS12_PORT", "starttls") + user_args() + " --ehlo laptop --stop-after rcpt" + mail, pw_env(), "ehlo-rejected"},
      {stack_args("MAILSTACK_TLS12_PORT", "starttls") + user_args() + " --ehlo laptop.example.test --stop-after rcpt" + mail, pw_env(),
       "sender-not-owned"},
  };
  // Larger than Postfix's message_size_limit (10240000, advertised as SIZE): refused before it is sent.
  auto big_body = dir.path / "big.txt";
  {
    std::ofstream big(big_body);
    const std::string line(998, 'x');
    for (int i = 0; i < 10700; ++i) big << line << "\n";
  }
  cases.push_back({stack_args("MAILSTACK_SUBMISSION_PORT", "starttls") + user_args() + " --from " + test::fact("MAILSTACK_USER") +
                       " --to rcpt@example.test --body-file " + big_body.string(),
                   pw_env(), "message-too-large"});
  for (const auto& c : cases) {
    auto o = check(c.args, c.env);
    INFO(c.args << "\n-> " << o.report["failure"].dump() << "\nhints: " << o.report["hints"].dump());
    CHECK(o.status != 0);
    CHECK(has(o, c.id));
    for (const auto& h : o.report["hints"]) {
      CHECK_FALSE(h["title"].get<std::string>().empty());
      CHECK_FALSE(h["fix"].get<std::string>().empty());
      if (!h["transcript_index"].is_null()) CHECK(h["transcript_index"].get<std::size_t>() < o.report["transcript"].size());
    }
    std::string first_title = o.report["hints"].empty() ? "" : o.report["hints"][0]["title"].get<std::string>();
    if (c.id == "tls-no-common-version") CHECK(first_title.find("server refuses") != std::string::npos);
    if (c.args.find("--allow-plaintext-auth") != std::string::npos) CHECK(first_title.find("only after STARTTLS") != std::string::npos);
  }
  // Verification turned off: the test succeeds, and the untrusted certificate is a warning.
  auto unverified = check("check --host localhost --port " + test::fact("MAILSTACK_TLS13_PORT") +
                          " --color never --timeout 10 --stop-after tls --no-verify");
  CHECK(unverified.status == 0);
  REQUIRE(unverified.ids == std::vector<std::string>{"cert-untrusted"});
  CHECK(unverified.report["hints"][0]["severity"] == "warning");
}

TEST_CASE("Hints end to end: demo server faults and local failures", "[hints][demo]") {
  const std::string message = " --from demo@demo.test --to someone@demo.test";
  std::vector<std::pair<std::string, std::string>> cases = {
      {"--demo-fault no-starttls", "starttls-not-offered"},
      {"--demo-fault starttls-454", "tls-unavailable"},
      {"--demo-fault starttls-injection", "starttls-injection"},
      {"--demo-fault greet-421", "server-busy"},
      {"--demo-fault plaintext-on-implicit --security implicit", "mode-implicit-on-plain-port"},
      {"--demo-fault cert-expired", "cert-expired"},
      {"--demo-fault cert-not-yet-valid", "cert-not-yet-valid"},
      {"--demo-fault cert-wrong-name", "cert-hostname-mismatch"},
      {"--demo-fault gmail-bad-credentials", "gmail-app-password"},
      {"--demo-fault gmail-web-login", "gmail-web-login-required"},
      {"--demo-fault o365-smtp-auth-disabled", "o365-smtp-auth-disabled"},
      {"--demo-fault o365-basic-auth-disabled", "o365-basic-auth-disabled"},
      {"--demo-fault ses-bad-credentials", "ses-smtp-credentials"},
      {"--demo-fault ses-unverified-sender" + message, "ses-unverified-identity"},
      {"--demo-fault auth-too-weak", "auth-mechanism-too-weak"},
      {"--demo-fault auth-rate-limited", "auth-rate-limited"},
      {"--demo-fault ehlo-rejected", "ehlo-rejected"},
      {"--demo-fault sender-not-owned" + message, "sender-not-owned"},
      {"--anonymous" + message, "auth-required"},
      // issue 18: the failures that had no hint, and the fallback from the status-code registry
      {"--demo-fault close-after-banner", "connection-closed"},
      {"--demo-fault tls-handshake-reset --security implicit", "tls-handshake-reset"},
      {"--demo-fault greet-554", "session-refused"},
      {"--demo-fault mixed-codes", "malformed-reply"},
      {"--demo-fault ssh-service", "non-smtp-service"},
      {"--demo-fault http-service --timeout 2", "non-smtp-service"},
      {"--demo-fault imap-service", "non-smtp-service"},
      {"--demo-fault pop3-service", "non-smtp-service"},
      {"--demo-fault auth-temporary-failure", "auth-temporary-failure"},
      {"--demo-fault auth-mechanism-disabled", "auth-mechanism-disabled"},
      {"--demo-fault auth-not-enabled", "auth-not-enabled"},
      {"--demo-fault recipient-unknown" + message, "recipient-unknown"},
      {"--demo-fault message-rejected-spam" + message, "message-rejected-policy"},
      {"--demo-fault message-too-big" + message, "message-too-large"},
      {"--demo-fault too-many-recipients" + message, "too-many-recipients"},
      {"--demo-fault mailbox-full" + message, "mailbox-full"},
      {"--demo-fault queue-write-error" + message, "smtp-status-explained"},
      {"--tls-versions tls1.0", "tls-no-common-version"},
  };
  for (const auto& [args, id] : cases) {
    auto o = check("check --demo --color never --timeout 5 " + args);
    INFO(args << "\n-> " << o.report["failure"].dump() << "\nhints: " << o.report["hints"].dump());
    CHECK(has(o, id));
    if (id != "starttls-injection") CHECK(o.status != 0);
  }
  CHECK(has(check("check --host 127.0.0.1 --port 1 --security none --color never"), "connection-refused"));
  FullListener full;
  CHECK(has(check("check --host 127.0.0.1 --port " + std::to_string(full.port) + " --security none --color never --timeout 1"),
            "connect-timeout"));
  CHECK(has(check("check --host no-such-host.invalid --security none --color never --timeout 5"), "dns-not-found"));
  auto bare = check("check --host smtpwb-no-such-bare-host --security none --color never --timeout 5");
  CHECK(bare.ids == std::vector<std::string>{"dns-short-hostname"});
}

TEST_CASE("check: a pre-connect warning, then the hints after the result line", "[hints][cli]") {
  auto run = test::run_binary("check --host 127.0.0.1 --port 465 --security starttls --color never 2>&1");
  INFO(run.out);
  auto warning = run.out.find("Warning [port-mode-mismatch]: Port 465 normally uses implicit TLS");
  auto trying = run.out.find("=== Trying 127.0.0.1:465");
  auto result = run.out.find("Result: failed");
  auto hint = run.out.find("Hint [connection-refused]:");
  REQUIRE(warning != std::string::npos);
  REQUIRE(trying != std::string::npos);
  REQUIRE(result != std::string::npos);
  REQUIRE(hint != std::string::npos);
  CHECK(warning < trying);
  CHECK(result < hint);
  CHECK(run.out.find("    Fix: ", hint) != std::string::npos);
}

TEST_CASE("check: Markdown and HTML reports and the equivalent commands, without secrets", "[hints][cli][postfix]") {
  test::TempDir dir;
  auto md = dir.path / "report.md", html = dir.path / "report.html";
  auto pw_file = dir.path / "pw";
  const std::string wrong = "Wrong-<Secret>-77";
  std::ofstream(pw_file) << wrong << "\n";
  auto run = test::run_binary(stack_args("MAILSTACK_SUBMISSION_PORT", "starttls") + " --user " + test::fact("MAILSTACK_USER") +
                              " --password-file " + pw_file.string() + " --report-md " + md.string() + " --report-html " +
                              html.string() + " --print-commands");
  INFO(run.out);
  CHECK(run.status == 9);
  CHECK(run.out.find("\nswaks --server localhost --port " + test::fact("MAILSTACK_SUBMISSION_PORT") + " --tls ") != std::string::npos);
  CHECK(run.out.find("\ncurl --url smtp://localhost:" + test::fact("MAILSTACK_SUBMISSION_PORT") + "/ --ssl-reqd") != std::string::npos);
  CHECK(run.out.find("\nopenssl s_client -connect localhost:" + test::fact("MAILSTACK_SUBMISSION_PORT") + " -starttls smtp") !=
        std::string::npos);
  auto md_text = test::slurp(md), html_text = test::slurp(html);
  CHECK(md_text.find("(auth-failed)") != std::string::npos);
  CHECK(md_text.find("<~  535 5.7.8") != std::string::npos);
  CHECK(md_text.find("## Timeline") != std::string::npos);
  CHECK(md_text.find("CN=localhost") != std::string::npos);
  CHECK(html_text.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(html_text.find("auth-failed") != std::string::npos);
  CHECK(html_text.find("&lt;~  535 5.7.8") != std::string::npos);
  for (const auto* text : {&run.out, &md_text, &html_text}) {
    CHECK(text->find("Wrong-") == std::string::npos);
    CHECK(text->find(test::fact("MAILSTACK_PASSWORD")) == std::string::npos);
  }
}
