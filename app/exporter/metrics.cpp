#include "exporter/metrics.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>

#include "monitoring/probe_facts.hpp"
#include "smtpwb/printable.hpp"

namespace smtpwb::app {

namespace {

// Go's asn1.Marshal of a string without a declared type: PrintableString when every character is in
// its set, otherwise UTF8String.
std::string go_der_string(const std::string& value) {
  bool printable = true;
  for (unsigned char c : value)
    if (!(std::isalnum(c) || std::string_view(" '()+,-./:=?").find(static_cast<char>(c)) != std::string_view::npos)) printable = false;
  std::string der(1, static_cast<char>(printable ? 0x13 : 0x0c));
  std::size_t n = value.size();
  if (n < 128) {
    der += static_cast<char>(n);
  } else {
    std::string len;
    for (; n; n >>= 8) len.insert(len.begin(), static_cast<char>(n & 0xff));
    der += static_cast<char>(0x80 | len.size());
    der += len;
  }
  return der + value;
}

std::string hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

// RFC 2253 escaping as Go applies it to a value.
std::string go_escape(const std::string& v) {
  std::string out;
  for (std::size_t k = 0; k < v.size(); ++k) {
    char c = v[k];
    bool escape = std::string_view(",+\"\\<>;").find(c) != std::string_view::npos || (c == ' ' && (k == 0 || k + 1 == v.size())) ||
                  (c == '#' && k == 0);
    if (escape) out += '\\';
    out += c;
  }
  return out;
}

std::string lower_hex_without_colons(const std::string& fingerprint) {
  std::string out;
  for (char c : fingerprint)
    if (c != ':') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string dns_names(const CertificateInfo& c) {
  std::string out;
  for (const auto& san : c.subject_alt_names)
    if (san.rfind("DNS:", 0) == 0) out += (out.empty() ? "" : ",") + san.substr(4);
  return out;
}

void add_tls_metrics(MetricsText& m, const TlsFacts& tls) {
  if (const auto* first = first_expiring(tls))
    m.add("probe_ssl_earliest_cert_expiry", "gauge", "Earliest expiry of the certificates the server sent, in Unix seconds",
          static_cast<double>(*unix_time(first->not_after)));
  if (auto last = verified_chain_expiry(tls))
    m.add("probe_ssl_last_chain_expiry_timestamp_seconds", "gauge",
          "Earliest expiry in the verified certificate chain, in Unix seconds", static_cast<double>(*last));
  if (!tls.version.empty())
    m.add("probe_tls_version_info", "gauge", "The TLS version used", 1, {{"version", tls_version_label(tls.version)}});
  if (!tls.chain.empty() && tls.chain.front().depth == 0) {
    const auto& leaf = tls.chain.front();
    m.add("probe_ssl_last_chain_info", "gauge", "The server certificate's SHA-256 fingerprint, subject, issuer and DNS names", 1,
          {{"fingerprint_sha256", lower_hex_without_colons(leaf.sha256_fingerprint)},
           {"issuer", go_name_string(leaf.issuer_attributes)},
           {"subject", go_name_string(leaf.subject_attributes)},
           {"subjectalternative", dns_names(leaf)}});
  }
}

void add_smtp_metrics(MetricsText& m, const SessionResult& r, const ProbeContext& c) {
  for (const auto& p : phase_totals(r))
    m.add("smtp_phase_duration_seconds", "gauge", "Time of each phase of the SMTP test (EHLO before and after STARTTLS added up)",
          p.seconds, {{"phase", p.name}});
  if (c.authenticates)
    m.add("smtp_auth_success", "gauge", "1 when the server accepted the credentials, 0 when it refused them or the test ended before",
          r.auth.result == AuthResult::Ok ? 1 : 0);
  m.add("smtp_reply_code", "gauge", "The SMTP reply code that failed the test, 0 when no reply failed it",
        r.failure ? r.failure->reply_code : 0);
  if (r.failure)
    m.add("smtp_failure_info", "gauge", "The failed test's category and first hint id (see the hint catalogue)", 1,
          {{"category", std::string(to_string(r.failure->category))}, {"hint", first_hint_id(r)}});
  if (c.starttls)
    m.add("smtp_starttls_injection", "gauge", "1 when the server sent bytes after its 220 to STARTTLS, before the handshake",
          r.tls.starttls_injection ? 1 : 0);
}

}  // namespace

void MetricsText::add(const std::string& name, std::string_view type, std::string_view help, double value, const Labels& labels) {
  if (described_.insert(name).second) {
    out_ += "# HELP " + name + " " + std::string(help) + "\n";
    out_ += "# TYPE " + name + " " + std::string(type) + "\n";
  }
  out_ += name;
  if (!labels.empty()) {
    out_ += '{';
    for (std::size_t i = 0; i < labels.size(); ++i)
      out_ += (i ? "," : "") + labels[i].first + "=\"" + escape_label_value(labels[i].second) + "\"";
    out_ += '}';
  }
  out_ += " " + metric_number(value) + "\n";
}

std::string escape_label_value(std::string_view value) {
  std::string out;
  for (char c : visible_text(value)) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string metric_number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return ec == std::errc() ? std::string(buf, end) : "NaN";
}

std::string go_name_string(const std::vector<NameAttribute>& attributes) {
  // Go's order of the parsed attributes (Name.ToRDNSequence); printed last to first.
  static const std::vector<std::pair<std::string, std::string>> kKnown = {
      {"2.5.4.6", "C"},  {"2.5.4.8", "ST"},  {"2.5.4.7", "L"},  {"2.5.4.9", "STREET"}, {"2.5.4.17", "POSTALCODE"},
      {"2.5.4.10", "O"}, {"2.5.4.11", "OU"}, {"2.5.4.3", "CN"}, {"2.5.4.5", "SERIALNUMBER"}};
  std::vector<std::string> rdns;  // in Go's sequence order
  for (const auto& a : attributes)
    if (std::none_of(kKnown.begin(), kKnown.end(), [&](const auto& k) { return k.first == a.oid; }))
      rdns.push_back(a.oid + "=#" + hex(go_der_string(a.value)));
  for (const auto& [oid, short_name] : kKnown) {
    std::vector<std::string> values;
    for (const auto& a : attributes)
      if (a.oid == oid) values.push_back(a.value);
    if ((oid == "2.5.4.3" || oid == "2.5.4.5") && values.size() > 1) values.erase(values.begin(), values.end() - 1);  // Go keeps the last
    std::string rdn;
    for (const auto& v : values) rdn += (rdn.empty() ? "" : "+") + short_name + "=" + go_escape(v);
    if (!rdn.empty()) rdns.push_back(rdn);
  }
  std::string out;
  for (auto it = rdns.rbegin(); it != rdns.rend(); ++it) out += (out.empty() ? "" : ",") + *it;
  return out;
}

std::string probe_metrics(const SessionResult& r, const ProbeContext& c) {
  MetricsText m;
  m.add("probe_success", "gauge", "1 when the SMTP test succeeded", r.ok ? 1 : 0);
  m.add("probe_duration_seconds", "gauge", "How long the probe took, in seconds", c.duration_seconds);
  m.add("probe_dns_lookup_time_seconds", "gauge", "How long resolving the server's name took, in seconds",
        phase_seconds(r, Phase::Resolve));
  add_tls_metrics(m, r.tls);
  add_smtp_metrics(m, r, c);
  return m.text();
}

std::string exporter_metrics(const ExporterStats& s) {
  MetricsText m;
  const char* probes_help = "Probes answered, by result";
  m.add("smtp_exporter_probes_total", "counter", probes_help, static_cast<double>(s.probes_success), {{"result", "success"}});
  m.add("smtp_exporter_probes_total", "counter", probes_help, static_cast<double>(s.probes_failure), {{"result", "failure"}});
  m.add("smtp_exporter_probes_rejected_total", "counter", "Probes refused with 503 because the queue was full or they waited past their deadline",
        static_cast<double>(s.rejected_busy));
  m.add("smtp_exporter_probes_in_flight", "gauge", "Probes accepted and not yet answered (running and queued)",
        static_cast<double>(s.running + s.queued));
  m.add("smtp_exporter_probes_running", "gauge", "Probes running now", static_cast<double>(s.running));
  m.add("smtp_exporter_probes_queued", "gauge", "Probes waiting for a worker", static_cast<double>(s.queued));
  m.add("smtp_exporter_max_concurrent", "gauge", "Probes that run at once at most (--max-concurrent)", s.max_concurrent);
  return m.text();
}

}  // namespace smtpwb::app
