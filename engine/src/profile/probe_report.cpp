#include "smtpwb/probe_report.hpp"

namespace smtpwb {

using json = nlohmann::ordered_json;

namespace {
json text_or_null(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }
}  // namespace

json tls_probe_json(const std::vector<TlsProbeRow>& rows) {
  json out = json::object();
  for (const auto& r : rows)
    out[std::string(to_string(r.version))] = {{"offered", r.offered()},
                                              {"cipher", r.offered() ? text_or_null(r.cipher) : json(nullptr)},
                                              {"error", r.offered() ? json(nullptr) : text_or_null(r.detail)},
                                              {"risk", r.risk()}};
  return out;
}

json find_settings_json(const std::vector<FinderRow>& rows) {
  json out = json::array();
  for (const auto& r : rows)
    out.push_back({{"port", r.port},
                   {"mode", finder_mode_name(r.mode)},
                   {"reachable", r.reachable},
                   {"banner", text_or_null(r.banner)},
                   {"starttls", r.starttls},
                   {"auth_before_tls", r.auth_before_tls},
                   {"auth_after_tls", r.auth_after_tls},
                   {"tls_version", text_or_null(r.tls_version)},
                   {"error", text_or_null(r.error)}});
  return out;
}

json recommendation_json(const std::optional<Recommendation>& rec) {
  if (!rec) return nullptr;
  return {{"port", rec->port}, {"mode", finder_mode_name(rec->mode)}, {"reason", rec->reason}};
}

}  // namespace smtpwb
