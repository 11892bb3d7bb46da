#pragma once
// JSON of the probes for `check --json`: "tls_probe" (--probe-tls), "find_settings" and "recommended"
// (--find-settings). Field names are a contract with scripts outside the repository.
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "smtpwb/port_finder.hpp"
#include "smtpwb/tls_probe.hpp"

namespace smtpwb {

// {"ssl2": {"offered": false, "cipher": null, "error": "protocol_version alert", "risk": false}, ...}
nlohmann::ordered_json tls_probe_json(const std::vector<TlsProbeRow>& rows);
// [{"port": 587, "mode": "starttls", "reachable": true, "banner": ..., "starttls": true,
//   "auth_before_tls": [], "auth_after_tls": ["PLAIN"], "tls_version": "TLSv1.3", "error": null}, ...]
nlohmann::ordered_json find_settings_json(const std::vector<FinderRow>& rows);
// {"port": 465, "mode": "implicit", "reason": "..."} or null
nlohmann::ordered_json recommendation_json(const std::optional<Recommendation>& rec);

}  // namespace smtpwb
