#include "check/nagios.hpp"

#include <algorithm>
#include <cstdio>

#include "check/check_args.hpp"
#include "check/check_setup.hpp"
#include "monitoring/probe_facts.hpp"
#include "smtpwb/diagnose.hpp"
#include "smtpwb/log.hpp"
#include "smtpwb/printable.hpp"

namespace smtpwb::app {

namespace {

const char* status_word(PluginStatus s) {
  switch (s) {
    case PluginStatus::Ok: return "OK";
    case PluginStatus::Warning: return "WARNING";
    case PluginStatus::Critical: return "CRITICAL";
    case PluginStatus::Unknown: return "UNKNOWN";
  }
  return "UNKNOWN";
}

PluginStatus worse(PluginStatus a, PluginStatus b) { return static_cast<int>(a) >= static_cast<int>(b) ? a : b; }

// Perfdata numbers: plain decimals, no exponent, no trailing zeros ("0.0123", "1", "0").
std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6f", v);
  std::string s = buf;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
}

std::string format(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

PluginStatus time_status(double ms, const PluginThresholds& t) {
  if (t.crit_ms && ms > *t.crit_ms) return PluginStatus::Critical;
  if (t.warn_ms && ms > *t.warn_ms) return PluginStatus::Warning;
  return PluginStatus::Ok;
}

PluginStatus days_status(int days, const PluginThresholds& t) {
  if (t.cert_crit_days && days < *t.cert_crit_days) return PluginStatus::Critical;
  if (t.cert_warn_days && days < *t.cert_warn_days) return PluginStatus::Warning;
  return PluginStatus::Ok;
}

// " (WARNING: above 500 ms)" after the part a threshold is about.
std::string breach(PluginStatus s, const std::optional<int>& warn, const std::optional<int>& crit, const char* how) {
  if (s == PluginStatus::Ok) return {};
  int limit = s == PluginStatus::Critical ? *crit : *warn;
  return std::string(" (") + status_word(s) + ": " + how + " " + std::to_string(limit) + ")";
}

std::string days_text(int days) {
  if (days < 0) return "certificate expired " + std::to_string(-days) + (days == -1 ? " day ago" : " days ago");
  return "certificate expires in " + std::to_string(days) + (days == 1 ? " day" : " days");
}

std::string auth_text(const AuthFacts& auth) {
  switch (auth.result) {
    case AuthResult::Ok: return "AUTH " + auth.mechanism + " accepted";
    case AuthResult::Failed: return "AUTH " + (auth.mechanism.empty() ? std::string("failed") : auth.mechanism + " refused");
    case AuthResult::Skipped:
    case AuthResult::NotAttempted: break;
  }
  return "no AUTH";
}

std::string failure_text(const SessionResult& r) {
  const auto& f = *r.failure;
  std::string message = f.message.substr(0, std::min<std::size_t>(f.message.find_first_of("\r\n"), 300));
  std::string text = std::string(to_string(f.category)) + ": " + message;
  if (auto hint = first_hint_id(r); !hint.empty()) text += " (hint: " + hint + ")";
  return text;
}

std::string perfdata(const SessionResult& r, const PluginThresholds& t) {
  auto seconds_limit = [](const std::optional<int>& ms) { return ms ? number(*ms / 1000.0) : std::string(); };
  auto below = [](const std::optional<int>& days) { return days ? std::to_string(*days) + ":" : std::string(); };
  std::string out = "time=" + number(r.total_ms / 1000.0) + "s;" + seconds_limit(t.warn_ms) + ";" + seconds_limit(t.crit_ms) + ";0";
  if (const auto* cert = first_expiring(r.tls))
    out += " tls_days_left=" + std::to_string(cert->days_left) + "d;" + below(t.cert_warn_days) + ";" + below(t.cert_crit_days);
  for (const auto& p : phase_totals(r)) out += " phase_" + p.name + "=" + number(p.seconds) + "s";
  return out;
}

// The summary of a test that succeeded, with the status its thresholds give it.
std::string success_summary(const SessionResult& r, const PluginThresholds& t, PluginStatus& status) {
  std::vector<std::string> parts;
  parts.push_back(r.tls.used && !r.tls.version.empty() ? r.tls.version : "no TLS");
  if (r.tls.used && !r.tls.verified) parts.back() += " (certificate NOT verified)";
  if (const auto* cert = first_expiring(r.tls)) {
    auto s = days_status(cert->days_left, t);
    parts.push_back(days_text(cert->days_left) + breach(s, t.cert_warn_days, t.cert_crit_days, "fewer than"));
    status = worse(status, s);
  } else if (t.cert_warn_days || t.cert_crit_days) {
    parts.push_back("no certificate to check the days left of");
    status = PluginStatus::Unknown;
  }
  parts.push_back(auth_text(r.auth));
  auto s = time_status(r.total_ms, t);
  parts.push_back(format("%.1f ms", r.total_ms) + breach(s, t.warn_ms, t.crit_ms, "above"));
  status = worse(status, s);
  std::string text;
  for (const auto& p : parts) text += (text.empty() ? "" : ", ") + p;
  return text;
}

std::vector<std::string> long_lines(const SessionResult& r) {
  std::vector<std::string> lines;
  const auto& server = r.server;
  if (!server.banner.empty()) lines.push_back("Greeting: " + server.banner);
  if (r.tls.used && !r.tls.version.empty())
    lines.push_back("TLS: " + r.tls.version + ", " + r.tls.cipher + (r.tls.group.empty() ? "" : ", group " + r.tls.group) +
                    (r.tls.verified ? ", certificate verified" : ", certificate NOT verified"));
  for (const auto& e : r.tls.verify_errors) lines.push_back("Certificate problem: " + e);
  for (const auto& c : r.tls.chain)
    if (!c.trust_anchor) lines.push_back("Certificate " + std::to_string(c.depth) + ": " + c.subject + ", expires " + c.not_after);
  if (r.auth.result != AuthResult::NotAttempted) lines.push_back(auth_text(r.auth));
  for (const auto& h : r.hints) lines.push_back("Hint [" + h.id + "]: " + h.title + " - Fix: " + h.fix);
  std::string phases;
  for (const auto& p : phase_totals(r)) phases += (phases.empty() ? "" : ", ") + p.name + " " + format("%.1f ms", p.seconds * 1000);
  if (!phases.empty()) lines.push_back("Phases: " + phases);
  return lines;
}

PluginThresholds thresholds_of(const CheckArgs& a) { return {a.warn_ms, a.crit_ms, a.cert_warn_days, a.cert_crit_days}; }

PluginOutput run_plugin(const std::vector<std::string>& argv) {
  CheckArgs args;
  if (auto err = parse_check_args(argv, args)) return plugin_unknown(err->message);
  if (args.help) return {PluginStatus::Ok, check_usage()};
  CheckSetup setup;
  if (auto err = prepare_check(args, setup)) {
    std::string reasons;
    for (const auto& line : err->lines) reasons += (reasons.empty() ? "" : "; ") + line;
    return plugin_unknown(reasons);
  }
  if (!args.log_file.empty()) {
    if (auto err = log::open_file(args.log_file); !err.empty()) return plugin_unknown("--log-file: " + err);
  }
  setup.options.look_up_dns_facts = false;  // reported nowhere here; they would only cost time
  auto result = diag::diagnose_session(setup.settings, setup.request, setup.options);
  log::close();
  return plugin_output(result, thresholds_of(args));
}

}  // namespace

std::string plugin_text(std::string_view text) {
  std::string out;
  for (char c : visible_text(text)) {
    if (c == '|') out += "\\x7c";  // as visible_text writes bytes
    else out += c;
  }
  return out;
}

PluginOutput plugin_unknown(const std::string& reason) {
  return {PluginStatus::Unknown, "SMTP UNKNOWN - " + plugin_text(reason) + "\n"};
}

PluginOutput plugin_output(const SessionResult& r, const PluginThresholds& t) {
  PluginOutput out;
  std::string summary;
  if (r.ok) {
    out.status = PluginStatus::Ok;
    summary = success_summary(r, t, out.status);
  } else {
    const auto category = r.failure->category;
    const bool unknown = category == FailureCategory::Config || category == FailureCategory::Cancelled ||
                         category == FailureCategory::Internal;
    out.status = unknown ? PluginStatus::Unknown : PluginStatus::Critical;
    summary = failure_text(r);
  }
  std::string where = r.server.host.empty() ? "" : r.server.host + ":" + std::to_string(r.server.port) + " ";
  out.text = "SMTP " + std::string(status_word(out.status)) + " - " + plugin_text(where + summary) + " | " + perfdata(r, t) + "\n";
  for (const auto& line : long_lines(r)) out.text += plugin_text(line) + "\n";
  return out;
}

bool wants_plugin_output(const std::vector<std::string>& argv) {
  return std::find(argv.begin(), argv.end(), "--nagios") != argv.end();
}

int run_nagios_check(const std::vector<std::string>& argv) {
  PluginOutput out;
  try {
    out = run_plugin(argv);
  } catch (const std::exception& e) {
    out = plugin_unknown(std::string("internal error (please report it): ") + e.what());
  }
  std::fputs(out.text.c_str(), stdout);
  std::fflush(stdout);
  return static_cast<int>(out.status);
}

}  // namespace smtpwb::app
