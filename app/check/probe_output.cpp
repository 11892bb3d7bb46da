#include "check/probe_output.hpp"

#include <algorithm>

#include "smtpwb/printable.hpp"

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
  std::string out = "=== TLS version probe of " + t.route.host + ":" + std::to_string(t.port) +
                    " (" + std::string(display_name(t.security)) + ")\n";
  for (const auto& r : rows) {
    out += "    " + pad(std::string(display_name(r.version)), 10) + pad(outcome_text(r), 14) +
           visible_text(r.offered() ? r.cipher : r.detail);
    if (r.risk()) out += "   RISK: deprecated (RFC 8996), disable it on the server";
    out += "\n";
  }
  return out;
}

std::string format_find_settings(const FinderTarget& t, const std::vector<FinderRow>& rows,
                                 const std::optional<Recommendation>& rec) {
  std::vector<std::vector<std::string>> table = {
      {"port", "mode", "result", "STARTTLS", "AUTH before TLS", "AUTH after TLS", "TLS", "banner / error"}};
  for (const auto& r : rows) {
    bool greeted = !r.banner.empty();
    table.push_back({std::to_string(r.port), std::string(finder_mode_name(r.mode)), r.works() ? "ok" : "fails",
                     r.mode == Security::Implicit || !greeted ? "-" : (r.starttls ? "yes" : "no"), join(r.auth_before_tls),
                     join(r.auth_after_tls), r.tls_version.empty() ? "-" : r.tls_version, r.works() ? r.banner : r.error});
    for (auto& cell : table.back()) cell = visible_text(cell);  // banners and errors quote the server
  }
  std::vector<std::size_t> width(table.front().size(), 0);
  for (const auto& line : table)
    for (std::size_t c = 0; c < line.size(); ++c) width[c] = std::max(width[c], line[c].size());
  std::string out = "=== Find settings for " + t.route.host + "\n";
  for (const auto& line : table) {
    out += "    ";
    for (std::size_t c = 0; c + 1 < line.size(); ++c) out += pad(line[c], width[c] + 2);
    out += line.back() + "\n";
  }
  if (rec)
    out += "Recommended: port " + std::to_string(rec->port) + ", " + std::string(finder_mode_name(rec->mode)) + " (" + rec->reason + ")\n";
  else
    out += "Recommended: nothing; no port and mode worked\n";
  return out;
}

std::string format_plaintext_probe(const ConnectionSettings& s, const PlaintextProbeFacts& p) {
  std::string out = "=== Plain-text probe of " + s.address + ":" + std::to_string(s.port) + " (before TLS, no credentials)\n";
  if (!p.error.empty()) return out + "    failed: " + visible_text(p.error) + "\n";
  out += "    AUTH advertised  " + std::string(p.auth_advertised ? "yes: " + visible_text(join(p.auth_mechanisms)) : "no") + "\n";
  out += "    MAIL FROM        " + std::string(p.mail_accepted ? "accepted" : "refused") + " (<" + visible_text(p.sender) +
         ">: " + visible_text(p.mail_reply) + ")\n";
  return out;
}

}  // namespace smtpwb::app
