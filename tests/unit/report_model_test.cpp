// One report model: the JSON report, from which the Markdown and HTML reports are rendered. Every fact
// of the JSON must appear in the other two, so the three never disagree (they once left out the proxy,
// the message and the MX records).
#include <catch2/catch_test_macros.hpp>

#include <cmath>

#include "smtpwb/event_format.hpp"
#include "smtpwb/export.hpp"
#include "smtpwb/hints.hpp"
#include "smtpwb/printable.hpp"
#include "smtpwb/report.hpp"

using namespace smtpwb;
using json = nlohmann::ordered_json;

namespace {

ConnectionSettings settings() {
  ConnectionSettings s;
  s.name = "Branch office";
  s.address = "smtp.example.com";
  s.port = 587;
  s.anonymous = false;
  s.username = "alice@example.com";
  s.password = "Never-Shown-42";
  s.proxy.type = ProxyType::Socks5;
  s.proxy.address = "proxy.example.net";
  s.proxy.port = 1085;
  return s;
}

TestRequest request() {
  TestRequest r;
  r.message = MessageSpec{"alice@example.com", {"bob@example.org", "carol@example.org"}, "Report test", "Body"};
  return r;
}

SessionResult result() {
  SessionResult r;
  r.total_ms = 812.25;
  r.phases = {{Phase::Resolve, 0, 1.5}, {Phase::Proxy, 1.5, 20.75}, {Phase::Data, 700, 100}};
  r.server.host = "smtp.example.com";
  r.server.port = 587;
  r.server.resolved = {"192.0.2.10", "2001:db8::10"};
  r.server.connected_address = "192.0.2.10";
  r.server.reverse_dns = "mail-out.example.com";
  r.server.mail_domain = "example.com";
  r.server.mx = {{10, "mx1.example.com"}, {20, "mx2.example.com"}};
  r.server.banner = "smtp.example.com ESMTP ready";
  r.server.ehlo_name = "laptop.example.org";
  r.server.capabilities_before_tls = {"PIPELINING", "STARTTLS"};
  r.server.capabilities_after_tls = {"AUTH PLAIN LOGIN", "SIZE 35882577"};
  r.proxy = {true, "socks5", "proxy.example.net", 1085, "198.51.100.5", ResolvedBy::Client, ProxyResult::Ok, 0, "succeeded"};
  r.tls.used = true;
  r.tls.version = "TLSv1.3";
  r.tls.cipher = "TLS_AES_256_GCM_SHA384";
  r.tls.group = "x25519";
  r.tls.sni = "smtp.example.com";
  r.tls.verified = true;
  r.tls.san_match = "DNS:smtp.example.com";
  r.tls.server_versions = {"TLS 1.0"};
  CertificateInfo leaf;
  leaf.subject = "CN=smtp.example.com";
  leaf.issuer = "CN=Example Issuing CA";
  leaf.subject_alt_names = {"smtp.example.com", "smtp2.example.com"};
  leaf.not_before = "2024-01-01T00:00:00Z";
  leaf.not_after = "2031-01-01T00:00:00Z";
  leaf.days_left = 1234;
  leaf.key_type = "EC";
  leaf.key_bits = 256;
  leaf.signature_algorithm = "ecdsa-with-SHA256";
  leaf.sha256_fingerprint = "AB:CD:EF";
  r.tls.chain = {leaf};
  r.auth.mechanism = "PLAIN";
  r.auth.result = AuthResult::Ok;
  r.auth.offered = {"PLAIN", "LOGIN"};
  r.auth.permitted = {"PLAIN"};
  r.auth.steps = {{"client", "AUTH PLAIN ********"}, {"server", "235 2.7.0 Authentication successful"}};
  r.message = {true, true, "UTF-8", "quoted-printable", 4321, "250 2.0.0 Ok: queued as 4XyZ"};
  for (auto [t_us, dir, text] : {std::tuple{1500, Dir::Info, "Connecting through the proxy"},
                                 std::tuple{22250, Dir::Server, "220 smtp.example.com ESMTP ready"},
                                 std::tuple{812250, Dir::Client, "QUIT"}}) {
    Event e;
    e.t_us = t_us;
    e.dir = dir;
    e.text = text;
    r.transcript.push_back(e);
  }
  r.ok = true;
  r.hints = HintCatalogue::builtin().match(settings(), r);
  return r;
}

// Every leaf of the model with its path: strings, numbers and the elements of lists.
void leaves(const json& node, const std::string& path, std::vector<std::pair<std::string, json>>& out) {
  if (node.is_object())
    for (const auto& item : node.items()) leaves(item.value(), path + "/" + item.key(), out);
  else if (node.is_array())
    for (std::size_t i = 0; i < node.size(); ++i) leaves(node[i], path + "/" + std::to_string(i), out);
  else
    out.emplace_back(path, node);
}

// How a leaf reads in a human report; empty for leaves that have no text of their own (yes/no, none)
// and for the transcript's, which are checked line by line.
std::string shown(const std::string& path, const json& v) {
  if (path.starts_with("/transcript/")) return {};
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<long long>());
  if (v.is_number_float()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f ms", v.get<double>());
    return buf;
  }
  return {};
}

}  // namespace

TEST_CASE("Report model: every fact of the JSON appears in the Markdown and the HTML", "[report][export]") {
  const auto report = report_json(settings(), request(), result());
  const auto md = report_markdown(report);
  const auto html = report_html(report);
  CHECK(md == report_markdown(settings(), request(), result()));
  CHECK(html == report_html(settings(), request(), result()));
  std::vector<std::pair<std::string, json>> all;
  leaves(report, "", all);
  REQUIRE(all.size() > 100);
  std::size_t checked = 0;
  for (const auto& [path, value] : all) {
    const std::string text = shown(path, value);
    if (text.empty()) continue;
    INFO(path << " = " << text);
    // In a table cell, or (transcript lines) in the preformatted block.
    CHECK((md.find(markdown_cell(text)) != std::string::npos || md.find(visible_text(text)) != std::string::npos));
    CHECK(html.find(html_escape(text)) != std::string::npos);
    ++checked;
  }
  CHECK(checked > 80);
  // A transcript line shows its time, direction and TLS as the exported transcript always did:
  // "[    1.500] <~  text". (Its phase is in the timeline, not on the line.)
  for (const auto& line : report["transcript"]) {
    Event e;
    e.t_us = std::llround(line["t_ms"].get<double>() * 1000.0);
    e.dir = line["dir"] == "client" ? Dir::Client : line["dir"] == "server" ? Dir::Server : Dir::Info;
    e.in_tls = line["tls"].get<bool>();
    e.text = line["text"].get<std::string>();
    INFO(format_line(e));
    CHECK(md.find(format_line(e) + "\n") != std::string::npos);
    CHECK(html.find(html_escape(format_line(e))) != std::string::npos);
  }
}

TEST_CASE("Report model: proxy, message and MX facts are in all three formats", "[report][export]") {
  const auto report = report_json(settings(), request(), result());
  const auto md = report_markdown(report);
  const auto html = report_html(report);
  CHECK(report["proxy"]["connected_address"] == "198.51.100.5");
  CHECK(report["server"]["mx"][1]["exchange"] == "mx2.example.com");
  CHECK(report["message"]["server_reply"] == "250 2.0.0 Ok: queued as 4XyZ");
  CHECK(report["message"]["to"] == json::array({"bob@example.org", "carol@example.org"}));
  for (const auto* doc : {&md, &html}) {
    for (const char* fact : {"198.51.100.5", "mx2.example.com", "Ok: queued as 4XyZ", "quoted-printable", "carol@example.org",
                             "mail-out.example.com"})
      CHECK(doc->find(fact) != std::string::npos);
    CHECK(doc->find("Never-Shown-42") == std::string::npos);
  }
  for (const char* heading : {"## Proxy", "## Message", "### MX records of the mail domain", "## Transcript"})
    CHECK(md.find(heading) != std::string::npos);
  CHECK(md.find("| 20 | mx2.example.com |") != std::string::npos);
}

TEST_CASE("Report model: facts added to the JSON later are rendered too", "[report][export]") {
  auto report = report_json(settings(), request(), result());
  report["tls_probe"] = {{"TLS 1.0", {{"offered", true}, {"cipher", "ECDHE-RSA-AES128-SHA"}, {"risk", "deprecated"}}}};
  const auto md = report_markdown(report);
  CHECK(md.find("## TLS probe") != std::string::npos);
  CHECK(md.find("ECDHE-RSA-AES128-SHA") != std::string::npos);
  CHECK(report_html(report).find("ECDHE-RSA-AES128-SHA") != std::string::npos);
}

TEST_CASE("Report model: without proxy, TLS or message the sections say so", "[report][export]") {
  ConnectionSettings s;
  s.address = "mx.example.org";
  SessionResult r;
  const auto md = report_markdown(s, {}, r);
  CHECK(md.find("No proxy was used.") != std::string::npos);
  CHECK(md.find("TLS was not used.") != std::string::npos);
  CHECK(md.find("No message was sent.") != std::string::npos);
  CHECK(md.rfind("# SMTP Workbench report: mx.example.org:25 (failed)\n", 0) == 0);
}

TEST_CASE("Report model: the NTLM version in all three formats, null without NTLM", "[report][export][ntlm]") {
  CHECK(report_json(settings(), request(), result())["auth"]["ntlm_version"].is_null());
  auto r = result();
  r.auth.mechanism = "NTLM";
  r.auth.ntlm_version = "NTLMv1";
  const auto report = report_json(settings(), request(), r);
  CHECK(report["auth"]["ntlm_version"] == "NTLMv1");
  const auto md = report_markdown(report);
  CHECK(md.find("| NTLM version | NTLMv1 |") != std::string::npos);
  const auto html = report_html(report);
  CHECK(html.find("NTLM version") != std::string::npos);
  CHECK(html.find("NTLMv1") != std::string::npos);
}
