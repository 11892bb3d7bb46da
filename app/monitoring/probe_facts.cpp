#include "monitoring/probe_facts.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "smtpwb/platform.hpp"

namespace smtpwb::app {

namespace {
// Milliseconds to seconds, to the nanosecond (the clock's resolution): sums of parts print short.
double seconds_of(double ms) { return std::round(ms * 1e6) / 1e9; }
}  // namespace

std::vector<PhaseTotal> phase_totals(const SessionResult& result) {
  std::vector<PhaseTotal> out;
  for (const auto& p : result.phases) {
    std::string name(to_string(p.phase));
    auto it = std::find_if(out.begin(), out.end(), [&](const PhaseTotal& t) { return t.name == name; });
    if (it == out.end()) out.push_back({name, p.duration_ms});
    else it->seconds += p.duration_ms;
  }
  for (auto& t : out) t.seconds = seconds_of(t.seconds);
  return out;
}

double phase_seconds(const SessionResult& result, Phase phase) {
  double total = 0;
  for (const auto& p : result.phases)
    if (p.phase == phase) total += p.duration_ms;
  return seconds_of(total);
}

std::optional<std::int64_t> unix_time(std::string_view iso) {
  std::tm tm{};
  int consumed = 0;
  std::string text(iso);
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &consumed) != 6 ||
      consumed != static_cast<int>(text.size()))
    return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<std::int64_t>(platform::from_utc(tm));
}

const CertificateInfo* first_expiring(const TlsFacts& tls) {
  const CertificateInfo* first = nullptr;
  std::int64_t first_at = 0;
  for (const auto& c : tls.chain) {
    auto at = unix_time(c.not_after);
    if (c.trust_anchor || !at) continue;
    if (!first || *at < first_at) {
      first = &c;
      first_at = *at;
    }
  }
  return first;
}

std::optional<std::int64_t> verified_chain_expiry(const TlsFacts& tls) {
  if (!tls.verified) return std::nullopt;
  std::optional<std::int64_t> earliest;
  for (const auto& c : tls.chain)
    if (auto at = unix_time(c.not_after); at && (!earliest || *at < *earliest)) earliest = at;
  return earliest;
}

std::string tls_version_label(std::string_view version) {
  if (version.rfind("TLSv", 0) == 0) return "TLS " + std::string(version.substr(4));
  return std::string(version);
}

std::string first_hint_id(const SessionResult& result) { return result.hints.empty() ? std::string() : result.hints.front().id; }

}  // namespace smtpwb::app
