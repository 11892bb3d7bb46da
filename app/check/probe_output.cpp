#include "check/probe_output.hpp"

#include <cstdio>

namespace smtpwb::app {

namespace {

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : " ") + i;
  return out.empty() ? "-" : out;
}

std::string outcome_text(const TlsProbeRow& r) {
  switch (r.outcome) {
    case TlsProbeRow::Outcome::Offered: return "offered";
    case TlsProbeRow::Outcome::NotOffered: return "not offered";
    case TlsProbeRow::Outcome::Error: return "error";
  }
  return "?";
}

}  // namespace

std::string format_tls_probe(const ProbeTarget& t, const std::vector<TlsProbeRow>& rows) {
  std::string out = "=== TLS version probe of " + t.host + ":" + std::to_string(t.port) +
                    (t.mode == SecurityMode::Explicit ? " (STARTTLS)" : " (implicit TLS)") + "\n";
  for (const auto& r : rows) {
    out += "    " + pad(std::string(display_name(r.version)), 10) + pad(outcome_text(r), 14) +
           (r.offered() ? r.cipher : r.detail);
    if (r.risk()) out += "   RISK: deprecated (RFC 8996), disable it on the server";
    out += "\n";
  }
  return out;
}

std::string format_find_settings(const FinderTarget& t, const std::vector<FinderRow>& rows,
                                 const std::optional<Recommendation>& rec) {
  std::string out = "=== Find settings for " + t.host + "\n";
  out += "    " + pad("port", 7) + pad("mode", 10) + pad("result", 8) + pad("STARTTLS", 10) + pad("AUTH before TLS", 20) +
         pad("AUTH after TLS", 20) + pad("TLS", 9) + "banner / error\n";
  for (const auto& r : rows) {
    out += "    " + pad(std::to_string(r.port), 7) + pad(std::string(to_string(r.mode)), 10) + pad(r.works() ? "ok" : "fails", 8) +
           pad(r.mode == FinderMode::Implicit ? "-" : (r.starttls ? "yes" : "no"), 10) + pad(join(r.auth_before_tls), 20) +
           pad(join(r.auth_after_tls), 20) + pad(r.tls_version.empty() ? "-" : r.tls_version, 9) +
           (r.works() ? r.banner : r.error) + "\n";
  }
  if (rec)
    out += "Recommended: port " + std::to_string(rec->port) + ", " + std::string(to_string(rec->mode)) + " (" + rec->reason + ")\n";
  else
    out += "Recommended: nothing; no port and mode worked\n";
  return out;
}

}  // namespace smtpwb::app
