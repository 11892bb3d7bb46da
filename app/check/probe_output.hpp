#pragma once
// Text output of the probes for `check`: the TLS version grid and the port finder's table. Pure.
#include <optional>
#include <string>
#include <vector>

#include "smtpwb/port_finder.hpp"
#include "smtpwb/result.hpp"
#include "smtpwb/tls_probe.hpp"

namespace smtpwb::app {

// One line per version ("    TLS 1.0   offered       TLS-RSA-WITH-AES-128-CBC-SHA   RISK: deprecated").
std::string format_tls_probe(const ProbeTarget& target, const std::vector<TlsProbeRow>& rows);
// A table row per port and mode, then "Recommended: ..." (or why nothing works).
std::string format_find_settings(const FinderTarget& target, const std::vector<FinderRow>& rows,
                                 const std::optional<Recommendation>& rec);

// "=== Plain-text probe of host:port (before TLS, no credentials)" and a line per finding.
std::string format_plaintext_probe(const ConnectionSettings& settings, const PlaintextProbeFacts& probe);

}  // namespace smtpwb::app
