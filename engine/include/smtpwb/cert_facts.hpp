#pragma once
// Pure certificate facts for the inspector: which subjectAltName matches the name used, days left.
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

namespace smtpwb {

// The SAN entry ("DNS:*.example.com", "IP:192.0.2.1") that matches name under RFC 6125 rules (case-
// insensitive; a wildcard only as the whole left-most label, matching exactly one label), or "" for none.
std::string matching_san(const std::vector<std::string>& subject_alt_names, std::string_view name);

// Whole days from now until an ISO 8601 UTC time ("2026-03-01T12:00:00Z"); negative once passed.
// Returns 0 for text that is not such a time.
int days_until(const std::string& iso8601_utc, std::time_t now);

}  // namespace smtpwb
