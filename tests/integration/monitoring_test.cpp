// The exporter with real monitoring parts (tests/servers/monitoring.sh): scraped by Prometheus,
// side by side with blackbox_exporter on the same Postfix listener, and under many scrapes at once.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <map>
#include <sstream>
#include <thread>
#include <vector>

#include "http_get.hpp"
#include "smtpwb/oauth.hpp"
#include "support.hpp"

using Catch::Matchers::ContainsSubstring;

namespace {

const std::map<std::string, std::string>& monitoring() {
  static const auto facts = [] {
    auto f = test::read_facts("MONITORING_ENV");
    ::setenv("MAILSTACK_ENV", f.at("MAILSTACK_ENV").c_str(), 0);
    return f;
  }();
  return facts;
}
int port_of(const std::string& key) { return std::stoi(monitoring().at(key)); }

using smtpwb::oauth::url_encode;  // RFC 3986, as the OAuth requests are encoded

// Sample lines of the text format: "name{labels}" -> value.
std::map<std::string, double> samples(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    auto space = line.rfind(' ');
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

// The one series of `name` ("name{...}" or "name"), or fails.
std::pair<std::string, double> series(const std::map<std::string, double>& all, const std::string& name) {
  for (const auto& [key, value] : all)
    if (key == name || key.rfind(name + "{", 0) == 0) return {key, value};
  FAIL("no series " << name);
  return {};
}

// Prometheus's instant query; waits until it has a result (the first scrapes after start).
nlohmann::json query(const std::string& promql) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  nlohmann::json result;
  while (std::chrono::steady_clock::now() < until) {
    auto r = test::http_get(port_of("MONITORING_PROMETHEUS_PORT"), "/api/v1/query?query=" + url_encode(promql));
    if (r.status == 200) {
      result = nlohmann::json::parse(r.body)["data"]["result"];
      if (!result.empty()) return result;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  FAIL("Prometheus has no result for " << promql);
  return result;
}

std::string probe_path(const std::string& module) {
  return "/probe?module=" + module + "&target=" + url_encode(monitoring().at("MONITORING_TARGET"));
}

int threads_of(const std::string& pid) {
  std::string status = test::slurp("/proc/" + pid + "/status");
  auto at = status.find("\nThreads:");
  return at == std::string::npos ? -1 : std::stoi(status.substr(at + 9));
}

}  // namespace

TEST_CASE("exporter: Prometheus scrapes probe_success, the TLS version and the failure's category", "[monitoring]") {
  auto healthy = query("probe_success{job=\"smtp\",module=\"healthy\"}");
  REQUIRE(healthy.size() == 1);
  CHECK(healthy[0]["value"][1] == "1");
  CHECK(healthy[0]["metric"]["instance"] == monitoring().at("MONITORING_TARGET"));  // the relabelled target
  auto version = query("probe_tls_version_info{job=\"smtp\",module=\"healthy\"}");
  CHECK(version[0]["metric"]["version"] == "TLS 1.3");
  CHECK(query("smtp_auth_success{module=\"healthy\"}")[0]["value"][1] == "1");

  auto wrong = query("probe_success{job=\"smtp\",module=\"wrong-password\"}");
  CHECK(wrong[0]["value"][1] == "0");
  auto failure = query("smtp_failure_info{module=\"wrong-password\",category=\"auth\"}");
  CHECK(failure[0]["value"][1] == "1");
  CHECK(failure[0]["metric"]["hint"] == "auth-failed");
  CHECK(query("smtp_reply_code{module=\"wrong-password\"}")[0]["value"][1] == "535");
  CHECK(query("up{job=\"smtp_exporter\"}")[0]["value"][1] == "1");
  CHECK(query("smtp_exporter_probes_total{result=\"failure\"} > 0").size() == 1);  // waits for a scrape after one
}

TEST_CASE("exporter: the same certificate expiry, TLS version and success as blackbox_exporter", "[monitoring]") {
  auto ours = test::http_get(port_of("MONITORING_EXPORTER_PORT"), probe_path("healthy"));
  auto theirs = test::http_get(port_of("MONITORING_BLACKBOX_PORT"),
                               "/probe?module=smtp_starttls&target=" + url_encode(monitoring().at("MONITORING_TARGET")));
  REQUIRE(ours.status == 200);
  REQUIRE(theirs.status == 200);
  INFO(ours.body << "\n---- blackbox_exporter ----\n" << theirs.body);
  auto a = samples(ours.body), b = samples(theirs.body);
  CHECK(series(a, "probe_success").second == 1);
  CHECK(series(b, "probe_success").second == 1);
  CHECK(series(a, "probe_ssl_earliest_cert_expiry").second == series(b, "probe_ssl_earliest_cert_expiry").second);
  CHECK(series(a, "probe_ssl_last_chain_expiry_timestamp_seconds").second ==
        series(b, "probe_ssl_last_chain_expiry_timestamp_seconds").second);
  CHECK(series(a, "probe_tls_version_info") == series(b, "probe_tls_version_info"));  // {version="TLS 1.3"} 1
  CHECK(series(a, "probe_ssl_last_chain_info") == series(b, "probe_ssl_last_chain_info"));  // fingerprint, names
  // And both the same as the certificate's own date, seen by Prometheus through each exporter.
  auto expiry = query("probe_ssl_earliest_cert_expiry{job=\"smtp\",module=\"healthy\"} - on(instance) "
                      "probe_ssl_earliest_cert_expiry{job=\"blackbox\"}");
  CHECK(expiry[0]["value"][1] == "0");
}

TEST_CASE("exporter: unknown paths, bad requests, its own address only", "[monitoring]") {
  const int port = port_of("MONITORING_EXPORTER_PORT");
  CHECK(test::http_get(port, "/").status == 404);
  CHECK(test::http_get(port, "/-/reload").status == 404);
  auto unknown = test::http_get(port, "/probe?module=nope");
  CHECK(unknown.status == 400);
  CHECK_THAT(unknown.body, ContainsSubstring("unknown module \"nope\""));
  auto secret = test::http_get(port, "/probe?module=healthy&password=x");
  CHECK(secret.status == 400);
  CHECK_THAT(secret.body, ContainsSubstring("never from a URL"));
  CHECK(test::http_get(port, "/probe?module=healthy&target=bad%20host:25").status == 400);
  CHECK(test::http_get(port, "/metrics").status == 200);
  CHECK(test::http_get(port, "/metrics", {}, "127.0.0.2").status == 0);  // listening on 127.0.0.1 only

  auto debug = test::http_get(port, probe_path("healthy") + "&debug=true");
  CHECK(debug.status == 200);
  CHECK_THAT(debug.body, ContainsSubstring("AUTH"));
  CHECK_THAT(debug.body, ContainsSubstring("********"));
  CHECK(debug.body.find(test::fact("MAILSTACK_PASSWORD")) == std::string::npos);
}

TEST_CASE("exporter: a secrets file others can read is refused; --listen is checked", "[monitoring]") {
  test::TempDir dir;
  auto secrets = dir.path / "secrets.json";
  std::ofstream(secrets) << R"({"healthy": "x"})";
  std::filesystem::permissions(secrets, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                                            std::filesystem::perms::others_read);
  auto run = test::run_binary("exporter --listen 127.0.0.1:9 --config-dir " + dir.path.string() + " --secrets-file " +
                              secrets.string() + " 2>&1");
  CHECK(run.status == 2);
  CHECK_THAT(run.out, ContainsSubstring("chmod 600"));
  auto bad = test::run_binary("exporter --listen 127.0.0.1 2>&1");
  CHECK(bad.status == 2);
  CHECK_THAT(bad.out, ContainsSubstring("--listen"));
}

TEST_CASE("exporter: 200 scrapes at once, all answered right, threads bounded", "[monitoring]") {
  const int port = port_of("MONITORING_EXPORTER_PORT");
  const std::string pid = monitoring().at("MONITORING_EXPORTER_PID");
  const int before = threads_of(pid);
  std::atomic<int> ok{0}, done{0}, peak{before};
  std::vector<std::thread> clients;
  for (int i = 0; i < 200; ++i)
    clients.emplace_back([&] {
      auto r = test::http_get(port, probe_path("healthy"));
      if (r.status == 200 && samples(r.body)["probe_success"] == 1) ++ok;
      ++done;
    });
  while (done.load() < 200) {
    peak = std::max(peak.load(), threads_of(pid));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (auto& t : clients) t.join();
  CHECK(ok.load() == 200);
  // --max-concurrent 8: 8 workers, a session thread and a resolver thread each, the listener thread.
  INFO("threads before " << before << ", peak " << peak.load());
  CHECK(peak.load() <= before + 16 + 2);
}
