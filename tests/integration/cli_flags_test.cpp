// Every invalid value of every `check` flag that takes one (issue 7): a one-line error naming the flag
// on stderr, nothing else, and exit code 2 — before any connection is tried.
#include <catch2/catch_test_macros.hpp>

#include "support.hpp"

namespace {

struct BadFlag {
  const char* args;   // appended to a valid base command
  const char* names;  // what the one line must name
};

// A valid run towards a closed port: whatever a flag's check misses would end as a connect failure (not 2).
const char* const kBase = "check --host 127.0.0.1 --port 9 --security none --timeout 1 --color never";

const BadFlag kBadFlags[] = {
    {"--port abc", "--port"},
    {"--port 70000", "--port: "},
    {"--port -1", "--port: "},
    {"--port ''", "--port"},
    {"--security tls", "--security"},
    {"--tls-versions tls9", "--tls-versions"},
    {"--tls-versions ,", "--tls-versions"},
    {"--timeout 1.5", "--timeout"},
    {"--timeout -3", "--timeout: "},
    {"--timeout ''", "--timeout"},
    {"--user u --password-env SMTPWB_UNSET_VARIABLE", "--password-env"},
    {"--user u --password-file /dev/null/not-a-dir/pw", "--password-file"},
    {"--user u --password hunter2", "--password"},
    {"--ehlo 'not a name!'", "--ehlo: "},
    {"--code-page NO-SUCH-CHARSET", "--code-page: "},
    {"--from a@example.com --to b@example.com --body-file /dev/null/not-a-dir/body.txt", "--body-file"},
    {"--stop-after quit", "--stop-after"},
    {"--color sometimes", "--color"},
    {"--profile /dev/null/not-a-dir/profile.json", "--profile"},
    {"--save-profile /dev/null/not-a-dir/dir/profile.json", "--save-profile"},
    {"--log-file /dev/null/not-a-dir/dir/engine.log", "--log-file"},
    {"--json /dev/null/not-a-dir/dir/report.json", "--json"},
    {"--find-settings --find-ports 0", "--find-ports"},
    {"--find-settings --find-ports 25,x", "--find-ports"},
    {"--proxy ftp://127.0.0.1:21", "--proxy"},
    {"--proxy socks5://127.0.0.1:99999", "--proxy"},
    {"--proxy socks5://127.0.0.1:1080 --proxy-password-env SMTPWB_UNSET_VARIABLE --proxy-user u", "--proxy-password-env"},
    {"--demo-fault bogus", "--demo-fault"},
    {"--bogus-flag 1", "--bogus-flag"},
    // Line breaks and NUL would inject SMTP commands or headers (issue 13): refused naming the field.
    {"--from \"$(printf 'a@example.com\\r\\nRSET')\" --to b@example.com", "--from: "},
    {"--from a@example.com --to \"$(printf 'b@example.com>\\nDATA')\"", "--to: "},
    {"--from a@example.com --to b@example.com --subject \"$(printf 'Hi\\r\\nBcc: x@example.com')\"", "--subject: "},
    {"--from a@example.com --to b@example.com --subject \"$(printf 'Hi\\rX-Injected: 1')\"", "--subject: "},
    {"--ehlo \"$(printf 'client.example\\r\\nRSET')\"", "--ehlo: "},
    {"--user \"$(printf 'me\\r\\nRSET')\" --password-env HOME", "--user: "},
    {"--port", "--port"},
};

}  // namespace

TEST_CASE("check: every invalid flag value is a one-line error naming the flag, exit 2", "[cli][errors]") {
  for (const auto& bad : kBadFlags) {
    DYNAMIC_SECTION(bad.args) {
      std::string args = std::string(kBase) + " " + bad.args;
      if (std::string(bad.args).find("--demo-fault") != std::string::npos)
        args = std::string("check --demo --demo-fault bogus");
      auto run = test::run_binary(args + " 2>&1 >/dev/null");
      INFO("stderr: " << run.out);
      CHECK(run.status == 2);
      CHECK(run.out.find(bad.names) != std::string::npos);
      REQUIRE_FALSE(run.out.empty());
      CHECK(run.out.find('\n') == run.out.size() - 1);  // exactly one line
      CHECK(run.out.find("hunter2") == std::string::npos);
    }
  }
}
