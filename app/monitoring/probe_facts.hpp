#pragma once
// A finished test's facts as monitoring reports them: shared by the plugin mode (`check --nagios`) and
// the Prometheus exporter, so that both say the same thing about the same test.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtpwb/result.hpp"

namespace smtpwb::app {

struct PhaseTotal {
  std::string name;  // to_string(Phase): "dns", "connect", "ehlo", ...
  double seconds = 0;  // to the nanosecond
};

// The time of each phase in the order the phases first ran. A phase that ran twice (EHLO before and
// after STARTTLS) is added up, so that every name appears once: monitoring systems key on the name.
std::vector<PhaseTotal> phase_totals(const SessionResult& result);
double phase_seconds(const SessionResult& result, Phase phase);  // 0 when it did not run

// Seconds since the epoch of an ISO 8601 UTC time ("2027-03-01T12:00:00Z"); nullopt for other text.
std::optional<std::int64_t> unix_time(std::string_view iso8601_utc);

// Of the certificates the server sent (trust anchors from the store left out), the one that expires
// first, or nullptr (no TLS, or no certificate read).
const CertificateInfo* first_expiring(const TlsFacts& tls);
// Of a verified chain (trust anchor included), the earliest expiry; nullopt when it was not verified.
std::optional<std::int64_t> verified_chain_expiry(const TlsFacts& tls);

// "TLSv1.3" -> "TLS 1.3" (the spelling of blackbox_exporter's version label); other text unchanged.
std::string tls_version_label(std::string_view version);

// The id of the first hint, "" when there is none.
std::string first_hint_id(const SessionResult& result);

}  // namespace smtpwb::app
