// Client certificates and NTLMv1 (issue 17) with the real binary against real servers: Postfix
// (smtpd_tls_ask_ccert, smtpd_tls_req_ccert; tests/servers/mailstack.sh) and Exim (tls_verify_hosts,
// the external and spa authenticators; tests/servers/eximstack.sh). Each run writes the JSON report,
// which is what these tests read.
#include <catch2/catch_test_macros.hpp>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "secret_search.hpp"
#include "support.hpp"

namespace {

using nlohmann::json;

const char* const kClientCaName = "O=SMTP Workbench tests, CN=SMTP Workbench Client CA";

struct Outcome {
  test::Run run;
  json report;
};

// `check` against 127.0.0.1:port with STARTTLS and the stack's CA; `args` adds the rest.
Outcome check(const std::string& port, const std::string& args, const std::string& env = {}) {
  test::TempDir dir;
  auto json_path = dir.path / "report.json";
  Outcome o;
  o.run = test::run_binary("check --host " + test::fact("MAILSTACK_SERVER_NAME") + " --port " + port +
                               " --security starttls --ca-file " + test::fact("MAILSTACK_CA_FILE") +
                               " --color never --timeout 10 --json " + json_path.string() + " " + args + " 2>&1",
                           env);
  o.report = json::parse(test::slurp(json_path));
  return o;
}

std::string client_cert_args(const std::string& cert_key = "MAILSTACK_CLIENT_CERT", const std::string& key_key = "MAILSTACK_CLIENT_KEY") {
  return "--client-cert " + test::fact(cert_key) + " --client-key " + test::fact(key_key);
}

bool has_hint(const json& report, const std::string& id) {
  for (const auto& h : report.value("hints", json::array()))
    if (h.value("id", "") == id) return true;
  return false;
}

// Another program's output and exit status (stdout and stderr together).
test::Run shell(const std::string& command) {
  test::Run r;
  FILE* p = ::popen((command + " 2>&1 </dev/null; echo EXIT=$?").c_str(), "r");
  REQUIRE(p);
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  ::pclose(p);
  return r;
}

// The Exim stack's facts; they name the mail stack's, which test::fact() reads.
const std::map<std::string, std::string>& exim() {
  static const auto facts = [] {
    auto f = test::read_facts("EXIMSTACK_ENV");
    ::setenv("MAILSTACK_ENV", f.at("MAILSTACK_ENV").c_str(), 1);
    return f;
  }();
  return facts;
}

// `check --find-settings` on one port of 127.0.0.1 (under the stack's server name); its JSON report.
json find_settings(const std::string& port, const std::string& args, const std::string& env = {}) {
  test::TempDir dir;
  auto json_path = dir.path / "found.json";
  auto run = test::run_binary("check --host " + test::fact("MAILSTACK_SERVER_NAME") + " --find-settings --find-ports " + port +
                              " --timeout 5 --color never --json " + json_path.string() + " " + args + " 2>&1",
                              env);
  INFO(run.out);
  return json::parse(test::slurp(json_path));
}

const json& finder_row(const json& report, const std::string& mode) {
  for (const auto& row : report.at("find_settings"))
    if (row.at("mode") == mode) return row;
  FAIL("no " << mode << " row in " << report.dump());
  throw;
}

}  // namespace

TEST_CASE("Client certificate: a server that asks is reported with its CA names, TLS 1.2 and 1.3", "[postfix][client-cert]") {
  for (const char* version : {"tls1.2", "tls1.3"}) {
    DYNAMIC_SECTION(version) {
      auto without = check(test::fact("MAILSTACK_CCERT_ASK_PORT"), std::string("--stop-after tls --tls-versions ") + version);
      INFO(without.run.out);
      REQUIRE(without.run.status == 0);  // asking is not requiring
      const auto& tls = without.report.at("tls");
      CHECK(tls.at("client_certificate_requested") == true);
      CHECK(tls.at("client_certificate_ca_names") == json::array({kClientCaName}));
      CHECK(tls.at("client_certificate_sent").is_null());
      CHECK(without.run.out.find("The server asked for a client certificate, issued by one of: " + std::string(kClientCaName)) !=
            std::string::npos);

      auto with = check(test::fact("MAILSTACK_CCERT_ASK_PORT"), std::string("--stop-after tls --tls-versions ") + version + " " + client_cert_args());
      INFO(with.run.out);
      REQUIRE(with.run.status == 0);
      CHECK(with.report.at("tls").at("client_certificate_sent") == "O=SMTP Workbench tests, CN=" + test::fact("MAILSTACK_USER"));
    }
  }
}

TEST_CASE("Client certificate: a server that does not ask says so", "[postfix][client-cert]") {
  auto o = check(test::fact("MAILSTACK_SUBMISSION_PORT"), "--stop-after tls " + client_cert_args());
  INFO(o.run.out);
  REQUIRE(o.run.status == 0);
  CHECK(o.report.at("tls").at("client_certificate_requested") == false);
  CHECK(o.report.at("tls").at("client_certificate_sent").is_null());
  CHECK(o.run.out.find("The server did not ask for a client certificate") != std::string::npos);
}

TEST_CASE("Client certificate: Postfix smtpd_tls_req_ccert without one, with an untrusted one, with an encrypted key",
          "[postfix][client-cert]") {
  const std::string port = test::fact("MAILSTACK_CCERT_REQ_PORT");
  auto none = check(port, "--stop-after tls");
  INFO(none.run.out);
  CHECK(none.run.status != 0);
  CHECK(none.report.at("failure").at("reply_code") == 421);  // Postfix completes the handshake, then refuses EHLO
  CHECK(has_hint(none.report, "client-certificate-required"));
  CHECK_FALSE(has_hint(none.report, "server-busy"));

  auto untrusted = check(port, "--stop-after tls " + client_cert_args("MAILSTACK_UNTRUSTED_CLIENT_CERT", "MAILSTACK_UNTRUSTED_CLIENT_KEY"));
  INFO(untrusted.run.out);
  CHECK(untrusted.run.status != 0);
  CHECK(has_hint(untrusted.report, "client-certificate-not-accepted"));

  const std::string password = test::fact("MAILSTACK_CLIENT_KEY_PASSWORD");
  test::TempDir dir;
  auto log_path = dir.path / "engine.log", profile_path = dir.path / "profile.json", md_path = dir.path / "report.md";
  auto good = check(port,
                    "--from " + test::fact("MAILSTACK_USER") + " --to rcpt@example.test --user " + test::fact("MAILSTACK_USER") +
                        " --password-env SMTPWB_PW " + client_cert_args("MAILSTACK_CLIENT_CERT", "MAILSTACK_CLIENT_KEY_ENCRYPTED") +
                        " --client-key-password-env SMTPWB_KEY_PW --log-file " + log_path.string() + " --save-profile " +
                        profile_path.string() + " --report-md " + md_path.string() + " --print-commands",
                    "SMTPWB_PW='" + test::fact("MAILSTACK_PASSWORD") + "' SMTPWB_KEY_PW='" + password + "'");
  INFO(good.run.out);
  REQUIRE(good.run.status == 0);  // the message went through a listener that requires the certificate
  CHECK(good.report.at("tls").at("client_certificate_sent").is_string());
  for (const auto& [name, text] : std::vector<std::pair<std::string, std::string>>{
           {"stdout", good.run.out}, {"JSON", good.report.dump()}, {"log", test::slurp(log_path)},
           {"profile", test::slurp(profile_path)}, {"Markdown", test::slurp(md_path)}}) {
    INFO("artefact: " << name);
    CHECK(test::leaks(text, password).empty());
  }
  auto profile = json::parse(test::slurp(profile_path));
  CHECK(profile.at("encryption").at("client_key") == test::fact("MAILSTACK_CLIENT_KEY_ENCRYPTED"));
  CHECK_FALSE(profile.at("encryption").contains("client_key_password"));
}

TEST_CASE("Client certificate: key and file problems are configuration errors that say what to do", "[postfix][client-cert]") {
  const std::string port = test::fact("MAILSTACK_CCERT_REQ_PORT");
  auto no_password = check(port, "--stop-after tls " + client_cert_args("MAILSTACK_CLIENT_CERT", "MAILSTACK_CLIENT_KEY_ENCRYPTED"));
  CHECK(no_password.report.at("failure").at("category") == "config");
  CHECK(no_password.run.out.find("is encrypted: give its password (--client-key-password-env)") != std::string::npos);

  auto wrong = check(port, "--stop-after tls --client-key-password-env W " + client_cert_args("MAILSTACK_CLIENT_CERT", "MAILSTACK_CLIENT_KEY_ENCRYPTED"),
                     "W=not-the-password");
  CHECK(wrong.run.out.find("could not be decrypted: the password is wrong") != std::string::npos);

  auto mismatch = check(port, "--stop-after tls " + client_cert_args("MAILSTACK_CLIENT_CERT", "MAILSTACK_UNTRUSTED_CLIENT_KEY"));
  CHECK(mismatch.run.out.find("does not belong to the certificate") != std::string::npos);

  auto missing = check(port, "--stop-after tls --client-cert /nonexistent/client.pem");
  CHECK(missing.run.out.find("/nonexistent/client.pem cannot be read (no such file, or no permission)") != std::string::npos);

  auto p12 = check(port, "--stop-after tls --client-cert " + test::fact("MAILSTACK_CLIENT_P12"));
  CHECK(p12.report.at("failure").at("category") == "config");
  CHECK(p12.run.out.find("It looks like PKCS#12, which this build (mbedTLS 3.6) cannot read") != std::string::npos);
}

TEST_CASE("Client certificate: Exim's external authenticator accepts SASL EXTERNAL", "[eximstack][client-cert]") {
  const std::string port = exim().at("EXIM_CCERT_ASK_PORT");
  auto o = check(port, "--stop-after auth --sasl EXTERNAL " + client_cert_args());
  INFO(o.run.out);
  REQUIRE(o.run.status == 0);
  CHECK(o.report.at("auth").at("mechanism") == "EXTERNAL");
  CHECK(o.report.at("auth").at("result") == "ok");
  CHECK(o.report.at("auth").at("ntlm_version").is_null());  // not NTLM
  CHECK(o.report.at("tls").at("client_certificate_ca_names") == json::array({kClientCaName}));

  // Without a certificate sent, EXTERNAL is not tried (it could only fail).
  auto untrusted_none = check(port, "--stop-after auth --user " + test::fact("MAILSTACK_USER") + " --password-env P --sasl EXTERNAL",
                              "P=x");
  INFO(untrusted_none.run.out);
  CHECK(untrusted_none.run.out.find("SASL EXTERNAL needs a client certificate") != std::string::npos);
}

TEST_CASE("Client certificate: Exim (GnuTLS) tls_verify_hosts aborts without one: hint in TLS 1.2 and 1.3", "[eximstack][client-cert]") {
  const std::string port = exim().at("EXIM_CCERT_REQ_PORT");
  for (const char* version : {"tls1.2", "tls1.3"}) {
    DYNAMIC_SECTION(version) {
      auto o = check(port, std::string("--stop-after tls --tls-versions ") + version);
      INFO(o.run.out);
      CHECK(o.run.status != 0);
      CHECK(o.report.at("tls").at("client_certificate_requested") == true);
      CHECK(has_hint(o.report, "client-certificate-required"));
      auto good = check(port, std::string("--stop-after tls --tls-versions ") + version + " " + client_cert_args());
      INFO(good.run.out);
      CHECK(good.run.status == 0);
    }
  }
  // The version probes send the certificate too: TLS 1.2 is not mistaken for "not offered".
  auto probed = check(port, "--stop-after tls --probe-tls " + client_cert_args());
  INFO(probed.run.out);
  CHECK(probed.report.at("tls_probe").at("tls1.2").at("offered") == true);
}

TEST_CASE("NTLM: Exim's spa verifies only NTLMv1: NTLMv2 fails with a hint, --allow-ntlmv1 succeeds with a warning",
          "[eximstack][ntlm]") {
  const std::string port = exim().at("EXIM_SPA_PORT");
  if (port.empty()) SKIP("this Exim has no spa authenticator (exim4-daemon-light); scripts/setup-deps.sh unpacks exim4-daemon-heavy");
  const std::string password = test::fact("MAILSTACK_PASSWORD");
  const std::string args = "--stop-after auth --sasl NTLM --user " + test::fact("MAILSTACK_USER") + " --password-env P";
  auto v2 = check(port, args, "P='" + password + "'");
  INFO(v2.run.out);
  CHECK(v2.run.status != 0);
  CHECK(v2.report.at("failure").at("reply_code") == 535);
  CHECK(v2.report.at("auth").at("ntlm_version") == "NTLMv2");  // the version refused is named too
  CHECK(has_hint(v2.report, "ntlm-server-needs-ntlmv1"));

  auto v1 = check(port, args + " --allow-ntlmv1", "P='" + password + "'");
  INFO(v1.run.out);
  REQUIRE(v1.run.status == 0);
  CHECK(v1.report.at("auth").at("result") == "ok");
  CHECK(v1.report.at("auth").at("ntlm_version") == "NTLMv1");
  CHECK(v1.run.out.find("WARNING: NTLMv1 allowed") != std::string::npos);
  CHECK(v1.run.out.find("(NTLMv1)") != std::string::npos);
  CHECK(test::leaks(v1.run.out + v1.report.dump(), password).empty());
  CHECK_FALSE(has_hint(v1.report, "ntlm-server-needs-ntlmv1"));
}

TEST_CASE("Client certificate: swaks (the reference client) agrees on the same Postfix listener, using the printed command",
          "[postfix][client-cert][differential]") {
  const std::string port = test::fact("MAILSTACK_CCERT_REQ_PORT");
  auto ours = check(port, "--stop-after tls --print-commands " + client_cert_args());
  INFO(ours.run.out);
  REQUIRE(ours.run.status == 0);
  auto at = ours.run.out.find("\nswaks ");
  REQUIRE(at != std::string::npos);
  std::string swaks = ours.run.out.substr(at + 1, ours.run.out.find('\n', at + 1) - at - 1);
  CHECK(swaks.find("--tls-cert " + test::fact("MAILSTACK_CLIENT_CERT")) != std::string::npos);
  auto with = shell(swaks);
  INFO(with.out);
  CHECK(with.out.find("EXIT=0") != std::string::npos);
  auto cut = swaks.find(" --tls-cert");
  auto without = shell(swaks.substr(0, cut) + swaks.substr(swaks.find(" --to ")));
  INFO(without.out);
  CHECK(without.out.find("421 4.7.1") != std::string::npos);
  auto ours_without = check(port, "--stop-after tls");
  CHECK(ours_without.run.status != 0);
}

TEST_CASE("Client certificate: find settings sends it to Postfix smtpd_tls_req_ccert", "[postfix][client-cert][finder]") {
  const std::string port = test::fact("MAILSTACK_CCERT_REQ_PORT");
  auto without = find_settings(port, "");
  INFO(without.dump(2));
  const auto& refused = finder_row(without, "starttls");
  CHECK(refused.at("tls_version").is_string());  // Postfix completes the handshake, then refuses EHLO
  CHECK(refused.at("error").get<std::string>().find("421") != std::string::npos);
  CHECK(without.at("recommended").at("mode") == "plain");  // the wrong verdict a certificate-less finder gives

  auto with = find_settings(port, client_cert_args());
  INFO(with.dump(2));
  CHECK(finder_row(with, "starttls").at("error").is_null());
  CHECK(finder_row(with, "starttls").at("auth_after_tls").size() > 0);
  CHECK(with.at("recommended").at("mode") == "starttls");
  CHECK(with.at("recommended").at("port") == std::stoi(port));

  // An encrypted key: without its password the row says so; with it (from the environment, as for the
  // test) the row works.
  const std::string encrypted_key = client_cert_args("MAILSTACK_CLIENT_CERT", "MAILSTACK_CLIENT_KEY_ENCRYPTED");
  auto no_password = find_settings(port, encrypted_key);
  CHECK(finder_row(no_password, "starttls").at("error").get<std::string>().find("is encrypted: give its password") !=
        std::string::npos);
  auto encrypted = find_settings(port, encrypted_key + " --client-key-password-env SMTPWB_KEY_PW",
                                 "SMTPWB_KEY_PW='" + test::fact("MAILSTACK_CLIENT_KEY_PASSWORD") + "'");
  CHECK(finder_row(encrypted, "starttls").at("error").is_null());
}

TEST_CASE("Client certificate: find settings sends it to Exim tls_verify_hosts", "[eximstack][client-cert][finder]") {
  const std::string port = exim().at("EXIM_CCERT_REQ_PORT");
  auto without = find_settings(port, "");
  INFO(without.dump(2));
  CHECK(finder_row(without, "starttls").at("error").is_string());  // GnuTLS aborts the handshake with an alert
  auto with = find_settings(port, client_cert_args());
  INFO(with.dump(2));
  CHECK(finder_row(with, "starttls").at("error").is_null());
  CHECK(finder_row(with, "starttls").at("tls_version").is_string());
  CHECK(with.at("recommended").at("mode") == "starttls");
}
