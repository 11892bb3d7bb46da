// The real `smtp-workbench check` binary: command-line contract, JSON report, exit codes, secrets.
#include <catch2/catch_test_macros.hpp>
#include <nlohmann/json.hpp>

#include "smtpwb/base64.hpp"
#include "support.hpp"

namespace {

std::string stack_args(const std::string& port_key, const std::string& security) {
  return "check --host localhost --port " + test::fact(port_key) + " --security " + security + " --ca-file " +
         test::fact("MAILSTACK_CA_FILE") + " --color never --timeout 10";
}

// Every form a secret could leak in: raw, base64 alone, base64 inside AUTH PLAIN, UTF-16LE.
void require_no_secret(const std::string& text, const std::string& user, const std::string& secret) {
  std::string utf16;
  for (char c : secret) utf16 += std::string{c, '\0'};
  CHECK(text.find(secret) == std::string::npos);
  CHECK(text.find(smtpwb::base64_encode(secret)) == std::string::npos);
  CHECK(text.find(smtpwb::base64_encode(std::string(1, '\0') + user + '\0' + secret)) == std::string::npos);
  CHECK(text.find(utf16) == std::string::npos);
}

}  // namespace

TEST_CASE("check: full STARTTLS + AUTH + message run, JSON report with the contract's fields", "[cli][postfix]") {
  test::TempDir dir;
  auto json_path = dir.path / "report.json";
  auto log_path = dir.path / "engine.log";
  auto run = test::run_binary(stack_args("MAILSTACK_TLS13_PORT", "starttls") + " --user " + test::fact("MAILSTACK_USER") +
                                  " --password-env SMTPWB_PW --sasl PLAIN --from " + test::fact("MAILSTACK_USER") +
                                  " --to rcpt@example.test --subject cli-json --json " + json_path.string() +
                                  " --log-file " + log_path.string(),
                              "SMTPWB_PW=" + test::fact("MAILSTACK_PASSWORD"));
  INFO(run.out);
  REQUIRE(run.status == 0);
  CHECK(run.out.find(" ~> AUTH PLAIN ********") != std::string::npos);
  CHECK(run.out.find("<~  235") != std::string::npos);
  CHECK(run.out.find("Result: ok") != std::string::npos);

  auto report = nlohmann::json::parse(test::slurp(json_path));
  CHECK(report["result"] == "ok");
  CHECK(report["failure"].is_null());
  REQUIRE(report["phases"].is_array());
  std::vector<std::string> names;
  for (const auto& p : report["phases"]) {
    names.push_back(p["name"]);
    CHECK(p["start_ms"].is_number());
    CHECK(p["duration_ms"].get<double>() >= 0);
  }
  CHECK(names == std::vector<std::string>{"dns", "connect", "banner", "ehlo", "starttls", "tls", "ehlo", "auth", "mail",
                                          "rcpt", "data", "quit"});
  CHECK(report["server"]["address"] == "127.0.0.1");
  CHECK(report["server"]["banner"].get<std::string>().find("ESMTP") != std::string::npos);
  CHECK(report["server"]["capabilities"]["before_tls"].size() > 0);
  CHECK(report["server"]["capabilities"]["after_tls"].size() > 0);
  CHECK(report["tls"]["version"] == "TLSv1.3");
  CHECK(report["tls"]["verified"] == true);
  CHECK(report["tls"]["cipher"].is_string());
  CHECK(report["tls"]["group"].is_string());
  CHECK(report["tls"]["verify_errors"].empty());
  CHECK(report["tls"]["chain"].size() >= 1);
  CHECK(report["auth"]["mechanism"] == "PLAIN");
  CHECK(report["auth"]["result"] == "ok");
  CHECK(report["hints"].is_array());
  REQUIRE(report["transcript"].size() > 10);
  CHECK(report["transcript"][0].contains("t_ms"));
  CHECK(report["transcript"][0].contains("dir"));
  CHECK(report["transcript"][0].contains("text"));
  CHECK_FALSE(test::wait_for_delivery("Subject: cli-json").empty());

  std::string log = test::slurp(log_path);
  CHECK(log.find("AUTH PLAIN ********") != std::string::npos);
  for (const auto* text : {&run.out, &log}) require_no_secret(*text, test::fact("MAILSTACK_USER"), test::fact("MAILSTACK_PASSWORD"));
  require_no_secret(report.dump(), test::fact("MAILSTACK_USER"), test::fact("MAILSTACK_PASSWORD"));
}

TEST_CASE("check: a wrong password exits with the auth code and says so in the report", "[cli][postfix]") {
  test::TempDir dir;
  auto json_path = dir.path / "report.json";
  auto pw_file = dir.path / "pw";
  std::ofstream(pw_file) << "Wrong-Secret-42\n";
  auto run = test::run_binary(stack_args("MAILSTACK_SUBMISSION_PORT", "starttls") + " --user " + test::fact("MAILSTACK_USER") +
                              " --password-file " + pw_file.string() + " --json " + json_path.string());
  INFO(run.out);
  CHECK(run.status == 9);
  auto report = nlohmann::json::parse(test::slurp(json_path));
  CHECK(report["result"] == "failed");
  CHECK(report["failure"]["category"] == "auth");
  CHECK(report["auth"]["result"] == "failed");
  require_no_secret(run.out + report.dump(), test::fact("MAILSTACK_USER"), "Wrong-Secret-42");
}

TEST_CASE("check: TLS 1.2-only and TLS 1.3-only listeners report their versions", "[cli][postfix]") {
  for (auto [key, version] : {std::pair{"MAILSTACK_TLS12_PORT", "TLSv1.2"}, std::pair{"MAILSTACK_TLS13_PORT", "TLSv1.3"}}) {
    auto run = test::run_binary(stack_args(key, "starttls") + " --stop-after tls --json -");
    INFO(run.out);
    REQUIRE(run.status == 0);
    auto report = nlohmann::json::parse(run.out);  // --json - : the report alone on stdout
    CHECK(report["tls"]["version"] == version);
  }
}

TEST_CASE("check: exit codes per failure category", "[cli]") {
  CHECK(test::run_binary("check --host 127.0.0.1 --port 1 --security none --color never").status == 4);  // connect
  CHECK(test::run_binary("check --host no-such-host.invalid --security none --color never").status == 3);  // dns
  CHECK(test::run_binary(stack_args("MAILSTACK_PLAIN_PORT", "implicit")).status == 7);  // tls: plaintext answer
  CHECK(test::run_binary(stack_args("MAILSTACK_IMPLICIT_PORT", "starttls") + " --timeout 1").status == 5);  // timeout
  CHECK(test::run_binary("check --host localhost --port " + test::fact("MAILSTACK_TLS13_PORT") + " --color never").status == 8);
}

TEST_CASE("check: usage errors are one line naming the flag, exit 2", "[cli]") {
  for (const char* args : {"check --host h --port 70000", "check --host h --security tls", "check --host h --tls-versions tls9",
                           "check --host h --password secret", "check --host h --bogus", "check --port 25",
                           "check --host 'bad host'", "check --host h --code-page NOPE-42"}) {
    auto run = test::run_binary(std::string(args) + " 2>&1");
    INFO(args << " -> " << run.out);
    CHECK(run.status == 2);
    CHECK(std::count(run.out.begin(), run.out.end(), '\n') == 1);
  }
}

TEST_CASE("check: --save-profile writes the settings without secrets; --profile reads them back", "[cli][postfix]") {
  test::TempDir dir;
  auto profile = dir.path / "conn.json";
  auto save = test::run_binary(stack_args("MAILSTACK_TLS13_PORT", "starttls") + " --user " + test::fact("MAILSTACK_USER") +
                                   " --password-env SMTPWB_PW --stop-after auth --save-profile " + profile.string(),
                               "SMTPWB_PW=" + test::fact("MAILSTACK_PASSWORD"));
  INFO(save.out);
  REQUIRE(save.status == 0);
  std::string saved = test::slurp(profile);
  CHECK(saved.find(test::fact("MAILSTACK_PASSWORD")) == std::string::npos);
  auto j = nlohmann::json::parse(saved);
  CHECK(j["port"] == std::stoi(test::fact("MAILSTACK_TLS13_PORT")));
  CHECK(j["auth"]["username"] == test::fact("MAILSTACK_USER"));

  auto again = test::run_binary("check --profile " + profile.string() + " --password-env SMTPWB_PW --stop-after auth --color never",
                                "SMTPWB_PW=" + test::fact("MAILSTACK_PASSWORD"));
  INFO(again.out);
  CHECK(again.status == 0);
  CHECK(again.out.find("<~  235") != std::string::npos);
}
