// report.hpp profile functions: no secrets, strict reading, atomic files.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "settings_compare.hpp"
#include "smtpwb/report.hpp"

using namespace smtpwb;
using json = nlohmann::ordered_json;
using Catch::Matchers::ContainsSubstring;

namespace fs = std::filesystem;

namespace {

constexpr const char* kSecret = "Pa55-w0rd-XYZZY-1337";
constexpr const char* kProxySecret = "Pr0xy-S3cret-PLUGH-42";

ConnectionSettings sample_settings() {
  ConnectionSettings s;
  s.name = "Office relay";
  s.group = "Customers/ACME";
  s.timeout_s = 45;
  s.code_page = "ISO-8859-1";
  s.address = "smtp.acme.example";
  s.port = 465;
  s.ehlo_name = "[192.0.2.7]";
  s.auth_type = AuthType::Default;
  s.anonymous = false;
  s.username = "alice@acme.example";
  s.auth_domain = "ACME";
  s.password = kSecret;
  s.security = Security::Implicit;
  s.tls_versions = TlsVersionSet{}.with(TlsVersion::Tls11).with(TlsVersion::Tls13);
  s.sasl_mechanisms = {"LOGIN", "PLAIN"};
  s.verify_certificate = false;
  s.ca_file = "/etc/ssl/acme-ca.pem";
  s.allow_plaintext_auth = true;
  s.proxy.type = ProxyType::Socks5;
  s.proxy.address = "proxy.acme.example";
  s.proxy.port = 1081;
  s.proxy.use_credentials = true;
  s.proxy.domain = "ACME";
  s.proxy.username = "proxyuser";
  s.proxy.resolve_via_proxy = true;
  s.proxy.password = kProxySecret;
  return s;
}

// A unique temporary directory, removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    static std::atomic<int> counter{0};
    auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    path = fs::temp_directory_path() /
           ("smtpwb-profile-test-" + std::to_string(std::random_device{}()) + "-" + std::to_string(stamp) + "-" +
            std::to_string(counter++));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
  REQUIRE(out.good());
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

// Applies `patch` (merged over a valid profile) to a copy of `base`; returns the error message.
std::string apply_error(const json& profile, ConnectionSettings base = sample_settings()) {
  const auto before = base;
  auto err = apply_profile(profile, base);
  REQUIRE(err.has_value());
  CHECK(SAME_SETTINGS(base, before));  // a failing apply changes nothing
  return err->message;
}

}  // namespace

TEST_CASE("profile_json never contains a secret", "[profile]") {
  auto s = sample_settings();
  s.auth_type = AuthType::GmailOAuth;  // the password field is the client secret then
  const auto text = profile_json(s).dump();
  CHECK_THAT(text, !ContainsSubstring(kSecret));
  CHECK_THAT(text, !ContainsSubstring(kProxySecret));
  CHECK_THAT(text, !ContainsSubstring("password\""));  // no password key at any level
  CHECK_THAT(text, !ContainsSubstring("secret"));
  // But the non-secret fields are there.
  CHECK_THAT(text, ContainsSubstring("alice@acme.example"));
  CHECK_THAT(text, ContainsSubstring("proxyuser"));
}

TEST_CASE("profile_json layout", "[profile]") {
  auto j = profile_json(sample_settings());
  CHECK(j["format"] == "smtp-workbench-connection");
  CHECK(j["version"] == 1);
  CHECK(j["port"] == 465);
  CHECK(j["encryption"]["security"] == "implicit");
  CHECK_FALSE(j["encryption"].contains("mode"));
  CHECK_FALSE(j["encryption"].contains("protocol"));
  CHECK(j["encryption"]["versions"] == json::array({"tls1.1", "tls1.3"}));
  CHECK(j["proxy"]["type"] == "socks5");
  CHECK(j["proxy"]["resolve_via_proxy"] == true);
  CHECK(j["auth"]["anonymous"] == false);
}

TEST_CASE("apply_profile: files from before \"security\" (protocol + mode) still read", "[profile]") {
  auto read = [](json encryption, Security current) {
    ConnectionSettings s;
    s.security = current;
    REQUIRE_FALSE(apply_profile(json{{"encryption", encryption}}, s).has_value());
    return s.security;
  };
  CHECK(read({{"protocol", "tls"}, {"mode", "explicit"}}, Security::None) == Security::StartTls);
  CHECK(read({{"protocol", "ssl"}, {"mode", "implicit"}}, Security::None) == Security::Implicit);
  CHECK(read({{"protocol", "none"}, {"mode", "implicit"}}, Security::StartTls) == Security::None);
  CHECK(read({{"mode", "implicit"}}, Security::None) == Security::None);  // the protocol stays "none"
  CHECK(read({{"mode", "implicit"}}, Security::StartTls) == Security::Implicit);
  CHECK(read({{"protocol", "tls"}}, Security::Implicit) == Security::Implicit);
  CHECK(read({{"security", "none"}}, Security::Implicit) == Security::None);
  auto msg = apply_error(json{{"encryption", {{"security", "explicit"}}}});
  CHECK_THAT(msg, ContainsSubstring("encryption.security"));
  CHECK_THAT(msg, ContainsSubstring("none, starttls, implicit"));
}

TEST_CASE("apply_profile: round trip keeps the target's passwords", "[profile]") {
  const auto source = sample_settings();
  ConnectionSettings target;  // defaults
  target.password = "target-password";
  target.proxy.password = "target-proxy-password";
  REQUIRE_FALSE(apply_profile(profile_json(source), target).has_value());

  auto expected = source;
  expected.password = "target-password";
  expected.proxy.password = "target-proxy-password";
  CHECK(SAME_SETTINGS(target, expected));
  CHECK(target.tls_versions == source.tls_versions);
  CHECK(target.sasl_mechanisms == source.sasl_mechanisms);
}

TEST_CASE("apply_profile: round trip of the defaults", "[profile]") {
  const ConnectionSettings defaults;
  auto target = sample_settings();
  target.password = "";
  target.proxy.password = "";
  REQUIRE_FALSE(apply_profile(profile_json(defaults), target).has_value());
  CHECK(SAME_SETTINGS(target, defaults));
}

TEST_CASE("apply_profile: fields not in the profile keep their values", "[profile]") {
  auto s = sample_settings();
  REQUIRE_FALSE(apply_profile(json{{"port", 2525}, {"encryption", {{"mode", "explicit"}}}}, s).has_value());
  auto expected = sample_settings();
  expected.port = 2525;
  expected.security = Security::StartTls;
  CHECK(SAME_SETTINGS(s, expected));
  // An empty object changes nothing.
  REQUIRE_FALSE(apply_profile(json::object(), s).has_value());
  CHECK(SAME_SETTINGS(s, expected));
}

TEST_CASE("apply_profile: unknown fields are named", "[profile][errors]") {
  SECTION("top level") {
    auto msg = apply_error(json{{"adress", "x"}});
    CHECK_THAT(msg, ContainsSubstring("adress"));
    CHECK_THAT(msg, ContainsSubstring("unknown field"));
  }
  SECTION("nested") {
    auto profile = profile_json(sample_settings());
    profile["encryption"]["versionz"] = json::array({"tls1.2"});
    auto msg = apply_error(profile);
    CHECK_THAT(msg, ContainsSubstring("encryption.versionz"));
    CHECK_THAT(msg, ContainsSubstring("unknown field"));
  }
  SECTION("nested in proxy") {
    auto msg = apply_error(json{{"proxy", {{"host", "p.example"}}}});
    CHECK_THAT(msg, ContainsSubstring("proxy.host"));
  }
}

TEST_CASE("apply_profile: secrets are refused", "[profile][errors]") {
  SECTION("top-level password") {
    auto msg = apply_error(json{{"password", "hunter2"}});
    CHECK_THAT(msg, ContainsSubstring("password"));
    CHECK_THAT(msg, ContainsSubstring("secrets are never stored"));
    CHECK_THAT(msg, !ContainsSubstring("hunter2"));  // the secret is not echoed back
  }
  SECTION("auth.password") {
    auto msg = apply_error(json{{"auth", {{"username", "u"}, {"password", "hunter2"}}}});
    CHECK_THAT(msg, ContainsSubstring("auth.password"));
    CHECK_THAT(msg, ContainsSubstring("secrets are never stored"));
  }
  SECTION("proxy.password") {
    auto msg = apply_error(json{{"proxy", {{"password", "hunter2"}}}});
    CHECK_THAT(msg, ContainsSubstring("proxy.password"));
    CHECK_THAT(msg, ContainsSubstring("secrets are never stored"));
  }
  SECTION("client_secret") {
    auto msg = apply_error(json{{"auth", {{"client_secret", "hunter2"}}}});
    CHECK_THAT(msg, ContainsSubstring("secrets are never stored"));
  }
}

TEST_CASE("apply_profile: wrong types name the field and the expected type", "[profile][errors]") {
  SECTION("port as a string") {
    auto msg = apply_error(json{{"port", "587"}});
    CHECK_THAT(msg, ContainsSubstring("port"));
    CHECK_THAT(msg, ContainsSubstring("whole number"));
    CHECK_THAT(msg, ContainsSubstring("string"));
  }
  SECTION("port as a fraction") {
    CHECK_THAT(apply_error(json{{"port", 587.5}}), ContainsSubstring("whole number"));
  }
  SECTION("boolean as a string") {
    auto msg = apply_error(json{{"encryption", {{"verify_certificate", "yes"}}}});
    CHECK_THAT(msg, ContainsSubstring("encryption.verify_certificate"));
    CHECK_THAT(msg, ContainsSubstring("true or false"));
  }
  SECTION("list of strings") {
    auto msg = apply_error(json{{"encryption", {{"sasl_mechanisms", json::array({"PLAIN", 7})}}}});
    CHECK_THAT(msg, ContainsSubstring("encryption.sasl_mechanisms"));
    CHECK_THAT(msg, ContainsSubstring("list of strings"));
  }
  SECTION("object expected") {
    auto msg = apply_error(json{{"proxy", "socks5://p:1080"}});
    CHECK_THAT(msg, ContainsSubstring("proxy"));
    CHECK_THAT(msg, ContainsSubstring("object"));
  }
  SECTION("not an object at all") {
    CHECK_THAT(apply_error(json::array({1, 2})), ContainsSubstring("object"));
  }
  SECTION("number out of range") {
    auto msg = apply_error(json{{"proxy", {{"port", 70000}}}});
    CHECK_THAT(msg, ContainsSubstring("proxy.port"));
    CHECK_THAT(msg, ContainsSubstring("70000"));
  }
}

TEST_CASE("apply_profile: bad enumeration values", "[profile][errors]") {
  SECTION("mode") {
    auto msg = apply_error(json{{"encryption", {{"mode", "sideways"}}}});
    CHECK_THAT(msg, ContainsSubstring("encryption.mode"));
    CHECK_THAT(msg, ContainsSubstring("sideways"));
    CHECK_THAT(msg, ContainsSubstring("explicit, implicit"));
  }
  SECTION("TLS version name") {
    auto msg = apply_error(json{{"encryption", {{"versions", json::array({"tls1.2", "tls9"})}}}});
    CHECK_THAT(msg, ContainsSubstring("encryption.versions"));
    CHECK_THAT(msg, ContainsSubstring("tls9"));
  }
  SECTION("proxy type") {
    CHECK_THAT(apply_error(json{{"proxy", {{"type", "socks6"}}}}), ContainsSubstring("socks6"));
  }
  SECTION("format and version") {
    CHECK_THAT(apply_error(json{{"format", "something-else"}}), ContainsSubstring("format"));
    CHECK_THAT(apply_error(json{{"version", 2}}), ContainsSubstring("newer"));
  }
}

TEST_CASE("profiles: Microsoft 365 OAuth and its tenant round trip; old profiles still read", "[profile][microsoft365]") {
  auto s = sample_settings();
  s.auth_type = AuthType::Microsoft365OAuth;
  s.username = "11111111-2222-3333-4444-555555555555";
  s.oauth_account = "alice@contoso.com";
  s.oauth_tenant = "contoso.onmicrosoft.com";
  auto j = profile_json(s);
  CHECK(j["auth"]["type"] == "microsoft365-oauth");
  CHECK(j["auth"]["tenant"] == "contoso.onmicrosoft.com");
  ConnectionSettings back;
  REQUIRE_FALSE(apply_profile(j, back));
  CHECK(back.auth_type == AuthType::Microsoft365OAuth);
  CHECK(back.oauth_tenant == "contoso.onmicrosoft.com");
  CHECK(back.oauth_account == "alice@contoso.com");

  // A profile written before Microsoft 365 OAuth existed: no tenant key, gmail-oauth still read.
  json old = {{"format", "smtp-workbench-connection"}, {"version", 1}, {"address", "smtp.gmail.com"},
              {"auth", {{"type", "gmail-oauth"}, {"anonymous", false}, {"username", "id"}, {"account", "me@gmail.com"}}}};
  ConnectionSettings from_old;
  REQUIRE_FALSE(apply_profile(old, from_old));
  CHECK(from_old.auth_type == AuthType::GmailOAuth);
  CHECK(from_old.oauth_tenant.empty());

  CHECK_THAT(apply_error(json{{"auth", {{"type", "office-oauth"}}}}), ContainsSubstring("microsoft365-oauth"));
}

TEST_CASE("apply_profile: an error late in the profile leaves the settings unchanged", "[profile][errors]") {
  auto profile = profile_json(ConnectionSettings{});  // would change almost everything
  profile["proxy"]["colour"] = "blue";               // ...but the last object has an unknown field
  auto s = sample_settings();
  const auto before = s;
  auto err = apply_profile(profile, s);
  REQUIRE(err.has_value());
  CHECK_THAT(err->message, ContainsSubstring("proxy.colour"));
  CHECK(SAME_SETTINGS(s, before));
}

TEST_CASE("profile files", "[profile][file]") {
  TempDir dir;

  SECTION("save writes atomically and loads back equal") {
    const auto path = dir.path / "acme.json";
    auto source = sample_settings();
    REQUIRE(save_profile_file(path.string(), source).empty());
    REQUIRE(fs::exists(path));
    // Exactly the one file: no temporary left behind.
    int entries = 0;
    for (const auto& e : fs::directory_iterator(dir.path)) {
      ++entries;
      CHECK(e.path().filename().string() == "acme.json");
    }
    CHECK(entries == 1);

    auto text = read_text(path);
    CHECK_NOTHROW(json::parse(text));
    CHECK_THAT(text, !ContainsSubstring(kSecret));
    CHECK_THAT(text, !ContainsSubstring(kProxySecret));

    ConnectionSettings loaded;
    REQUIRE_FALSE(load_profile_file(path.string(), loaded).has_value());
    auto expected = source;
    expected.password.clear();
    expected.proxy.password.clear();
    CHECK(SAME_SETTINGS(loaded, expected));

    // Saving again replaces the file.
    source.port = 2587;
    REQUIRE(save_profile_file(path.string(), source).empty());
    ConnectionSettings again;
    REQUIRE_FALSE(load_profile_file(path.string(), again).has_value());
    CHECK(again.port == 2587);
  }

  SECTION("save into a missing directory fails with a message") {
    auto err = save_profile_file((dir.path / "missing" / "x.json").string(), sample_settings());
    CHECK_FALSE(err.empty());
    CHECK_THAT(err, ContainsSubstring("x.json"));
  }

  SECTION("syntax error reports the line") {
    const auto path = dir.path / "broken.json";
    write_file(path,
               "{\n"
               "  \"address\": \"smtp.example.com\",\n"
               "  \"port\": 587,,\n"
               "  \"name\": \"x\"\n"
               "}\n");
    ConnectionSettings s;
    const auto before = s;
    auto err = load_profile_file(path.string(), s);
    REQUIRE(err.has_value());
    CHECK_THAT(err->message, ContainsSubstring(path.string() + ":3:"));
    CHECK(SAME_SETTINGS(s, before));
  }

  SECTION("syntax error at the start of a line") {
    const auto path = dir.path / "broken2.json";
    write_file(path,
               "{\n"
               "  \"address\": \"smtp.example.com\"\n"
               "  \"port\": 587\n"
               "}\n");
    ConnectionSettings s;
    auto err = load_profile_file(path.string(), s);
    REQUIRE(err.has_value());
    CHECK_THAT(err->message, ContainsSubstring(":3:"));
  }

  SECTION("a semantic error names the file and the field") {
    const auto path = dir.path / "typed.json";
    write_file(path, "{\"port\": \"587\"}\n");
    ConnectionSettings s;
    auto err = load_profile_file(path.string(), s);
    REQUIRE(err.has_value());
    CHECK_THAT(err->message, ContainsSubstring(path.string()));
    CHECK_THAT(err->message, ContainsSubstring("port"));
  }

  SECTION("missing file") {
    const auto path = dir.path / "does-not-exist.json";
    ConnectionSettings s;
    auto err = load_profile_file(path.string(), s);
    REQUIRE(err.has_value());
    CHECK_THAT(err->message, ContainsSubstring(path.string()));
    CHECK_THAT(err->message, ContainsSubstring("cannot be read"));
  }
}

TEST_CASE("apply_profile: a proxy password is refused and points to --proxy-password-env", "[profile][errors]") {
  ConnectionSettings s;
  auto err = apply_profile(json{{"proxy", {{"type", "socks5"}, {"password", "x"}}}}, s);
  REQUIRE(err.has_value());
  CHECK_THAT(err->message, ContainsSubstring("proxy.password"));
  CHECK_THAT(err->message, ContainsSubstring("--proxy-password-env"));
  auto wrong = apply_profile(json{{"proxy", {{"resolve_via_proxy", "yes"}}}}, s);
  REQUIRE(wrong.has_value());
  CHECK_THAT(wrong->message, ContainsSubstring("proxy.resolve_via_proxy"));
}

TEST_CASE("profile: a saved connection's id round-trips; profiles without one have none", "[profile]") {
  auto s = sample_settings();
  CHECK_FALSE(profile_json(s).contains("id"));  // check --save-profile: no id
  s.id = "3f2a9c0e5b7d41a8b6c2d9e0f1a2b3c4";
  auto j = profile_json(s);
  CHECK(j["id"] == s.id);
  ConnectionSettings loaded;
  REQUIRE_FALSE(apply_profile(j, loaded).has_value());
  CHECK(loaded.id == s.id);
  CHECK_THAT(apply_error(json{{"id", 42}}), ContainsSubstring("id"));
}
