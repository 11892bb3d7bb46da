// app/exporter: arguments, HTTP parsing, the metrics text, modules and secrets, the probe service
// (in-process, against the demo server) and the listener on loopback.
#include <sys/stat.h>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "exporter/exporter_args.hpp"
#include "exporter/http.hpp"
#include "exporter/http_listener.hpp"
#include "exporter/metrics.hpp"
#include "exporter/modules.hpp"
#include "exporter/probe.hpp"
#include "exporter/probe_service.hpp"
#include "exporter/worker_pool.hpp"
#include "http_get.hpp"
#include "smtpwb/demo_server.hpp"
#include "smtpwb/report.hpp"

using namespace smtpwb;
using namespace smtpwb::app;
using Catch::Matchers::ContainsSubstring;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/smtpwb-exporter-XXXXXX";
    REQUIRE(::mkdtemp(tmpl));
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

void write(const fs::path& p, const std::string& text, fs::perms perms = fs::perms::owner_read | fs::perms::owner_write) {
  std::ofstream(p) << text;
  fs::permissions(p, perms);
}

// Waits for an answer handed to the reply callback (from a worker thread).
struct Answer {
  std::mutex mutex;
  std::condition_variable cv;
  std::optional<HttpResponse> response;
  HttpReply reply() {
    return [this](HttpResponse r) {
      std::lock_guard lock(mutex);
      response = std::move(r);
      cv.notify_all();
    };
  }
  HttpResponse wait() {
    std::unique_lock lock(mutex);
    REQUIRE(cv.wait_for(lock, std::chrono::seconds(30), [this] { return response.has_value(); }));
    return *response;
  }
};

HttpRequest get(const std::string& target, std::map<std::string, std::string> headers = {}) {
  std::string error;
  std::string head = "GET " + target + " HTTP/1.1\r\nHost: x\r\n";
  for (const auto& [k, v] : headers) head += k + ": " + v + "\r\n";
  auto r = parse_request_head(head + "\r\n", error);
  REQUIRE(r.has_value());
  return *r;
}

}  // namespace

TEST_CASE("exporter args: --listen forms and bounds", "[exporter]") {
  ExporterArgs a;
  REQUIRE_FALSE(parse_exporter_args({"--listen", "127.0.0.1:9125", "--config-dir", "/c", "--secrets-file", "/s", "--max-concurrent", "4"}, a));
  CHECK(a.listen_host == "127.0.0.1");
  CHECK(a.listen_port == 9125);
  CHECK(a.max_concurrent == 4);
  ExporterArgs b;
  REQUIRE_FALSE(parse_exporter_args({"--listen=[::1]:80"}, b));
  CHECK(b.listen_host == "::1");
  ExporterArgs c;
  CHECK(parse_exporter_args({}, c)->find("--listen") != std::string::npos);
  CHECK(parse_exporter_args({"--listen", "::1:80"}, c).has_value());
  CHECK(parse_exporter_args({"--listen", "h:1", "--max-concurrent", "0"}, c).has_value());
  CHECK(parse_exporter_args({"--listen", "h:1", "--bogus", "x"}, c)->find("unknown option") != std::string::npos);
}

TEST_CASE("http: request head, query decoding, response", "[exporter]") {
  std::string error;
  auto r = parse_request_head("GET /probe?module=Office%20365&target=smtp.example.com%3A587&debug=true HTTP/1.1\r\n"
                              "Host: x\r\nX-Prometheus-Scrape-Timeout-Seconds:  10 \r\n\r\n",
                              error);
  REQUIRE(r.has_value());
  CHECK(r->path == "/probe");
  REQUIRE(r->query.size() == 3);
  CHECK(r->query[0] == std::pair<std::string, std::string>{"module", "Office 365"});
  CHECK(r->query[1].second == "smtp.example.com:587");
  CHECK(r->header("x-prometheus-scrape-timeout-seconds") == "10");
  CHECK(parse_query("a=1+2&b=%zz") == std::nullopt);
  CHECK(parse_query("a=1+2")->front().second == "1 2");
  CHECK_FALSE(parse_request_head("GET probe HTTP/1.1\r\n\r\n", error));
  CHECK_FALSE(parse_request_head("GET / SMTP/1.0\r\n\r\n", error));
  CHECK(request_head_end("GET / HTTP/1.1\r\nA: b\r\n\r\nrest") == 24);
  auto text = serialize(text_response(404, "not found"));
  CHECK(text == "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 10\r\nConnection: close\r\n\r\nnot found\n");
}

TEST_CASE("metrics: label escaping, numbers, blackbox's certificate name format", "[exporter]") {
  CHECK(escape_label_value("a\"b\\c\nd") == "a\\\"b\\\\c\\\\x0ad");  // the line break made visible first
  CHECK(escape_label_value(std::string("caf\xe9", 4)) == "caf\\\\xe9");  // not UTF-8: escaped, still valid
  CHECK(metric_number(1) == "1");
  CHECK(metric_number(0.0125) == "0.0125");
  CHECK(metric_number(1799539200) == "1799539200");
  CHECK(metric_number(std::nan("")) == "NaN");
  CHECK(go_name_string({{"2.5.4.10", "SMTP Workbench tests"}, {"2.5.4.3", "SMTP Workbench Test CA"}}) ==
        "CN=SMTP Workbench Test CA,O=SMTP Workbench tests");
  CHECK(go_name_string({{"2.5.4.3", "localhost"}}) == "CN=localhost");
  // Go's canonical order (not the certificate's), RFC 2253 escapes, other attributes as OID=#DER.
  CHECK(go_name_string({{"2.5.4.3", "a,b"}, {"2.5.4.6", "DE"}, {"2.5.4.11", "x"}, {"2.5.4.11", "y"},
                        {"1.2.840.113549.1.9.1", "a@b"}, {"2.5.4.10", " #O "}}) ==
        "CN=a\\,b,OU=x+OU=y,O=\\ #O\\ ,C=DE,1.2.840.113549.1.9.1=#0c03614062");
  CHECK(go_name_string({{"2.5.4.3", "first"}, {"2.5.4.3", "last"}}) == "CN=last");
}

TEST_CASE("metrics: a probe's names, one sample per series, failure info only on failure", "[exporter]") {
  SessionResult r;
  r.ok = false;
  r.phases = {{Phase::Resolve, 0, 1}, {Phase::Ehlo, 1, 2}, {Phase::StartTls, 3, 1}, {Phase::TlsHandshake, 4, 5}, {Phase::Ehlo, 9, 2}};
  r.tls.used = true;
  r.tls.version = "TLSv1.3";
  r.tls.verified = true;
  CertificateInfo leaf;
  leaf.not_after = "2027-01-10T00:00:00Z";
  leaf.sha256_fingerprint = "AB:CD:EF";
  leaf.subject_alt_names = {"DNS:localhost", "IP:127.0.0.1", "DNS:mx.example.test"};
  leaf.subject_attributes = {{"2.5.4.3", "localhost"}};
  leaf.issuer_attributes = {{"2.5.4.3", "Test \"CA\""}};
  r.tls.chain = {leaf};
  r.auth.result = AuthResult::Failed;
  Failure f;
  f.category = FailureCategory::Auth;
  f.reply_code = 535;
  r.failure = f;
  Hint h;
  h.id = "auth-failed";
  r.hints = {h};
  auto text = probe_metrics(r, {0.25, true, true});
  CHECK_THAT(text, ContainsSubstring("# TYPE probe_success gauge\nprobe_success 0\n"));
  CHECK_THAT(text, ContainsSubstring("\nprobe_duration_seconds 0.25\n"));
  CHECK_THAT(text, ContainsSubstring("\nprobe_dns_lookup_time_seconds 0.001\n"));
  CHECK_THAT(text, ContainsSubstring("\nprobe_ssl_earliest_cert_expiry 1799539200\n"));
  CHECK_THAT(text, ContainsSubstring("\nprobe_ssl_last_chain_expiry_timestamp_seconds 1799539200\n"));
  CHECK_THAT(text, ContainsSubstring("\nprobe_tls_version_info{version=\"TLS 1.3\"} 1\n"));
  CHECK_THAT(text, ContainsSubstring("\nprobe_ssl_last_chain_info{fingerprint_sha256=\"abcdef\",issuer=\"CN=Test \\\\\\\"CA\\\\\\\"\","
                                     "subject=\"CN=localhost\",subjectalternative=\"localhost,mx.example.test\"} 1\n"));
  CHECK_THAT(text, ContainsSubstring("\nsmtp_phase_duration_seconds{phase=\"ehlo\"} 0.004\n"));
  CHECK_THAT(text, ContainsSubstring("\nsmtp_auth_success 0\n"));
  CHECK_THAT(text, ContainsSubstring("\nsmtp_reply_code 535\n"));
  CHECK_THAT(text, ContainsSubstring("\nsmtp_failure_info{category=\"auth\",hint=\"auth-failed\"} 1\n"));
  CHECK_THAT(text, ContainsSubstring("\nsmtp_starttls_injection 0\n"));
  // No series twice (Prometheus rejects the whole scrape for a duplicate).
  std::set<std::string> series;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] != '#') CHECK(series.insert(line.substr(0, line.rfind(' '))).second);

  r.ok = true;
  r.failure.reset();
  auto ok = probe_metrics(r, {0.1, false, false});
  CHECK_THAT(ok, !ContainsSubstring("smtp_failure_info"));
  CHECK_THAT(ok, !ContainsSubstring("smtp_auth_success"));       // anonymous: nothing to judge
  CHECK_THAT(ok, !ContainsSubstring("smtp_starttls_injection"));  // not STARTTLS
}

TEST_CASE("probe params: module, target forms, debug; secrets never from the URL", "[exporter]") {
  std::string error;
  auto p = parse_probe_params({{"module", "Office"}, {"target", "[2001:db8::1]:465"}, {"debug", "true"}}, error);
  REQUIRE(p.has_value());
  CHECK(p->target_host == "2001:db8::1");
  CHECK(p->target_port == 465);
  CHECK(p->debug);
  p = parse_probe_params({{"module", "Office"}, {"target", "smtp.example.com"}}, error);
  REQUIRE(p.has_value());
  CHECK_FALSE(p->target_port.has_value());
  CHECK_FALSE(parse_probe_params({{"target", "a:1"}}, error));
  CHECK_THAT(error, ContainsSubstring("\"module\" is missing"));
  CHECK_FALSE(parse_probe_params({{"module", "a"}, {"password", "x"}}, error));
  CHECK_THAT(error, ContainsSubstring("never from a URL"));
  CHECK_FALSE(parse_probe_params({{"module", "a"}, {"module", "b"}}, error));
  CHECK_FALSE(parse_probe_params({{"module", "a"}, {"target", "bad host:25"}}, error));
  CHECK_FALSE(parse_probe_params({{"module", "a"}, {"target", "h:99999"}}, error));
  CHECK_FALSE(parse_probe_params({{"module", "a"}, {"debug", "yes"}}, error));
}

TEST_CASE("probe budget: the connection's timeout, or the scrape timeout less 0.5 s", "[exporter]") {
  using std::chrono::milliseconds;
  CHECK(probe_budget(30, std::nullopt) == milliseconds(30000));
  CHECK(probe_budget(30, 10.0) == milliseconds(9500));
  CHECK(probe_budget(5, 10.0) == milliseconds(5000));
  CHECK(probe_budget(30, 0.6) == milliseconds(300));
}

TEST_CASE("secrets: forms, private file only, applied where check puts them", "[exporter]") {
  std::string error;
  auto s = parse_secrets(R"({"Office": "pw", "Gmail": {"token": "tok"}, "Proxy": {"password": "p", "proxy_password": "pp"}})", error);
  REQUIRE(s.has_value());
  CHECK((*s)["Office"].secret == "pw");
  CHECK_FALSE(parse_secrets(R"({"a": 1})", error));
  CHECK_FALSE(parse_secrets(R"({"a": {"pass": "x"}})", error));
  CHECK_FALSE(parse_secrets(R"(["a"])", error));
  CHECK_FALSE(parse_secrets("{\"a\": \"sekrit\" x}", error));
  CHECK(error.find("sekrit") == std::string::npos);

  TempDir dir;
  auto file = dir.path / "secrets.json";
  write(file, R"({"Office": "pw"})", fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  CHECK_FALSE(load_secrets(file.string(), error));
  CHECK_THAT(error, ContainsSubstring("chmod 600"));
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
  CHECK(load_secrets(file.string(), error).has_value());

  ConnectionSettings plain;
  SessionOptions options;
  apply_secrets((*s)["Office"], plain, options);
  CHECK(plain.password == "pw");
  CHECK(options.oauth_access_token.empty());
  ConnectionSettings oauth;
  oauth.auth_type = AuthType::GmailOAuth;
  oauth.oauth_account = "me@example.com";
  SessionOptions oauth_options;
  apply_secrets((*s)["Office"], oauth, oauth_options);  // a plain string is an OAuth connection's token
  CHECK(oauth_options.oauth_access_token == "pw");
  CHECK(oauth_options.oauth_user == "me@example.com");
  ConnectionSettings proxied;
  SessionOptions o3;
  apply_secrets((*s)["Proxy"], proxied, o3);
  CHECK(proxied.proxy.password == "pp");
}

TEST_CASE("modules: the saved connections by name, reread after a change, broken files left alone", "[exporter]") {
  TempDir dir;
  fs::create_directories(dir.path / "connections");
  ConnectionSettings a;
  a.name = "Alpha";
  a.address = "smtp.example.com";
  REQUIRE(save_profile_file((dir.path / "connections" / "alpha.json").string(), a).empty());
  write(dir.path / "connections" / "broken.json", "{ not json");
  ModuleStore store(dir.path);
  REQUIRE(store.find("Alpha").has_value());
  CHECK(store.find("Alpha")->address == "smtp.example.com");
  CHECK_FALSE(store.find("Beta"));
  CHECK(fs::exists(dir.path / "connections" / "broken.json"));  // not moved aside, as the window would
  a.name = "Beta";
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(save_profile_file((dir.path / "connections" / "beta.json").string(), a).empty());
  CHECK(store.find("Beta").has_value());
}

TEST_CASE("worker pool: a fixed number of workers, a bounded queue", "[exporter]") {
  std::atomic<int> running{0}, peak{0};
  std::atomic<bool> release{false};
  {
    WorkerPool pool(2, 3);
    auto job = [&] {
      int now = ++running;
      for (int p = peak.load(); now > p && !peak.compare_exchange_weak(p, now);) {
      }
      while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      --running;
    };
    int accepted = 0;
    for (int i = 0; i < 10; ++i) accepted += pool.submit(job) ? 1 : 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    CHECK(peak.load() == 2);
    CHECK(accepted <= 5);  // 2 running (or about to) + 3 queued
    CHECK(accepted >= 3);
    release.store(true);
  }
  CHECK(running.load() == 0);
}

TEST_CASE("probe service: routes, errors, and a real probe of the demo server", "[exporter]") {
  DemoServer demo;
  demo.start();
  TempDir dir;
  fs::create_directories(dir.path / "connections");
  ConnectionSettings s;
  s.name = "Demo";
  s.address = "localhost";
  s.port = demo.port();
  s.anonymous = false;
  s.username = "demo";
  s.ca_file = demo.ca_file();
  s.timeout_s = 5;
  REQUIRE(save_profile_file((dir.path / "connections" / "demo.json").string(), s).empty());
  ModuleStore modules(dir.path);
  ProbeService service(modules, {{"Demo", ModuleSecrets{"demo-password", "", "", ""}}}, 2, 10);

  auto ask = [&](const HttpRequest& r) {
    Answer answer;
    service.handle(r, answer.reply());
    return answer.wait();
  };
  CHECK(ask(get("/")).status == 404);
  CHECK(ask(get("/probe/x")).status == 404);
  auto unknown = ask(get("/probe?module=Nope"));
  CHECK(unknown.status == 400);
  CHECK_THAT(unknown.body, ContainsSubstring("unknown module \"Nope\""));
  CHECK(ask(get("/probe")).status == 400);

  auto ok = ask(get("/probe?module=Demo", {{"X-Prometheus-Scrape-Timeout-Seconds", "9"}}));
  INFO(ok.body);
  CHECK(ok.status == 200);
  CHECK_THAT(ok.content_type, ContainsSubstring("version=0.0.4"));
  CHECK_THAT(ok.body, ContainsSubstring("\nprobe_success 1\n"));
  CHECK_THAT(ok.body, ContainsSubstring("probe_tls_version_info{version=\"TLS 1.3\"} 1"));
  CHECK_THAT(ok.body, ContainsSubstring("\nsmtp_auth_success 1\n"));
  CHECK(ok.body.find("demo-password") == std::string::npos);

  auto debug = ask(get("/probe?module=Demo&debug=true"));
  CHECK_THAT(debug.body, ContainsSubstring("AUTH"));
  CHECK_THAT(debug.body, ContainsSubstring("********"));
  CHECK(debug.body.find("demo-password") == std::string::npos);
  CHECK_THAT(debug.body, ContainsSubstring("\nprobe_success 1\n"));

  auto metrics = ask(get("/metrics"));
  CHECK_THAT(metrics.body, ContainsSubstring("smtp_exporter_probes_total{result=\"success\"} 2\n"));
  CHECK_THAT(metrics.body, ContainsSubstring("smtp_exporter_probes_in_flight 0\n"));
}

TEST_CASE("probe: bounded by its deadline, reported as a timeout", "[exporter]") {
  DemoServerConfig config;
  config.fault = *parse_demo_fault("no-banner");
  DemoServer demo(config);
  demo.start();
  ProbeJob job;
  job.settings.address = "localhost";
  job.settings.port = demo.port();
  job.settings.timeout_s = 30;
  job.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(700);
  auto start = std::chrono::steady_clock::now();
  auto run = run_probe(job);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(1500));
  REQUIRE(run.result.failure.has_value());
  CHECK(run.result.failure->category == FailureCategory::Timeout);
}

TEST_CASE("http listener: answers on loopback, 404 for unknown paths, only on its address", "[exporter]") {
  HttpListener listener("127.0.0.1", 0, 64);
  std::atomic<bool> stop{false};
  HttpListener::Handler handler = [](const HttpRequest& r, const HttpReply& reply) {
    if (r.path == "/later") {
      std::thread([reply] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        reply(text_response(200, "late"));
      }).detach();
      return;
    }
    reply(text_response(r.path == "/" ? 200 : 404, "path " + r.path));
  };
  std::thread server([&] { listener.serve(handler, stop); });
  auto a = test::http_get(listener.port(), "/");
  CHECK(a.status == 200);
  CHECK(a.body == "path /\n");
  CHECK(test::http_get(listener.port(), "/nothing").status == 404);
  CHECK(test::http_get(listener.port(), "/later").body == "late\n");
  CHECK(test::http_get(listener.port(), "/", {}, "127.0.0.2").status == 0);  // bound to 127.0.0.1 only
  stop.store(true);
  listener.wake();
  server.join();
}
