// Secrets never reach an artefact (issue 7): for every SASL mechanism this build supports and the mail
// stack offers, a real `check` run against Postfix + Dovecot, then every artefact it left — the printed
// transcript, the log file (--log-file), the JSON report (--json), the saved profile (--save-profile),
// the Markdown and HTML reports and the equivalent commands (--print-commands) — is searched for the
// password raw, in UTF-16LE/BE and base64 at every alignment.
// Mechanisms the SASL branch adds join automatically (sasl::supported_mechanisms()); the proxy
// passwords are searched for in tests/proxy/proxy_test.cpp, the GUI's connection files in tests/gui/.
#include <catch2/catch_test_macros.hpp>

#include <algorithm>

#include "secret_search.hpp"
#include "smtpwb/sasl/mechanism.hpp"
#include "support.hpp"

namespace {

// What the mail stack's Dovecot offers (tests/servers/mailstack.sh, auth_mechanisms).
const std::vector<std::string> kStackMechanisms = {"PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256"};

struct Account {
  const char* name;
  const char* user_key;
  const char* password_key;
  bool send_message;  // the UTF-8 account stops after AUTH (its address is not a permitted sender)
};
const Account kAccounts[] = {
    {"ASCII account", "MAILSTACK_USER", "MAILSTACK_PASSWORD", true},
    {"UTF-8 account", "MAILSTACK_USER_UTF8", "MAILSTACK_PASSWORD_UTF8", false},
};

struct Artefact {
  std::string name;
  std::string text;
};

}  // namespace

TEST_CASE("Secrets: no SASL password in any artefact of a real run, in any encoding", "[secrets][cli][postfix]") {
  std::vector<std::string> mechanisms;
  for (const auto& m : smtpwb::sasl::supported_mechanisms())
    if (std::find(kStackMechanisms.begin(), kStackMechanisms.end(), m) != kStackMechanisms.end()) mechanisms.push_back(m);
  REQUIRE(mechanisms.size() >= 2);  // PLAIN and LOGIN at least
  for (const auto& mechanism : mechanisms) {
    for (const auto& account : kAccounts) {
      DYNAMIC_SECTION(mechanism << ", " << account.name) {
        const std::string user = test::fact(account.user_key), password = test::fact(account.password_key);
        test::TempDir dir;
        auto json_path = dir.path / "report.json", log_path = dir.path / "engine.log", profile_path = dir.path / "profile.json";
        auto md_path = dir.path / "report.md", html_path = dir.path / "report.html";
        auto run = test::run_binary("check --host localhost --port " + test::fact("MAILSTACK_SUBMISSION_PORT") +
                                        " --security starttls --ca-file " + test::fact("MAILSTACK_CA_FILE") +
                                        " --color never --timeout 10 --user '" + user + "' --password-env SMTPWB_PW --sasl " +
                                        mechanism +
                                        (account.send_message ? " --from '" + user + "' --to rcpt@example.test --subject secrets"
                                                              : std::string(" --stop-after auth")) +
                                        " --json " +
                                        json_path.string() + " --log-file " + log_path.string() + " --save-profile " +
                                        profile_path.string() + " --report-md " + md_path.string() + " --report-html " +
                                        html_path.string() + " --print-commands 2>&1",
                                    "SMTPWB_PW='" + password + "'");
        INFO(run.out);
        REQUIRE(run.status == 0);  // a real authentication with the password happened
        CHECK(run.out.find("AUTH " + mechanism) != std::string::npos);
        // stdout also holds the equivalent swaks/curl/openssl commands (--print-commands).
        const std::vector<Artefact> artefacts = {{"transcript and copy-as-command lines (stdout and stderr)", run.out},
                                                 {"Markdown report", test::slurp(md_path)},
                                                 {"HTML report", test::slurp(html_path)},
                                                 {"log file", test::slurp(log_path)},
                                                 {"JSON report", test::slurp(json_path)},
                                                 {"saved profile", test::slurp(profile_path)}};
        for (const auto& a : artefacts) {
          INFO("artefact: " << a.name);
          CHECK_FALSE(a.text.empty());
          CHECK(test::leaks(a.text, password).empty());
        }
      }
    }
  }
}

TEST_CASE("Secrets: the search finds a planted password in every form", "[secrets]") {
  const std::string password = "pässwörd-Ünïcode";
  for (const auto& form : test::secret_forms(password)) {
    INFO(form.name);
    CHECK_FALSE(test::leaks("prefix " + form.bytes + " suffix", password).empty());
  }
  // Inside AUTH PLAIN's blob and a JSON string escape.
  CHECK_FALSE(test::leaks("AUTH PLAIN " + smtpwb::base64_encode(std::string("\0alice\0", 7) + password), password).empty());
  CHECK_FALSE(test::leaks(R"({"text":"p\u00e4ssw\u00f6rd-\u00dcn\u00efcode"})", password).empty());
  CHECK(test::leaks("nothing here", password).empty());
}
