// The real workbench binary under Xvfb: --run-test against the demo server and the suite's Postfix,
// checking the exit status and that the screenshot shows a drawn window.
#include <catch2/catch_test_macros.hpp>
#include <stb_image.h>

#include <set>

#include "exit_status.hpp"
#include "smtpwb/report.hpp"
#include "support.hpp"
#include "xvfb.hpp"

using namespace smtpwb;
using test::Xvfb;

namespace {
test::Run run_window(const std::filesystem::path& config, const std::string& name, const std::filesystem::path& shot,
                     const std::string& env = {}) {
  Xvfb x;
  return test::run_binary("--config-dir " + config.string() + " --run-test '" + name + "' --screenshot " + shot.string() + " 2>&1",
                          env + " " + x.env());
}

// A blank or single-colour image has few distinct colours; a drawn window with text has hundreds.
std::size_t distinct_colours(const std::filesystem::path& png, int& width, int& height) {
  int channels = 0;
  unsigned char* pixels = stbi_load(png.c_str(), &width, &height, &channels, 3);
  if (!pixels) return 0;
  std::set<std::uint32_t> colours;
  for (int i = 0; i < width * height; ++i)
    colours.insert(static_cast<std::uint32_t>(pixels[3 * i] << 16 | pixels[3 * i + 1] << 8 | pixels[3 * i + 2]));
  stbi_image_free(pixels);
  return colours.size();
}

// The window's tests run under the proxies fixture, whose facts name the mail stack's.
const bool kMailstackEnvKnown = [] {
  if (std::getenv("MAILSTACK_ENV") || !std::getenv("PROXIES_ENV")) return false;
  ::setenv("MAILSTACK_ENV", test::read_facts("PROXIES_ENV").at("MAILSTACK_ENV").c_str(), 0);
  return true;
}();
std::string proxy_fact(const std::string& key) {
  static const auto facts = test::read_facts("PROXIES_ENV");
  return facts.at(key);
}

// Saves `s` as a connection file of the window (the check --profile format, no secrets).
void save_connection(const std::filesystem::path& config, const ConnectionSettings& s) {
  std::filesystem::create_directories(config / "connections");
  REQUIRE(save_profile_file((config / "connections" / (std::to_string(std::hash<std::string>{}(s.name)) + ".json")).string(), s).empty());
}

void save_stack_connection(const std::filesystem::path& config, const std::string& name) {
  auto s = test::stack_settings("MAILSTACK_SUBMISSION_PORT");
  s.name = name;
  save_connection(config, s);
}

// Runs the Test of the saved connection `name` in the window; the passwords come from the environment.
test::Run run_saved(const Xvfb& x, const std::filesystem::path& config, const std::string& name, const std::string& proxy_password = {}) {
  std::string env = "SMTPWB_TEST_PW='" + test::fact("MAILSTACK_PASSWORD") + "' SMTPWB_TEST_PROXY_PW='" + proxy_password + "' " + x.env();
  return test::run_binary("--config-dir " + config.string() + " --run-test '" + name +
                              "' --password-env SMTPWB_TEST_PW --proxy-password-env SMTPWB_TEST_PROXY_PW 2>&1",
                          env);
}
}  // namespace

TEST_CASE("the first start's demo connection runs its Test and the screenshot shows it", "[gui][xvfb]") {
  test::TempDir dir;
  auto r = run_window(dir.path / "config", "Demo server", dir.path / "demo.png");
  INFO(r.out);
  CHECK(r.status == 0);
  int w = 0, h = 0;
  CHECK(distinct_colours(dir.path / "demo.png", w, h) > 50);
  CHECK(w == 1280);
  CHECK(std::filesystem::exists(dir.path / "config" / "connections" / "demo-server.json"));
}

TEST_CASE("Test against the real Postfix, right and wrong password", "[gui][xvfb]") {
  test::TempDir dir;
  save_stack_connection(dir.path / "config", "Postfix submission");
  Xvfb x;
  auto ok = test::run_binary("--config-dir " + (dir.path / "config").string() +
                                 " --run-test 'Postfix submission' --password-env SMTPWB_TEST_PW --screenshot " +
                                 (dir.path / "ok.png").string() + " 2>&1",
                             "SMTPWB_TEST_PW='" + test::fact("MAILSTACK_PASSWORD") + "' " + x.env());
  {
    INFO(ok.out);
    CHECK(ok.status == 0);
  }
  auto bad = test::run_binary("--config-dir " + (dir.path / "config").string() +
                                  " --run-test 'Postfix submission' --password-env SMTPWB_TEST_PW --screenshot " +
                                  (dir.path / "bad.png").string() + " 2>&1",
                              "SMTPWB_TEST_PW=wrong-password " + x.env());
  INFO(bad.out);
  CHECK(bad.status == app::exit_status(FailureCategory::Auth));
  int w = 0, h = 0;
  CHECK(distinct_colours(dir.path / "bad.png", w, h) > 50);
}

// Issue 12: a TLS 1.2-only Postfix with an RSA certificate signs its key exchange with RSA-PSS, which
// mbedTLS 3.6.6 rejected ("A field in a message was incorrect"); the default settings must pass.
TEST_CASE("The TLS 1.2-only Postfix with an RSA certificate, default settings, from the window", "[gui][xvfb][interop]") {
  test::TempDir dir;
  auto s = test::stack_settings("MAILSTACK_TLS12_RSA_PORT");
  s.name = "Postfix TLS 1.2 RSA";
  REQUIRE(s.tls_versions == ConnectionSettings{}.tls_versions);
  save_connection(dir.path / "config", s);
  Xvfb x;
  auto r = run_saved(x, dir.path / "config", s.name);
  INFO(r.out);
  CHECK(r.status == 0);
}

TEST_CASE("Every SASL mechanism of the suite's Dovecot, from the window", "[gui][xvfb][auth]") {
  test::TempDir dir;
  Xvfb x;
  for (const char* mechanism : {"PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256"}) {
    auto s = test::stack_settings("MAILSTACK_SUBMISSION_PORT");
    s.name = std::string("Postfix ") + mechanism;
    s.sasl_mechanisms = {mechanism};
    save_connection(dir.path / "config", s);
    auto r = run_saved(x, dir.path / "config", s.name);
    INFO(mechanism << ": " << r.out);
    CHECK(r.status == 0);
  }
}

TEST_CASE("Through each proxy type to the suite's Postfix, from the window", "[gui][xvfb][proxy]") {
  test::TempDir dir;
  Xvfb x;
  struct Kind {
    const char* name;
    ProxyType type;
    bool resolve_via_proxy;
    const char* port_key;
    bool credentials;
    bool ntlm = false;  // an HTTP proxy with a Domain authenticates with NTLM (squid)
  };
  for (const Kind& k : {Kind{"socks4", ProxyType::Socks4, false, "PROXY_SOCKS_PORT", false},
                        Kind{"socks4a", ProxyType::Socks4a, false, "PROXY_SOCKS4A_PORT", false},
                        Kind{"socks5 with password", ProxyType::Socks5, false, "PROXY_SOCKS_AUTH_PORT", true},
                        Kind{"socks5h", ProxyType::Socks5, true, "PROXY_SOCKS_PORT", false},
                        Kind{"http with Basic", ProxyType::Http, false, "PROXY_HTTP_AUTH_PORT", true},
                        Kind{"http with NTLM", ProxyType::Http, false, "PROXY_HTTP_NTLM_PORT", true, true}}) {
    auto s = test::stack_settings("MAILSTACK_SUBMISSION_PORT");
    s.name = std::string("Through ") + k.name;
    s.proxy.type = k.type;
    s.proxy.resolve_via_proxy = k.resolve_via_proxy;
    s.proxy.address = proxy_fact("PROXY_HOST");
    s.proxy.port = std::stoi(proxy_fact(k.port_key));
    s.proxy.use_credentials = k.credentials;
    if (k.credentials) s.proxy.username = proxy_fact("PROXY_USER");
    if (k.ntlm) s.proxy.domain = proxy_fact("PROXY_NTLM_DOMAIN");
    save_connection(dir.path / "config", s);
    auto r = run_saved(x, dir.path / "config", s.name, k.credentials ? proxy_fact("PROXY_PASSWORD") : "");
    INFO(k.name << ": " << r.out);
    CHECK(r.status == 0);
  }
}

TEST_CASE("An unknown --run-test name, and no display, fail clearly", "[gui]") {
  test::TempDir dir;
  auto unknown = run_window(dir.path / "config", "No such connection", dir.path / "x.png");
  INFO(unknown.out);
  CHECK(unknown.status == 2);
  CHECK(unknown.out.find("no connection named \"No such connection\"") != std::string::npos);
  auto headless = test::run_binary("--config-dir " + dir.path.string() + " 2>&1", "env -u DISPLAY -u WAYLAND_DISPLAY");
  CHECK(headless.status == 2);
  CHECK(headless.out.find("smtp-workbench check") != std::string::npos);
}
